/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/flows.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/cmd/timespec.h"
#include "analyzer/db/db.h"
#include "format/hubble/flow.h"
#include "format/kinds.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: flightrec flows DB [--namespace NS] [--pod [NS/]POD] [--verdict V]\n"
	"                      [--protocol P] [--http-status CODE|4+|5+]\n"
	"                      [--type l34|l7|drop|policy] [--node NAME]\n"
	"                      [--from T] [--to T] [--limit N] [-o table|jsonpb]\n"
	"  V: FORWARDED, DROPPED, ERROR, AUDIT, REDIRECTED, TRACED, TRANSLATED or a number\n"
	"  P: tcp, udp, icmp, icmpv4, icmpv6, sctp, vrrp, igmp, http, dns, kafka\n"
	"  T: RFC 3339 UTC (2026-01-15T12:00:00Z) or ns since the epoch\n";

/* The WHERE clause grows one AND term at a time; values are bound in order. */
#define MAX_BINDS 24

struct flows_args {
	const char *ns, *pod_ns, *pod, *node, *protocol, *type;
	int64_t from, to, limit, verdict, status_lo, status_hi;
	int jsonpb, bad;
	char why[160];
};

static int bad(struct flows_args *a, const char *fmt, const char *arg)
{
	if (!a->bad)
		snprintf(a->why, sizeof(a->why), fmt, arg);
	a->bad = 1;
	return 0;
}

static int parse_verdict(const char *arg, int64_t *v)
{
	char up[32], *end;
	const ProtobufCEnumValue *e;
	size_t i;

	*v = strtoll(arg, &end, 10);
	if (*arg && !*end)
		return *v >= 0 && *v <= INT32_MAX ? 0 : -EINVAL;
	for (i = 0; arg[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)arg[i]);
	up[i] = 0;
	e = protobuf_c_enum_descriptor_get_value_by_name(&flow__verdict__descriptor, up);
	if (!e || arg[i])
		return -EINVAL;
	*v = e->value;
	return 0;
}

static int parse_status(const char *arg, int64_t *lo, int64_t *hi)
{
	char *end;
	long v;

	if (arg[0] >= '1' && arg[0] <= '5' && arg[1] == '+' && !arg[2]) {
		*lo = (arg[0] - '0') * 100;
		*hi = *lo + 99;
		return 0;
	}
	v = strtol(arg, &end, 10);
	if (!*arg || *end || v < 100 || v > 599)
		return -EINVAL;
	*lo = *hi = v;
	return 0;
}

static const char *const protocols[] = {"tcp",	"udp",	"icmp", "icmpv4", "icmpv6", "sctp",
					"vrrp", "igmp", "http", "dns",	  "kafka"};
static const char *const types[] = {"l34", "l7", "drop", "policy"};

static int one_of(const char *arg, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(arg, set[i]))
			return 1;
	return 0;
}

static int option(int c, const char *arg, void *ctx)
{
	struct flows_args *a = ctx;
	char *end;

	switch (c) {
	case 'n':
		a->ns = arg;
		break;
	case 'p': {
		const char *slash = strchr(arg, '/');

		a->pod = slash ? slash + 1 : arg;
		a->pod_ns = slash ? strndup(arg, (size_t)(slash - arg)) : NULL;
		if (!*a->pod || (slash && !*a->pod_ns))
			return bad(a, "bad --pod '%s': [NS/]POD", arg);
		break;
	}
	case 'v':
		if (parse_verdict(arg, &a->verdict))
			return bad(a, "bad --verdict '%s'", arg);
		break;
	case 'P':
		if (!one_of(arg, protocols, sizeof(protocols) / sizeof(protocols[0])))
			return bad(a, "bad --protocol '%s'", arg);
		a->protocol = arg;
		break;
	case 's':
		if (parse_status(arg, &a->status_lo, &a->status_hi))
			return bad(a, "bad --http-status '%s': a code 100-599, 4+ or 5+", arg);
		break;
	case 't':
		if (!one_of(arg, types, sizeof(types) / sizeof(types[0])))
			return bad(a, "bad --type '%s': l34, l7, drop or policy", arg);
		a->type = arg;
		break;
	case 'N':
		a->node = arg;
		break;
	case 'f':
	case 'T':
		if (fr_time__parse(arg, c == 'f' ? &a->from : &a->to))
			return bad(a, "bad time '%s': RFC 3339 UTC or ns since the epoch", arg);
		break;
	case 'l':
		a->limit = strtoll(arg, &end, 10);
		if (!*arg || *end || a->limit <= 0)
			return bad(a, "bad --limit '%s': a positive number", arg);
		break;
	case 'o':
		if (strcmp(arg, "table") && strcmp(arg, "jsonpb"))
			return bad(a, "bad -o '%s': table or jsonpb", arg);
		a->jsonpb = !strcmp(arg, "jsonpb");
		break;
	default:
		return -1; /* unknown option: getopt said which */
	}
	return 0;
}

struct query {
	char sql[2048];
	size_t off;
	const char *text[MAX_BINDS];
	int64_t num[MAX_BINDS];
	int nbind;
};

static void term(struct query *q, const char *t)
{
	q->off += (size_t)snprintf(q->sql + q->off, sizeof(q->sql) - q->off, " AND (%s)", t);
}

static void bind_text(struct query *q, const char *s)
{
	q->text[q->nbind++] = s;
}

static void bind_num(struct query *q, int64_t v)
{
	q->text[q->nbind] = NULL;
	q->num[q->nbind++] = v;
}

/* The columns print_row reads, in order. */
static const char select_cols[] =
	"SELECT ts, node_name, kind, payload, verdict, flow_type, event_type, drop_reason,"
	" protocol, src_ip, src_port, src_namespace, src_pod, dst_ip, dst_port,"
	" dst_namespace, dst_pod, tcp_flags, l7_kind, l7_type, l7_latency_ns, http_method,"
	" http_url, http_code, dns_query, dns_rcode, dns_qtypes, kafka_api_key, kafka_topic,"
	" kafka_error_code, is_reply, traffic_direction FROM hubble_flow WHERE 1";

static void build(struct query *q, const struct flows_args *a)
{
	q->off = (size_t)snprintf(q->sql, sizeof(q->sql), "%s", select_cols);
	if (a->ns) {
		term(q, "src_namespace = ? OR dst_namespace = ?");
		bind_text(q, a->ns);
		bind_text(q, a->ns);
	}
	if (a->pod) {
		/* a prefix, as Hubble's pod filter; the namespace exact */
		if (a->pod_ns)
			term(q, "(substr(src_pod, 1, length(?)) = ? AND src_namespace = ?) OR "
				"(substr(dst_pod, 1, length(?)) = ? AND dst_namespace = ?)");
		else
			term(q, "substr(src_pod, 1, length(?)) = ? OR "
				"substr(dst_pod, 1, length(?)) = ?");
		for (int side = 0; side < 2; side++) {
			bind_text(q, a->pod);
			bind_text(q, a->pod);
			if (a->pod_ns)
				bind_text(q, a->pod_ns);
		}
	}
	if (a->verdict >= 0) {
		term(q, "verdict = ?");
		bind_num(q, a->verdict);
	}
	if (a->protocol) {
		const char *p = a->protocol;

		if (!strcasecmp(p, "icmp"))
			term(q, "protocol IN ('ICMPv4', 'ICMPv6')");
		else if (!strcasecmp(p, "http") || !strcasecmp(p, "dns") || !strcasecmp(p, "kafka"))
			term(q, "l7_kind = lower(?)");
		else
			term(q, "protocol = ? COLLATE NOCASE");
		if (strcasecmp(p, "icmp"))
			bind_text(q, p);
	}
	if (a->status_lo) {
		term(q, "http_code BETWEEN ? AND ?");
		bind_num(q, a->status_lo);
		bind_num(q, a->status_hi);
	}
	if (a->type) {
		static const char *const t[] = {"flow_type = 1", "flow_type = 2", "verdict = 2",
						"event_type = 5"};

		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(a->type, types[i]))
				term(q, t[i]);
	}
	if (a->node) {
		term(q, "node_name = ? OR node IN (SELECT node FROM nodes WHERE name = ?)");
		bind_text(q, a->node);
		bind_text(q, a->node);
	}
	if (a->from != FR_TIME_OPEN_FROM) {
		term(q, "ts >= ?");
		bind_num(q, a->from);
	}
	if (a->to != FR_TIME_OPEN_TO) {
		term(q, "ts < ?");
		bind_num(q, a->to);
	}
	q->off += (size_t)snprintf(q->sql + q->off, sizeof(q->sql) - q->off, " ORDER BY id");
	if (a->limit) {
		q->off += (size_t)snprintf(q->sql + q->off, sizeof(q->sql) - q->off, " LIMIT ?");
		bind_num(q, a->limit);
	}
}

/* The flow's response as `hubble observe -o jsonpb` prints it. */
static int print_jsonpb(int kind, const void *payload, size_t len)
{
	struct fr_hubble_error e = {0};
	ProtobufCMessage *m = NULL;
	json_t *j = NULL;
	char why[200];
	int err;

	if (kind == FR_KIND_HUBBLE_FLOW_JSON)
		err = fr_hubble__parse_line(&observer__get_flows_response__descriptor, payload, len,
					    &m, &e);
	else
		err = fr_hubble__decode(&observer__get_flows_response__descriptor, payload, len, &m,
					&e);
	if (!err)
		err = fr_hubble__to_json(m, &j, &e);
	if (!err && json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER))
		err = -EIO;
	if (!err)
		putchar('\n');
	else if (err != -EIO)
		fprintf(stderr, "flightrec flows: a recorded flow does not convert: %s\n",
			fr_hubble__describe(&e, why, sizeof(why)));
	json_decref(j);
	fr_hubble__free(m);
	return err;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static const char *enum_name(const ProtobufCEnumDescriptor *d, int64_t v, char *buf, size_t cap)
{
	const ProtobufCEnumValue *e = protobuf_c_enum_descriptor_get_value(d, (int)v);

	if (e)
		return e->name;
	snprintf(buf, cap, "%" PRId64, v);
	return buf;
}

/* "ns/pod" when known, else the IP ("-": none). */
static void endpoint(char *buf, size_t cap, sqlite3_stmt *st, int ip, int ns)
{
	if (*col(st, ns + 1))
		snprintf(buf, cap, "%s/%s", col(st, ns), col(st, ns + 1));
	else if (*col(st, ip))
		snprintf(buf, cap, "%s", col(st, ip));
	else
		snprintf(buf, cap, "-");
	if (sqlite3_column_type(st, ip + 1) != SQLITE_NULL) {
		const size_t n = strlen(buf);

		snprintf(buf + n, cap - n, ":%d", sqlite3_column_int(st, ip + 1));
	}
}

static void tcp_flags(char *buf, size_t cap, int64_t bits)
{
	static const char *const names[] = {"FIN", "SYN", "RST", "PSH", "ACK",
					    "URG", "ECE", "CWR", "NS"};
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < 9; i++)
		if (bits >> i & 1 && off < cap)
			off += (size_t)snprintf(buf + off, cap - off, "%s%s", off ? "," : "",
						names[i]);
}

/* What the flow says above L4: L7 request/response, TCP flags, drop reason. */
static void summary(char *buf, size_t cap, sqlite3_stmt *st)
{
	const char *l7 = col(st, 18);
	const int resp = sqlite3_column_int(st, 19) == FLOW__L7_FLOW_TYPE__RESPONSE;
	const double ms = (double)sqlite3_column_int64(st, 20) / 1e6;
	char tmp[32];

	if (!strcmp(l7, "http") && resp)
		snprintf(buf, cap, "HTTP %d %s %s (%.3f ms)", sqlite3_column_int(st, 23),
			 col(st, 21), col(st, 22), ms);
	else if (!strcmp(l7, "http"))
		snprintf(buf, cap, "HTTP %s %s", col(st, 21), col(st, 22));
	else if (!strcmp(l7, "dns") && resp)
		snprintf(buf, cap, "DNS answer %s %s rcode %d", col(st, 24), col(st, 26),
			 sqlite3_column_int(st, 25));
	else if (!strcmp(l7, "dns"))
		snprintf(buf, cap, "DNS query %s %s", col(st, 24), col(st, 26));
	else if (!strcmp(l7, "kafka"))
		snprintf(buf, cap, "Kafka %s %s topic %s error %d", resp ? "response" : "request",
			 col(st, 27), col(st, 28), sqlite3_column_int(st, 29));
	else if (sqlite3_column_int(st, 4) == FLOW__VERDICT__DROPPED)
		snprintf(buf, cap, "drop %s",
			 enum_name(&flow__drop_reason__descriptor, sqlite3_column_int64(st, 7), tmp,
				   sizeof(tmp)));
	else if (sqlite3_column_type(st, 17) != SQLITE_NULL)
		tcp_flags(buf, cap, sqlite3_column_int64(st, 17));
	else
		buf[0] = 0;
}

static void print_table_row(sqlite3_stmt *st)
{
	char t[48], src[160], dst[160], proto[32], sum[512], v[16], ty[16];

	fr_time__format(sqlite3_column_int64(st, 0), t, sizeof(t));
	endpoint(src, sizeof(src), st, 9, 11);
	endpoint(dst, sizeof(dst), st, 13, 15);
	if (sqlite3_column_type(st, 14) != SQLITE_NULL)
		snprintf(proto, sizeof(proto), "%s/%d", col(st, 8), sqlite3_column_int(st, 14));
	else
		snprintf(proto, sizeof(proto), "%s", *col(st, 8) ? col(st, 8) : "-");
	summary(sum, sizeof(sum), st);
	printf("%-30s  %-20s  %-40s  %-40s  %-10s  %-10s  %-12s  %s\n", t,
	       *col(st, 1) ? col(st, 1) : "-", src, dst, proto,
	       enum_name(&flow__verdict__descriptor, sqlite3_column_int64(st, 4), v, sizeof(v)),
	       enum_name(&flow__flow_type__descriptor, sqlite3_column_int64(st, 5), ty, sizeof(ty)),
	       sum);
}

static int run(sqlite3 *db, const struct flows_args *a)
{
	struct query q = {0};
	sqlite3_stmt *st;
	int rc, err = 0;

	build(&q, a);
	if (fr_db__prepare(db, q.sql, &st, "hubble_flow"))
		return -EIO;
	for (int i = 0; i < q.nbind; i++)
		if (q.text[i])
			sqlite3_bind_text(st, i + 1, q.text[i], -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, i + 1, q.num[i]);
	if (!a->jsonpb)
		printf("%-30s  %-20s  %-40s  %-40s  %-10s  %-10s  %-12s  %s\n", "TIME", "NODE",
		       "SOURCE", "DESTINATION", "PROTO", "VERDICT", "TYPE", "SUMMARY");
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!a->jsonpb) {
			print_table_row(st);
			continue;
		}
		err = print_jsonpb(strcmp(col(st, 2), "hubble_flow_json")
					   ? FR_KIND_HUBBLE_FLOW_PB
					   : FR_KIND_HUBBLE_FLOW_JSON,
				   sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3));
	}
	if (!err && rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec flows: %s\n", sqlite3_errmsg(db));
		err = -EIO;
	}
	sqlite3_finalize(st);
	if (!err && fflush(stdout))
		err = -EIO;
	return err;
}

int fr_cmd_flows(int argc, char **argv)
{
	static const struct option opts[] = {{"namespace", required_argument, NULL, 'n'},
					     {"pod", required_argument, NULL, 'p'},
					     {"verdict", required_argument, NULL, 'v'},
					     {"protocol", required_argument, NULL, 'P'},
					     {"http-status", required_argument, NULL, 's'},
					     {"type", required_argument, NULL, 't'},
					     {"node", required_argument, NULL, 'N'},
					     {"from", required_argument, NULL, 'f'},
					     {"to", required_argument, NULL, 'T'},
					     {"limit", required_argument, NULL, 'l'},
					     {"output", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct flows_args a = {.from = FR_TIME_OPEN_FROM, .to = FR_TIME_OPEN_TO, .verdict = -1};
	sqlite3 *db = NULL;
	int c, err;

	c = fr_cli__options(argc, argv, "o:h", opts, usage, option, &a);
	if (c != FR_CLI_OPERANDS) {
		free((char *)a.pod_ns);
		return c;
	}
	if (!a.bad && optind != argc - 1)
		bad(&a, "%s",
		    optind == argc ? "expected a DB argument" : "expected one DB argument");
	if (!a.bad && a.from >= a.to)
		bad(&a, "%s", "--from must be before --to");
	if (a.bad) {
		free((char *)a.pod_ns);
		return fr_cli__usage_error("flows", a.why, usage);
	}
	err = fr_db__open_ro(argv[optind], &db);
	if (!err)
		err = run(db, &a);
	fr_db__close(db);
	free((char *)a.pod_ns);
	if (err == -ENOENT)
		return 2; /* no such database: said by fr_db__open_ro */
	return err ? 1 : 0;
}
