/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/replay/hubble_rows.h"
#include "analyzer/db/db.h"
#include "format/hubble/flow.h"
#include "format/hubble/flow_arena.h"
#include "format/kinds.h"

#include <errno.h>
#include <stdlib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* hubble_flow's columns, in schema order (checked at init). */
static const char *const flow_cols[] = {
	"id",
	"ts",
	"recv_ts",
	"node",
	"node_name",
	"kind",
	"uuid",
	"verdict",
	"drop_reason",
	"flow_type",
	"event_type",
	"event_subtype",
	"auth_type",
	"ip_version",
	"src_ip",
	"dst_ip",
	"src_ip_xlated",
	"encrypted",
	"protocol",
	"src_port",
	"dst_port",
	"icmp_type",
	"icmp_code",
	"tcp_flags",
	"src_ep",
	"dst_ep",
	"src_names",
	"dst_names",
	"src_service_namespace",
	"src_service",
	"dst_service_namespace",
	"dst_service",
	"traffic_direction",
	"is_reply",
	"policy_match_type",
	"trace_observation_point",
	"trace_reason",
	"interface",
	"proxy_port",
	"socket_cookie",
	"cgroup_id",
	"trace_id",
	"summary",
	"l7_type",
	"l7_latency_ns",
	"l7_kind",
	"http_code",
	"http_method",
	"http_url",
	"http_protocol",
	"dns_query",
	"dns_rcode",
	"dns_qtypes",
	"dns_rrtypes",
	"dns_ips",
	"dns_ttl",
	"dns_cnames",
	"dns_observation_source",
	"kafka_api_key",
	"kafka_api_version",
	"kafka_topic",
	"kafka_error_code",
	"kafka_correlation_id",
	"src_at",
	"dst_at",
	"rest",
};
#define NFLOW_COLS (sizeof(flow_cols) / sizeof(flow_cols[0]))

/* The enums of hubble_enum (schema.sql) and where their names are. */
static const struct {
	const char *name;
	const ProtobufCEnumDescriptor *d;
} enums[] = {
	{"verdict", &flow__verdict__descriptor},
	{"drop_reason", &flow__drop_reason__descriptor},
	{"flow_type", &flow__flow_type__descriptor},
	{"traffic_direction", &flow__traffic_direction__descriptor},
	{"trace_observation_point", &flow__trace_observation_point__descriptor},
	{"trace_reason", &flow__trace_reason__descriptor},
	{"l7_type", &flow__l7_flow_type__descriptor},
	{"ip_version", &flow__ipversion__descriptor},
	{"auth_type", &flow__auth_type__descriptor},
	{"lost_event_source", &flow__lost_event_source__descriptor},
	{"node_state", &relay__node_state__descriptor},
};

static int fill_enums(sqlite3 *db)
{
	sqlite3_stmt *ins;
	int err = fr_db__prepare(db, "INSERT OR IGNORE INTO hubble_enum VALUES (?,?,?)", &ins,
				 "hubble_enum");

	for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]) && !err; i++) {
		const ProtobufCEnumDescriptor *d = enums[i].d;

		for (unsigned v = 0; v < d->n_values && !err; v++) {
			sqlite3_bind_text(ins, 1, enums[i].name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 2, d->values[v].value);
			sqlite3_bind_text(ins, 3, d->values[v].name, -1, SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE) {
				fprintf(stderr, "flightrec: replay: hubble_enum: %s\n",
					sqlite3_errmsg(db));
				err = -EIO;
			}
			sqlite3_reset(ins);
		}
	}
	sqlite3_finalize(ins);
	return err;
}

int fr_hubble_rows__init(struct fr_hubble_rows *h, sqlite3 *db, struct fr_rowwriter *w,
			 uint64_t *rows)
{
	int err;

	memset(h, 0, sizeof(*h));
	fr_hubble_arena__init(&h->arena);
	h->rows = rows;
	h->next_id = 1;
	err = fr_db__check_columns(db, "hubble_flow_row", (const char **)flow_cols,
				   (int)NFLOW_COLS);
	if (!err)
		err = fill_enums(db);
	if (!err)
		err = fr_hubble_eps__init(&h->eps, db, w);
	if (!err)
		err = fr_rowbatch__init(&h->flow, db, w, "hubble_flow_row", NFLOW_COLS);
	if (!err)
		err = fr_rowbatch__init(&h->header, db, w, "hubble_http_header", 3);
	if (!err)
		err = fr_rowbatch__init(&h->policy, db, w, "hubble_flow_policy", 8);
	if (!err)
		err = fr_rowbatch__init(&h->lost, db, w, "hubble_lost", 8);
	if (!err)
		err = fr_rowbatch__init(&h->node_status, db, w, "hubble_node_status", 5);
	if (!err)
		err = fr_rowbatch__init(&h->server_status, db, w, "hubble_server_status", 10);
	if (!err)
		err = fr_rowbatch__init(&h->bad, db, w, "hubble_bad_record", 7);
	return err;
}

int fr_hubble_rows__wants(unsigned kind)
{
	return kind == FR_KIND_HUBBLE_FLOW_PB || kind == FR_KIND_HUBBLE_FLOW_JSON ||
	       kind == FR_KIND_HUBBLE_STATUS_PB;
}

static int end_row(struct fr_hubble_rows *h, struct fr_rowbatch *b)
{
	const int err = fr_rowbatch__end_row(b);

	if (!err)
		(*h->rows)++;
	return err;
}

static int64_t ts_ns(const Google__Protobuf__Timestamp *t)
{
	return t->seconds * 1000000000 + t->nanos;
}

static void service(struct fr_rowbatch *b, const Flow__Service *s)
{
	fr_rowbatch__text_or_null(b, s ? s->namespace_ : NULL);
	fr_rowbatch__text_or_null(b, s ? s->name : NULL);
}

static uint32_t tcp_bits(const Flow__TCPFlags *f)
{
	const protobuf_c_boolean bits[] = {f->fin, f->syn, f->rst, f->psh, f->ack,
					   f->urg, f->ece, f->cwr, f->ns};
	uint32_t v = 0;

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (bits[i])
			v |= 1u << i;
	return v;
}

/* protocol, src_port, dst_port, icmp_type, icmp_code, tcp_flags */
static void layer4(struct fr_rowbatch *b, const Flow__Layer4 *l4)
{
	static const char *const names[] = {NULL,     "TCP",  "UDP",  "ICMPv4",
					    "ICMPv6", "SCTP", "VRRP", "IGMP"};
	const unsigned c = l4 ? (unsigned)l4->protocol_case : 0;
	int64_t v[5] = {-1, -1, -1, -1, -1}; /* -1: NULL */

	fr_rowbatch__text_or_null(b, c < 8 ? names[c] : NULL);
	switch (c) {
	case FLOW__LAYER4__PROTOCOL_TCP:
		v[0] = l4->tcp->source_port;
		v[1] = l4->tcp->destination_port;
		if (l4->tcp->flags)
			v[4] = tcp_bits(l4->tcp->flags);
		break;
	case FLOW__LAYER4__PROTOCOL_UDP:
		v[0] = l4->udp->source_port;
		v[1] = l4->udp->destination_port;
		break;
	case FLOW__LAYER4__PROTOCOL_SCTP:
		v[0] = l4->sctp->source_port;
		v[1] = l4->sctp->destination_port;
		break;
	case FLOW__LAYER4__PROTOCOL_ICMPV4:
		v[2] = l4->icmpv4->type;
		v[3] = l4->icmpv4->code;
		break;
	case FLOW__LAYER4__PROTOCOL_ICMPV6:
		v[2] = l4->icmpv6->type;
		v[3] = l4->icmpv6->code;
		break;
	default:
		break;
	}
	for (int i = 0; i < 5; i++)
		if (v[i] < 0)
			fr_rowbatch__null(b);
		else
			fr_rowbatch__int(b, v[i]);
}

static void nulls(struct fr_rowbatch *b, int n)
{
	for (int i = 0; i < n; i++)
		fr_rowbatch__null(b);
}

/* l7_type .. kafka_correlation_id (20 columns) */
static void layer7(struct fr_rowbatch *b, const Flow__Layer7 *l7)
{
	const Flow__HTTP *http = l7 && l7->record_case == FLOW__LAYER7__RECORD_HTTP ? l7->http : 0;
	const Flow__DNS *dns = l7 && l7->record_case == FLOW__LAYER7__RECORD_DNS ? l7->dns : 0;
	const Flow__Kafka *kafka =
		l7 && l7->record_case == FLOW__LAYER7__RECORD_KAFKA ? l7->kafka : NULL;

	if (!l7) {
		nulls(b, 20);
		return;
	}
	fr_rowbatch__int(b, l7->type);
	fr_rowbatch__int(b, (int64_t)l7->latency_ns);
	fr_rowbatch__text_or_null(b, http ? "http" : dns ? "dns" : kafka ? "kafka" : NULL);
	if (http) {
		fr_rowbatch__int(b, http->code);
		fr_rowbatch__text_or_null(b, http->method);
		fr_rowbatch__text_or_null(b, http->url);
		fr_rowbatch__text_or_null(b, http->protocol);
	} else {
		nulls(b, 4);
	}
	if (dns) {
		fr_rowbatch__text_or_null(b, dns->query);
		fr_rowbatch__int(b, dns->rcode);
		fr_rowbatch__json_strings(b, dns->n_qtypes, dns->qtypes);
		fr_rowbatch__json_strings(b, dns->n_rrtypes, dns->rrtypes);
		fr_rowbatch__json_strings(b, dns->n_ips, dns->ips);
		fr_rowbatch__int(b, dns->ttl);
		fr_rowbatch__json_strings(b, dns->n_cnames, dns->cnames);
		fr_rowbatch__text_or_null(b, dns->observation_source);
	} else {
		nulls(b, 8);
	}
	if (kafka) {
		fr_rowbatch__text_or_null(b, kafka->api_key);
		fr_rowbatch__int(b, kafka->api_version);
		fr_rowbatch__text_or_null(b, kafka->topic);
		fr_rowbatch__int(b, kafka->error_code);
		fr_rowbatch__int(b, kafka->correlation_id);
	} else {
		nulls(b, 5);
	}
}

static int policies(struct fr_hubble_rows *h, int64_t id, const char *dir, const char *action,
		    size_t n, Flow__Policy *const *p)
{
	struct fr_rowbatch *b = &h->policy;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		fr_rowbatch__int(b, id);
		fr_rowbatch__text(b, dir, strlen(dir));
		fr_rowbatch__text(b, action, strlen(action));
		fr_rowbatch__text_or_null(b, p[i]->name);
		fr_rowbatch__text_or_null(b, p[i]->namespace_);
		fr_rowbatch__text_or_null(b, p[i]->kind);
		fr_rowbatch__int_or_null(b, (int64_t)p[i]->revision);
		fr_rowbatch__json_strings(b, p[i]->n_labels, p[i]->labels);
		err = end_row(h, b);
	}
	return err;
}

/* The flow's own rows beside hubble_flow: headers and policies. */
static int flow_side_rows(struct fr_hubble_rows *h, int64_t id, const Flow__Flow *f)
{
	const Flow__HTTP *http =
		f->l7 && f->l7->record_case == FLOW__LAYER7__RECORD_HTTP ? f->l7->http : NULL;
	int err = 0;

	for (size_t i = 0; http && i < http->n_headers && !err; i++) {
		const Flow__HTTPHeader *hd = http->headers[i];

		fr_rowbatch__int(&h->header, id);
		fr_rowbatch__text(&h->header, hd->key, strlen(hd->key));
		fr_rowbatch__text(&h->header, hd->value, strlen(hd->value));
		err = end_row(h, &h->header);
	}
	if (!err)
		err = policies(h, id, "ingress", "allowed", f->n_ingress_allowed_by,
			       f->ingress_allowed_by);
	if (!err)
		err = policies(h, id, "egress", "allowed", f->n_egress_allowed_by,
			       f->egress_allowed_by);
	if (!err)
		err = policies(h, id, "ingress", "denied", f->n_ingress_denied_by,
			       f->ingress_denied_by);
	if (!err)
		err = policies(h, id, "egress", "denied", f->n_egress_denied_by,
			       f->egress_denied_by);
	return err;
}

/* Deprecated in flow.proto, still what older agents send. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static uint32_t old_drop_reason(const Flow__Flow *f)
{
	return f->drop_reason;
}

static const char *summary_of(const Flow__Flow *f)
{
	return f->summary;
}
#pragma GCC diagnostic pop

/* The payload without the endpoint bytes cut out (cut[0] before cut[1]). */
static void rest_of(struct fr_rowbatch *b, const struct fr_record *rec,
		    const struct fr_hubble_cut *cut)
{
	const uint8_t *p = rec->payload;
	char *dst = fr_rowbatch__text_reserve(b, rec->len);
	size_t at = 0, out = 0;

	if (!dst) {
		fr_rowbatch__null(b); /* the row fails at its end */
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (cut[i].off < 0)
			continue;
		memcpy(dst + out, p + at, (size_t)cut[i].off - at);
		out += (size_t)cut[i].off - at;
		at = (size_t)cut[i].off + cut[i].len;
	}
	if (rec->len > at)
		memcpy(dst + out, p + at, rec->len - at);
	fr_rowbatch__blob_commit(b, out + (rec->len - at));
}

/* The ids of the flow's endpoints (0: none) and where their bytes are in
 * a protobuf payload (off -1: kept in the payload). */
static int endpoints(struct fr_hubble_rows *h, const struct fr_record *rec, const Flow__Flow *f,
		     int64_t ids[2], struct fr_hubble_cut cut[2])
{
	const Flow__Endpoint *ep[2] = {f->source, f->destination};
	struct fr_hubble_loc l;

	cut[0].off = cut[1].off = -1;
	if (rec->kind == FR_KIND_HUBBLE_FLOW_PB) {
		fr_hubble_eps__locate(rec->payload, rec->len, &l);
		cut[0] = l.src;
		cut[1] = l.dst;
	}
	if (cut[0].off >= 0 && cut[1].off >= 0 && cut[1].off < cut[0].off)
		cut[1].off = -1; /* the view puts the source back first */
	for (int i = 0; i < 2; i++) {
		ids[i] = 0;
		if (!ep[i]) {
			cut[i].off = -1;
			continue;
		}
		ids[i] = fr_hubble_eps__id(&h->eps, ep[i],
					   cut[i].off >= 0 ? rec->payload + cut[i].off : NULL,
					   cut[i].len, h->rows);
		if (ids[i] < 0)
			return (int)ids[i];
	}
	return 0;
}

/* ep and cut: from endpoints() or fast_flow(). */
static int add_flow(struct fr_hubble_rows *h, const struct fr_hubble_where *w,
		    const struct fr_record *rec, const Observer__GetFlowsResponse *r,
		    const int64_t ep[2], const struct fr_hubble_cut cut[2])
{
	const Flow__Flow *f = r->flow;
	struct fr_rowbatch *b = &h->flow;
	const int64_t id = h->next_id++;
	const Flow__IP *ip = f->ip;
	int err;
	fr_rowbatch__int(b, id);
	fr_rowbatch__int(b, f->time ? ts_ns(f->time) : r->time ? ts_ns(r->time) : w->recv_ts);
	fr_rowbatch__int(b, w->recv_ts);
	fr_rowbatch__int(b, w->node);
	fr_rowbatch__text_or_null(b, *f->node_name ? f->node_name : r->node_name);
	fr_rowbatch__int(b, rec->kind);
	fr_rowbatch__text_or_null(b, f->uuid);
	fr_rowbatch__int(b, f->verdict);
	fr_rowbatch__int(b,
			 f->drop_reason_desc ? (int64_t)f->drop_reason_desc : old_drop_reason(f));
	fr_rowbatch__int(b, f->type);
	if (f->event_type) {
		fr_rowbatch__int(b, f->event_type->type);
		fr_rowbatch__int(b, f->event_type->sub_type);
	} else {
		nulls(b, 2);
	}
	fr_rowbatch__int(b, f->auth_type);
	if (ip) {
		fr_rowbatch__int(b, ip->ipversion);
		fr_rowbatch__text_or_null(b, ip->source);
		fr_rowbatch__text_or_null(b, ip->destination);
		fr_rowbatch__text_or_null(b, ip->source_xlated);
		fr_rowbatch__int(b, !!ip->encrypted);
	} else {
		nulls(b, 5);
	}
	layer4(b, f->l4);
	fr_rowbatch__int_or_null(b, ep[0]);
	fr_rowbatch__int_or_null(b, ep[1]);
	fr_rowbatch__json_strings(b, f->n_source_names, f->source_names);
	fr_rowbatch__json_strings(b, f->n_destination_names, f->destination_names);
	service(b, f->source_service);
	service(b, f->destination_service);
	fr_rowbatch__int(b, f->traffic_direction);
	if (f->is_reply)
		fr_rowbatch__int(b, !!f->is_reply->value);
	else
		fr_rowbatch__null(b);
	fr_rowbatch__int(b, f->policy_match_type);
	fr_rowbatch__int(b, f->trace_observation_point);
	fr_rowbatch__int(b, f->trace_reason);
	fr_rowbatch__text_or_null(b, f->interface ? f->interface->name : NULL);
	fr_rowbatch__int_or_null(b, f->proxy_port);
	fr_rowbatch__int_or_null(b, (int64_t)f->socket_cookie);
	fr_rowbatch__int_or_null(b, (int64_t)f->cgroup_id);
	fr_rowbatch__text_or_null(b, f->trace_context && f->trace_context->parent
					     ? f->trace_context->parent->trace_id
					     : NULL);
	fr_rowbatch__text_or_null(b, summary_of(f));
	layer7(b, f->l7);
	if (cut[0].off >= 0)
		fr_rowbatch__int(b, cut[0].off);
	else
		fr_rowbatch__null(b);
	if (cut[1].off >= 0)
		fr_rowbatch__int(b, cut[1].off - (cut[0].off >= 0 ? (long long)cut[0].len : 0));
	else
		fr_rowbatch__null(b);
	rest_of(b, rec, cut);
	err = end_row(h, b);
	return err ? err : flow_side_rows(h, id, f);
}

static int add_lost(struct fr_hubble_rows *h, const struct fr_hubble_where *w, int64_t ts,
		    const Observer__GetFlowsResponse *r)
{
	const Flow__LostEvent *e = r->lost_events;
	struct fr_rowbatch *b = &h->lost;

	fr_rowbatch__int(b, ts);
	fr_rowbatch__int(b, w->node);
	fr_rowbatch__text_or_null(b, r->node_name);
	fr_rowbatch__int(b, e->source);
	fr_rowbatch__int(b, (int64_t)e->num_events_lost);
	if (e->cpu)
		fr_rowbatch__int(b, e->cpu->value);
	else
		fr_rowbatch__null(b);
	if (e->first)
		fr_rowbatch__int(b, ts_ns(e->first));
	else
		fr_rowbatch__null(b);
	if (e->last)
		fr_rowbatch__int(b, ts_ns(e->last));
	else
		fr_rowbatch__null(b);
	return end_row(h, b);
}

static int add_node_status(struct fr_hubble_rows *h, const struct fr_hubble_where *w, int64_t ts,
			   const Relay__NodeStatusEvent *e)
{
	struct fr_rowbatch *b = &h->node_status;

	fr_rowbatch__int(b, ts);
	fr_rowbatch__int(b, w->node);
	fr_rowbatch__int(b, e->state_change);
	fr_rowbatch__json_strings(b, e->n_node_names, e->node_names);
	fr_rowbatch__text_or_null(b, e->message);
	return end_row(h, b);
}

static int add_server_status(struct fr_hubble_rows *h, const struct fr_hubble_where *w,
			     const Observer__ServerStatusResponse *s)
{
	struct fr_rowbatch *b = &h->server_status;

	fr_rowbatch__int(b, w->recv_ts);
	fr_rowbatch__int(b, w->node);
	fr_rowbatch__int(b, (int64_t)s->num_flows);
	fr_rowbatch__int(b, (int64_t)s->max_flows);
	fr_rowbatch__int(b, (int64_t)s->seen_flows);
	fr_rowbatch__int(b, (int64_t)s->uptime_ns);
	if (s->num_connected_nodes)
		fr_rowbatch__int(b, s->num_connected_nodes->value);
	else
		fr_rowbatch__null(b);
	if (s->num_unavailable_nodes)
		fr_rowbatch__int(b, s->num_unavailable_nodes->value);
	else
		fr_rowbatch__null(b);
	fr_rowbatch__text_or_null(b, s->version);
	fr_rowbatch__real(b, s->flows_rate);
	return end_row(h, b);
}

/* A record that does not decode: kept with why, counted for replay_errors. */
static int add_bad(struct fr_hubble_rows *h, const struct fr_hubble_where *w,
		   const struct fr_record *rec, const char *why)
{
	struct fr_rowbatch *b = &h->bad;
	const char *kind = fr_kind__name(rec->kind);

	if (!h->nbad++) {
		h->bad_seq = w->seq;
		h->bad_block = rec->block_offset;
		snprintf(h->bad_msg, sizeof(h->bad_msg), "%s", why);
	}
	fr_rowbatch__int(b, w->recv_ts);
	fr_rowbatch__int(b, w->node);
	fr_rowbatch__int(b, w->segment);
	fr_rowbatch__int(b, (int64_t)w->seq);
	fr_rowbatch__text(b, kind, strlen(kind));
	fr_rowbatch__text(b, why, strlen(why));
	fr_rowbatch__blob(b, rec->payload, rec->len);
	return end_row(h, b);
}

static int decode(const struct fr_record *rec, ProtobufCMessage **m, char *why, size_t cap)
{
	struct fr_hubble_error e = {0};
	int err;

	if (rec->kind == FR_KIND_HUBBLE_FLOW_JSON)
		err = fr_hubble__parse_line(&observer__get_flows_response__descriptor,
					    (const char *)rec->payload, rec->len, m, &e);
	else
		err = fr_hubble__decode(rec->kind == FR_KIND_HUBBLE_STATUS_PB
						? &observer__server_status_response__descriptor
						: &observer__get_flows_response__descriptor,
					rec->payload, rec->len, m, &e);
	if (err == -ENOMEM)
		return err;
	if (err)
		fr_hubble__describe(&e, why, cap);
	return err ? -EBADMSG : 0;
}

/* An endpoint cut from the payload: its id, decoded the first time only. */
static int64_t cut_endpoint(struct fr_hubble_rows *h, const struct fr_record *rec,
			    const struct fr_hubble_cut *c)
{
	const uint8_t *raw = rec->payload + c->off;
	ProtobufCMessage *m;
	uint64_t hash;
	int64_t ep = fr_hubble_eps__find(&h->eps, raw, c->len, &hash);

	if (ep)
		return ep;
	if (fr_hubble__decode_arena(&flow__endpoint__descriptor, raw, c->len, &h->arena, &m, NULL))
		return 0;
	return fr_hubble_eps__add(&h->eps, (const Flow__Endpoint *)m, raw, c->len, hash, h->rows);
}

/* A protobuf flow decoded without its endpoints' bytes, which are only
 * looked up (most of a flow's bytes, the same in many flows). Return: 1
 * done, 0 take the full path (anything unusual, and every error, which
 * the full decode then reports with its offset), or -errno. */
static int fast_flow(struct fr_hubble_rows *h, const struct fr_hubble_where *w,
		     const struct fr_record *rec)
{
	const Observer__GetFlowsResponse *r;
	struct fr_hubble_cut cut[2];
	struct fr_hubble_loc l;
	ProtobufCMessage *m;
	int64_t ep[2] = {0, 0};
	size_t n;
	int err;

	if (rec->len > FR_HUBBLE_MAX_MSG)
		return 0;
	fr_hubble_eps__locate(rec->payload, rec->len, &l);
	if (l.flow_tag < 0 || (l.src.off >= 0 && l.dst.off >= 0 && l.dst.off < l.src.off))
		return 0;
	if (rec->len > h->strip_cap) {
		uint8_t *p = realloc(h->strip, rec->len);

		if (!p)
			return -ENOMEM;
		h->strip = p;
		h->strip_cap = rec->len;
	}
	n = fr_hubble_eps__strip(rec->payload, rec->len, &l, h->strip);
	fr_hubble_arena__reset(&h->arena);
	if (fr_hubble__decode_arena(&observer__get_flows_response__descriptor, h->strip, n,
				    &h->arena, &m, NULL))
		return 0;
	r = (const Observer__GetFlowsResponse *)m;
	if (r->response_types_case != OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW)
		return 0;
	cut[0] = l.src;
	cut[1] = l.dst;
	for (int i = 0; i < 2; i++) {
		const Flow__Endpoint *e = i ? r->flow->destination : r->flow->source;

		if (cut[i].off >= 0)
			ep[i] = cut_endpoint(h, rec, &cut[i]);
		else if (e) /* there more than once: in the stripped message */
			ep[i] = fr_hubble_eps__id(&h->eps, e, NULL, 0, h->rows);
		else
			continue;
		if (ep[i] <= 0)
			return (int)ep[i];
	}
	err = add_flow(h, w, rec, r, ep, cut);
	return err ? err : 1;
}

int fr_hubble_rows__record(struct fr_hubble_rows *h, const struct fr_hubble_where *w,
			   const struct fr_record *rec)
{
	const Observer__GetFlowsResponse *r;
	ProtobufCMessage *m = NULL;
	char why[200];
	int64_t ts;
	int err;

	if (rec->kind == FR_KIND_HUBBLE_FLOW_PB) {
		err = fast_flow(h, w, rec);
		if (err)
			return err < 0 ? err : 0;
	}
	err = decode(rec, &m, why, sizeof(why));
	if (err == -EBADMSG)
		return add_bad(h, w, rec, why);
	if (err)
		return err;
	if (rec->kind == FR_KIND_HUBBLE_STATUS_PB) {
		err = add_server_status(h, w, (const Observer__ServerStatusResponse *)m);
		fr_hubble__free(m);
		return err;
	}
	r = (const Observer__GetFlowsResponse *)m;
	ts = r->time ? ts_ns(r->time) : w->recv_ts;
	switch (r->response_types_case) {
	case OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW: {
		struct fr_hubble_cut cut[2];
		int64_t ep[2];

		err = endpoints(h, rec, r->flow, ep, cut);
		if (!err)
			err = add_flow(h, w, rec, r, ep, cut);
		break;
	}
	case OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_LOST_EVENTS:
		err = add_lost(h, w, ts, r);
		break;
	case OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_NODE_STATUS:
		err = add_node_status(h, w, ts, r->node_status);
		break;
	default:
		err = add_bad(h, w, rec, "no flow, node_status or lost_events in the response");
		break;
	}
	fr_hubble__free(m);
	return err;
}

void fr_hubble_rows__segment(struct fr_hubble_rows *h)
{
	h->nbad = 0;
	h->bad_msg[0] = 0;
}

int fr_hubble_rows__flush(struct fr_hubble_rows *h)
{
	struct fr_rowbatch *all[] = {&h->flow,	      &h->header,	 &h->policy, &h->lost,
				     &h->node_status, &h->server_status, &h->bad};
	int err = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && !err; i++)
		err = fr_rowbatch__flush(all[i]);
	return err ? err : fr_hubble_eps__flush(&h->eps);
}

void fr_hubble_rows__free(struct fr_hubble_rows *h)
{
	fr_rowbatch__free(&h->flow);
	fr_rowbatch__free(&h->header);
	fr_rowbatch__free(&h->policy);
	fr_rowbatch__free(&h->lost);
	fr_rowbatch__free(&h->node_status);
	fr_rowbatch__free(&h->server_status);
	fr_rowbatch__free(&h->bad);
	fr_hubble_eps__free(&h->eps);
	fr_hubble_arena__free(&h->arena);
	free(h->strip);
}
