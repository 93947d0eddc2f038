// SPDX-License-Identifier: BSD-2-Clause
/*
 * unit.hubble_wire: the recorder's wire scan (recorder/sources/hubble/
 * hubble_wire.c) against the format library's full decoder, over every
 * sample line of fixtures/hubble: the same fields read; and over every
 * truncation and many byte flips of them, a framing error is found where
 * fr_hubble__validate finds it (same reason, same offset), and nothing
 * the scan refuses is accepted by the decoder.
 * Usage: test_wire FIXTURES_DIR. Exit 0 or 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hubble/flow.h"
#include "hubble_wire.h"
#include "samples.h"

static int fails; /* CHECK counts here */

static const ProtobufCMessageDescriptor *const D = &observer__get_flows_response__descriptor;

static bool framing(enum fr_hubble_errcode c)
{
	return c == FR_HUBBLE_ETRUNC || c == FR_HUBBLE_EVARINT || c == FR_HUBBLE_EFIELD ||
	       c == FR_HUBBLE_EWIRETYPE || c == FR_HUBBLE_EGROUP || c == FR_HUBBLE_EDEPTH;
}

/* The scan and the decoder agree on buf (damaged or not). */
static void compare(const uint8_t *buf, size_t len, const char *what)
{
	struct fr_hubble_error es, ev;
	struct fr_hubble_wire w;
	const int rs = fr_hubble_wire__scan(buf, len, &w, &es);
	const int rv = fr_hubble__validate(D, buf, len, &ev);

	if (rs)
		CHECK(rv, "%s: the scan refused (%s at %zu), the decoder accepts", what,
		      fr_hubble__strerror(es.code), es.offset);
	if (rv && framing(ev.code))
		CHECK(rs && es.code == ev.code && es.offset == ev.offset,
		      "%s: validate says %s at %zu, the scan %s at %zu", what,
		      fr_hubble__strerror(ev.code), ev.offset,
		      rs ? fr_hubble__strerror(es.code) : "ok", rs ? es.offset : 0);
}

/* A valid response: the fields read off the wire are the decoded ones. */
static void same_fields(const uint8_t *buf, size_t len, const char *what)
{
	struct fr_hubble_error e;
	struct fr_hubble_wire w;
	ProtobufCMessage *m = NULL;
	const Observer__GetFlowsResponse *r;

	CHECK(!fr_hubble_wire__scan(buf, len, &w, &e), "%s: scan refused a valid message", what);
	if (fr_hubble__decode(D, buf, len, &m, &e))
		return;
	r = (const Observer__GetFlowsResponse *)m;
	CHECK((int)w.type == (int)r->response_types_case, "%s: type %d vs %d", what, w.type,
	      r->response_types_case);
	if (r->response_types_case == OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW) {
		const Flow__Flow *f = r->flow;
		const Google__Protobuf__Timestamp *t = f->time ? f->time : r->time;
		struct fr_hubble_flow_keys k;

		fr_hubble_filter__keys_of(f, &k);
		CHECK(w.has_time == !!t &&
			      (!t || (w.time_s == t->seconds && w.time_ns == t->nanos)),
		      "%s: time", what);
		CHECK(w.uuid_len == strlen(f->uuid) &&
			      !memcmp(w.uuid ? (const char *)w.uuid : "", f->uuid, w.uuid_len),
		      "%s: uuid", what);
		CHECK(w.keys.type == k.type && w.keys.verdict == k.verdict &&
			      w.keys.event_type == k.event_type,
		      "%s: type/verdict/event_type", what);
		CHECK(w.keys.src_ns_len == k.src_ns_len &&
			      (!k.src_ns_len || !memcmp(w.keys.src_ns, k.src_ns, k.src_ns_len)) &&
			      w.keys.dst_ns_len == k.dst_ns_len &&
			      (!k.dst_ns_len || !memcmp(w.keys.dst_ns, k.dst_ns, k.dst_ns_len)),
		      "%s: namespaces", what);
	}
	if (r->response_types_case == OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_LOST_EVENTS)
		CHECK(w.lost_source == (uint32_t)r->lost_events->source &&
			      w.lost_n == r->lost_events->num_events_lost,
		      "%s: lost_events", what);
	fr_hubble__free(m);
}

static void damage(const uint8_t *buf, size_t len, unsigned *seed)
{
	uint8_t *copy = malloc(len ? len : 1);
	char what[64];

	for (size_t cut = 0; cut < len; cut++) {
		snprintf(what, sizeof(what), "cut at %zu", cut);
		compare(buf, cut, what);
	}
	for (int i = 0; i < 200 && len; i++) {
		memcpy(copy, buf, len);
		*seed = *seed * 1103515245u + 12345u;
		copy[(*seed >> 8) % len] ^= (uint8_t)(1u << ((*seed >> 4) % 8));
		snprintf(what, sizeof(what), "flip %d", i);
		compare(copy, len, what);
	}
	free(copy);
}

static void one(const uint8_t *buf, size_t len, const char *what, unsigned *seed)
{
	same_fields(buf, len, what);
	damage(buf, len, seed);
}

static void sample(const uint8_t *buf, size_t len, const char *path, void *seed)
{
	one(buf, len, path, seed);
}

int main(int argc, char **argv)
{
	unsigned seed = 1, n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: test_wire FIXTURES_DIR\n");
		return 2;
	}
	n = (unsigned)samples_each(argv[1], sample, &seed);
	{ /* lost_events and node_status */
		Observer__GetFlowsResponse r = OBSERVER__GET_FLOWS_RESPONSE__INIT;
		Flow__LostEvent le = FLOW__LOST_EVENT__INIT;
		Relay__NodeStatusEvent ns = RELAY__NODE_STATUS_EVENT__INIT;
		uint8_t *buf;
		size_t blen;

		le.source = FLOW__LOST_EVENT_SOURCE__HUBBLE_RING_BUFFER;
		le.num_events_lost = 123456789012ull;
		r.response_types_case = OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_LOST_EVENTS;
		r.lost_events = &le;
		if (!fr_hubble__encode(&r.base, &buf, &blen)) {
			one(buf, blen, "lost_events", &seed);
			free(buf);
		}
		r.response_types_case = OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_NODE_STATUS;
		r.node_status = &ns;
		if (!fr_hubble__encode(&r.base, &buf, &blen)) {
			one(buf, blen, "node_status", &seed);
			free(buf);
		}
	}
	{
		char name[16];

		CHECK(!strcmp(fr_hubble_wire__lost_source_name(3, name, sizeof(name)),
			      "HUBBLE_RING_BUFFER") &&
			      !strcmp(fr_hubble_wire__lost_source_name(77, name, sizeof(name)),
				      "77"),
		      "lost source names");
	}
	CHECK(n > 100, "only %u sample lines", n);
	printf("%u messages, %d failure(s)\n", n + 2, fails);
	return fails ? 1 : 0;
}
