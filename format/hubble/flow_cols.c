/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A flow's columns in one pass over its bytes: fr_hubble__scan validates
 * every field against the descriptors while the visitors below keep the
 * values replay needs. Values read as protobuf-c reads them: a scalar or
 * string given twice, the last one; 32-bit fields, the low 32 bits of the
 * varint; bools, any bit set. What protobuf-c would merge (a message
 * field given twice) or replace (a second member of a oneof) is not read
 * here (-EAGAIN).
 */
#include "format/hubble/flow_cols.h"
#include "format/hubble/flow_priv.h"
#include "format/hubble/flow_scan.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Singular messages already seen (a second one would be merged). */
enum {
	SEEN_FLOW = 1u << 0,
	SEEN_RESP_TIME = 1u << 1,
	SEEN_TIME = 1u << 2,
	SEEN_IP = 1u << 3,
	SEEN_L4 = 1u << 4,
	SEEN_L4_ONE = 1u << 5,
	SEEN_TCP_FLAGS = 1u << 6,
	SEEN_SRC = 1u << 7,
	SEEN_DST = 1u << 8,
	SEEN_L7 = 1u << 9,
	SEEN_L7_ONE = 1u << 10,
	SEEN_EVENT = 1u << 11,
	SEEN_SRC_SVC = 1u << 12,
	SEEN_DST_SVC = 1u << 13,
	SEEN_IS_REPLY = 1u << 14,
	SEEN_IFACE = 1u << 15,
	SEEN_TRACE_CTX = 1u << 16,
	SEEN_TRACE_PARENT = 1u << 17,
};

struct rd {
	struct fr_hubble_scan s; /* first: the visitors' argument */
	struct fr_hubble_cols *c;
	unsigned seen;
};

/* A Timestamp as two values, made ns at the end. */
struct ts {
	int64_t s;
	int32_t ns;
};

void fr_hubble_cols__free(struct fr_hubble_cols *c)
{
	for (int i = 0; i < FR_HC_NLISTS; i++)
		free(c->lists[i].v);
	for (int i = 0; i < FR_HC_NPOLICY_LISTS; i++)
		free(c->policies[i].v);
	memset(c, 0, sizeof(*c));
}

void fr_hubble_cols__reset(struct fr_hubble_cols *c)
{
	memset(c, 0, offsetof(struct fr_hubble_cols, lists));
	for (int i = 0; i < FR_HC_NLISTS; i++)
		c->lists[i].n = 0;
	for (int i = 0; i < FR_HC_NPOLICY_LISTS; i++)
		c->policies[i].n = 0;
	c->ep_off[0] = c->ep_off[1] = -1;
}

static int grow(void **v, size_t *cap, size_t size)
{
	const size_t n = *cap ? *cap * 2 : 16;
	void *p = realloc(*v, n * size);

	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

int fr_hubble_cols__push(struct fr_hubble_strs *l, const char *p, size_t n)
{
	if (l->n == l->cap && grow((void **)&l->v, &l->cap, sizeof(*l->v)))
		return -ENOMEM;
	l->v[l->n++] = (struct fr_hubble_str){p, n};
	return 0;
}

struct fr_hubble_policy *fr_hubble_cols__new_policy(struct fr_hubble_policies *l)
{
	if (l->n == l->cap && grow((void **)&l->v, &l->cap, sizeof(*l->v)))
		return NULL;
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static struct fr_hubble_str str_of(const struct fr_hubble_val *v)
{
	return (struct fr_hubble_str){(const char *)v->p, v->n};
}

/* Marks bit seen; -EAGAIN when it was already (protobuf-c would merge). */
static int once(struct rd *r, unsigned bit)
{
	if (r->seen & bit)
		return -EAGAIN;
	r->seen |= bit;
	return 0;
}

/* Scans the message value v of field f with visitor fn and obj. */
static int sub(struct rd *r, const ProtobufCFieldDescriptor *f, const struct fr_hubble_val *v,
	       unsigned depth, fr_hubble_visit fn, void *obj)
{
	return fr_hubble__scan_value(&r->s, f, v, depth, fn, obj);
}

/* The same with the scan's loop inline, fn called directly: for the
 * messages of most flows. */
#define SCANNER(name, fn)                                                                          \
	static int fn(struct fr_hubble_scan *, void *, const ProtobufCFieldDescriptor *,           \
		      const struct fr_hubble_val *, unsigned);                                     \
	static int name(struct rd *r, const ProtobufCFieldDescriptor *f,                           \
			const struct fr_hubble_val *v, unsigned depth, void *obj)                  \
	{                                                                                          \
		return fr_hubble__scan_inline(&r->s, f->descriptor,                                \
					      v->sub ? v->sub : fr_hubble__tab_of(f->descriptor),  \
					      v->p, v->n, depth + 1, fn, obj);                     \
	}

SCANNER(scan_flow, visit_flow)
SCANNER(scan_ts, visit_ts)
SCANNER(scan_ip, visit_ip)
SCANNER(scan_l4, visit_l4)
SCANNER(scan_l4_one, visit_l4_one)
SCANNER(scan_tcp_flags, visit_tcp_flags)
SCANNER(scan_event, visit_event)
SCANNER(scan_bool_value, visit_bool_value)
SCANNER(scan_iface, visit_iface)
SCANNER(scan_http, visit_http)
SCANNER(scan_header, visit_header)

/* The messages of varints alone first (most of them are): their values
 * straight from fr_hubble__varints, else the scan as usual. */
static int read_ts(struct rd *r, const ProtobufCFieldDescriptor *f, const struct fr_hubble_val *v,
		   unsigned depth, struct ts *t)
{
	uint64_t x[16];
	unsigned got;

	if (!fr_hubble__varints(v->sub, v->p, v->n, x, &got))
		return scan_ts(r, f, v, depth, t);
	t->s = got & 2 ? (int64_t)x[1] : 0;
	t->ns = got & 4 ? (int32_t)(uint32_t)x[2] : 0;
	return 0;
}

static int read_tcp_flags(struct rd *r, const ProtobufCFieldDescriptor *f,
			  const struct fr_hubble_val *v, unsigned depth, uint32_t *bits)
{
	uint64_t x[16];
	unsigned got;

	if (!fr_hubble__varints(v->sub, v->p, v->n, x, &got))
		return scan_tcp_flags(r, f, v, depth, bits);
	for (unsigned id = 1; id <= 9; id++)
		if (got >> id & 1 && x[id])
			*bits |= 1u << (id - 1);
	return 0;
}

static int read_event(struct rd *r, const ProtobufCFieldDescriptor *f,
		      const struct fr_hubble_val *v, unsigned depth, struct fr_hubble_cols *c)
{
	uint64_t x[16];
	unsigned got;

	if (!fr_hubble__varints(v->sub, v->p, v->n, x, &got))
		return scan_event(r, f, v, depth, c);
	c->event_type = got & 2 ? (int32_t)(uint32_t)x[1] : 0;
	c->event_subtype = got & 4 ? (int32_t)(uint32_t)x[2] : 0;
	return 0;
}

static int read_bool_value(struct rd *r, const ProtobufCFieldDescriptor *f,
			   const struct fr_hubble_val *v, unsigned depth, bool *b)
{
	uint64_t x[16];
	unsigned got;

	if (!fr_hubble__varints(v->sub, v->p, v->n, x, &got))
		return scan_bool_value(r, f, v, depth, b);
	*b = got & 2 && x[1];
	return 0;
}

static int visit_ts(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		    const struct fr_hubble_val *v, unsigned depth)
{
	struct ts *t = obj;

	(void)s, (void)depth;
	if (f->id == 1)
		t->s = (int64_t)v->v;
	else if (f->id == 2)
		t->ns = (int32_t)(uint32_t)v->v;
	return 1;
}

static int visit_strings2(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
			  const struct fr_hubble_val *v, unsigned depth)
{
	struct fr_hubble_str *two = obj; /* fields 1 and 2 */

	(void)s, (void)depth;
	if (f->id == 1 || f->id == 2)
		two[f->id - 1] = str_of(v);
	return 1;
}

static int visit_ip(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		    const struct fr_hubble_val *v, unsigned depth)
{
	struct fr_hubble_cols *c = obj;

	(void)s, (void)depth;
	switch (f->id) {
	case 1:
		c->ip_src = str_of(v);
		break;
	case 2:
		c->ip_dst = str_of(v);
		break;
	case 3:
		c->ip_version = (int32_t)(uint32_t)v->v;
		break;
	case 4:
		c->encrypted = v->v != 0;
		break;
	case 5:
		c->ip_xlated = str_of(v);
		break;
	default:
		break;
	}
	return 1;
}

static int visit_tcp_flags(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
			   const struct fr_hubble_val *v, unsigned depth)
{
	uint32_t *bits = obj; /* FIN = 1 .. NS = 9: bit id - 1 */

	(void)s, (void)depth;
	if (f->id >= 1 && f->id <= 9) {
		if (v->v)
			*bits |= 1u << (f->id - 1);
		else
			*bits &= ~(1u << (f->id - 1));
	}
	return 1;
}

/* TCP, UDP, SCTP (ports 1, 2; TCP flags 3), ICMPv4, ICMPv6 (type, code). */
static int visit_l4_one(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
			const struct fr_hubble_val *v, unsigned depth)
{
	struct rd *r = (struct rd *)s;
	struct fr_hubble_cols *c = obj;
	int err;

	if (f->id == 1) {
		c->l4_a = (uint32_t)v->v;
	} else if (f->id == 2) {
		c->l4_b = (uint32_t)v->v;
	} else if (f->id == 3 && c->l4 == FLOW__LAYER4__PROTOCOL_TCP) {
		if ((err = once(r, SEEN_TCP_FLAGS)))
			return err;
		c->has |= FR_HC_HAS_TCP_FLAGS;
		return read_tcp_flags(r, f, v, depth, &c->tcp_flags);
	}
	return 1;
}

static int visit_l4(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		    const struct fr_hubble_val *v, unsigned depth)
{
	struct rd *r = (struct rd *)s;
	struct fr_hubble_cols *c = obj;
	int err;

	if (f->id < 1 || f->id > 7)
		return 1;
	if ((err = once(r, SEEN_L4_ONE))) /* protobuf-c keeps the last member */
		return err;
	c->l4 = f->id;
	if (f->id > 5) /* VRRP, IGMP: only the name */
		return 1;
	return scan_l4_one(r, f, v, depth, c);
}

static int visit_header(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
			const struct fr_hubble_val *v, unsigned depth)
{
	struct fr_hubble_cols *c = obj;
	struct fr_hubble_strs *h = &c->lists[FR_HC_HEADERS];

	(void)s, (void)depth;
	if (f->id == 1 || f->id == 2) /* the pair is the last two entries */
		h->v[h->n - 2 + (f->id - 1)] = str_of(v);
	return 1;
}

static int visit_http(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		      const struct fr_hubble_val *v, unsigned depth)
{
	struct fr_hubble_cols *c = obj;
	struct fr_hubble_strs *h = &c->lists[FR_HC_HEADERS];

	switch (f->id) {
	case 1:
		c->http_code = (uint32_t)v->v;
		break;
	case 2:
		c->http_method = str_of(v);
		break;
	case 3:
		c->http_url = str_of(v);
		break;
	case 4:
		c->http_protocol = str_of(v);
		break;
	case 5: /* a header: "" until given */
		if (fr_hubble_cols__push(h, "", 0) || fr_hubble_cols__push(h, "", 0))
			return -ENOMEM;
		return scan_header((struct rd *)s, f, v, depth, c);
	default:
		break;
	}
	return 1;
}

static int visit_dns(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		     const struct fr_hubble_val *v, unsigned depth)
{
	struct fr_hubble_cols *c = obj;
	int list = -1;

	(void)s, (void)depth;
	switch (f->id) {
	case 1:
		c->dns_query = str_of(v);
		break;
	case 2:
		list = FR_HC_DNS_IPS;
		break;
	case 3:
		c->dns_ttl = (uint32_t)v->v;
		break;
	case 4:
		list = FR_HC_DNS_CNAMES;
		break;
	case 5:
		c->dns_source = str_of(v);
		break;
	case 6:
		c->dns_rcode = (uint32_t)v->v;
		break;
	case 7:
		list = FR_HC_DNS_QTYPES;
		break;
	case 8:
		list = FR_HC_DNS_RRTYPES;
		break;
	default:
		break;
	}
	if (list >= 0 && fr_hubble_cols__push(&c->lists[list], (const char *)v->p, v->n))
		return -ENOMEM;
	return 1;
}

static int visit_kafka(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		       const struct fr_hubble_val *v, unsigned depth)
{
	struct fr_hubble_cols *c = obj;

	(void)s, (void)depth;
	switch (f->id) {
	case 1:
		c->kafka_error_code = (int32_t)(uint32_t)v->v;
		break;
	case 2:
		c->kafka_api_version = (int32_t)(uint32_t)v->v;
		break;
	case 3:
		c->kafka_api_key = str_of(v);
		break;
	case 4:
		c->kafka_correlation_id = (int32_t)(uint32_t)v->v;
		break;
	case 5:
		c->kafka_topic = str_of(v);
		break;
	default:
		break;
	}
	return 1;
}

static int visit_l7(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		    const struct fr_hubble_val *v, unsigned depth)
{
	static const fr_hubble_visit rec[3] = {visit_dns, visit_http, visit_kafka};
	struct rd *r = (struct rd *)s;
	struct fr_hubble_cols *c = obj;
	int err;

	switch (f->id) {
	case 1:
		c->l7_type = (int32_t)(uint32_t)v->v;
		break;
	case 2:
		c->l7_latency = v->v;
		break;
	case 100:
	case 101:
	case 102:
		if ((err = once(r, SEEN_L7_ONE)))
			return err;
		c->l7 = f->id;
		if (f->id == 101)
			return scan_http(r, f, v, depth, c);
		return sub(r, f, v, depth, rec[f->id - 100], c);
	default:
		break;
	}
	return 1;
}

static int visit_event(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		       const struct fr_hubble_val *v, unsigned depth)
{
	struct fr_hubble_cols *c = obj;

	(void)s, (void)depth;
	if (f->id == 1)
		c->event_type = (int32_t)(uint32_t)v->v;
	else if (f->id == 2)
		c->event_subtype = (int32_t)(uint32_t)v->v;
	return 1;
}

static int visit_bool_value(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
			    const struct fr_hubble_val *v, unsigned depth)
{
	(void)s, (void)depth;
	if (f->id == 1)
		*(bool *)obj = v->v != 0;
	return 1;
}

static int visit_iface(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		       const struct fr_hubble_val *v, unsigned depth)
{
	(void)s, (void)depth;
	if (f->id == 2)
		*(struct fr_hubble_str *)obj = str_of(v);
	return 1;
}

static int visit_trace_parent(struct fr_hubble_scan *s, void *obj,
			      const ProtobufCFieldDescriptor *f, const struct fr_hubble_val *v,
			      unsigned depth)
{
	(void)s, (void)depth;
	if (f->id == 1)
		*(struct fr_hubble_str *)obj = str_of(v);
	return 1;
}

static int visit_trace_ctx(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
			   const struct fr_hubble_val *v, unsigned depth)
{
	struct rd *r = (struct rd *)s;
	int err;

	if (f->id != 1)
		return 1;
	if ((err = once(r, SEEN_TRACE_PARENT)))
		return err;
	return sub(r, f, v, depth, visit_trace_parent, obj);
}

static int visit_policy(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
			const struct fr_hubble_val *v, unsigned depth)
{
	struct rd *r = (struct rd *)s;
	struct fr_hubble_policy *p = obj;

	(void)depth;
	switch (f->id) {
	case 1:
		p->name = str_of(v);
		break;
	case 2:
		p->ns = str_of(v);
		break;
	case 3:
		p->nlabels++; /* a policy's labels are pushed together */
		return fr_hubble_cols__push(&r->c->lists[FR_HC_POLICY_LABELS], (const char *)v->p,
					    v->n)
			       ?: 1;
	case 4:
		p->revision = v->v;
		break;
	case 5:
		p->kind = str_of(v);
		break;
	default:
		break;
	}
	return 1;
}

static int policy(struct rd *r, int list, const ProtobufCFieldDescriptor *f,
		  const struct fr_hubble_val *v, unsigned depth)
{
	struct fr_hubble_policy *p = fr_hubble_cols__new_policy(&r->c->policies[list]);

	if (!p)
		return -ENOMEM;
	p->label0 = r->c->lists[FR_HC_POLICY_LABELS].n;
	return sub(r, f, v, depth, visit_policy, p);
}

/* A Flow's message fields; singular ones once only. */
static int flow_message(struct rd *r, const ProtobufCFieldDescriptor *f,
			const struct fr_hubble_val *v, unsigned depth)
{
	struct fr_hubble_cols *c = r->c;
	struct ts t = {0, 0};
	int err;

	switch (f->id) {
	case 1: /* time */
		if ((err = once(r, SEEN_TIME)) || (err = read_ts(r, f, v, depth, &t)))
			return err;
		c->time = fr_hubble__ts_ns(t.s, t.ns);
		c->has |= FR_HC_HAS_TIME;
		return 0;
	case 5:
		c->has |= FR_HC_HAS_IP;
		return once(r, SEEN_IP) ?: scan_ip(r, f, v, depth, c);
	case 6:
		return once(r, SEEN_L4) ?: scan_l4(r, f, v, depth, c);
	case 8: /* the endpoints: where they are, read by the caller */
	case 9:
		if ((err = once(r, f->id == 8 ? SEEN_SRC : SEEN_DST)))
			return err;
		if (f->id == 8 && (r->seen & SEEN_DST))
			return -EAGAIN; /* the destination first */
		c->ep_off[f->id - 8] = v->p - r->s.base;
		c->ep_len[f->id - 8] = v->n;
		return 0;
	case 15:
		c->has |= FR_HC_HAS_L7;
		return once(r, SEEN_L7) ?: sub(r, f, v, depth, visit_l7, c);
	case 19:
		c->has |= FR_HC_HAS_EVENT_TYPE;
		return once(r, SEEN_EVENT) ?: read_event(r, f, v, depth, c);
	case 20:
		return once(r, SEEN_SRC_SVC) ?: sub(r, f, v, depth, visit_strings2, c->src_svc);
	case 21:
		return once(r, SEEN_DST_SVC) ?: sub(r, f, v, depth, visit_strings2, c->dst_svc);
	case 26:
		c->has |= FR_HC_HAS_IS_REPLY;
		return once(r, SEEN_IS_REPLY) ?: read_bool_value(r, f, v, depth, &c->is_reply);
	case 28:
		return once(r, SEEN_IFACE) ?: scan_iface(r, f, v, depth, &c->interface);
	case 30:
		return once(r, SEEN_TRACE_CTX)
			       ?: sub(r, f, v, depth, visit_trace_ctx, &c->trace_id);
	case 21001:
		return policy(r, FR_HC_EGRESS_ALLOWED, f, v, depth);
	case 21002:
		return policy(r, FR_HC_INGRESS_ALLOWED, f, v, depth);
	case 21004:
		return policy(r, FR_HC_EGRESS_DENIED, f, v, depth);
	case 21005:
		return policy(r, FR_HC_INGRESS_DENIED, f, v, depth);
	default:
		return 1;
	}
}

static int visit_flow(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
		      const struct fr_hubble_val *v, unsigned depth)
{
	struct rd *r = (struct rd *)s;
	struct fr_hubble_cols *c = obj;
	const int32_t i32 = (int32_t)(uint32_t)v->v;

	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return flow_message(r, f, v, depth);
	switch (f->id) {
	case 2:
		c->verdict = i32;
		break;
	case 3:
		c->drop_reason = (uint32_t)v->v;
		break;
	case 10:
		c->type = i32;
		break;
	case 11:
		c->node_name = str_of(v);
		break;
	case 13:
		return fr_hubble_cols__push(&c->lists[FR_HC_SRC_NAMES], (const char *)v->p, v->n)
			       ?: 1;
	case 14:
		return fr_hubble_cols__push(&c->lists[FR_HC_DST_NAMES], (const char *)v->p, v->n)
			       ?: 1;
	case 22:
		c->traffic_direction = i32;
		break;
	case 23:
		c->policy_match_type = (uint32_t)v->v;
		break;
	case 24:
		c->trace_observation_point = i32;
		break;
	case 25:
		c->drop_reason_desc = i32;
		break;
	case 29:
		c->proxy_port = (uint32_t)v->v;
		break;
	case 32:
		c->socket_cookie = v->v;
		break;
	case 33:
		c->cgroup_id = v->v;
		break;
	case 34:
		c->uuid = str_of(v);
		break;
	case 35:
		c->auth_type = i32;
		break;
	case 36:
		c->trace_reason = i32;
		break;
	case 100000:
		c->summary = str_of(v);
		break;
	default:
		break;
	}
	return 1;
}

static int visit_response(struct fr_hubble_scan *s, void *obj, const ProtobufCFieldDescriptor *f,
			  const struct fr_hubble_val *v, unsigned depth)
{
	struct rd *r = (struct rd *)s;
	struct fr_hubble_cols *c = obj;
	struct ts t = {0, 0};
	int err;

	switch (f->id) {
	case 1:
		return once(r, SEEN_FLOW) ?: scan_flow(r, f, v, depth, c);
	case 1000:
		c->resp_node_name = str_of(v);
		return 1;
	case 1001:
		if ((err = once(r, SEEN_RESP_TIME)) || (err = read_ts(r, f, v, depth, &t)))
			return err;
		c->resp_time = fr_hubble__ts_ns(t.s, t.ns);
		c->has |= FR_HC_HAS_RESP_TIME;
		return 0;
	default: /* node_status, lost_events */
		return f->type == PROTOBUF_C_TYPE_MESSAGE ? -EAGAIN : 1;
	}
}

int fr_hubble_cols__from_wire(struct fr_hubble_cols *c, const uint8_t *buf, size_t len)
{
	struct rd r = {.s = {.base = buf, .err = NULL, .strict = true}, .c = c};
	int err;

	fr_hubble_cols__reset(c);
	if (len > FR_HUBBLE_MAX_MSG)
		return -EAGAIN;
	err = fr_hubble__scan_inline(&r.s, &observer__get_flows_response__descriptor,
				     fr_hubble__tab_of(&observer__get_flows_response__descriptor),
				     buf, len, 1, visit_response, c);
	if (err == -ENOMEM)
		return err;
	return err || !(r.seen & SEEN_FLOW) ? -EAGAIN : 0;
}
