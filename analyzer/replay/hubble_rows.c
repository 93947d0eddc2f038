/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/replay/hubble_rows.h"
#include "analyzer/db/db.h"
#include "format/hubble/flow.h"
#include "format/hubble/flow_arena.h"
#include "format/hubble/flow_cols.h"
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
	if (!err) /* ids from 1 in a new table, one a flow */
		err = fr_rowbatch__auto_rowid(&h->flow);
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

/* NULL when empty (proto3's absent). */
static void str_or_null(struct fr_rowbatch *b, struct fr_hubble_str s)
{
	if (s.n)
		fr_rowbatch__text(b, s.p, s.n);
	else
		fr_rowbatch__null(b);
}

static const char *str_at(const void *arg, size_t i, size_t *len)
{
	const struct fr_hubble_str *v = arg;

	*len = v[i].n;
	return v[i].p;
}

/* A JSON array of the n strings v; NULL when n is 0. */
static void json_list(struct fr_rowbatch *b, const struct fr_hubble_str *v, size_t n)
{
	fr_rowbatch__json_array(b, n, str_at, v);
}

static void json_of(struct fr_rowbatch *b, const struct fr_hubble_cols *c, int list)
{
	json_list(b, c->lists[list].v, c->lists[list].n);
}

/* protocol, src_port, dst_port, icmp_type, icmp_code, tcp_flags */
static void layer4(struct fr_rowbatch *b, const struct fr_hubble_cols *c)
{
	static const char *const names[] = {NULL,     "TCP",  "UDP",  "ICMPv4",
					    "ICMPv6", "SCTP", "VRRP", "IGMP"};
	int64_t v[5] = {-1, -1, -1, -1, -1}; /* -1: NULL */

	fr_rowbatch__text_or_null(b, c->l4 < 8 ? names[c->l4] : NULL);
	switch (c->l4) {
	case FLOW__LAYER4__PROTOCOL_TCP:
	case FLOW__LAYER4__PROTOCOL_UDP:
	case FLOW__LAYER4__PROTOCOL_SCTP:
		v[0] = c->l4_a;
		v[1] = c->l4_b;
		if (c->has & FR_HC_HAS_TCP_FLAGS)
			v[4] = c->tcp_flags;
		break;
	case FLOW__LAYER4__PROTOCOL_ICMPV4:
	case FLOW__LAYER4__PROTOCOL_ICMPV6:
		v[2] = c->l4_a;
		v[3] = c->l4_b;
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
static void layer7(struct fr_rowbatch *b, const struct fr_hubble_cols *c)
{
	static const char *const kinds[] = {"dns", "http", "kafka"};

	if (!(c->has & FR_HC_HAS_L7)) {
		nulls(b, 20);
		return;
	}
	fr_rowbatch__int(b, c->l7_type);
	fr_rowbatch__int(b, (int64_t)c->l7_latency);
	fr_rowbatch__text_or_null(b, c->l7 >= 100 && c->l7 <= 102 ? kinds[c->l7 - 100] : NULL);
	if (c->l7 == FLOW__LAYER7__RECORD_HTTP) {
		fr_rowbatch__int(b, c->http_code);
		str_or_null(b, c->http_method);
		str_or_null(b, c->http_url);
		str_or_null(b, c->http_protocol);
	} else {
		nulls(b, 4);
	}
	if (c->l7 == FLOW__LAYER7__RECORD_DNS) {
		str_or_null(b, c->dns_query);
		fr_rowbatch__int(b, c->dns_rcode);
		json_of(b, c, FR_HC_DNS_QTYPES);
		json_of(b, c, FR_HC_DNS_RRTYPES);
		json_of(b, c, FR_HC_DNS_IPS);
		fr_rowbatch__int(b, c->dns_ttl);
		json_of(b, c, FR_HC_DNS_CNAMES);
		str_or_null(b, c->dns_source);
	} else {
		nulls(b, 8);
	}
	if (c->l7 == FLOW__LAYER7__RECORD_KAFKA) {
		str_or_null(b, c->kafka_api_key);
		fr_rowbatch__int(b, c->kafka_api_version);
		str_or_null(b, c->kafka_topic);
		fr_rowbatch__int(b, c->kafka_error_code);
		fr_rowbatch__int(b, c->kafka_correlation_id);
	} else {
		nulls(b, 5);
	}
}

static int policies(struct fr_hubble_rows *h, int64_t id, const struct fr_hubble_cols *c)
{
	static const char *const dir[] = {"ingress", "egress", "ingress", "egress"};
	static const char *const action[] = {"allowed", "allowed", "denied", "denied"};
	const struct fr_hubble_strs *labels = &c->lists[FR_HC_POLICY_LABELS];
	struct fr_rowbatch *b = &h->policy;
	int err = 0;

	for (int l = 0; l < FR_HC_NPOLICY_LISTS; l++) {
		for (size_t i = 0; i < c->policies[l].n && !err; i++) {
			const struct fr_hubble_policy *p = &c->policies[l].v[i];

			fr_rowbatch__int(b, id);
			fr_rowbatch__text(b, dir[l], strlen(dir[l]));
			fr_rowbatch__text(b, action[l], strlen(action[l]));
			str_or_null(b, p->name);
			str_or_null(b, p->ns);
			str_or_null(b, p->kind);
			fr_rowbatch__int_or_null(b, (int64_t)p->revision);
			json_list(b, labels->v + p->label0, p->nlabels);
			err = end_row(h, b);
		}
	}
	return err;
}

/* The flow's own rows beside hubble_flow: headers and policies. */
static int flow_side_rows(struct fr_hubble_rows *h, int64_t id, const struct fr_hubble_cols *c)
{
	const struct fr_hubble_strs *hd = &c->lists[FR_HC_HEADERS];
	int err = 0;

	for (size_t i = 0; i + 1 < hd->n && !err; i += 2) {
		fr_rowbatch__int(&h->header, id);
		fr_rowbatch__text(&h->header, hd->v[i].p, hd->v[i].n);
		fr_rowbatch__text(&h->header, hd->v[i + 1].p, hd->v[i + 1].n);
		err = end_row(h, &h->header);
	}
	return err ? err : policies(h, id, c);
}

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

/* The flow's row from its columns c; ep and cut: from endpoints() or
 * wire_flow(). */
static int add_flow(struct fr_hubble_rows *h, const struct fr_hubble_where *w,
		    const struct fr_record *rec, const struct fr_hubble_cols *c,
		    const int64_t ep[2], const struct fr_hubble_cut cut[2])
{
	struct fr_rowbatch *b = &h->flow;
	const int64_t id = h->next_id++;
	int err;

	fr_rowbatch__int(b, id);
	fr_rowbatch__int(b, c->has & FR_HC_HAS_TIME	   ? c->time
			    : c->has & FR_HC_HAS_RESP_TIME ? c->resp_time
							   : w->recv_ts);
	fr_rowbatch__int(b, w->recv_ts);
	fr_rowbatch__int(b, w->node);
	str_or_null(b, c->node_name.n ? c->node_name : c->resp_node_name);
	fr_rowbatch__int(b, rec->kind);
	str_or_null(b, c->uuid);
	fr_rowbatch__int(b, c->verdict);
	fr_rowbatch__int(b, c->drop_reason_desc ? (int64_t)c->drop_reason_desc : c->drop_reason);
	fr_rowbatch__int(b, c->type);
	if (c->has & FR_HC_HAS_EVENT_TYPE) {
		fr_rowbatch__int(b, c->event_type);
		fr_rowbatch__int(b, c->event_subtype);
	} else {
		nulls(b, 2);
	}
	fr_rowbatch__int(b, c->auth_type);
	if (c->has & FR_HC_HAS_IP) {
		fr_rowbatch__int(b, c->ip_version);
		str_or_null(b, c->ip_src);
		str_or_null(b, c->ip_dst);
		str_or_null(b, c->ip_xlated);
		fr_rowbatch__int(b, c->encrypted);
	} else {
		nulls(b, 5);
	}
	layer4(b, c);
	fr_rowbatch__int_or_null(b, ep[0]);
	fr_rowbatch__int_or_null(b, ep[1]);
	json_of(b, c, FR_HC_SRC_NAMES);
	json_of(b, c, FR_HC_DST_NAMES);
	str_or_null(b, c->src_svc[1]); /* namespace, name */
	str_or_null(b, c->src_svc[0]);
	str_or_null(b, c->dst_svc[1]);
	str_or_null(b, c->dst_svc[0]);
	fr_rowbatch__int(b, c->traffic_direction);
	if (c->has & FR_HC_HAS_IS_REPLY)
		fr_rowbatch__int(b, c->is_reply);
	else
		fr_rowbatch__null(b);
	fr_rowbatch__int(b, c->policy_match_type);
	fr_rowbatch__int(b, c->trace_observation_point);
	fr_rowbatch__int(b, c->trace_reason);
	str_or_null(b, c->interface);
	fr_rowbatch__int_or_null(b, c->proxy_port);
	fr_rowbatch__int_or_null(b, (int64_t)c->socket_cookie);
	fr_rowbatch__int_or_null(b, (int64_t)c->cgroup_id);
	str_or_null(b, c->trace_id);
	str_or_null(b, c->summary);
	layer7(b, c);
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
	return err ? err : flow_side_rows(h, id, c);
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

/* An endpoint cut from the payload: its id, decoded the first time only
 * (0: it does not decode). */
static int64_t cut_endpoint(struct fr_hubble_rows *h, const struct fr_record *rec,
			    const struct fr_hubble_cut *c)
{
	const uint8_t *raw = rec->payload + c->off;
	ProtobufCMessage *m;
	uint64_t hash;
	int64_t ep = fr_hubble_eps__find(&h->eps, raw, c->len, &hash);

	if (ep)
		return ep;
	fr_hubble_arena__reset(&h->arena);
	if (fr_hubble__decode_arena(&flow__endpoint__descriptor, raw, c->len, &h->arena, &m, NULL))
		return 0;
	return fr_hubble_eps__add(&h->eps, (const Flow__Endpoint *)m, raw, c->len, hash, h->rows);
}

/* A protobuf flow read off the wire in one pass (fr_hubble_cols__from_wire),
 * its endpoints only looked up by their bytes (most of a flow's bytes,
 * the same in many flows). Return: 1 done, 0 take the full decode
 * (anything unusual, and every error, which it then reports with its
 * offset), or -errno. */
static int wire_flow(struct fr_hubble_rows *h, const struct fr_hubble_where *w,
		     const struct fr_record *rec)
{
	struct fr_hubble_cols *c = &h->cols;
	struct fr_hubble_cut cut[2];
	int64_t ep[2] = {0, 0};
	int err = fr_hubble_cols__from_wire(c, rec->payload, rec->len);

	if (err)
		return err == -EAGAIN ? 0 : err;
	for (int i = 0; i < 2; i++) {
		cut[i].off = c->ep_off[i];
		cut[i].len = c->ep_len[i];
		if (cut[i].off < 0)
			continue;
		ep[i] = cut_endpoint(h, rec, &cut[i]);
		if (ep[i] <= 0)
			return (int)ep[i];
	}
	err = add_flow(h, w, rec, c, ep, cut);
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
		err = wire_flow(h, w, rec);
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
			err = fr_hubble_cols__from_msg(&h->cols, r);
		if (!err)
			err = add_flow(h, w, rec, &h->cols, ep, cut);
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
	fr_hubble_cols__free(&h->cols);
}
