/* SPDX-License-Identifier: BSD-2-Clause */
/* The streaming jsonpb reader (format/hubble/flow_json_fast.c) against the
 * jansson reader, the reference: every sample line is read without
 * jansson and gives the same message; escapes, surrogates, UTF-8, numbers
 * (1e2, -0, 1.0 for integer fields), nesting and duplicates are accepted
 * or refused by both alike, and what the streaming reader leaves to
 * jansson still comes out of fr_hubble__parse_line as before. */
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
#include "format/hubble/flow_priv.h"

#ifndef FR_HUBBLE_FIXTURES
#error "FR_HUBBLE_FIXTURES: the folder of the sample jsonpb files"
#endif

#define RESP (&observer__get_flows_response__descriptor)

enum fast { ACCEPT = 0, REFUSE = -EBADMSG, PUNT = -EAGAIN };

/* Both readers on text; the streaming one must give want_fast, and both
 * the same outcome and message. Returns the accepted message or NULL. */
static Observer__GetFlowsResponse *both(const char *text, size_t len, int want_fast,
					struct fr_hubble_error *out_err)
{
	struct fr_hubble_error ef, ej, ep;
	ProtobufCMessage *mf = NULL, *mj = NULL, *mp = NULL;
	uint8_t *bf = NULL, *bj = NULL, *bp = NULL;
	size_t nf = 0, nj = 0, np = 0;
	int rf = fr_hubble__parse_line_fast(RESP, text, len, &mf, &ef);
	int rj = fr_hubble__parse_line_jansson(RESP, text, len, &mj, &ej);
	int rp = fr_hubble__parse_line(RESP, text, len, &mp, &ep);

	if (rf != want_fast)
		fail_msg("%.200s: streaming reader %d, want %d", text, rf, want_fast);
	if (rf != PUNT && (rf == 0) != (rj == 0))
		fail_msg("%.200s: streaming %d, jansson %d", text, rf, rj);
	/* fr_hubble__parse_line answers as jansson does, error included */
	assert_int_equal(rp, rj);
	assert_int_equal(ep.code, ej.code);
	assert_int_equal(ep.offset, ej.offset);
	assert_string_equal(ep.path, ej.path);
	assert_int_equal(ep.unknown_keys, ej.unknown_keys);
	assert_int_equal(ep.unknown_enums, ej.unknown_enums);
	if (rj == 0) {
		assert_int_equal(fr_hubble__encode(mj, &bj, &nj), 0);
		assert_int_equal(fr_hubble__encode(mp, &bp, &np), 0);
		assert_true(np == nj && !memcmp(bp, bj, nj));
	}
	if (rf == 0) {
		assert_int_equal(fr_hubble__encode(mf, &bf, &nf), 0);
		assert_true(nf == nj && !memcmp(bf, bj, nj));
		assert_int_equal(ef.unknown_keys, ej.unknown_keys);
		assert_int_equal(ef.unknown_enums, ej.unknown_enums);
	}
	free(bf);
	free(bj);
	free(bp);
	fr_hubble__free(mf);
	fr_hubble__free(mj);
	if (out_err)
		*out_err = ep;
	return (Observer__GetFlowsResponse *)mp;
}

static Observer__GetFlowsResponse *both_s(const char *text, int want_fast)
{
	return both(text, strlen(text), want_fast, NULL);
}

/* Every real line is read by the streaming reader (not handed over). */
static void test_samples(void **state)
{
	static const char *const files[] = {
		"cilium-docs__hubble-exporter-drops.jsonl",
		"hubble-otel__basic-sample-10-flows.jsonl",
		"hubble-otel__basic-sample-400-tcp-flows.first100.jsonl",
		"hubble-otel__basic-sample-5-dns-flows.jsonl",
		"hubble-otel__basic-sample-5-http-flows.jsonl",
	};
	unsigned lines = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096], *l = NULL;
		size_t cap = 0;
		ssize_t n;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", FR_HUBBLE_FIXTURES, files[i]);
		f = fopen(path, "r");
		assert_non_null(f);
		while ((n = getline(&l, &cap, f)) > 0) {
			fr_hubble__free(&both(l, (size_t)n, ACCEPT, NULL)->base);
			lines++;
		}
		free(l);
		fclose(f);
	}
	assert_int_equal(lines, 122);
}

static void test_strings(void **state)
{
	static const struct {
		const char *text, *want; /* want NULL: refused */
	} c[] = {
		{"{\"flow\":{\"node_name\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}}",
		 "a\"b\\c/d\b\f\n\r\t"},
		{"{\"flow\":{\"node_name\":\"\\u00e9\\u20AC\"}}", "\xc3\xa9\xe2\x82\xac"},
		{"{\"flow\":{\"node_name\":\"\\ud83d\\ude00\"}}", "\xf0\x9f\x98\x80"},
		{"{\"flow\":{\"node_name\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"}}",
		 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f"},
		{"{\"flow\":{\"node_name\":\"\\ud800\"}}", NULL},	 /* lone high */
		{"{\"flow\":{\"node_name\":\"\\udc00\"}}", NULL},	 /* lone low */
		{"{\"flow\":{\"node_name\":\"\\ud800\\u0041\"}}", NULL}, /* high + not low */
		{"{\"flow\":{\"node_name\":\"\\ud800\\n\"}}", NULL},
		{"{\"flow\":{\"node_name\":\"\\u0000\"}}", NULL},
		{"{\"flow\":{\"node_name\":\"\\U0041\"}}", NULL},
		{"{\"flow\":{\"node_name\":\"\\u00g0\"}}", NULL},
		{"{\"flow\":{\"node_name\":\"\xc0\x80\"}}", NULL},	   /* overlong */
		{"{\"flow\":{\"node_name\":\"\xed\xa0\x80\"}}", NULL},	   /* a surrogate */
		{"{\"flow\":{\"node_name\":\"\xf4\x90\x80\x80\"}}", NULL}, /* over U+10FFFF */
		{"{\"flow\":{\"node_name\":\"\xe2\x82\"}}", NULL},	   /* cut short */
		{"{\"flow\":{\"node_name\":\"\x1f\"}}", NULL},
		{"{\"flow\":{\"node_name\":\"a", NULL},
		/* in a skipped value too */
		{"{\"x\":[\"\\ud800\"]}", NULL},
		{"{\"x\":{\"y\":\"\xc0\x80\"}}", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		Observer__GetFlowsResponse *r = both_s(c[i].text, c[i].want ? ACCEPT : REFUSE);

		if (c[i].want)
			assert_string_equal(r->flow->node_name, c[i].want);
		else
			assert_null(r);
		fr_hubble__free(r ? &r->base : NULL);
	}
}

/* Numbers for integer fields, as the jansson reader takes them. Go's
 * protojson agrees on all of these but three, noted. */
static void test_numbers(void **state)
{
	static const struct {
		const char *port; /* l4.TCP.source_port, a uint32 */
		long long want;	  /* -1: refused */
	} c[] = {
		{"80", 80},	 {"1e2", 100},	  {"1E+2", 100},      {"1.0", 1},
		{"100e-2", 1},	 {"-0", 0},	  /* protojson refuses -0 for an unsigned field */
		{"-0.0", 0},			  /* likewise */
		{"\"80\"", 80},	 {"\"+80\"", 80}, /* strtoull's sign; protojson refuses it */
		{"\"1e2\"", -1},		  /* protojson takes it: our strings are digits */
		{"1.5", -1},	 {"-1", -1},	  {"4294967296", -1}, {"4294967295", 4294967295LL},
		{"1e400", -1},	 {"01", -1},	  {"1.", -1},	      {".5", -1},
		{"+1", -1},	 {"1e", -1},	  {"-", -1},	      {"\" 80\"", -1},
		{"\"\"", -1},	 {"true", -1},	  {"[80]", -1},	      {"{}", -1},
	};
	char line[256];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		Observer__GetFlowsResponse *r;

		snprintf(line, sizeof(line), "{\"flow\":{\"l4\":{\"TCP\":{\"source_port\":%s}}}}",
			 c[i].port);
		r = both_s(line, c[i].want >= 0 ? ACCEPT : REFUSE);
		if (c[i].want >= 0)
			assert_int_equal(r->flow->l4->tcp->source_port, c[i].want);
		else
			assert_null(r);
		fr_hubble__free(r ? &r->base : NULL);
	}
	/* 64-bit: numbers within int64 (jansson's integers), strings beyond */
	fr_hubble__free(
		&both_s("{\"flow\":{\"l7\":{\"latency_ns\":9223372036854775807}}}", ACCEPT)->base);
	assert_null(both_s("{\"flow\":{\"l7\":{\"latency_ns\":9223372036854775808}}}", REFUSE));
	{
		Observer__GetFlowsResponse *r = both_s(
			"{\"flow\":{\"l7\":{\"latency_ns\":\"18446744073709551615\"}}}", ACCEPT);

		assert_true(r->flow->l7->latency_ns == UINT64_MAX);
		fr_hubble__free(&r->base);
	}
	/* enums by number, 1.0 included */
	{
		Observer__GetFlowsResponse *r = both_s("{\"flow\":{\"verdict\":2.0}}", ACCEPT);

		assert_int_equal(r->flow->verdict, 2);
		fr_hubble__free(&r->base);
	}
	/* unknown subtrees are checked as JSON too */
	assert_null(both_s("{\"x\":[1,2,01]}", REFUSE));
	assert_null(both_s("{\"x\":-9223372036854775809}", REFUSE));
	assert_null(both_s("{\"x\":1e999}", REFUSE));
}

static void test_structure(void **state)
{
	static const struct {
		const char *text;
		int fast;
		int accepted;
		size_t len; /* 0: strlen */
	} c[] = {
		{" {\r\n\t\"flow\" : { \"node_name\" : \"a\" , \"IP\" : { } } } \n", ACCEPT, 1, 0},
		{"{}", ACCEPT, 1, 0},
		{"{\"flow\":null,\"node_name\":null}", ACCEPT, 1, 0},
		{"{\"flow\":{\"source\":{\"labels\":null}}}", ACCEPT, 1, 0},
		{"{\"flow\":{\"source\":{\"labels\":[]},\"source\":{}}}", REFUSE, 0, 0},
		{"{\"flow\":{\"source\":{\"labels\":[],\"labels\":[]}}}", REFUSE, 0, 0},
		{"{\"flow\":{\"source\":{\"labels\":[],\"Labels\":[\"a\"]}}}", ACCEPT, 1, 0},
		{"{\"flow\":{\"l4\":{\"TCP\":{\"sourcePort\":1,\"source_port\":2}}}}", ACCEPT, 1,
		 0},
		{"{\"\":1,\"x\":{\"a\":{\"b\":[true,false,null]}}}", ACCEPT, 1, 0},
		{"{\"x\":1,\"x\":2}", REFUSE, 0, 0},
		{"{\"x\":{\"a\":1,\"a\":2}}", REFUSE, 0, 0},
		{"{\"a\":1,}", REFUSE, 0, 0},
		{"{\"x\":[1,]}", REFUSE, 0, 0},
		{"{,}", REFUSE, 0, 0},
		{"{\"x\" 1}", REFUSE, 0, 0},
		{"{}x", REFUSE, 0, 0},
		{"{\"x\":tru}", REFUSE, 0, 0},
		{"{\"x\":nulls}", REFUSE, 0, 0},
		{"{\"flow\":{\"verdict\":\"NOPE\",\"future\":1}}", ACCEPT, 1, 0},
		{"{\"flow\":{\"source\":{\"labels\":[1]}}}", REFUSE, 0, 0},
		{"{\"flow\":{\"drop_reason_desc\":[1]}}", REFUSE, 0, 0},
		{"{\"flow\":{\"time\":null}}", ACCEPT, 1, 0},
		{"{\"flow\":{\"time\":\"2021-02-03T04:05:06.7+01:00\"}}", ACCEPT, 1, 0},
		{"{\"flow\":{\"time\":5}}", REFUSE, 0, 0},
		{"{\"flow\":{\"is_reply\":null}}", ACCEPT, 1, 0},
		/* handed to jansson: an escaped key, many unknown keys, deep
		 * unknown values, a top level that is not an object */
		{"{\"\\u0066low\":{\"node_name\":\"a\"}}", PUNT, 1, 0},
		{"[]", PUNT, 0, 0},
		/* jansson skips one NUL right after a number or a word */
		{"{\"x\":1\0}", PUNT, 1, 8},
		{"{\"x\":true\0}", PUNT, 1, 11},
		{"{\"x\":1}\0", REFUSE, 0, 8},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t len = c[i].len ? c[i].len : strlen(c[i].text);
		Observer__GetFlowsResponse *r = both(c[i].text, len, c[i].fast, NULL);

		assert_int_equal(r != NULL, c[i].accepted);
		fr_hubble__free(r ? &r->base : NULL);
	}
}

/* Nesting of unknown values: read up to 64 levels, jansson beyond, its
 * limit (2048) refused; many unknown keys in one object go to jansson. */
static void test_nesting(void **state)
{
	static const size_t depths[] = {63, 64, 65, 200, 2046, 2047, 2048};
	struct fr_hubble_error e;
	char *s = malloc(8192);

	(void)state;
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		size_t k = (size_t)sprintf(s, "{\"x\":"), d = depths[i];
		Observer__GetFlowsResponse *r;

		for (size_t j = 0; j < d; j++)
			s[k++] = '[';
		for (size_t j = 0; j < d; j++)
			s[k++] = ']';
		s[k++] = '}';
		/* the object is one level: jansson takes 2047 arrays in it */
		r = both(s, k, d <= 64 ? ACCEPT : PUNT, &e);
		assert_int_equal(r != NULL, d + 1 <= 2048);
		if (r)
			assert_int_equal(e.unknown_keys, 1);
		fr_hubble__free(r ? &r->base : NULL);
	}
	{
		size_t k = (size_t)sprintf(s, "{\"flow\":{");
		Observer__GetFlowsResponse *r;

		for (int j = 0; j < 40; j++)
			k += (size_t)sprintf(s + k, "%s\"u%d\":%d", j ? "," : "", j, j);
		k += (size_t)sprintf(s + k, "}}");
		r = both(s, k, PUNT, &e);
		assert_non_null(r);
		assert_int_equal(e.unknown_keys, 40);
		fr_hubble__free(&r->base);
	}
	free(s);
}

/* Repeated fields: 65 536 entries taken, one more refused. */
static void test_repeated_limit(void **state)
{
	size_t n = FR_HUBBLE_MAX_REPEATED + 1, cap = 64 + n * 4, k;
	char *s = malloc(cap);
	Observer__GetFlowsResponse *r;

	(void)state;
	assert_non_null(s);
	for (int extra = 0; extra < 2; extra++) {
		k = (size_t)sprintf(s, "{\"flow\":{\"source\":{\"labels\":[");
		for (size_t j = 0; j < n - 1 + (size_t)extra; j++)
			k += (size_t)sprintf(s + k, "%s\"a\"", j ? "," : "");
		k += (size_t)sprintf(s + k, "]}}}");
		r = both(s, k, extra ? REFUSE : ACCEPT, NULL);
		if (!extra)
			assert_int_equal(r->flow->source->n_labels, FR_HUBBLE_MAX_REPEATED);
		else
			assert_null(r);
		fr_hubble__free(r ? &r->base : NULL);
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples), cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers), cmocka_unit_test(test_structure),
		cmocka_unit_test(test_nesting), cmocka_unit_test(test_repeated_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
