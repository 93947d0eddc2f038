// SPDX-License-Identifier: BSD-2-Clause
/*
 * unit.hubble_cols: replay's one-pass read of a flow's columns off the wire
 * (fr_hubble_cols__from_wire) against fr_hubble__decode and the columns of
 * its message (fr_hubble_cols__from_msg), through cols_check: every sample
 * line of fixtures/hubble (protobuf-c's field order, and flow.proto's
 * declaration order as an encoder that does not sort may send), every
 * truncation and many
 * byte flips of them, and crafted flows: every column filled, each Layer4
 * kind, unknown fields of every wire type, a field or a message twice, a
 * oneof twice, endpoints twice or swapped, padded lengths, bad UTF-8, a
 * flow over 64 KiB. Those it must take are taken, those it must leave
 * are left, and whatever it takes reads the same both ways. And the scan's
 * UTF-8 check against a byte-at-a-time reference.
 * Usage: test_cols FIXTURES_DIR. Exit 0 or 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cols_check.h"
#include "samples.h"
#include "format/hubble/flow.h"
#include "format/hubble/flow_priv.h"

static int fails; /* CHECK counts here */

/* cols_check's answer, which must be want (1 taken, 0 left). */
static void expect(const uint8_t *buf, size_t len, int want, const char *what)
{
	char why[200];
	const int rc = cols_check(buf, len, why, sizeof(why));

	CHECK(rc == want, "%s: %s (%d, wanted %d)", what, rc < 0 ? why : "", rc, want);
}

/* Damaged copies: never a disagreement. */
static void damage(const uint8_t *buf, size_t len, unsigned *seed)
{
	uint8_t *copy = malloc(len ? len : 1);
	char why[200];

	for (size_t cut = 0; cut < len; cut++)
		CHECK(cols_check(buf, cut, why, sizeof(why)) >= 0, "cut at %zu: %s", cut, why);
	for (int i = 0; i < 300 && len; i++) {
		memcpy(copy, buf, len);
		*seed = *seed * 1103515245u + 12345u;
		copy[(*seed >> 8) % len] ^= (uint8_t)(1u << ((*seed >> 4) % 8));
		CHECK(cols_check(copy, len, why, sizeof(why)) >= 0, "flip %d: %s", i, why);
	}
	free(copy);
}

/* Bytes being built. */
struct out {
	uint8_t b[1 << 20];
	size_t n;
};

static void put_varint(struct out *o, uint64_t v)
{
	while (v >= 0x80) {
		o->b[o->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	o->b[o->n++] = (uint8_t)v;
}

static void put_bytes(struct out *o, uint32_t field, const void *p, size_t n)
{
	put_varint(o, (uint64_t)field << 3 | 2);
	put_varint(o, n);
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

/* One field of a message: its number and where it is. */
struct fld {
	uint64_t num;
	size_t at, n;
};

/* The top fields of p[0..len) (valid), at most max. Return: how many. */
static size_t fields_of(const uint8_t *p, size_t len, struct fld *f, size_t max)
{
	size_t pos = 0, k = 0;

	while (pos < len && k < max) {
		uint64_t tag = 0, v = 0;
		size_t at = pos;
		unsigned sh = 0;

		do
			tag |= (uint64_t)(p[pos] & 0x7f) << sh, sh += 7;
		while (p[pos++] & 0x80);
		if ((tag & 7) == 0) {
			while (p[pos++] & 0x80)
				;
		} else if ((tag & 7) == 2) {
			sh = 0;
			do
				v |= (uint64_t)(p[pos] & 0x7f) << sh, sh += 7;
			while (p[pos++] & 0x80);
			pos += v;
		} else {
			pos += (tag & 7) == 1 ? 8 : 4;
		}
		f[k++] = (struct fld){tag >> 3, at, pos - at};
	}
	return k;
}

/* Flow's fields in the order flow.proto declares them (not by number). */
static const uint32_t declared[] = {1,	34, 41, 2,	3,     35,    4,     5,	    6,	  8,  9,
				    10, 11, 37, 13,	14,    15,    16,    19,    20,	  21, 22,
				    23, 24, 36, 38,	40,    25,    26,    27,    28,	  29, 30,
				    31, 32, 33, 100000, 21001, 21002, 21004, 21005, 21006};

static size_t rank_of(uint64_t num)
{
	for (size_t i = 0; i < sizeof(declared) / sizeof(declared[0]); i++)
		if (declared[i] == num)
			return i;
	return sizeof(declared) / sizeof(declared[0]);
}

/* resp with its flow's fields in declaration order (repeated ones kept in
 * their order), as an encoder that does not sort by number may send. */
static void declaration_order(const uint8_t *buf, size_t len, struct out *o)
{
	static struct fld top[64], fl[4096];
	const size_t nt = fields_of(buf, len, top, 64);

	o->n = 0;
	for (size_t i = 0; i < nt; i++) {
		const uint8_t *p = buf + top[i].at;
		size_t hdr = 1, vlen = 0, nf;
		unsigned sh = 0;

		if (top[i].num != 1) {
			memcpy(o->b + o->n, p, top[i].n);
			o->n += top[i].n;
			continue;
		}
		do
			vlen |= (size_t)(p[hdr] & 0x7f) << sh, sh += 7;
		while (p[hdr++] & 0x80);
		nf = fields_of(p + hdr, vlen, fl, 4096);
		put_varint(o, 1 << 3 | 2);
		put_varint(o, vlen);
		for (size_t r = 0; r <= sizeof(declared) / sizeof(declared[0]); r++)
			for (size_t k = 0; k < nf; k++)
				if (rank_of(fl[k].num) == r) {
					memcpy(o->b + o->n, p + hdr + fl[k].at, fl[k].n);
					o->n += fl[k].n;
				}
	}
}

static void sample(const uint8_t *buf, size_t len, const char *what, void *arg)
{
	unsigned *seed = arg;

	static struct out o;

	expect(buf, len, 1, what);
	declaration_order(buf, len, &o);
	expect(o.b, o.n, 1, "in declaration order");
	damage(buf, len, seed);
}

/* A response around flow f, to o (then more fields may be added). */
static void respond(const Flow__Flow *f, struct out *o)
{
	Observer__GetFlowsResponse r = OBSERVER__GET_FLOWS_RESPONSE__INIT;
	Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	uint8_t *b;
	size_t n;

	t.seconds = 1700000000;
	t.nanos = 5;
	r.response_types_case = OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW;
	r.flow = (Flow__Flow *)f;
	r.node_name = "node-a";
	r.time = &t;
	o->n = 0;
	if (!fr_hubble__encode(&r.base, &b, &n)) {
		memcpy(o->b, b, n);
		o->n = n;
		free(b);
	}
}

/* The flow of a response as bytes, with extra appended to it (the flow
 * field is the response's first: protobuf-c writes by number). */
static void with_flow_extra(const Flow__Flow *f, const struct out *extra, struct out *o)
{
	uint8_t *b;
	size_t n;

	o->n = 0;
	if (fr_hubble__encode(&f->base, &b, &n))
		return;
	put_varint(o, 1 << 3 | 2);
	put_varint(o, n + extra->n);
	memcpy(o->b + o->n, b, n);
	o->n += n;
	memcpy(o->b + o->n, extra->b, extra->n);
	o->n += extra->n;
	free(b);
}

static char *labels_a[] = {"k8s:app=a", "k8s:io.kubernetes.pod.namespace=ns"};
static char *names[] = {"a.example.com", "b.example.com"};

/* Every column of a flow given, as struct f. */
static void full_flow(Flow__Flow *f, void *mem)
{
	struct {
		Google__Protobuf__Timestamp t;
		Flow__IP ip;
		Flow__Layer4 l4;
		Flow__TCP tcp;
		Flow__TCPFlags fl;
		Flow__Endpoint src, dst;
		Flow__Workload wl, *wls[1];
		Flow__Layer7 l7;
		Flow__HTTP http;
		Flow__HTTPHeader h1, h2, *hs[2];
		Flow__CiliumEventType et;
		Flow__Service ss, ds;
		Google__Protobuf__BoolValue reply;
		Flow__NetworkInterface ifc;
		Flow__TraceContext tc;
		Flow__TraceParent tp;
		Flow__Policy p1, p2, *ps[2], *ps1[1];
		Flow__Ethernet eth;
	} *x = mem;
	_Static_assert(sizeof(*x) <= 8192, "full_flow's memory");

	flow__flow__init(f);
	google__protobuf__timestamp__init(&x->t);
	x->t.seconds = -5;
	x->t.nanos = 999999999;
	f->time = &x->t;
	f->uuid = "0b8f-uuid";
	f->verdict = FLOW__VERDICT__DROPPED;
	f->auth_type = FLOW__AUTH_TYPE__SPIRE;
	flow__ip__init(&x->ip);
	x->ip.source = "10.0.0.1";
	x->ip.destination = "10.0.0.2";
	x->ip.source_xlated = "192.168.0.1";
	x->ip.ipversion = FLOW__IPVERSION__IPv4;
	x->ip.encrypted = 1;
	f->ip = &x->ip;
	flow__layer4__init(&x->l4);
	flow__tcp__init(&x->tcp);
	flow__tcpflags__init(&x->fl);
	x->tcp.source_port = 40000;
	x->tcp.destination_port = 80;
	x->fl.syn = x->fl.ack = x->fl.ns = 1;
	x->tcp.flags = &x->fl;
	x->l4.protocol_case = FLOW__LAYER4__PROTOCOL_TCP;
	x->l4.tcp = &x->tcp;
	f->l4 = &x->l4;
	flow__endpoint__init(&x->src);
	flow__endpoint__init(&x->dst);
	flow__workload__init(&x->wl);
	x->src.id = 12;
	x->src.identity = 3456;
	x->src.namespace_ = "ns";
	x->src.pod_name = "pod-a";
	x->src.n_labels = 2;
	x->src.labels = labels_a;
	x->wl.name = "dep-a";
	x->wl.kind = "Deployment";
	x->wls[0] = &x->wl;
	x->src.n_workloads = 1;
	x->src.workloads = x->wls;
	x->dst.identity = 2;
	f->source = &x->src;
	f->destination = &x->dst;
	f->type = FLOW__FLOW_TYPE__L7;
	f->node_name = "node-f";
	f->n_source_names = 2;
	f->source_names = names;
	f->n_destination_names = 1;
	f->destination_names = names + 1;
	flow__layer7__init(&x->l7);
	flow__http__init(&x->http);
	flow__httpheader__init(&x->h1);
	flow__httpheader__init(&x->h2);
	x->l7.type = FLOW__L7_FLOW_TYPE__RESPONSE;
	x->l7.latency_ns = 123456789012ull;
	x->http.code = 503;
	x->http.method = "GET";
	x->http.url = "http://a/b?c=\"d\"";
	x->http.protocol = "HTTP/1.1";
	x->h1.key = "Content-Type";
	x->h1.value = "application/grpc";
	x->h2.key = "x-empty"; /* value "" */
	x->hs[0] = &x->h1;
	x->hs[1] = &x->h2;
	x->http.n_headers = 2;
	x->http.headers = x->hs;
	x->l7.record_case = FLOW__LAYER7__RECORD_HTTP;
	x->l7.http = &x->http;
	f->l7 = &x->l7;
	flow__cilium_event_type__init(&x->et);
	x->et.type = 129;
	x->et.sub_type = -3;
	f->event_type = &x->et;
	flow__service__init(&x->ss);
	flow__service__init(&x->ds);
	x->ss.name = "svc-a";
	x->ss.namespace_ = "ns";
	x->ds.name = "svc-b";
	f->source_service = &x->ss;
	f->destination_service = &x->ds;
	f->traffic_direction = FLOW__TRAFFIC_DIRECTION__EGRESS;
	f->policy_match_type = 4;
	f->trace_observation_point = FLOW__TRACE_OBSERVATION_POINT__TO_ENDPOINT;
	f->trace_reason = FLOW__TRACE_REASON__REOPENED;
	f->drop_reason_desc = FLOW__DROP_REASON__POLICY_DENIED;
	google__protobuf__bool_value__init(&x->reply);
	f->is_reply = &x->reply; /* there, false */
	flow__network_interface__init(&x->ifc);
	x->ifc.index = 7;
	x->ifc.name = "eth0";
	f->interface = &x->ifc;
	f->proxy_port = 15001;
	flow__trace_context__init(&x->tc);
	flow__trace_parent__init(&x->tp);
	x->tp.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
	x->tc.parent = &x->tp;
	f->trace_context = &x->tc;
	f->socket_cookie = 0xfedcba9876543210ull;
	f->cgroup_id = 77;
	flow__policy__init(&x->p1);
	flow__policy__init(&x->p2);
	x->p1.name = "allow-a";
	x->p1.namespace_ = "ns";
	x->p1.kind = "CiliumNetworkPolicy";
	x->p1.revision = 9;
	x->p1.n_labels = 2;
	x->p1.labels = labels_a;
	x->p2.name = "deny-b";
	x->ps[0] = &x->p1;
	x->ps[1] = &x->p2;
	x->ps1[0] = &x->p2;
	f->n_egress_allowed_by = 2;
	f->egress_allowed_by = x->ps;
	f->n_ingress_allowed_by = 1;
	f->ingress_allowed_by = x->ps1;
	f->n_egress_denied_by = 1;
	f->egress_denied_by = x->ps;
	f->n_ingress_denied_by = 2;
	f->ingress_denied_by = x->ps;
	flow__ethernet__init(&x->eth);
	x->eth.source = "aa:bb";
	f->ethernet = &x->eth;
}

static void layer4_kinds(Flow__Flow *f, struct out *o)
{
	Flow__Layer4 l4 = FLOW__LAYER4__INIT, *keep = f->l4;
	Flow__UDP udp = FLOW__UDP__INIT;
	Flow__SCTP sctp = FLOW__SCTP__INIT;
	Flow__ICMPv4 i4 = FLOW__ICMPV4__INIT;
	Flow__ICMPv6 i6 = FLOW__ICMPV6__INIT;
	Flow__VRRP vrrp = FLOW__VRRP__INIT;
	Flow__IGMP igmp = FLOW__IGMP__INIT;

	udp.source_port = 53;
	udp.destination_port = 5353;
	sctp.source_port = 1;
	i4.type = 8;
	i6.type = 133;
	i6.code = 2;
	vrrp.vrid = 4;
	igmp.group_address = "224.0.0.1";
	f->l4 = &l4;
	for (int k = 0; k <= 7; k++) {
		void *m[] = {NULL, NULL, &udp, &i4, &i6, &sctp, &vrrp, &igmp};

		if (k == 1)
			continue; /* TCP: the full flow */
		l4.protocol_case = (Flow__Layer4__ProtocolCase)k;
		l4.tcp = m[k];
		respond(f, o);
		expect(o->b, o->n, 1, "a Layer4 kind");
	}
	f->l4 = keep;
	{ /* two members of the oneof in one Layer4: the last one kept */
		static struct out x;
		static const uint8_t two[] = {0x0a, 0x06, 0x08, 0x01, 0x1a, 0x02,
					      0x10, 0x01, 0x12, 0x02, 0x08, 0x35};

		f->l4 = NULL;
		x.n = 0;
		put_bytes(&x, 6, two, sizeof(two));
		with_flow_extra(f, &x, o);
		expect(o->b, o->n, 0, "two Layer4 members");
		f->l4 = keep;
	}
}

/* Other Layer7 records: DNS with every list, Kafka. */
static void layer7_kinds(Flow__Flow *f, struct out *o)
{
	static char *ips[] = {"10.1.1.1", "fd00::1"}, *qt[] = {"A", "AAAA"}, *cn[] = {"x.y."};
	Flow__Layer7 l7 = FLOW__LAYER7__INIT, *keep = f->l7;
	Flow__DNS dns = FLOW__DNS__INIT;
	Flow__Kafka k = FLOW__KAFKA__INIT;

	dns.query = "a.example.com.";
	dns.n_ips = 2;
	dns.ips = ips;
	dns.ttl = 30;
	dns.n_cnames = 1;
	dns.cnames = cn;
	dns.observation_source = "proxy";
	dns.rcode = 3;
	dns.n_qtypes = 2;
	dns.qtypes = qt;
	dns.n_rrtypes = 1;
	dns.rrtypes = qt;
	k.error_code = -1; /* ten bytes on the wire */
	k.api_version = 7;
	k.api_key = "produce";
	k.correlation_id = 2147483647;
	k.topic = "orders";
	f->l7 = &l7;
	l7.record_case = FLOW__LAYER7__RECORD_DNS;
	l7.dns = &dns;
	respond(f, o);
	expect(o->b, o->n, 1, "DNS");
	l7.record_case = FLOW__LAYER7__RECORD_KAFKA;
	l7.kafka = &k;
	respond(f, o);
	expect(o->b, o->n, 1, "Kafka");
	l7.record_case = FLOW__LAYER7__RECORD__NOT_SET;
	respond(f, o);
	expect(o->b, o->n, 1, "Layer7 without a record");
	f->l7 = keep;
}

/* Fields appended to the flow: what is taken and what is left. */
static void appended(const Flow__Flow *f)
{
	static struct out x, o;
	static const uint8_t ts[] = {0x08, 0x01};	       /* Timestamp{seconds: 1} */
	static const uint8_t udp[] = {0x12, 0x02, 0x08, 0x35}; /* Layer4{UDP{53}} */

	x.n = 0; /* unknown fields of every wire type */
	put_varint(&x, 5000u << 3 | 0), put_varint(&x, 300);
	put_varint(&x, 5001u << 3 | 1), memset(x.b + x.n, 1, 8), x.n += 8;
	put_bytes(&x, 5002, "zz\0\xff", 4);
	put_varint(&x, 5003u << 3 | 5), memset(x.b + x.n, 2, 4), x.n += 4;
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 1, "unknown fields");
	x.n = 0; /* a scalar and a string again: the last ones */
	put_varint(&x, 2u << 3), put_varint(&x, 1);
	put_bytes(&x, 34, "second-uuid", 11);
	put_bytes(&x, 13, "c.example.com", 13); /* one more source name */
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 1, "a scalar and a string twice");
	x.n = 0;
	put_bytes(&x, 1, ts, sizeof(ts)); /* time again: merged */
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 0, "a message twice");
	x.n = 0;
	put_bytes(&x, 6, udp, sizeof(udp)); /* l4 again */
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 0, "Layer4 twice");
	x.n = 0; /* IP again, an empty source given: merged, the first one kept */
	put_bytes(&x, 5, "\x0a\x00", 2);
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 0, "IP twice");
	x.n = 0;
	put_bytes(&x, 8, "", 0); /* the source again */
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 0, "the source twice");
	x.n = 0;
	put_bytes(&x, 100000, "caf\xc3\xa9", 5); /* UTF-8 summary */
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 1, "UTF-8");
	x.n = 0;
	put_bytes(&x, 100000, "caf\xc3", 4);
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 0, "bad UTF-8");
	x.n = 0; /* a length in 5 bytes (protobuf-c's most), then in 6 */
	put_varint(&x, 11u << 3 | 2);
	memcpy(x.b + x.n, "\x81\x80\x80\x80\x00z", 6), x.n += 6;
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 1, "a 5-byte length");
	x.n = 0;
	put_varint(&x, 11u << 3 | 2);
	memcpy(x.b + x.n, "\x81\x80\x80\x80\x80\x00z", 7), x.n += 7;
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 0, "a 6-byte length");
	x.n = 0; /* a tag in 6 bytes */
	memcpy(x.b, "\x90\x80\x80\x80\x80\x00\x01", 7), x.n = 7;
	with_flow_extra(f, &x, &o);
	expect(o.b, o.n, 0, "a 6-byte tag");
}

/* Shapes of the response and of the endpoints. */
static void shapes(Flow__Flow *f)
{
	static struct out o, e;
	Flow__Endpoint *src = f->source, *dst = f->destination;
	uint8_t *b;
	size_t n;

	respond(f, &o);
	expect(o.b, o.n, 1, "every column");
	damage(o.b, o.n, &(unsigned){7});
	f->source = NULL;
	respond(f, &o);
	expect(o.b, o.n, 1, "no source");
	f->destination = NULL;
	respond(f, &o);
	expect(o.b, o.n, 1, "no endpoints");
	f->source = src;
	f->destination = dst;
	/* the destination first: left to the full decode */
	if (!fr_hubble__encode(&f->base, &b, &n)) {
		struct fld fl[256];
		const size_t nf = fields_of(b, n, fl, 256);

		e.n = 0;
		for (size_t k = 0; k < nf; k++)
			if (fl[k].num == 9)
				memcpy(e.b + e.n, b + fl[k].at, fl[k].n), e.n += fl[k].n;
		for (size_t k = 0; k < nf; k++)
			if (fl[k].num != 9)
				memcpy(e.b + e.n, b + fl[k].at, fl[k].n), e.n += fl[k].n;
		o.n = 0;
		put_bytes(&o, 1, e.b, e.n);
		expect(o.b, o.n, 0, "the destination first");
		free(b);
	}
	o.n = 0; /* lost_events, node_status, nothing */
	put_bytes(&o, 3, "\x08\x03", 2);
	expect(o.b, o.n, 0, "lost_events");
	o.n = 0;
	put_bytes(&o, 2, "", 0);
	expect(o.b, o.n, 0, "node_status");
	expect(o.b, 0, 0, "empty");
}

/* A flow over 64 KiB: the entry limits are counted. */
static void big(Flow__Flow *f)
{
	static char *many[40000];
	static struct out o;
	const size_t keep = f->n_source_names;
	char **keepv = f->source_names;

	for (size_t i = 0; i < 40000; i++)
		many[i] = "ab";
	f->n_source_names = 40000;
	f->source_names = many;
	respond(f, &o);
	expect(o.b, o.n, 1, "over 64 KiB");
	f->n_source_names = keep;
	f->source_names = keepv;
}

/* The reference: strict UTF-8 without NUL, a byte at a time. */
static int utf8_ref(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		const uint8_t c = s[i];
		unsigned len, cp;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (c < 0xc2 || c > 0xf4 || n - i < len)
			return 0;
		cp = c & (0x7f >> len);
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += len;
	}
	return 1;
}

/* The scan's UTF-8 check (a word at a time) against the reference: every
 * length to 40, one odd byte at every place, and random mixes. */
static void utf8(unsigned *seed)
{
	static const uint8_t odd[] = {0x00, 0x7f, 0x80, 0xc2, 0xe0, 0xed, 0xf4, 0xff};
	uint8_t b[48];

	for (size_t n = 0; n <= 40; n++) {
		for (size_t at = 0; at <= n; at++) {
			for (size_t k = 0; k < sizeof(odd); k++) {
				memset(b, 'a', sizeof(b));
				if (at < n)
					b[at] = odd[k];
				CHECK(fr_hubble__utf8_ok(b, n) == !!utf8_ref(b, n),
				      "UTF-8: %02x at %zu of %zu", odd[k], at, n);
			}
		}
		for (int r = 0; r < 200; r++) {
			for (size_t i = 0; i < n; i++) {
				*seed = *seed * 1103515245u + 12345u;
				b[i] = (*seed >> 16) % 4 ? 'a' + (*seed >> 8) % 26
							 : (uint8_t)(*seed >> 20);
			}
			CHECK(fr_hubble__utf8_ok(b, n) == !!utf8_ref(b, n), "UTF-8: random, %zu",
			      n);
		}
	}
	CHECK(fr_hubble__utf8_ok((const uint8_t *)"caf\xc3\xa9 \xf0\x9f\x98\x80", 10),
	      "UTF-8 accepted");
}

int main(int argc, char **argv)
{
	static uint8_t mem[8192] __attribute__((aligned(16)));
	static struct out o;
	unsigned seed = 1;
	Flow__Flow f;
	size_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: test_cols FIXTURES_DIR\n");
		return 2;
	}
	n = samples_each(argv[1], sample, &seed);
	CHECK(n > 100, "only %zu sample lines", n);
	full_flow(&f, mem);
	shapes(&f);
	layer4_kinds(&f, &o);
	layer7_kinds(&f, &o);
	appended(&f);
	big(&f);
	utf8(&seed);
	printf("%zu sample lines and crafted flows, %d failure(s)\n", n, fails);
	return fails ? 1 : 0;
}
