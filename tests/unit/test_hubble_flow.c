/* SPDX-License-Identifier: BSD-2-Clause */
/* Hubble flows (format/hubble/flow.h): every real sample line goes jsonpb
 * -> message -> protobuf bytes -> message -> jsonpb and comes back as the
 * same JSON object; malformed protobuf and malformed lines are refused
 * with the reason, the offset and the field path, never a crash. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format/hubble/flow.h"

#ifndef FR_HUBBLE_FIXTURES
#error "FR_HUBBLE_FIXTURES: the folder of the sample jsonpb files"
#endif

#define RESP (&observer__get_flows_response__descriptor)
#define FLOW (&flow__flow__descriptor)

static const char *const samples[] = {
	"cilium-docs__hubble-exporter-drops.jsonl",
	"hubble-otel__basic-sample-10-flows.jsonl",
	"hubble-otel__basic-sample-400-tcp-flows.first100.jsonl",
	"hubble-otel__basic-sample-5-dns-flows.jsonl",
	"hubble-otel__basic-sample-5-http-flows.jsonl",
};
static const unsigned sample_lines[] = {2, 10, 100, 5, 5};

/* line -> message -> bytes -> message -> JSON must equal the line's JSON */
static void roundtrip_line(const char *line, size_t len, const char *where)
{
	struct fr_hubble_error e;
	ProtobufCMessage *m = NULL, *m2 = NULL;
	uint8_t *buf = NULL;
	size_t n = 0;
	json_t *want, *got = NULL;
	char d[256];

	want = json_loadb(line, len, 0, NULL);
	assert_non_null(want);
	if (fr_hubble__parse_line(RESP, line, len, &m, &e))
		fail_msg("%s: %s", where, fr_hubble__describe(&e, d, sizeof(d)));
	assert_int_equal(e.unknown_keys, 0);
	assert_int_equal(e.unknown_enums, 0);
	assert_int_equal(fr_hubble__encode(m, &buf, &n), 0);
	if (fr_hubble__decode(RESP, buf, n, &m2, &e))
		fail_msg("%s: %s", where, fr_hubble__describe(&e, d, sizeof(d)));
	assert_int_equal(fr_hubble__to_json(m2, &got, &e), 0);
	if (!json_equal(want, got)) {
		char *a = json_dumps(want, JSON_SORT_KEYS), *b = json_dumps(got, JSON_SORT_KEYS);

		fail_msg("%s differs:\n%s\n%s", where, a, b);
	}
	/* the flow alone decodes too, from its own bytes */
	{
		Observer__GetFlowsResponse *r = (Observer__GetFlowsResponse *)m2;
		ProtobufCMessage *f = NULL;
		uint8_t *fb;
		size_t fn;

		assert_int_equal(r->response_types_case,
				 OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW);
		assert_int_equal(fr_hubble__encode(&r->flow->base, &fb, &fn), 0);
		assert_int_equal(fr_hubble__decode(FLOW, fb, fn, &f, &e), 0);
		assert_int_equal(((Flow__Flow *)f)->time->seconds, r->flow->time->seconds);
		fr_hubble__free(f);
		free(fb);
	}
	json_decref(want);
	json_decref(got);
	free(buf);
	fr_hubble__free(m);
	fr_hubble__free(m2);
}

static void test_samples_roundtrip(void **state)
{
	unsigned total = 0;

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		char path[4096], where[4200], *line = NULL;
		size_t cap = 0;
		ssize_t len;
		unsigned k = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", FR_HUBBLE_FIXTURES, samples[i]);
		f = fopen(path, "r");
		assert_non_null(f);
		while ((len = getline(&line, &cap, f)) > 0) {
			snprintf(where, sizeof(where), "%s:%u", samples[i], ++k);
			roundtrip_line(line, (size_t)len, where);
		}
		free(line);
		fclose(f);
		assert_int_equal(k, sample_lines[i]);
		total += k;
	}
	assert_int_equal(total, 122);
}

/* A sample response's bytes, for the malformed cases. */
static uint8_t *sample_bytes(size_t *n)
{
	const char *line = "{\"flow\":{\"time\":\"2023-08-21T12:12:18.510175415Z\",\"verdict\":"
			   "\"DROPPED\",\"l4\":{\"TCP\":{\"source_port\":44916,\"flags\":{\"SYN\":"
			   "true}}},\"source\":{\"pod_name\":\"xwing\"},\"drop_reason_desc\":"
			   "\"POLICY_DENIED\"},\"node_name\":\"kind-worker\"}";
	ProtobufCMessage *m;
	uint8_t *buf;

	assert_int_equal(fr_hubble__parse_line(RESP, line, strlen(line), &m, NULL), 0);
	assert_int_equal(fr_hubble__encode(m, &buf, n), 0);
	fr_hubble__free(m);
	return buf;
}

static int decode_code(const uint8_t *b, size_t n, struct fr_hubble_error *e)
{
	ProtobufCMessage *m = NULL;
	int rc = fr_hubble__decode(RESP, b, n, &m, e);

	fr_hubble__free(m);
	return rc;
}

static void test_truncated(void **state)
{
	struct fr_hubble_error e;
	size_t n, refused = 0;
	uint8_t *b = sample_bytes(&n);

	/* every prefix: decoded (it ends between top-level fields) or refused
	 * as truncated inside the message it cuts */
	for (size_t k = 0; k < n; k++) {
		int rc = decode_code(b, k, &e);

		if (rc) {
			assert_int_equal(rc, -EBADMSG);
			assert_int_equal(e.code, FR_HUBBLE_ETRUNC);
			assert_true(e.offset < k);
			refused++;
		}
	}
	assert_true(refused > n / 2);
	/* cut inside the flow: the path names it */
	assert_int_equal(decode_code(b, n - 20, &e), -EBADMSG);
	assert_string_equal(e.path, "flow");
	free(b);
}

static void test_wire_errors(void **state)
{
	struct fr_hubble_error e;
	/* field 1 (flow, a message) sent as a varint */
	static const uint8_t wrong_wt[] = {0x08, 0x01};
	/* flow with a length of 2^32-1 */
	static const uint8_t oversized[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
	/* an 11-byte varint tag */
	static const uint8_t long_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff, 0xff, 0x01};
	static const uint8_t field0[] = {0x00, 0x01};
	static const uint8_t group[] = {0x0b, 0x0c};
	static const uint8_t wt7[] = {0x0f};
	/* node_name (1000) holding an invalid UTF-8 byte, then a NUL */
	static const uint8_t bad_utf8[] = {0xc2, 0x3e, 0x02, 'a', 0xff};
	static const uint8_t nul_str[] = {0xc2, 0x3e, 0x02, 'a', 0x00};
	/* flow { verdict (2) as a 4-byte fixed32 } */
	static const uint8_t inner_wt[] = {0x0a, 0x05, 0x15, 1, 0, 0, 0};

	assert_int_equal(decode_code(wrong_wt, sizeof(wrong_wt), &e), -EBADMSG);
	assert_int_equal(e.code, FR_HUBBLE_EWIRETYPE);
	assert_string_equal(e.path, "flow");
	assert_int_equal(decode_code(oversized, sizeof(oversized), &e), -EBADMSG);
	assert_int_equal(e.code, FR_HUBBLE_ETRUNC);
	assert_int_equal(decode_code(long_varint, sizeof(long_varint), &e), -EBADMSG);
	assert_int_equal(e.code, FR_HUBBLE_EVARINT);
	assert_int_equal(decode_code(field0, sizeof(field0), &e), -EBADMSG);
	assert_int_equal(e.code, FR_HUBBLE_EFIELD);
	assert_int_equal(decode_code(group, sizeof(group), &e), -EBADMSG);
	assert_int_equal(e.code, FR_HUBBLE_EGROUP);
	assert_int_equal(decode_code(wt7, sizeof(wt7), &e), -EBADMSG);
	assert_int_equal(e.code, FR_HUBBLE_EWIRETYPE);
	assert_int_equal(decode_code(bad_utf8, sizeof(bad_utf8), &e), -EBADMSG);
	assert_int_equal(e.code, FR_HUBBLE_EUTF8);
	assert_int_equal(e.offset, 3);
	assert_string_equal(e.path, "node_name");
	assert_int_equal(decode_code(nul_str, sizeof(nul_str), &e), -EBADMSG);
	assert_int_equal(e.code, FR_HUBBLE_EUTF8);
	assert_int_equal(decode_code(inner_wt, sizeof(inner_wt), &e), -EBADMSG);
	assert_int_equal(e.code, FR_HUBBLE_EWIRETYPE);
	assert_int_equal(e.offset, 2);
	assert_string_equal(e.path, "flow.verdict");
}

static void test_limits(void **state)
{
	struct fr_hubble_error e;
	size_t n = (FR_HUBBLE_MAX_REPEATED + 1) * 2, big = FR_HUBBLE_MAX_MSG + 1;
	uint8_t *b = malloc(n), *huge = calloc(1, big);
	char d[128];

	/* 65537 empty source_names (Flow field 13) */
	assert_non_null(b);
	for (size_t i = 0; i < n; i += 2)
		b[i] = 0x6a, b[i + 1] = 0;
	{
		ProtobufCMessage *m = NULL;

		assert_int_equal(fr_hubble__decode(FLOW, b, n, &m, &e), -EBADMSG);
		assert_null(m);
		assert_int_equal(e.code, FR_HUBBLE_EREPEATED);
		assert_string_equal(e.path, "source_names");
		assert_non_null(strstr(fr_hubble__describe(&e, d, sizeof(d)), "source_names"));
		assert_int_equal(fr_hubble__decode(FLOW, b, n - 2, &m, &e), 0);
		assert_int_equal(((Flow__Flow *)m)->n_source_names, FR_HUBBLE_MAX_REPEATED);
		fr_hubble__free(m);
	}
	assert_non_null(huge);
	assert_int_equal(decode_code(huge, big, &e), -E2BIG);
	assert_int_equal(e.code, FR_HUBBLE_ETOOBIG);
	free(b);
	free(huge);
}

/* Unknown fields, even nested 10 000 deep, are kept as opaque bytes and
 * written back; they are absent from JSON. */
static void test_unknown_kept(void **state)
{
	enum { DEPTH = 10000 };
	struct fr_hubble_error e;
	size_t n, cap = DEPTH * 8 + 64, k;
	uint8_t *b = sample_bytes(&n), *in = malloc(n + cap), *out, *nest = malloc(cap);
	ProtobufCMessage *m = NULL;
	size_t outn, nn = 0;
	json_t *j;

	/* field 77 { field 77 { ... } }, built from the inside out */
	assert_non_null(nest);
	for (k = 0; k < DEPTH; k++) {
		uint8_t hdr[8];
		size_t h = 0, len = nn;

		hdr[h++] = 0xea, hdr[h++] = 0x04; /* tag 77, wire type 2 */
		do {
			hdr[h++] = (uint8_t)((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
			len >>= 7;
		} while (len);
		memmove(nest + h, nest, nn);
		memcpy(nest, hdr, h);
		nn += h;
	}
	memcpy(in, b, n);
	memcpy(in + n, nest, nn);
	assert_int_equal(fr_hubble__decode(RESP, in, n + nn, &m, &e), 0);
	assert_int_equal(m->n_unknown_fields, 1);
	assert_int_equal(fr_hubble__encode(m, &out, &outn), 0);
	assert_int_equal(outn, n + nn);
	assert_memory_equal(out, in, outn);
	assert_int_equal(fr_hubble__to_json(m, &j, &e), 0);
	assert_null(json_object_get(j, "77"));
	json_decref(j);
	fr_hubble__free(m);
	free(out);
	free(in);
	free(nest);
	free(b);
}

struct bad_line {
	const char *text;
	enum fr_hubble_errcode code;
	const char *path;
};

static void test_bad_lines(void **state)
{
	static const struct bad_line bad[] = {
		{"", FR_HUBBLE_EJSON, ""},
		{"{\"flow\":", FR_HUBBLE_EJSON, ""},
		{"[]", FR_HUBBLE_ETYPE, ""},
		{"{\"flow\":1}", FR_HUBBLE_ETYPE, "flow"},
		{"{\"flow\":{},\"flow\":{}}", FR_HUBBLE_EJSON, ""},
		{"{\"flow\":{\"verdict\":true}}", FR_HUBBLE_ETYPE, "flow.verdict"},
		{"{\"flow\":{\"time\":\"2021-13-01T00:00:00Z\"}}", FR_HUBBLE_EVALUE, "flow.time"},
		{"{\"flow\":{\"time\":\"2021-02-30T00:00:00Z\"}}", FR_HUBBLE_EVALUE, "flow.time"},
		{"{\"flow\":{\"time\":\"2021-02-03T00:00:00.1234567891Z\"}}", FR_HUBBLE_EVALUE,
		 "flow.time"},
		{"{\"flow\":{\"l7\":{\"latency_ns\":\"-1\"}}}", FR_HUBBLE_ETYPE,
		 "flow.l7.latency_ns"},
		{"{\"flow\":{\"l7\":{\"latency_ns\":\"1x\"}}}", FR_HUBBLE_ETYPE,
		 "flow.l7.latency_ns"},
		{"{\"flow\":{\"l4\":{\"TCP\":{\"source_port\":4294967296}}}}", FR_HUBBLE_EVALUE,
		 "flow.l4.TCP.source_port"},
		{"{\"flow\":{\"l4\":{\"TCP\":{},\"UDP\":{}}}}", FR_HUBBLE_EVALUE, "flow.l4.UDP"},
		/* jansson refuses \u0000 itself */
		{"{\"flow\":{\"node_name\":\"a\\u0000b\"}}", FR_HUBBLE_EJSON, ""},
		{"{\"flow\":{\"node_name\":\"a\",\"nodeName\":\"b\"}}", FR_HUBBLE_EVALUE,
		 "flow.nodeName"},
		{"{\"flow\":{\"source\":{\"labels\":[\"a\",null]}}}", FR_HUBBLE_ETYPE,
		 "flow.source.labels"},
		{"{\"flow\":{\"source\":{\"labels\":\"a\"}}}", FR_HUBBLE_ETYPE,
		 "flow.source.labels"},
		{"{\"flow\":{\"is_reply\":\"yes\"}}", FR_HUBBLE_ETYPE, "flow.is_reply"},
	};
	char deep[20000];
	size_t k;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fr_hubble_error e;
		ProtobufCMessage *m = NULL;
		int rc = fr_hubble__parse_line(RESP, bad[i].text, strlen(bad[i].text), &m, &e);

		if (rc != -EBADMSG || e.code != bad[i].code || strcmp(e.path, bad[i].path))
			fail_msg("%s: rc %d code %d path '%s'", bad[i].text, rc, e.code, e.path);
		assert_null(m);
	}
	/* 9 990 nested arrays under an unknown key: jansson's depth limit */
	k = (size_t)snprintf(deep, sizeof(deep), "{\"x\":");
	for (; k < sizeof(deep) - 8; k++)
		deep[k] = '[';
	deep[k] = '\0';
	{
		struct fr_hubble_error e;
		ProtobufCMessage *m = NULL;

		assert_int_equal(fr_hubble__parse_line(RESP, deep, k, &m, &e), -EBADMSG);
		assert_int_equal(e.code, FR_HUBBLE_EJSON);
	}
}

/* Lenient where hubble observe --input-file is: unknown keys and enum
 * names skipped and counted, numbers as strings, camelCase names, null. */
static void test_lenient(void **state)
{
	const char *line = "{\"flow\":{\"verdict\":\"NEW_VERDICT\",\"future\":{\"a\":1},"
			   "\"nodeName\":\"n1\",\"l7\":{\"latency_ns\":42,\"type\":2},"
			   "\"drop_reason_desc\":999,\"event_type\":{\"type\":\"129\"},"
			   "\"Summary\":null,\"time\":\"1970-01-01T01:00:00.5+01:00\"}}";
	struct fr_hubble_error e;
	ProtobufCMessage *m = NULL;
	json_t *j;
	Flow__Flow *f;
	char *s;

	assert_int_equal(fr_hubble__parse_line(RESP, line, strlen(line), &m, &e), 0);
	assert_int_equal(e.unknown_keys, 1);
	assert_int_equal(e.unknown_enums, 1);
	f = ((Observer__GetFlowsResponse *)m)->flow;
	assert_int_equal(f->verdict, 0);
	assert_string_equal(f->node_name, "n1");
	assert_int_equal(f->l7->latency_ns, 42);
	assert_int_equal(f->event_type->type, 129);
	assert_int_equal(f->time->seconds, 0);
	assert_int_equal(f->time->nanos, 500000000);
	assert_int_equal(fr_hubble__to_json(m, &j, &e), 0);
	s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"flow\":{\"drop_reason_desc\":999,\"event_type\":{\"type\":129},"
			       "\"l7\":{\"latency_ns\":\"42\",\"type\":\"RESPONSE\"},"
			       "\"node_name\":\"n1\",\"time\":\"1970-01-01T00:00:00.500Z\"}}");
	free(s);
	json_decref(j);
	fr_hubble__free(m);
}

static void test_timestamps(void **state)
{
	static const struct {
		int64_t s;
		int32_t ns;
		const char *text;
	} ts[] = {
		{0, 0, "1970-01-01T00:00:00Z"},
		{1234, 567800000, "1970-01-01T00:20:34.567800Z"},
		{1633357718, 735173594, "2021-10-04T14:28:38.735173594Z"},
		{-1, 1000, "1969-12-31T23:59:59.000001Z"},
		{951782400, 0, "2000-02-29T00:00:00Z"},
		{-62135596800LL, 0, "0001-01-01T00:00:00Z"},
		{253402300799LL, 999999999, "9999-12-31T23:59:59.999999999Z"},
	};

	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT, *back = NULL;
		json_t *j = NULL;

		t.seconds = ts[i].s;
		t.nanos = ts[i].ns;
		assert_int_equal(fr_hubble__to_json(&t.base, &j, NULL), 0);
		assert_string_equal(json_string_value(j), ts[i].text);
		assert_int_equal(fr_hubble__from_json(&google__protobuf__timestamp__descriptor, j,
						      (ProtobufCMessage **)&back, NULL),
				 0);
		assert_int_equal(back->seconds, ts[i].s);
		assert_int_equal(back->nanos, ts[i].ns);
		fr_hubble__free(&back->base);
		json_decref(j);
	}
	{
		Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
		struct fr_hubble_error e;
		json_t *j = NULL;

		t.seconds = 253402300800LL; /* year 10000 */
		assert_int_equal(fr_hubble__to_json(&t.base, &j, &e), -EBADMSG);
		assert_int_equal(e.code, FR_HUBBLE_EVALUE);
		t.seconds = 0;
		t.nanos = -1;
		assert_int_equal(fr_hubble__to_json(&t.base, &j, &e), -EBADMSG);
		assert_null(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_roundtrip), cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wire_errors),	  cmocka_unit_test(test_limits),
		cmocka_unit_test(test_unknown_kept),	  cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_lenient),		  cmocka_unit_test(test_timestamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
