/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A metric -> one SELECT of the "none" attribution (analyzer/db/family.h):
 *   t, <labels...>, value          (counter, gauge)
 *   t, <labels...>, b, cnt, sum    (histogram; b by le_bucket over the
 *                                   metric's bounds)
 * over the source's aggregate view (queries/metric_views.sql: rollups, raw
 * and *_agg rows, exact for any window) when every field the metric reads
 * is there, else over its raw rows. SQL text comes only from fields.c;
 * the file's values are parameters :u1, :u2, ... (fr_um__bind).
 */
#include "analyzer/usermetric/usermetric.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_CAP	 65536
#define EXPR_CAP 512
#define OVERFLOW "__overflow__"

struct comp {
	sqlite3 *db;
	struct fr_um_metric *m;
	const struct fr_um_source *src;
	char *sql;
	int off, agg;
	unsigned need;
	char raw_only[256]; /* fields that kept the metric off the aggregate view */
};

static void say(const struct fr_um_mark *at, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct fr_um_mark *at, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d:%d: ", at->file, at->line, at->col);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void put(struct comp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct comp *c, const char *fmt, ...)
{
	va_list ap;

	if (c->off >= SQL_CAP)
		return;
	va_start(ap, fmt);
	c->off += vsnprintf(c->sql + c->off, SQL_CAP - (size_t)c->off, fmt, ap);
	va_end(ap);
}

/* A resolved field: the table's entry, or a pod label's made for it. */
struct rfield {
	const struct fr_um_field *f;
	struct fr_um_field tmp;
	char expr[EXPR_CAP];
};

static int resolve(struct comp *c, const char *name, const struct fr_um_mark *at, struct rfield *r)
{
	char list[2048];

	r->f = fr_um__field(c->src, name, &r->tmp, r->expr, sizeof(r->expr));
	if (r->f)
		return 0;
	fr_um__field_list(c->src, list, sizeof(list));
	say(at, "unknown field '%s' of source '%s'; its fields: %s", name, c->src->name, list);
	return -EINVAL;
}

/* Note a field read: whether the aggregate view has it. */
static void note(struct comp *c, const struct rfield *r, int as_sum)
{
	if (as_sum ? r->f->agg_sum != NULL : r->f->agg_expr != NULL)
		return;
	if (!strstr(c->raw_only, r->f->name) &&
	    strlen(c->raw_only) + strlen(r->f->name) + 3 < sizeof(c->raw_only))
		snprintf(c->raw_only + strlen(c->raw_only),
			 sizeof(c->raw_only) - strlen(c->raw_only), "%s%s",
			 *c->raw_only ? ", " : "", r->f->name);
}

static const char *expr(const struct comp *c, const struct rfield *r)
{
	return c->agg ? r->f->agg_expr : r->f->expr;
}

static int parse_int(const char *s, int64_t *v)
{
	char *end;
	double d;

	errno = 0;
	*v = strtoll(s, &end, 0);
	if (*s && !*end && !errno)
		return 0;
	d = strtod(s, &end); /* 1e6 */
	if (*s && !*end && d == floor(d) && fabs(d) < 9e18) {
		*v = (int64_t)d;
		return 0;
	}
	return -EINVAL;
}

static const char *op_sql(enum fr_um_op op)
{
	static const char *const s[] = {[FR_UM_EQ] = "=",  [FR_UM_NE] = "<>", [FR_UM_LT] = "<",
					[FR_UM_LE] = "<=", [FR_UM_GT] = ">",  [FR_UM_GE] = ">="};

	return s[op];
}

/* Check term `s` over field r and add its parameters. */
static int check_term(struct comp *c, const struct fr_um_sel *s, const struct rfield *r)
{
	const int num = s->op >= FR_UM_LT && s->op <= FR_UM_GE;
	const int is_re = s->op == FR_UM_RE || s->op == FR_UM_NRE;

	if (num && r->f->type != FR_UM_INT) {
		say(&s->at, "wrong type: operator %s needs a numeric field; '%s' is text",
		    op_sql(s->op), s->field);
		return -EINVAL;
	}
	for (int i = 0; i < s->nval; i++) {
		struct fr_um_param *p = &c->m->param[c->m->nparam++];

		p->s = s->val[i];
		if (r->f->type == FR_UM_INT && !is_re) {
			if (parse_int(s->val[i], &p->i)) {
				say(&s->at, "wrong type: '%s' is numeric; '%s' is not an integer",
				    s->field, s->val[i]);
				return -EINVAL;
			}
			p->is_int = 1;
		}
		if (!is_re && r->f->known && !r->f->known(c->db, s->val[i])) {
			say(&s->at, "selector cannot match: '%s' is not a value of '%s' (%s)",
			    s->val[i], s->field, r->f->doc);
			return -EINVAL;
		}
	}
	return 0;
}

/* Numeric terms on one field that no value satisfies, or two equalities. */
static int contradiction(const struct fr_um_metric *m)
{
	for (int i = 0; i < m->nsel; i++) {
		const struct fr_um_sel *a = &m->sel[i];
		const struct fr_um_param *pa = NULL;
		double lo = -INFINITY, hi = INFINITY;
		int first = 1;

		for (int j = 0, k = 0; j < m->nsel; k += m->sel[j].nval, j++) {
			const struct fr_um_sel *s = &m->sel[j];
			const struct fr_um_param *p = &m->param[k];
			double v;

			if (strcmp(s->field, a->field) || !p->is_int)
				continue;
			if (j < i && first)
				break; /* checked at the first term of the field */
			first = 0;
			v = (double)p->i;
			if (s->op == FR_UM_EQ) {
				if (pa && pa->i != p->i)
					goto bad;
				pa = p;
				lo = fmax(lo, v);
				hi = fmin(hi, v);
			}
			if (s->op == FR_UM_GT)
				lo = fmax(lo, v + 1);
			if (s->op == FR_UM_GE)
				lo = fmax(lo, v);
			if (s->op == FR_UM_LT)
				hi = fmin(hi, v - 1);
			if (s->op == FR_UM_LE)
				hi = fmin(hi, v);
			if (lo > hi)
				goto bad;
			continue;
		bad:
			say(&s->at,
			    "selector cannot match: no value of '%s' meets every term on it",
			    s->field);
			return -EINVAL;
		}
	}
	return 0;
}

/* Append to the IN list of put_enum_term. */
static void put_num(struct comp *c, int *n, int64_t v)
{
	put(c, "%s%" PRId64, (*n)++ ? ", " : "", v);
}

/*
 * Term `s` (=, <>, in, not in) on a field whose text is a hubble_enum name
 * (fr_um__hubble_enum), as integers: `e.col IN (numbers)`, so that rows do
 * not look their names up one by one. The numbers are read from the
 * recording's hubble_enum now: those named as a value, and a value's
 * decimal when no name has that number (the name expression's fallback).
 * Exact: the name expression reads the same table; a NULL column (text
 * '') meets <> and not in, and a term on '' keeps the expression form.
 * Return: 1 written, 0 not (the caller writes the expression form).
 */
static int put_enum_term(struct comp *c, const struct fr_um_sel *s, const struct rfield *r)
{
	int nullable = 0;
	const char *en = c->agg ? NULL : fr_um__hubble_enum(r->f, &nullable);
	const int neg = s->op == FR_UM_NE || s->op == FR_UM_NIN;
	sqlite3_stmt *named = NULL, *has = NULL;
	int n = 0, ok = 0;

	if (!en || !(s->op == FR_UM_EQ || neg || s->op == FR_UM_IN))
		return 0;
	for (int i = 0; nullable && i < s->nval; i++)
		if (!*s->val[i])
			return 0;
	if (sqlite3_prepare_v2(c->db,
			       "SELECT number FROM hubble_enum WHERE enum = ?1 AND name = ?2", -1,
			       &named, NULL) ||
	    sqlite3_prepare_v2(c->db, "SELECT 1 FROM hubble_enum WHERE enum = ?1 AND number = ?2",
			       -1, &has, NULL))
		goto out;
	sqlite3_bind_text(named, 1, en, -1, SQLITE_STATIC);
	sqlite3_bind_text(has, 1, en, -1, SQLITE_STATIC);
	/* en is one of the names of fields.c, not text of the file */
	if (nullable && neg)
		put(c, " AND (e.%s IS NULL OR e.%s NOT IN (", en, en);
	else
		put(c, " AND e.%s %sIN (", en, neg ? "NOT " : "");
	for (int i = 0; i < s->nval; i++) {
		char dec[24], *end;
		int64_t v;
		int rc;

		sqlite3_reset(named);
		sqlite3_bind_text(named, 2, s->val[i], -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(named)) == SQLITE_ROW)
			put_num(c, &n, sqlite3_column_int64(named, 0));
		if (rc != SQLITE_DONE)
			goto out;
		errno = 0;
		v = strtoll(s->val[i], &end, 10);
		snprintf(dec, sizeof(dec), "%" PRId64, v);
		if (errno || *end || strcmp(dec, s->val[i]))
			continue; /* not what CAST(number AS TEXT) writes */
		sqlite3_reset(has);
		sqlite3_bind_int64(has, 2, v);
		if ((rc = sqlite3_step(has)) == SQLITE_DONE)
			put_num(c, &n, v);
		else if (rc != SQLITE_ROW)
			goto out;
	}
	put(c, nullable && neg ? "))" : ")");
	ok = 1;
out:
	sqlite3_finalize(named);
	sqlite3_finalize(has);
	return ok;
}

static void put_term(struct comp *c, const struct fr_um_sel *s, const struct rfield *r, int p0)
{
	const char *e = expr(c, r);
	const int off = c->off;

	if (put_enum_term(c, s, r))
		return;
	c->off = off; /* a failed lookup: what it wrote goes */

	switch (s->op) {
	case FR_UM_RE:
	case FR_UM_NRE:
		put(c, " AND %sregexp(:u%d, %s)", s->op == FR_UM_NRE ? "NOT " : "", p0 + 1, e);
		return;
	case FR_UM_IN:
	case FR_UM_NIN:
		put(c, " AND %s %sIN (", e, s->op == FR_UM_NIN ? "NOT " : "");
		for (int i = 0; i < s->nval; i++)
			put(c, "%s:u%d", i ? ", " : "", p0 + i + 1);
		put(c, ")");
		return;
	default:
		put(c, " AND %s %s :u%d", e, op_sql(s->op), p0 + 1);
	}
}

/* Label names: the file's, else the field's canonical name as
 * [a-zA-Z0-9_]; Prometheus rules, no __ prefix, each once. */
/* Why label name `n` cannot be one of metric m's own, or NULL: the columns
 * of the family contract, and the labels its attribution adds (--by
 * dimensions; Hubble's context labels and end dimensions). */
static const char *reserved(const struct fr_um_metric *m, const char *n)
{
	static const char *const cols[] = {"t", "value", "b", "cnt", "sum", NULL};
	static const char *const by[] = {"namespace", "container", "workload", "pod", "node",
					 "pid",	      "comm",	   "cgroup",   "pk",  NULL};

	for (int i = 0; cols[i]; i++)
		if (!strcmp(n, cols[i]))
			return "a column of the family's rows";
	for (int i = 0; m->attr == FR_UM_A_PROCESS && by[i]; i++)
		if (!strcmp(n, by[i]))
			return "a --by dimension of attribution process";
	if (m->attr == FR_UM_A_PROCESS && !strncmp(n, "label_", 6))
		return "a --by label:KEY of attribution process";
	if (m->attr == FR_UM_A_HUBBLE &&
	    (!strcmp(n, "flow") || !strcmp(n, "node") || !strcmp(n, "source") ||
	     !strcmp(n, "destination") || !strncmp(n, "source_", 7) ||
	     !strncmp(n, "destination_", 12) || !strcmp(n, "traffic_direction")))
		return "a context label of attribution hubble";
	return NULL;
}

static int label_names(struct comp *c, struct rfield *lf)
{
	struct fr_um_metric *m = c->m;

	for (int i = 0; i < m->nlabels; i++) {
		struct fr_um_label *l = &m->labels[i];
		const char *n;

		if (!*l->name) {
			const char *base = lf[i].f->name;

			if (!strncmp(base, "pod_label.", 10) || !strncmp(base, "k8s.labels.", 11))
				snprintf(l->name, sizeof(l->name), "label_%s",
					 strchr(base + 4, '.') + 1);
			else
				snprintf(l->name, sizeof(l->name), "%s", base);
			for (char *p = l->name; *p; p++)
				if (!isalnum((unsigned char)*p))
					*p = '_';
		}
		n = l->name;
		if (!(isalpha((unsigned char)*n) || *n == '_') || !strncmp(n, "__", 2) ||
		    strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
			    strlen(n) ||
		    (m->fam.type == FR_FAMILY_HISTOGRAM && !strcmp(n, "le"))) {
			say(&l->at, "invalid label name '%s': [a-zA-Z_][a-zA-Z0-9_]*, not __*%s", n,
			    m->fam.type == FR_FAMILY_HISTOGRAM ? " nor le" : "");
			return -EINVAL;
		}
		if (reserved(m, n)) {
			say(&l->at, "label name '%s' is %s; name the label otherwise (name: ...)",
			    n, reserved(m, n));
			return -EINVAL;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(m->labels[j].name, n)) {
				say(&l->at, "duplicate label name '%s'", n);
				return -EINVAL;
			}
	}
	return 0;
}

static const char *pk_of(const struct comp *c)
{
	return c->agg ? "e.pk" : c->src->pk;
}

static void put_joins(struct comp *c)
{
	const char *pk = pk_of(c);

	/* the TCP sources are named as their tables, the kinds of sock_tuple */
	if (c->need & FR_UM_J_CONN)
		put(c, " LEFT JOIN conn c ON c.cid = e.cid LEFT JOIN sock_tuple t ON %s%s%s",
		    "t.kind = '", c->src->name, "' AND t.id = e.id");
	if (c->need & (FR_UM_J_ATTR | FR_UM_J_POD))
		put(c, " LEFT JOIN proc_attr a ON a.pk = %s", pk);
	if (c->need & FR_UM_J_PROC)
		put(c, " LEFT JOIN proc p ON p.pk = %s", pk);
	if (c->need & FR_UM_J_NODE)
		put(c, " LEFT JOIN nodes nd ON nd.node = e.node");
	if (c->need & FR_UM_J_POD)
		put(c, " LEFT JOIN pod_latest pl ON pl.uid = a.uid");
}

/* The columns the wrapper of a metric with an attribution joins on
 * (analyzer/cmd/metrics.c): node, pk | flow; of the raw or aggregate rows
 * (e), or of the rows being folded (um). */
static void put_attr_cols(struct comp *c, int folded)
{
	if (c->m->attr == FR_UM_A_PROCESS)
		put(c, folded ? ", um.node, um.pk" : ", e.node AS node, %s AS pk", pk_of(c));
	else if (c->m->attr == FR_UM_A_HUBBLE)
		put(c, folded ? ", um.flow" : ", %s AS flow", c->src->flow);
}

/*
 * The SELECT, before folding label sets. As the built-in families do: raw
 * rows are grouped (per process too under attribution process), rows of
 * an aggregate view (already grouped) and Hubble flows (one row each, the
 * wrapper joins each to its flow) are not, under an attribution: the
 * wrapper groups them.
 */
static void put_select(struct comp *c, struct rfield *sf, struct rfield *lf, struct rfield *vf)
{
	const struct fr_um_metric *m = c->m;
	const int hist = m->fam.type == FR_FAMILY_HISTOGRAM, log2 = m->bkind == FR_UM_B_LOG2;
	const int grouped = m->attr == FR_UM_A_NONE || (m->attr == FR_UM_A_PROCESS && !c->agg);
	const char *v;
	int p = 0;

	put(c, "SELECT %s AS t", c->agg ? "e.t" : "step_end(e.ts)");
	put_attr_cols(c, 0);
	for (int i = 0; i < m->nlabels; i++)
		put(c, ", %s AS \"%s\"", expr(c, &lf[i]), m->labels[i].name);
	if (hist)
		put(c,
		    grouped ? ", %s(%s) AS b, count(*) AS cnt, sum(%s) AS sum"
			    : ", %s(%s) AS b, 1 AS cnt, %s AS sum",
		    log2 ? "log2_bucket" : "le_bucket", vf->f->expr, vf->f->expr);
	else {
		if (vf)
			v = c->agg ? vf->f->agg_sum : vf->f->expr;
		else
			v = c->agg ? c->src->agg_count : c->src->count;
		if (grouped && !strcmp(v, "1"))
			put(c, ", count(*) AS value"); /* cheaper than sum(1) */
		else
			put(c, grouped ? ", sum(%s) AS value" : ", %s AS value", v);
	}
	put(c, " FROM %s", c->agg ? c->src->agg_from : c->src->raw_from);
	put_joins(c);
	if (c->agg)
		put(c, " WHERE %s", c->src->agg_where ? c->src->agg_where : "1");
	else
		put(c, " WHERE e.ts >= :from AND e.ts < :to");
	/* a log2 row without a value counts nothing (family.h), as the built-ins' */
	if (vf && !c->agg && !log2)
		put(c, " AND %s IS NOT NULL", vf->f->expr);
	for (int i = 0; i < m->nsel; p += m->sel[i].nval, i++)
		put_term(c, &m->sel[i], &sf[i], p);
	if (!grouped)
		return;
	put(c, " GROUP BY 1");
	for (int i = 2; i <= 1 + m->nlabels + hist + (m->attr == FR_UM_A_PROCESS ? 2 : 0); i++)
		put(c, ", %d", i);
}

/* Label sets past max_label_sets, in order of first appearance, read
 * __overflow__ in every label (um_fold counts them for the warning). */
static void put_fold(struct comp *c, const char *inner)
{
	const struct fr_um_metric *m = c->m;
	const int hist = m->fam.type == FR_FAMILY_HISTOGRAM;

	put(c, "WITH um AS (%s), ls AS (SELECT ", inner);
	for (int i = 0; i < m->nlabels; i++)
		put(c, "\"%s\", ", m->labels[i].name);
	put(c, "row_number() OVER (ORDER BY min(t)");
	for (int i = 0; i < m->nlabels; i++)
		put(c, ", \"%s\"", m->labels[i].name);
	put(c, ") AS rk FROM um GROUP BY ");
	for (int i = 0; i < m->nlabels; i++)
		put(c, "%s\"%s\"", i ? ", " : "", m->labels[i].name);
	put(c, ") SELECT um.t");
	put_attr_cols(c, 1);
	for (int i = 0; i < m->nlabels; i++)
		put(c,
		    ", CASE WHEN um_fold(ls.rk, %ld) THEN '" OVERFLOW
		    "' ELSE um.\"%s\" END AS \"%s\"",
		    m->max_label_sets, m->labels[i].name, m->labels[i].name);
	put(c, hist ? ", um.b, um.cnt, um.sum" : ", um.value");
	put(c, " FROM um JOIN ls ON ");
	for (int i = 0; i < m->nlabels; i++)
		put(c, "%sls.\"%s\" IS um.\"%s\"", i ? " AND " : "", m->labels[i].name,
		    m->labels[i].name);
}

/* Raw rows of a source whose window has aggregate rows too: say what is
 * not counted rather than give a partial result silently. */
static void warn_partial(sqlite3 *db, const struct comp *c, int64_t from, int64_t to)
{
	char q[256];
	sqlite3_stmt *st;

	if (c->agg || !c->src->agg_table)
		return;
	snprintf(q, sizeof(q), "SELECT count(*) FROM %s WHERE ts >= ?1 AND ts < ?2",
		 c->src->agg_table);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
		fprintf(stderr,
			"flightrec metrics: warning: %s: %s only in raw %s records, but the window "
			"has %lld aggregate records (%s, recorded in aggregate mode) that the "
			"metric "
			"does not count%s\n",
			c->m->fam.name, *c->raw_only ? c->raw_only : "the value is", c->src->name,
			(long long)sqlite3_column_int64(st, 0), c->src->agg_table,
			c->m->fam.type == FR_FAMILY_HISTOGRAM ? " (histograms read raw rows)" : "");
	sqlite3_finalize(st);
}

static int check(struct comp *c, struct rfield *sf, struct rfield *lf, struct rfield *vf)
{
	struct fr_um_metric *m = c->m;
	int nv = 0;

	for (int i = 0; i < m->nsel; i++)
		nv += m->sel[i].nval;
	m->param = calloc((size_t)nv + 1, sizeof(*m->param));
	if (!m->param)
		return -ENOMEM;
	m->nparam = 0;
	for (int i = 0; i < m->nsel; i++) {
		if (resolve(c, m->sel[i].field, &m->sel[i].at, &sf[i]) ||
		    check_term(c, &m->sel[i], &sf[i]))
			return -EINVAL;
		note(c, &sf[i], 0);
		c->need |= sf[i].f->need;
	}
	if (contradiction(m))
		return -EINVAL;
	for (int i = 0; i < m->nlabels; i++) {
		if (resolve(c, m->labels[i].field, &m->labels[i].at, &lf[i]))
			return -EINVAL;
		note(c, &lf[i], 0);
		c->need |= lf[i].f->need;
	}
	if (vf) {
		if (resolve(c, m->sum_field, &m->value_at, vf))
			return -EINVAL;
		if (vf->f->type != FR_UM_INT) {
			say(&m->value_at, "wrong type: value field '%s' is not numeric",
			    m->sum_field);
			return -EINVAL;
		}
		note(c, vf, 1);
		c->need |= vf->f->need;
	}
	return label_names(c, lf);
}

int fr_um__compile(sqlite3 *db, struct fr_um_metric *m, int64_t from, int64_t to, char **sql)
{
	struct rfield sf[FR_UM_MAX_SEL], lf[FR_UM_MAX_LABELS], vf;
	struct comp c = {.db = db, .m = m};
	char *inner = NULL;
	int err;

	*sql = NULL;
	c.src = fr_um__source(m->source);
	if (!c.src) {
		char list[1024] = "";

		for (size_t i = 0, off = 0; i < fr_um__nsources() && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						i ? ", " : "", fr_um__source_at(i)->name);
		say(&m->source_at, "unknown source (event kind) '%s'; sources: %s", m->source,
		    list);
		return -EINVAL;
	}
	if ((m->attr == FR_UM_A_PROCESS && !c.src->pk) ||
	    (m->attr == FR_UM_A_HUBBLE && !c.src->flow)) {
		say(&m->attr_at, "attribution %s needs a source %s; '%s' is not",
		    m->attr == FR_UM_A_PROCESS ? "process" : "hubble",
		    m->attr == FR_UM_A_PROCESS ? "with a process (not hubble_flow)"
					       : "of Hubble flows (hubble_flow)",
		    c.src->name);
		return -EINVAL;
	}
	err = check(&c, sf, lf, *m->sum_field ? &vf : NULL);
	if (err)
		return err;
	c.agg = c.src->agg_from && !*c.raw_only && m->fam.type != FR_FAMILY_HISTOGRAM &&
		(*m->sum_field || c.src->agg_count);
	if (!c.agg && !*c.raw_only && m->fam.type != FR_FAMILY_HISTOGRAM && c.src->agg_from)
		snprintf(c.raw_only, sizeof(c.raw_only), "count");
	c.sql = malloc(SQL_CAP);
	if (!c.sql)
		return -ENOMEM;
	put_select(&c, sf, lf, *m->sum_field ? &vf : NULL);
	if (m->nlabels && m->max_label_sets > 0 && c.off < SQL_CAP) {
		inner = c.sql;
		c.sql = malloc(SQL_CAP);
		c.off = 0;
		if (!c.sql) {
			free(inner);
			return -ENOMEM;
		}
		put_fold(&c, inner);
		free(inner);
	}
	if (c.off >= SQL_CAP) {
		say(&m->at, "metric '%s': query too long", m->fam.name);
		free(c.sql);
		return -E2BIG;
	}
	warn_partial(db, &c, from, to);
	*sql = c.sql;
	return 0;
}

void fr_um__bind(const struct fr_um_metric *m, sqlite3_stmt *st)
{
	for (int i = 0; i < m->nparam; i++) {
		char name[16];
		int k;

		snprintf(name, sizeof(name), ":u%d", i + 1);
		if (!(k = sqlite3_bind_parameter_index(st, name)))
			continue;
		if (m->param[i].is_int)
			sqlite3_bind_int64(st, k, m->param[i].i);
		else
			sqlite3_bind_text(st, k, m->param[i].s, -1, SQLITE_STATIC);
	}
}
