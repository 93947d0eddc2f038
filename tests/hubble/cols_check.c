/* SPDX-License-Identifier: BSD-2-Clause */
#include "cols_check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hubble/flow.h"
#include "format/hubble/flow_cols.h"

static int str_eq(struct fr_hubble_str a, struct fr_hubble_str b)
{
	return a.n == b.n && (!a.n || !memcmp(a.p, b.p, a.n));
}

static int strs_eq(const struct fr_hubble_str *a, const struct fr_hubble_str *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!str_eq(a[i], b[i]))
			return 0;
	return 1;
}

static int policies_eq(const struct fr_hubble_cols *a, const struct fr_hubble_cols *b, int l)
{
	const struct fr_hubble_strs *la = &a->lists[FR_HC_POLICY_LABELS],
				    *lb = &b->lists[FR_HC_POLICY_LABELS];

	if (a->policies[l].n != b->policies[l].n)
		return 0;
	for (size_t i = 0; i < a->policies[l].n; i++) {
		const struct fr_hubble_policy *x = &a->policies[l].v[i], *y = &b->policies[l].v[i];

		if (!str_eq(x->name, y->name) || !str_eq(x->ns, y->ns) ||
		    !str_eq(x->kind, y->kind) || x->revision != y->revision ||
		    x->nlabels != y->nlabels ||
		    !strs_eq(la->v + x->label0, lb->v + y->label0, x->nlabels))
			return 0;
	}
	return 1;
}

/* The first column where a and b differ, or NULL. */
static const char *cols_diff(const struct fr_hubble_cols *a, const struct fr_hubble_cols *b)
{
#define SAME(f)                                                                                    \
	if (a->f != b->f)                                                                          \
	return #f
#define SAME_STR(f)                                                                                \
	if (!str_eq(a->f, b->f))                                                                   \
	return #f
	SAME(has);
	SAME(time);
	SAME(resp_time);
	SAME_STR(node_name);
	SAME_STR(resp_node_name);
	SAME_STR(uuid);
	SAME_STR(summary);
	SAME(verdict);
	SAME(type);
	SAME(auth_type);
	SAME(drop_reason_desc);
	SAME(traffic_direction);
	SAME(trace_observation_point);
	SAME(trace_reason);
	SAME(event_type);
	SAME(event_subtype);
	SAME(drop_reason);
	SAME(policy_match_type);
	SAME(proxy_port);
	SAME(socket_cookie);
	SAME(cgroup_id);
	SAME(ip_version);
	SAME(encrypted);
	SAME(is_reply);
	SAME_STR(ip_src);
	SAME_STR(ip_dst);
	SAME_STR(ip_xlated);
	SAME_STR(src_svc[0]);
	SAME_STR(src_svc[1]);
	SAME_STR(dst_svc[0]);
	SAME_STR(dst_svc[1]);
	SAME_STR(interface);
	SAME_STR(trace_id);
	SAME(l4);
	SAME(l4_a);
	SAME(l4_b);
	SAME(tcp_flags);
	SAME(l7_type);
	SAME(l7_latency);
	SAME(l7);
	SAME(http_code);
	SAME(dns_rcode);
	SAME(dns_ttl);
	SAME_STR(http_method);
	SAME_STR(http_url);
	SAME_STR(http_protocol);
	SAME_STR(dns_query);
	SAME_STR(dns_source);
	SAME_STR(kafka_api_key);
	SAME_STR(kafka_topic);
	SAME(kafka_api_version);
	SAME(kafka_error_code);
	SAME(kafka_correlation_id);
#undef SAME
#undef SAME_STR
	for (int l = 0; l < FR_HC_NLISTS; l++)
		if (l != FR_HC_POLICY_LABELS &&
		    (a->lists[l].n != b->lists[l].n ||
		     !strs_eq(a->lists[l].v, b->lists[l].v, a->lists[l].n)))
			return "a list";
	for (int l = 0; l < FR_HC_NPOLICY_LISTS; l++)
		if (!policies_eq(a, b, l))
			return "policies";
	return NULL;
}

int cols_check(const uint8_t *buf, size_t len, char *why, size_t cap)
{
	static struct fr_hubble_cols cw, cm;
	const ProtobufCMessageDescriptor *ed = &flow__endpoint__descriptor;
	ProtobufCMessage *m = NULL, *ep[2] = {NULL, NULL};
	const Observer__GetFlowsResponse *r;
	struct fr_hubble_error e;
	const char *diff = NULL;
	int rc, bad_ep = 0, ret = 1;

	why[0] = 0;
	if (fr_hubble_cols__from_wire(&cw, buf, len))
		return 0;
	if (cw.ep_off[0] >= 0 && cw.ep_off[1] >= 0 && cw.ep_off[1] < cw.ep_off[0]) {
		snprintf(why, cap, "destination before source");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		if (cw.ep_off[i] < 0)
			continue;
		if (cw.ep_off[i] + (long long)cw.ep_len[i] > (long long)len) {
			snprintf(why, cap, "endpoint %d out of the input", i);
			return -1;
		}
		if (fr_hubble__decode(ed, buf + cw.ep_off[i], cw.ep_len[i], &ep[i], &e))
			bad_ep = 1;
	}
	rc = fr_hubble__decode(&observer__get_flows_response__descriptor, buf, len, &m, &e);
	if (bad_ep || rc) {
		if (!bad_ep || !rc) {
			snprintf(why, cap, "from_wire took it, the decoder %s",
				 rc ? fr_hubble__strerror(e.code) : "took a bad endpoint");
			ret = rc == -ENOMEM ? 0 : -1;
		} else {
			ret = 0; /* an endpoint that does not decode: replay's full path */
		}
		goto out;
	}
	r = (const Observer__GetFlowsResponse *)m;
	if (r->response_types_case != OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW) {
		snprintf(why, cap, "not a flow for the decoder");
		ret = -1;
		goto out;
	}
	if (fr_hubble_cols__from_msg(&cm, r)) {
		ret = 0;
		goto out;
	}
	diff = cols_diff(&cw, &cm);
	for (int i = 0; i < 2 && !diff; i++) {
		const Flow__Endpoint *f = i ? r->flow->destination : r->flow->source;
		uint8_t *a = NULL, *b = NULL;
		size_t na = 0, nb = 0;

		if (!f != !ep[i]) {
			diff = i ? "destination there or not" : "source there or not";
		} else if (f && !fr_hubble__encode(&f->base, &a, &na) &&
			   !fr_hubble__encode(ep[i], &b, &nb) && (na != nb || memcmp(a, b, na))) {
			diff = i ? "destination" : "source";
		}
		free(a);
		free(b);
	}
	if (diff) {
		snprintf(why, cap, "column %s differs", diff);
		ret = -1;
	}
out:
	fr_hubble__free(ep[0]);
	fr_hubble__free(ep[1]);
	fr_hubble__free(m);
	return ret;
}
