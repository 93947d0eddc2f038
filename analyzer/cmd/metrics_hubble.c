/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/metrics_hubble.h"
#include "analyzer/db/db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Hubble's context identifiers (api/context.go), in its order. */
static const char *const ids[] = {"identity", "namespace",     "pod", "pod-short",
				  "pod-name", "dns",	       "ip",  "reserved-identity",
				  "workload", "workload-name", "app"};
#define NIDS ((int)(sizeof(ids) / sizeof(ids[0])))

/* labelsContext labels in Hubble's fixed order. */
static const char *const lctx[] = {"source_ip",
				   "source_pod",
				   "source_namespace",
				   "source_workload",
				   "source_workload_kind",
				   "source_app",
				   "destination_ip",
				   "destination_pod",
				   "destination_namespace",
				   "destination_workload",
				   "destination_workload_kind",
				   "destination_app",
				   "traffic_direction"};
#define NLCTX ((int)(sizeof(lctx) / sizeof(lctx[0])))

static const char *const ctx_keys[2][3] = {
	{"sourceContext", "sourceEgressContext", "sourceIngressContext"},
	{"destinationContext", "destinationEgressContext", "destinationIngressContext"}};

static int parse_ids(const char *key, const char *val, int *out, int *n)
{
	char buf[512], *save = NULL;

	if (strlen(val) >= sizeof(buf) || !*val)
		goto bad;
	snprintf(buf, sizeof(buf), "%s", val);
	*n = 0;
	for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		int k = 0;

		while (k < NIDS && strcmp(t, ids[k]))
			k++;
		if (k == NIDS || *n == FR_MHUBBLE_MAX_IDS) {
			fprintf(stderr,
				"flightrec metrics: bad --hubble-context: %s: '%s' is not one of "
				"identity, namespace, pod, pod-short, pod-name, dns, ip, "
				"reserved-identity, workload, workload-name, app (at most %d)\n",
				key, t, FR_MHUBBLE_MAX_IDS);
			return -EINVAL;
		}
		out[(*n)++] = k;
	}
	if (*n)
		return 0;
bad:
	fprintf(stderr, "flightrec metrics: bad --hubble-context: %s needs ID[|ID...]\n", key);
	return -EINVAL;
}

static int parse_labels(const char *val, unsigned *set)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = 0;

		while (k < NLCTX && strcmp(t, lctx[k]))
			k++;
		if (k == NLCTX) {
			fprintf(stderr,
				"flightrec metrics: bad --hubble-context: labelsContext: '%s' is "
				"not a label; labels are source_ and destination_ + ip, pod, "
				"namespace, workload, workload_kind, app, and traffic_direction\n",
				t);
			return -EINVAL;
		}
		*set |= 1u << k;
	}
	return *set ? 0 : -EINVAL;
}

int fr_mhubble__parse(const char *arg, struct fr_mhubble_ctx *c)
{
	char buf[2048], *save = NULL;

	memset(c, 0, sizeof(*c));
	if (strlen(arg) >= sizeof(buf)) {
		fprintf(stderr, "flightrec metrics: --hubble-context is too long\n");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	/* Hubble's ParseOptions: ';' between options, the first '=' splits */
	for (char *opt = strtok_r(buf, ";", &save); opt; opt = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(opt, '=');
		int done = 0;

		if (!eq) {
			fprintf(stderr,
				"flightrec metrics: bad --hubble-context: '%s' is not KEY=VALUE\n",
				opt);
			return -EINVAL;
		}
		*eq = 0;
		for (int e = 0; e < 2 && !done; e++)
			for (int d = 0; d < 3 && !done; d++)
				if (!strcasecmp(opt, ctx_keys[e][d])) {
					if (parse_ids(ctx_keys[e][d], eq + 1, c->id[e][d],
						      &c->nid[e][d]))
						return -EINVAL;
					done = 1;
				}
		if (!done && !strcasecmp(opt, "labelsContext")) {
			if (parse_labels(eq + 1, &c->labels))
				return -EINVAL;
			done = 1;
		}
		if (!done) {
			fprintf(stderr,
				"flightrec metrics: bad --hubble-context: unknown option '%s'; "
				"options are sourceContext, destinationContext, their Egress and "
				"Ingress forms (sourceEgressContext ...) and labelsContext\n",
				opt);
			return -EINVAL;
		}
	}
	return 0;
}

/* SQL of identifier `id` for end `e` ("src", "dst") of flow h, never NULL. */
static void id_expr(int id, const char *e, char *b, size_t cap)
{
	const char *ip = e[0] == 's' ? "src_ip" : "dst_ip";

	switch (id) {
	case 0: /* identity: every label, joined by ',' */
		snprintf(b, cap,
			 "COALESCE((SELECT group_concat(value, ',') FROM json_each(h.%s_labels)), "
			 "'')",
			 e);
		break;
	case 1:
		snprintf(b, cap, "COALESCE(h.%s_namespace, '')", e);
		break;
	case 2: /* namespace/pod, pod without a namespace, '' without a pod */
		snprintf(b, cap,
			 "CASE WHEN COALESCE(h.%s_pod, '') = '' THEN '' WHEN "
			 "COALESCE(h.%s_namespace, "
			 "'') = '' THEN h.%s_pod ELSE h.%s_namespace || '/' || h.%s_pod END",
			 e, e, e, e, e);
		break;
	case 3:
		snprintf(b, cap, "pod_short(h.%s_namespace, h.%s_pod)", e, e);
		break;
	case 4:
		snprintf(b, cap, "COALESCE(h.%s_pod, '')", e);
		break;
	case 5:
		snprintf(b, cap,
			 "COALESCE((SELECT group_concat(value, ',') FROM json_each(h.%s_names)), "
			 "'')",
			 e);
		break;
	case 6:
		snprintf(b, cap, "COALESCE(h.%s, '')", ip);
		break;
	case 7: /* reserved:kube-apiserver before any other reserved label */
		snprintf(b, cap,
			 "COALESCE((SELECT value FROM json_each(h.%s_labels) WHERE value = "
			 "'reserved:kube-apiserver'), (SELECT value FROM json_each(h.%s_labels) "
			 "WHERE "
			 "substr(value, 1, 9) = 'reserved:' ORDER BY key LIMIT 1), '')",
			 e, e);
		break;
	case 8:
		snprintf(b, cap,
			 "CASE WHEN COALESCE(h.%s_workload, '') = '' THEN '' ELSE "
			 "COALESCE(h.%s_namespace, '') || '/' || h.%s_workload END",
			 e, e, e);
		break;
	case 9:
		snprintf(b, cap, "COALESCE(h.%s_workload, '')", e);
		break;
	default:
		snprintf(b, cap, "COALESCE(h.%s_app, '')", e);
		break;
	}
}

/* First non-empty identifier of list ids[0..n) for end e. */
static int list_expr(const int *idl, int n, const char *e, char *b, size_t cap)
{
	int off = snprintf(b, cap, "COALESCE(");

	for (int i = 0; i < n && off < (int)cap; i++) {
		char one[512];

		id_expr(idl[i], e, one, sizeof(one));
		off += snprintf(b + off, cap - (size_t)off, "NULLIF(%s, ''), ", one);
	}
	if (off < (int)cap)
		off += snprintf(b + off, cap - (size_t)off, "'')");
	return off < (int)cap ? 0 : -E2BIG;
}

/* The `source`/`destination` label of end `end`: the direction-specific
 * option for flows of that direction, else the generic one. */
static int end_expr(const struct fr_mhubble_ctx *c, int end, char *b, size_t cap)
{
	const char *e = end == FR_MHUBBLE_SRC ? "src" : "dst";
	char any[2048] = "''", eg[2048], in[2048];
	int err = 0;

	if (c->nid[end][FR_MHUBBLE_ANY])
		err |= list_expr(c->id[end][0], c->nid[end][0], e, any, sizeof(any));
	if (!c->nid[end][FR_MHUBBLE_EGRESS] && !c->nid[end][FR_MHUBBLE_INGRESS])
		return err || snprintf(b, cap, "%s", any) >= (int)cap ? -E2BIG : 0;
	snprintf(eg, sizeof(eg), "%s", any);
	snprintf(in, sizeof(in), "%s", any);
	if (c->nid[end][FR_MHUBBLE_EGRESS])
		err |= list_expr(c->id[end][1], c->nid[end][1], e, eg, sizeof(eg));
	if (c->nid[end][FR_MHUBBLE_INGRESS])
		err |= list_expr(c->id[end][2], c->nid[end][2], e, in, sizeof(in));
	if (err ||
	    snprintf(b, cap, "CASE h.traffic_direction WHEN 2 THEN %s WHEN 1 THEN %s ELSE %s END",
		     eg, in, any) >= (int)cap)
		return -E2BIG;
	return 0;
}

static void lctx_expr(int k, char *b, size_t cap)
{
	static const char *const col[] = {"ip",	      "pod",	       "namespace",
					  "workload", "workload_kind", "app"};
	const char *e = k < 6 ? "src" : "dst";

	if (k == 12)
		snprintf(b, cap,
			 "CASE h.traffic_direction WHEN 1 THEN 'ingress' WHEN 2 THEN 'egress' ELSE "
			 "'unknown' END");
	else
		snprintf(b, cap, "COALESCE(h.%s_%s, '')", e, col[k % 6]);
}

/* An end dimension of metrics_kube.h over the flow's endpoints; NULL for
 * the ones a flow does not carry (an end's node). */
static const char *kdim_expr(const char *name)
{
	static const struct {
		const char *name, *expr;
	} m[] = {
		{"source_namespace", "COALESCE(h.src_namespace, '')"},
		{"source_name", "COALESCE(h.src_pod, '')"},
		{"source_workload", "COALESCE(h.src_workload, '')"},
		{"source_ip", "COALESCE(h.src_ip, '')"},
		{"destination_namespace", "COALESCE(h.dst_namespace, '')"},
		{"destination_name", "COALESCE(h.dst_pod, '')"},
		{"destination_workload", "COALESCE(h.dst_workload, '')"},
		{"destination_ip", "COALESCE(h.dst_ip, '')"},
		{"destination_port", "COALESCE(CAST(h.dst_port AS TEXT), '')"},
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(name, m[i].name))
			return m[i].expr;
	return NULL;
}

struct labels {
	int n, max;
	char (*names)[FR_METRIC_LABEL_NAME_MAX];
	char *sql;
	size_t cap;
	int off;
};

static int add_label(struct labels *l, const char *name, const char *expr)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], name))
			return 0; /* --by naming a label the family has */
	if (l->n == l->max)
		return -E2BIG;
	snprintf(l->names[l->n++], FR_METRIC_LABEL_NAME_MAX, "%s", name);
	if (l->off < (int)l->cap)
		l->off += snprintf(l->sql + l->off, l->cap - (size_t)l->off, ", %s", expr);
	return 0;
}

static int add_context(struct labels *l, const struct fr_mhubble_ctx *c)
{
	char e[8192];
	int err = 0;

	for (int k = 0; k < NLCTX && !err; k++)
		if (c->labels & (1u << k)) {
			lctx_expr(k, e, sizeof(e));
			err = add_label(l, lctx[k], e);
		}
	for (int end = 0; end < 2 && !err; end++) {
		if (!c->nid[end][0] && !c->nid[end][1] && !c->nid[end][2])
			continue;
		err = end_expr(c, end, e, sizeof(e));
		if (!err)
			err = add_label(l, end ? "destination" : "source", e);
	}
	return err;
}

static int add_own(struct labels *l, sqlite3_stmt *st, int first, int n)
{
	for (int i = 0; i < n; i++) {
		char e[FR_METRIC_LABEL_NAME_MAX + 16];
		const char *name = sqlite3_column_name(st, first + i);

		snprintf(e, sizeof(e), "f.\"%s\"", name);
		if (add_label(l, name, e))
			return -E2BIG;
	}
	return 0;
}

int fr_mhubble__sql(sqlite3 *db, const struct fr_family *fam, const char *inner,
		    const struct fr_mhubble_ctx *c, const struct fr_mhubble_by *by, char *sql,
		    size_t cap, char (*names)[FR_METRIC_LABEL_NAME_MAX], int max_labels)
{
	const int hist = fam->type == FR_FAMILY_HISTOGRAM, first = fam->hubble ? 2 : 1;
	struct labels l = {0, max_labels, names, sql, cap, 0};
	sqlite3_stmt *st;
	int nown, err = 0;

	if (fr_db__prepare(db, inner, &st, fam->name))
		return -EIO;
	nown = sqlite3_column_count(st) - first - (hist ? 3 : 1);
	if (nown < 0) {
		fprintf(stderr, "flightrec: metrics: %s: unexpected columns\n", fam->name);
		sqlite3_finalize(st);
		return -EINVAL;
	}
	l.off = snprintf(sql, cap, "SELECT f.t");
	if (fam->hubble && fam->ctx_first)
		err = add_context(&l, c);
	if (!err)
		err = add_own(&l, st, first, nown);
	sqlite3_finalize(st);
	if (!err && fam->hubble && !fam->ctx_first)
		err = add_context(&l, c);
	if (!err && fam->hubble && by->node)
		err = add_label(&l, "node", "COALESCE(NULLIF(h.node_name, ''), nd.name, '')");
	for (int i = 0; !err && fam->hubble && i < by->nkby; i++) {
		const char *name = fr_mkube__dim_name(by->kby[i]), *e = kdim_expr(name);

		if (e)
			err = add_label(&l, name, e);
	}
	/* every row names its flow; a LEFT JOIN would keep SQLite from
	 * flattening the hubble_flow view (a join) and build it whole;
	 * CROSS keeps f the outer loop */
	if (l.off < (int)cap)
		l.off += snprintf(sql + l.off, cap - (size_t)l.off, "%s FROM (%s) f%s GROUP BY 1",
				  hist ? ", f.b, sum(f.cnt), sum(f.sum)" : ", sum(f.value)", inner,
				  fam->hubble ? " CROSS JOIN hubble_flow h ON h.id = f.flow "
						"LEFT JOIN nodes nd ON nd.node = h.node"
					      : "");
	for (int i = 2; i <= 1 + l.n + hist && l.off < (int)cap; i++)
		l.off += snprintf(sql + l.off, cap - (size_t)l.off, ", %d", i);
	if (l.off < (int)cap)
		l.off += snprintf(sql + l.off, cap - (size_t)l.off, " ORDER BY 1");
	for (int i = 2; i <= 1 + l.n + hist && l.off < (int)cap; i++)
		l.off += snprintf(sql + l.off, cap - (size_t)l.off, ", %d", i);
	if (err || l.off >= (int)cap) {
		fprintf(stderr, "flightrec: metrics: %s: too many labels or query too long\n",
			fam->name);
		return -E2BIG;
	}
	return l.n;
}

/* Hubble's pod-short: ^(.+?)(-[a-z0-9]+){1,2}$ -> $1, as ns/$1. */
static int is_suffix(const char *s)
{
	int groups = 0;

	while (*s) {
		const char *p = s + 1;

		if (*s != '-' || !*p)
			return 0;
		while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			p++;
		if (p == s + 1 || ++groups > 2)
			return 0;
		if (*p && *p != '-')
			return 0;
		s = p;
	}
	return groups >= 1;
}

static void pod_short(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *ns = (const char *)sqlite3_value_text(argv[0]);
	const char *pod = (const char *)sqlite3_value_text(argv[1]);
	size_t n = 0, len;
	char buf[1024];

	(void)argc;
	if (!pod || !*pod) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	len = strlen(pod);
	/* the shortest non-empty prefix whose rest is one or two groups */
	for (n = 1; n < len && !is_suffix(pod + n); n++)
		;
	snprintf(buf, sizeof(buf), "%s%s%.*s", ns && *ns ? ns : "", ns && *ns ? "/" : "", (int)n,
		 pod);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

/* The path of a URL: without scheme, authority, query and fragment. */
static size_t url_path_span(const char *u, const char **path)
{
	const char *p = strstr(u, "://");

	if (p) {
		p += 3;
		p += strcspn(p, "/?#");
	} else {
		p = u;
	}
	*path = p;
	return strcspn(p, "?#");
}

static void url_path(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *u = (const char *)sqlite3_value_text(argv[0]), *p;
	size_t n;

	(void)argc;
	n = url_path_span(u ? u : "", &p);
	if (!n)
		sqlite3_result_text(ctx, "/", 1, SQLITE_STATIC);
	else
		sqlite3_result_text(ctx, p, (int)n, SQLITE_TRANSIENT);
}

/* A path segment that names one thing: a decimal number or a UUID. */
static int is_id(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (n && i == n)
		return 1;
	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		const int dash = i == 8 || i == 13 || i == 18 || i == 23;
		const char c = s[i];

		if (dash ? c != '-'
			 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

/* path_template(url): its path with every number or UUID segment {id}. */
static void path_template(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *u = (const char *)sqlite3_value_text(argv[0]), *p;
	size_t n = url_path_span(u ? u : "", &p), off = 0;
	char out[4096];

	(void)argc;
	if (!n) {
		sqlite3_result_text(ctx, "/", 1, SQLITE_STATIC);
		return;
	}
	for (size_t i = 0; i < n && off < sizeof(out) - 8;) {
		size_t seg = 0;

		if (p[i] == '/') {
			out[off++] = p[i++];
			continue;
		}
		while (i + seg < n && p[i + seg] != '/')
			seg++;
		if (is_id(p + i, seg)) {
			memcpy(out + off, "{id}", 4);
			off += 4;
		} else {
			const size_t k = seg < sizeof(out) - 8 - off ? seg : sizeof(out) - 8 - off;

			memcpy(out + off, p + i, k);
			off += k;
		}
		i += seg;
	}
	sqlite3_result_text(ctx, out, (int)off, SQLITE_TRANSIENT);
}

int fr_mhubble__register(sqlite3 *db)
{
	static const struct {
		const char *name;
		int nargs;
		void (*fn)(sqlite3_context *ctx, int argc, sqlite3_value **argv);
	} fns[] = {{"pod_short", 2, pod_short},
		   {"url_path", 1, url_path},
		   {"path_template", 1, path_template}};

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (sqlite3_create_function(db, fns[i].name, fns[i].nargs,
					    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fns[i].fn,
					    NULL, NULL) != SQLITE_OK)
			return -EIO;
	return 0;
}
