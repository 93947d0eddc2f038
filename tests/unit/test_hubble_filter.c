/* SPDX-License-Identifier: BSD-2-Clause */
/* The Hubble selection (recorder/sources/hubble/hubble_filter.h): every
 * kind, namespaces watched and excluded, exact 1-in-N sampling counts, the
 * cap over simulated time, the server-side FlowFilters, parse errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hubble_filter.h"

#define RESP (&observer__get_flows_response__descriptor)
#define MS   1000000ull
#define S    1000000000ull

/* Kinds by hand, as the header defines them: the test's own truth. */
static const struct {
	const char *line;
	unsigned kinds;
} flows[] = {
	{"{\"flow\":{\"verdict\":\"FORWARDED\",\"Type\":\"L3_L4\",\"event_type\":{\"type\":4},"
	 "\"source\":{\"namespace\":\"a\"},\"destination\":{\"namespace\":\"b\"}}}",
	 FR_HUBBLE_KIND_L34},
	{"{\"flow\":{\"verdict\":\"FORWARDED\",\"Type\":\"L7\",\"event_type\":{\"type\":129},"
	 "\"source\":{\"namespace\":\"b\"},\"destination\":{\"namespace\":\"c\"}}}",
	 FR_HUBBLE_KIND_L7},
	{"{\"flow\":{\"verdict\":\"DROPPED\",\"Type\":\"L3_L4\",\"event_type\":{\"type\":1,"
	 "\"sub_type\":133},\"source\":{\"namespace\":\"c\"},\"destination\":{}}}",
	 FR_HUBBLE_KIND_DROP},
	{"{\"flow\":{\"verdict\":\"REDIRECTED\",\"Type\":\"L3_L4\",\"event_type\":{\"type\":5},"
	 "\"source\":{},\"destination\":{\"namespace\":\"d\"}}}",
	 FR_HUBBLE_KIND_POLICY},
	{"{\"flow\":{\"verdict\":\"DROPPED\",\"Type\":\"L3_L4\",\"event_type\":{\"type\":5}}}",
	 FR_HUBBLE_KIND_POLICY | FR_HUBBLE_KIND_DROP},
	{"{\"flow\":{\"verdict\":\"DROPPED\",\"Type\":\"L7\",\"event_type\":{\"type\":129}}}",
	 FR_HUBBLE_KIND_L7 | FR_HUBBLE_KIND_DROP},
	/* L7 by its Type alone, and a sock trace (L34: none of the others) */
	{"{\"flow\":{\"Type\":\"L7\"}}", FR_HUBBLE_KIND_L7},
	{"{\"flow\":{\"Type\":\"SOCK\",\"event_type\":{\"type\":7}}}", FR_HUBBLE_KIND_L34},
};
#define NFLOWS (sizeof(flows) / sizeof(flows[0]))

static Observer__GetFlowsResponse *parse(const char *line)
{
	struct fr_hubble_error e;
	ProtobufCMessage *m = NULL;

	assert_int_equal(fr_hubble__parse_line(RESP, line, strlen(line), &m, &e), 0);
	return (Observer__GetFlowsResponse *)m;
}

static struct fr_hubble_filter *make(unsigned kinds, const char *const *watch, size_t nw,
				     const char *const *excl, size_t ne, uint32_t sample,
				     uint64_t cap)
{
	struct fr_hubble_filter_opts o = {kinds, watch, nw, excl, ne, sample, cap};
	struct fr_hubble_filter *f = fr_hubble_filter__new(&o);

	assert_non_null(f);
	return f;
}

static void test_kinds_of(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFLOWS; i++) {
		Observer__GetFlowsResponse *r = parse(flows[i].line);

		if (fr_hubble_filter__kinds_of(r->flow) != flows[i].kinds)
			fail_msg("line %zu: kinds %#x, want %#x", i,
				 fr_hubble_filter__kinds_of(r->flow), flows[i].kinds);
		fr_hubble__free(&r->base);
	}
}

/* Every one of the 15 non-empty selections against every flow. */
static void test_every_selection(void **state)
{
	(void)state;
	for (unsigned sel = 1; sel <= FR_HUBBLE_KIND_ALL; sel++) {
		struct fr_hubble_filter *f = make(sel, NULL, 0, NULL, 0, 0, 0);
		uint64_t want_kept = 0;

		for (size_t i = 0; i < NFLOWS; i++) {
			Observer__GetFlowsResponse *r = parse(flows[i].line);
			enum fr_hubble_verdict v = fr_hubble_filter__check(f, r, 1);
			bool want = (flows[i].kinds & sel) != 0;

			if ((v == FR_HUBBLE_KEEP) != want)
				fail_msg("selection %#x, line %zu: got %s", sel, i,
					 fr_hubble_filter__reason(v));
			want_kept += want;
			fr_hubble__free(&r->base);
		}
		const struct fr_hubble_filter_counts *c = fr_hubble_filter__counts(f);

		assert_int_equal(c->seen, NFLOWS);
		assert_int_equal(c->by[FR_HUBBLE_KEEP].n, want_kept);
		assert_int_equal(c->by[FR_HUBBLE_FILTERED].n, NFLOWS - want_kept);
		fr_hubble_filter__free(f);
	}
}

static void test_non_flow_kept(void **state)
{
	const char *lost = "{\"lost_events\":{\"source\":\"HUBBLE_RING_BUFFER\","
			   "\"num_events_lost\":\"3\"}}";
	const char *node = "{\"node_status\":{\"state_change\":\"NODE_CONNECTED\"}}";
	struct fr_hubble_filter *f =
		make(FR_HUBBLE_KIND_L7, (const char *const[]){"zz"}, 1, NULL, 0, 1000, 1);
	Observer__GetFlowsResponse *a = parse(lost), *b = parse(node);

	(void)state;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(fr_hubble_filter__check(f, a, 0), FR_HUBBLE_KEEP);
		assert_int_equal(fr_hubble_filter__check(f, b, 0), FR_HUBBLE_KEEP);
	}
	assert_int_equal(fr_hubble_filter__counts(f)->seen, 0);
	fr_hubble__free(&a->base);
	fr_hubble__free(&b->base);
	fr_hubble_filter__free(f);
}

/* namespaces per flow line: 0 a->b, 1 b->c, 2 c->"", 3 ""->d, 4..7 none */
static void check_ns(const char *const *w, size_t nw, const char *const *x, size_t nx,
		     const bool want[NFLOWS])
{
	struct fr_hubble_filter *f = make(0, w, nw, x, nx, 0, 0);

	for (size_t i = 0; i < NFLOWS; i++) {
		Observer__GetFlowsResponse *r = parse(flows[i].line);
		enum fr_hubble_verdict v = fr_hubble_filter__check(f, r, 1);

		if ((v == FR_HUBBLE_KEEP) != want[i])
			fail_msg("line %zu: got %s", i, fr_hubble_filter__reason(v));
		fr_hubble__free(&r->base);
	}
	fr_hubble_filter__free(f);
}

static void test_namespaces(void **state)
{
	(void)state;
	check_ns((const char *const[]){"b"}, 1, NULL, 0,
		 (const bool[NFLOWS]){true, true, false, false, false, false, false, false});
	check_ns((const char *const[]){"c", "d"}, 2, NULL, 0,
		 (const bool[NFLOWS]){false, true, true, true, false, false, false, false});
	check_ns(NULL, 0, (const char *const[]){"b"}, 1,
		 (const bool[NFLOWS]){false, false, true, true, true, true, true, true});
	/* exclude wins over watch */
	check_ns((const char *const[]){"a", "b"}, 2, (const char *const[]){"c"}, 1,
		 (const bool[NFLOWS]){true, false, false, false, false, false, false, false});
}

static void test_sampling_exact(void **state)
{
	static const uint32_t rates[] = {2, 3, 7, 100, 1000};
	Observer__GetFlowsResponse *r = parse(flows[0].line);

	(void)state;
	for (size_t k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
		struct fr_hubble_filter *f = make(0, NULL, 0, NULL, 0, rates[k], 0);
		uint64_t kept = 0;

		for (uint64_t i = 0; i < 10007; i++) {
			enum fr_hubble_verdict v = fr_hubble_filter__check(f, r, i);

			/* the 1st, N+1th, ...: the scale factor is exactly N */
			assert_int_equal(v == FR_HUBBLE_KEEP, i % rates[k] == 0);
			kept += v == FR_HUBBLE_KEEP;
		}
		const struct fr_hubble_filter_counts *c = fr_hubble_filter__counts(f);

		assert_int_equal(kept, (10007 + rates[k] - 1) / rates[k]);
		assert_int_equal(c->by[FR_HUBBLE_SAMPLED].n, 10007 - kept);
		assert_int_equal(c->by[FR_HUBBLE_SAMPLED].first_ns, 1);
		assert_int_equal(c->by[FR_HUBBLE_SAMPLED].last_ns,
				 10006 % rates[k] ? 10006 : 10005);
		fr_hubble_filter__free(f);
	}
	fr_hubble__free(&r->base);
}

/* Filtered flows do not advance the sampling counter. */
static void test_sampling_after_filter(void **state)
{
	Observer__GetFlowsResponse *l7 = parse(flows[1].line), *l34 = parse(flows[0].line);
	struct fr_hubble_filter *f = make(FR_HUBBLE_KIND_L7, NULL, 0, NULL, 0, 4, 0);
	uint64_t kept = 0;

	(void)state;
	for (int i = 0; i < 400; i++) {
		assert_int_equal(fr_hubble_filter__check(f, l34, 0), FR_HUBBLE_FILTERED);
		kept += fr_hubble_filter__check(f, l7, 0) == FR_HUBBLE_KEEP;
	}
	assert_int_equal(kept, 100);
	assert_int_equal(fr_hubble_filter__counts(f)->by[FR_HUBBLE_SAMPLED].n, 300);
	fr_hubble__free(&l7->base);
	fr_hubble__free(&l34->base);
	fr_hubble_filter__free(f);
}

static void test_cap(void **state)
{
	Observer__GetFlowsResponse *r = parse(flows[0].line);
	struct fr_hubble_filter *f = make(0, NULL, 0, NULL, 0, 0, 100);
	const struct fr_hubble_filter_counts *c = fr_hubble_filter__counts(f);
	uint64_t t0 = 50 * S, kept = 0;

	(void)state;
	/* 1000 flows/s for 10 s against 100/s with a 100 burst: by the k-th
	 * ms 100 + k/10 tokens exist, so 100 + 9999/10 = 1099 are kept; the
	 * first refused is k = 111 (100 + 11.1 tokens, 111 taken) */
	for (uint64_t k = 0; k < 10000; k++)
		kept += fr_hubble_filter__check(f, r, t0 + k * MS) == FR_HUBBLE_KEEP;
	assert_int_equal(kept, 1099);
	assert_int_equal(c->by[FR_HUBBLE_CAPPED].n, 10000 - 1099);
	assert_int_equal(c->by[FR_HUBBLE_CAPPED].first_ns, t0 + 111 * MS);
	assert_int_equal(c->by[FR_HUBBLE_CAPPED].last_ns, t0 + 9999 * MS);
	/* idle for an hour: the bucket holds one second's worth, no more */
	kept = 0;
	for (int i = 0; i < 1000; i++)
		kept += fr_hubble_filter__check(f, r, t0 + 3600 * S) == FR_HUBBLE_KEEP;
	assert_int_equal(kept, 100);
	/* a clock that steps back refills nothing */
	assert_int_equal(fr_hubble_filter__check(f, r, t0), FR_HUBBLE_CAPPED);
	/* 0.5 s later: 50 */
	kept = 0;
	for (int i = 0; i < 1000; i++)
		kept += fr_hubble_filter__check(f, r, t0 + 3600 * S + S / 2) == FR_HUBBLE_KEEP;
	assert_int_equal(kept, 50);
	assert_int_equal(c->seen, 12001);
	fr_hubble__free(&r->base);
	fr_hubble_filter__free(f);
}

static void test_parse_errors(void **state)
{
	char err[200];
	unsigned bits = 0;
	char **list = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(fr_hubble_filter__parse_kinds("l34,L7,drop,policy", &bits, err, 200), 0);
	assert_int_equal(bits, FR_HUBBLE_KIND_ALL);
	assert_int_equal(fr_hubble_filter__parse_kinds("drop", &bits, err, 200), 0);
	assert_int_equal(bits, FR_HUBBLE_KIND_DROP);
	assert_int_equal(fr_hubble_filter__parse_kinds("all", &bits, err, 200), 0);
	assert_int_equal(bits, FR_HUBBLE_KIND_ALL);
	assert_int_equal(fr_hubble_filter__parse_kinds("l34,http", &bits, err, 200), -EINVAL);
	assert_non_null(strstr(err, "unknown Hubble kind 'http'"));
	assert_int_equal(fr_hubble_filter__parse_kinds("l7,", &bits, err, 200), -EINVAL);
	assert_non_null(strstr(err, "''"));
	assert_int_equal(fr_hubble_filter__parse_kinds("", &bits, err, 200), -EINVAL);
	assert_non_null(strstr(err, "empty"));

	assert_int_equal(fr_hubble_filter__parse_list("kube-system,default", &list, &n, err, 200),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "kube-system");
	assert_string_equal(list[1], "default");
	fr_hubble_filter__free_list(list, n);
	assert_int_equal(fr_hubble_filter__parse_list("default,Bad_NS", &list, &n, err, 200),
			 -EINVAL);
	assert_non_null(strstr(err, "bad namespace 'Bad_NS'"));
	assert_int_equal(fr_hubble_filter__parse_list("a,,b", &list, &n, err, 200), -EINVAL);
	assert_non_null(strstr(err, "''"));
	assert_int_equal(fr_hubble_filter__parse_list("-a", &list, &n, err, 200), -EINVAL);

	struct fr_hubble_filter_opts o = {.cap_per_s = 2000000000ull};

	errno = 0;
	assert_null(fr_hubble_filter__new(&o));
	assert_int_equal(errno, EINVAL);
}

/* The FlowFilters as a Hubble server would apply them (fields ANDed,
 * entries ORed; pod "ns/" a namespace prefix): written here from the
 * proto's comments, to check they pass a superset of what is kept. */
static bool pod_match(char **pods, size_t n, const Flow__Endpoint *ep)
{
	char buf[300];

	if (!n)
		return true;
	snprintf(buf, sizeof(buf), "%s/%s", ep && ep->namespace_ ? ep->namespace_ : "",
		 ep && ep->pod_name ? ep->pod_name : "");
	for (size_t i = 0; i < n; i++)
		if (!strncmp(buf, pods[i], strlen(pods[i])))
			return true;
	return false;
}

static bool ff_match(const Flow__FlowFilter *ff, const Flow__Flow *fl)
{
	bool ok = !ff->n_event_type;

	for (size_t i = 0; i < ff->n_event_type; i++)
		ok |= fl->event_type && fl->event_type->type == ff->event_type[i]->type;
	if (!ok)
		return false;
	ok = !ff->n_verdict;
	for (size_t i = 0; i < ff->n_verdict; i++)
		ok |= fl->verdict == ff->verdict[i];
	return ok && pod_match(ff->source_pod, ff->n_source_pod, fl->source) &&
	       pod_match(ff->destination_pod, ff->n_destination_pod, fl->destination);
}

static bool server_sends(const Observer__GetFlowsRequest *q, const Flow__Flow *fl)
{
	bool in = !q->n_whitelist;

	for (size_t i = 0; i < q->n_whitelist; i++)
		in |= ff_match(q->whitelist[i], fl);
	for (size_t i = 0; i < q->n_blacklist; i++)
		in &= !ff_match(q->blacklist[i], fl);
	return in;
}

static void test_request(void **state)
{
	static const char *const ns[] = {"a", "b", "c", "d"};

	(void)state;
	for (unsigned sel = 1; sel <= FR_HUBBLE_KIND_ALL; sel++) {
		for (size_t w = 0; w <= 2; w++) {
			for (size_t x = 0; x <= 1; x++) {
				struct fr_hubble_filter *f = make(sel, ns, w, ns + 2, x, 0, 0);
				Observer__GetFlowsRequest *q = malloc(sizeof(*q));
				size_t kept = 0, sent = 0;

				observer__get_flows_request__init(q);
				assert_int_equal(fr_hubble_filter__to_request(f, q), 0);
				for (size_t i = 0; i < NFLOWS; i++) {
					Observer__GetFlowsResponse *r = parse(flows[i].line);

					/* Hubble's L7 flows all carry event type 129; a
					 * server cannot filter on Type */
					if (i == 6) {
						fr_hubble__free(&r->base);
						continue;
					}
					bool keep =
						fr_hubble_filter__check(f, r, 1) == FR_HUBBLE_KEEP;
					bool send = server_sends(q, r->flow);

					if (keep && !send)
						fail_msg("sel %#x w %zu x %zu: line %zu kept but "
							 "not sent",
							 sel, w, x, i);
					kept += keep;
					sent += send;
					fr_hubble__free(&r->base);
				}
				/* without L34 the server filter is exact */
				if (!(sel & FR_HUBBLE_KIND_L34))
					assert_int_equal(kept, sent);
				fr_hubble__free(&q->base); /* frees every filter added */
				fr_hubble_filter__free(f);
			}
		}
	}
}

static void test_request_shape(void **state)
{
	struct fr_hubble_filter *f =
		make(FR_HUBBLE_KIND_L7 | FR_HUBBLE_KIND_DROP, (const char *const[]){"web"}, 1,
		     (const char *const[]){"kube-system"}, 1, 10, 5);
	Observer__GetFlowsRequest q = OBSERVER__GET_FLOWS_REQUEST__INIT;
	ProtobufCMessage *back = NULL;
	struct fr_hubble_error e;
	uint8_t *buf;
	size_t len;

	(void)state;
	q.follow = 1;
	assert_int_equal(fr_hubble_filter__to_request(f, &q), 0);
	/* {event_type 129, verdict DROPPED} x {source_pod, destination_pod} */
	assert_int_equal(q.n_whitelist, 4);
	assert_int_equal(q.whitelist[0]->n_event_type, 1);
	assert_int_equal(q.whitelist[0]->event_type[0]->type, 129);
	assert_string_equal(q.whitelist[0]->source_pod[0], "web/");
	assert_string_equal(q.whitelist[1]->destination_pod[0], "web/");
	assert_int_equal(q.whitelist[2]->verdict[0], FLOW__VERDICT__DROPPED);
	assert_int_equal(q.n_blacklist, 2);
	assert_string_equal(q.blacklist[0]->source_pod[0], "kube-system/");
	assert_string_equal(q.blacklist[1]->destination_pod[0], "kube-system/");
	/* it goes on the wire and back */
	assert_int_equal(fr_hubble__encode(&q.base, &buf, &len), 0);
	assert_int_equal(
		fr_hubble__decode(&observer__get_flows_request__descriptor, buf, len, &back, &e),
		0);
	assert_int_equal(((Observer__GetFlowsRequest *)back)->n_whitelist, 4);
	free(buf);
	fr_hubble__free(back);
	/* added twice: appended */
	assert_int_equal(fr_hubble_filter__to_request(f, &q), 0);
	assert_int_equal(q.n_whitelist, 8);
	fr_hubble_filter__clear_request(&q);
	assert_int_equal(q.n_whitelist, 0);
	assert_null(q.whitelist);
	fr_hubble_filter__free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_of),
		cmocka_unit_test(test_every_selection),
		cmocka_unit_test(test_non_flow_kept),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_sampling_exact),
		cmocka_unit_test(test_sampling_after_filter),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_request_shape),
	};

	return cmocka_run_group_tests_name("hubble_filter", tests, NULL, NULL);
}
