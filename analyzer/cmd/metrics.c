/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Each family's SELECT is wrapped in a query that joins the process
 * attribution (proc_attr) for the --by labels, groups, and orders by every
 * output column, so output order never depends on the database layout.
 */
#include "analyzer/cmd/metrics.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/cmd/metrics_file.h"
#include "analyzer/cmd/metrics_hubble.h"
#include "analyzer/cmd/metrics_kube.h"
#include "analyzer/db/db.h"
#include "analyzer/db/family.h"
#include "analyzer/out/metric_out.h"
#include "analyzer/replay/rollup.h"
#include "analyzer/cmd/timespec.h"
#include "analyzer/usermetric/usermetric.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BY 8

static const char usage[] =
	"usage: flightrec metrics DB [--window FROM..TO] [--step DURATION]\n"
	"                 [--by DIM[,DIM...]] [--format prom|json|csv] [--family NAME[,NAME...]]\n"
	"                 [--hubble-context OPTIONS] [--file METRICS.yaml ...] [--only-file]\n"
	"  FROM/TO: RFC 3339 UTC (2026-01-15T12:00:00Z) or ns since the epoch; either may\n"
	"  be empty. DURATION: 10s, 500ms, 1m, 1h. DIM: namespace, workload, pod, node,\n"
	"  container, pid, comm, cgroup, or label:KEY (a pod label, as label_KEY); default\n"
	"  --by namespace,workload. These label the ebpf_* families by the process. The\n"
	"  kube_ebpf_* families keep their exporter's labels and take only end dimensions:\n"
	"  source_ or destination_ + namespace, name, workload, node, ip, and\n"
	"  destination_port (source: the end that connected), e.g. --by\n"
	"  source_workload,destination_ip.\n"
	"  The hubble_* families take Hubble's context options (docs/HUBBLE.md):\n"
	"  --hubble-context 'sourceContext=pod|identity;destinationContext=workload-name;\n"
	"  labelsContext=source_namespace,destination_namespace'; default\n"
	"  '" FR_MHUBBLE_DEFAULT "';\n"
	"  '' for none. --by node and the end dimensions but *_node label them too.\n"
	"  --file adds the metrics of a metric file (docs/METRICS_FILE.md), repeatable;\n"
	"  --only-file computes only those.\n";

/*
 * --by dimensions: the label's name and its value in SQL over the family's
 * row, its process `a` (proc_attr), node `nd` and pod `pl` (pod_latest).
 */
static const struct by_dim {
	const char *name, *expr;
} by_dims[] = {
	{"namespace", "COALESCE(a.namespace, '')"},
	{"workload", "COALESCE(a.workload, '')"},
	{"pod", "COALESCE(a.pod, '')"},
	{"node", "COALESCE(nd.name, '')"},
	{"container", "COALESCE(a.container, '')"},
	/* the process id, for hosts without pods and per-process checks */
	{"pid", "COALESCE(a.pid, '')"},
	/* the program: which one made these syscalls, bytes, faults */
	{"comm", "COALESCE(a.comm, '')"},
	{"cgroup", "COALESCE(a.cgroup, '')"},
};

#define BY_LABEL     "label:"
#define BY_LABEL_MAX 317 /* a Kubernetes label key: 253-byte prefix, '/', 63-byte name */
#define BY_NAME_MAX  (sizeof("label_") + BY_LABEL_MAX)
_Static_assert(BY_NAME_MAX <= FR_METRIC_LABEL_NAME_MAX, "label names fit the series");

/* A chosen dimension: its output label name and SQL. */
struct by {
	char name[BY_NAME_MAX], expr[BY_LABEL_MAX + 64];
};

/* Points per series at most, as Prometheus bounds a range query (11 000):
 * past that a step prints without bound and no reader can use it. */
#define MAX_STEPS 11000

struct window {
	int64_t from, to, step;
};

struct run {
	sqlite3 *db;
	struct window w;
	struct by by[MAX_BY];
	int nby;
	int kby[FR_MKUBE_NDIMS], nkby; /* end dimensions (metrics_kube.h) */
	struct fr_mhubble_ctx hctx;    /* --hubble-context */
	const struct fr_family *fam;   /* being run: le_bucket() reads its bounds */
	const struct fr_um_metric *um; /* being run, a metric file's: its parameters */
	struct fr_metric_out *out;
};

static void step_end(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct window *w = sqlite3_user_data(ctx);
	const int64_t ts = sqlite3_value_int64(argv[0]);
	int64_t end;

	if (w->step <= 0 || ts < w->from) {
		sqlite3_result_int64(ctx, w->to);
		return;
	}
	/* steps are bounded (MAX_STEPS), but a step may still exceed the window */
	if (__builtin_mul_overflow((ts - w->from) / w->step + 1, w->step, &end) ||
	    __builtin_add_overflow(end, w->from, &end) || end > w->to)
		end = w->to;
	sqlite3_result_int64(ctx, end);
}

/* Whether every ns of rollup minute `minute` is inside the window and in one
 * step, so that the minute's roll_* rows can stand for its raw rows. */
static int whole_minute(const struct window *w, int64_t minute)
{
	const int64_t lo = minute * FR_ROLLUP_NS, hi = lo + FR_ROLLUP_NS - 1;

	if (lo < w->from || hi >= w->to)
		return 0;
	if (w->step <= 0)
		return 1;
	return (lo - w->from) / w->step == (hi - w->from) / w->step;
}

/* rollup_minute(minute): 1 when roll_* rows of that minute are used. */
static void rollup_minute(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3_result_int(ctx, whole_minute(sqlite3_user_data(ctx), sqlite3_value_int64(argv[0])));
}

/* raw_ts(ts): 1 when a raw row at ts is read instead of a rollup. */
static void raw_ts(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const int64_t ts = sqlite3_value_int64(argv[0]);

	sqlite3_result_int(ctx, !whole_minute(sqlite3_user_data(ctx), fr_rollup__minute(ts)));
}

/* window_from(), window_to(): :from and :to, for the views. */
static void window_from(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3_result_int64(ctx, ((const struct window *)sqlite3_user_data(ctx))->from);
}

static void window_to(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3_result_int64(ctx, ((const struct window *)sqlite3_user_data(ctx))->to);
}

/* The SQL functions of window `w` on `db`, then the views of the rollup
 * sources over them (queries/metric_views.sql). Deterministic: a call
 * with constant arguments is made once per statement. */
static int register_window(sqlite3 *db, struct window *w)
{
	static const struct {
		const char *name;
		int nargs;
		void (*fn)(sqlite3_context *ctx, int argc, sqlite3_value **argv);
	} fns[] = {{"step_end", 1, step_end},
		   {"rollup_minute", 1, rollup_minute},
		   {"raw_ts", 1, raw_ts},
		   {"window_from", 0, window_from},
		   {"window_to", 0, window_to}};

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (sqlite3_create_function(db, fns[i].name, fns[i].nargs,
					    SQLITE_UTF8 | SQLITE_DETERMINISTIC, w, fns[i].fn, NULL,
					    NULL) != SQLITE_OK)
			return -EIO;
	return fr_db__exec_embedded(db, "metric_views.sql");
}

int fr_metrics__recording_window(sqlite3 *db, int64_t *from, int64_t *to)
{
	sqlite3_stmt *st;
	int n = 0;

	/* Hubble flows carry their own time (flow.time), which may lie outside
	 * the records' span (a jsonpb file recorded later): the window covers it */
	if (fr_db__prepare(db,
			   "WITH r(lo, hi) AS (SELECT (SELECT CAST(value AS INTEGER) FROM "
			   "replay_info WHERE key = 'ts_min'), (SELECT CAST(value AS INTEGER) FROM "
			   "replay_info WHERE key = 'ts_max') UNION ALL SELECT min(ts), max(ts) "
			   "FROM hubble_flow UNION ALL SELECT min(ts), max(ts) FROM hubble_lost) "
			   "SELECT min(lo), max(hi) FROM r",
			   &st, "replay_info"))
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*from = sqlite3_column_int64(st, 0);
		*to = sqlite3_column_int64(st, 1) + 1;
		n = 1;
	}
	sqlite3_finalize(st);
	if (!n) {
		*from = 0;
		*to = 1;
	}
	return 0;
}

/* Family SQL without its trailing semicolon and blanks, for a subquery. */
static char *strip_sql(const char *sql)
{
	char *s = strdup(sql);
	size_t n = s ? strlen(s) : 0;

	while (n && (s[n - 1] == ';' || s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
	return s;
}

static void bind_window(sqlite3_stmt *st, const struct window *w)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(st, ":from")))
		sqlite3_bind_int64(st, i, w->from);
	if ((i = sqlite3_bind_parameter_index(st, ":to")))
		sqlite3_bind_int64(st, i, w->to);
	if ((i = sqlite3_bind_parameter_index(st, ":step")))
		sqlite3_bind_int64(st, i, w->step);
}

struct row_state {
	struct fr_series s;
	char vals[FR_SERIES_MAX_LABELS][4096]; /* Hubble's identity context: every label */
	char names[FR_SERIES_MAX_LABELS][FR_METRIC_LABEL_NAME_MAX];
	int have;
};

static int same_series(const struct row_state *rs, sqlite3_stmt *st)
{
	if (!rs->have || sqlite3_column_int64(st, 0) != rs->s.t)
		return 0;
	for (int i = 0; i < rs->s.nlabels; i++) {
		const char *v = (const char *)sqlite3_column_text(st, i + 1);

		if (strncmp(v ? v : "", rs->vals[i], sizeof(rs->vals[i]) - 1))
			return 0;
	}
	return 1;
}

static void start_series(struct row_state *rs, sqlite3_stmt *st)
{
	const int nl = rs->s.nlabels;

	memset(&rs->s.value, 0, sizeof(rs->s) - offsetof(struct fr_series, value));
	rs->s.t = sqlite3_column_int64(st, 0);
	for (int i = 0; i < nl; i++) {
		const char *v = (const char *)sqlite3_column_text(st, i + 1);

		snprintf(rs->vals[i], sizeof(rs->vals[i]), "%s", v ? v : "");
	}
	rs->have = 1;
}

static void add_row(struct row_state *rs, const struct fr_family *fam, sqlite3_stmt *st, int col)
{
	if (fam->type != FR_FAMILY_HISTOGRAM) {
		rs->s.value += sqlite3_column_int64(st, col);
		return;
	}
	if (sqlite3_column_type(st, col) != SQLITE_NULL) {
		const int64_t b = sqlite3_column_int64(st, col);
		const uint64_t cnt = (uint64_t)sqlite3_column_int64(st, col + 1);

		if (b >= 0 && b < 64) {
			rs->s.buckets[b] += cnt;
			if (cnt && b + 1 > rs->s.nbuckets)
				rs->s.nbuckets = (int)b + 1;
		}
		rs->s.count += cnt;
	}
	rs->s.sum += sqlite3_column_int64(st, col + 2);
}

static int run_family(struct run *r, const struct fr_family *fam)
{
	const int hist = fam->type == FR_FAMILY_HISTOGRAM;
	char *inner = strip_sql(fam->sql), sql[65536];
	struct row_state *rs = calloc(1, sizeof(*rs));
	sqlite3_stmt *st = NULL;
	int ncols, nlab, nby, off, rc, err = -EIO;

	if (!inner || !rs)
		goto out;
	if (fam->conn) {
		rs->s.nlabels = fr_mkube__sql(fam, inner, r->kby, r->nkby, sql, sizeof(sql),
					      rs->names, FR_SERIES_MAX_LABELS);
		if (rs->s.nlabels < 0)
			goto out;
		off = 0;
		goto prepare;
	}
	if (fam->hubble || fam->plain) {
		struct fr_mhubble_by hb = {0, r->kby, r->nkby};

		for (int i = 0; i < r->nby; i++)
			hb.node |= !strcmp(r->by[i].name, "node");
		rs->s.nlabels = fr_mhubble__sql(r->db, fam, inner, &r->hctx, &hb, sql, sizeof(sql),
						rs->names, FR_SERIES_MAX_LABELS);
		if (rs->s.nlabels < 0)
			goto out;
		off = 0;
		goto prepare;
	}
	if (fr_db__prepare(r->db, inner, &st, fam->name))
		goto out;
	ncols = sqlite3_column_count(st);
	nlab = ncols - 3 - (hist ? 3 : 1);
	nby = r->nby;
	if (nlab < 0 || nlab + nby > FR_SERIES_MAX_LABELS) {
		fprintf(stderr, "flightrec: metrics: %s: unexpected columns\n", fam->name);
		goto out;
	}
	rs->s.nlabels = nby + nlab;
	off = snprintf(sql, sizeof(sql), "SELECT f.t");
	for (int i = 0; i < nby; i++) {
		snprintf(rs->names[i], sizeof(rs->names[i]), "%s", r->by[i].name);
		off += snprintf(sql + off, sizeof(sql) - (size_t)off, ", %s", r->by[i].expr);
	}
	for (int i = 0; i < nlab; i++) {
		snprintf(rs->names[nby + i], sizeof(rs->names[0]), "%s",
			 sqlite3_column_name(st, 3 + i));
		off += snprintf(sql + off, sizeof(sql) - (size_t)off, ", f.\"%s\"",
				rs->names[nby + i]);
	}
	sqlite3_finalize(st);
	st = NULL;
	off += snprintf(sql + off, sizeof(sql) - (size_t)off,
			"%s FROM (%s) f LEFT JOIN proc_attr a ON a.pk = f.pk "
			"LEFT JOIN nodes nd ON nd.node = f.node "
			"LEFT JOIN pod_latest pl ON pl.uid = a.uid GROUP BY 1",
			hist ? ", f.b, sum(f.cnt), sum(f.sum)" : ", sum(f.value)", inner);
	for (int i = 2; i <= 1 + rs->s.nlabels + hist; i++)
		off += snprintf(sql + off, sizeof(sql) - (size_t)off, ", %d", i);
	off += snprintf(sql + off, sizeof(sql) - (size_t)off, " ORDER BY 1");
	for (int i = 2; i <= 1 + rs->s.nlabels + hist; i++)
		off += snprintf(sql + off, sizeof(sql) - (size_t)off, ", %d", i);
prepare:
	for (int i = 0; i < rs->s.nlabels; i++) {
		rs->s.names[i] = rs->names[i];
		rs->s.values[i] = rs->vals[i];
	}
	if (off >= (int)sizeof(sql) || fr_db__prepare(r->db, sql, &st, fam->name))
		goto out;
	bind_window(st, &r->w);
	if (r->um)
		fr_um__bind(r->um, st);
	fr_metric_out__family(r->out, fam);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!same_series(rs, st)) {
			if (rs->have)
				fr_metric_out__series(r->out, &rs->s);
			start_series(rs, st);
		}
		add_row(rs, fam, st, 1 + rs->s.nlabels);
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec: metrics: %s: %s\n", fam->name, sqlite3_errmsg(r->db));
		goto out;
	}
	if (rs->have)
		fr_metric_out__series(r->out, &rs->s);
	err = 0;
out:
	sqlite3_finalize(st);
	free(inner);
	free(rs);
	return err;
}

/* A Kubernetes label key: [prefix/]name of letters, digits, '-', '_', '.'
 * (the prefix a DNS subdomain); checked so it can be quoted in SQL. */
static int label_key_ok(const char *k)
{
	const size_t n = strlen(k);
	const char *slash = strchr(k, '/');
	const char *name = slash ? slash + 1 : k;

	if (!n || n > BY_LABEL_MAX || !*name || strlen(name) > 63 || (slash && slash == k) ||
	    (slash && strchr(name, '/')))
		return 0;
	for (const char *p = k; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_./", *p))
			return 0;
	return isalnum((unsigned char)name[0]) && isalnum((unsigned char)k[n - 1]);
}

/* label:app.kubernetes.io/name -> label_app_kubernetes_io_name, the name
 * kube-state-metrics gives it (Prometheus names are [a-zA-Z0-9_]). */
static int by_label(const char *tok, struct by *b)
{
	const char *key = tok + strlen(BY_LABEL);

	if (!label_key_ok(key)) {
		fprintf(stderr,
			"flightrec metrics: bad --by '%s': a label key is [prefix/]name of "
			"letters, digits, '-', '_' and '.', starting and ending with a letter or "
			"digit, the name at most 63 bytes\n",
			tok);
		return -EINVAL;
	}
	snprintf(b->name, sizeof(b->name), "label_%s", key);
	for (char *p = b->name + 6; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = '_';
	snprintf(b->expr, sizeof(b->expr), "COALESCE(json_extract(pl.labels, '$.\"%s\"'), '')",
		 key);
	return 0;
}

static int parse_by(const char *arg, struct run *r)
{
	char buf[1024], *save = NULL, *tok;
	int nby = 0;

	if (strlen(arg) >= sizeof(buf)) {
		fprintf(stderr, "flightrec metrics: --by is too long\n");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	r->nkby = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct by *b = &r->by[nby];
		int found = 0, kdim = fr_mkube__dim(tok);

		if (kdim >= 0) {
			for (int i = 0; i < r->nkby; i++)
				if (r->kby[i] == kdim)
					kdim = -1;
			if (kdim < 0) {
				fprintf(stderr,
					"flightrec metrics: bad --by '%s': '%s' is repeated\n", arg,
					tok);
				return -EINVAL;
			}
			r->kby[r->nkby++] = kdim;
			continue;
		}
		if (nby == MAX_BY) {
			fprintf(stderr, "flightrec metrics: bad --by '%s': at most %d dimensions\n",
				arg, MAX_BY);
			return -EINVAL;
		}
		if (!strncmp(tok, BY_LABEL, strlen(BY_LABEL))) {
			if (by_label(tok, b))
				return -EINVAL;
			found = 1;
		}
		for (size_t i = 0; !found && i < sizeof(by_dims) / sizeof(by_dims[0]); i++)
			if (!strcmp(tok, by_dims[i].name)) {
				snprintf(b->name, sizeof(b->name), "%s", by_dims[i].name);
				snprintf(b->expr, sizeof(b->expr), "%s", by_dims[i].expr);
				found = 1;
			}
		for (int i = 0; found && i < nby; i++)
			if (!strcmp(r->by[i].name, b->name))
				found = 0;
		if (!found) {
			fprintf(stderr,
				"flightrec metrics: bad --by '%s': '%s' is not a dimension or is "
				"repeated; dimensions are namespace, workload, pod, node, "
				"container, pid, comm, cgroup and label:KEY (ebpf_* families) and "
				"%s (kube_ebpf_* families), each once\n",
				arg, tok, fr_mkube__dim_list());
			return -EINVAL;
		}
		nby++;
	}
	r->nby = nby;
	return 0;
}

static int wanted(const char *families, const char *name)
{
	const size_t n = strlen(name);

	for (const char *p = families; p && *p;) {
		const char *e = strchr(p, ',');
		const size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return !families;
}

/* Compile metric `m` (a metric file's) and run it. */
static int run_um(struct run *r, struct fr_um_metric *m)
{
	char *sql;
	long folded;
	int err = fr_um__compile(r->db, m, r->w.from, r->w.to, &sql);

	if (err)
		return err;
	free((char *)m->fam.sql);
	m->fam.sql = sql;
	r->fam = &m->fam;
	r->um = m;
	err = run_family(r, &m->fam);
	r->um = NULL;
	folded = fr_um__folded();
	if (folded)
		fprintf(stderr,
			"flightrec metrics: warning: %s: %ld label sets past max_label_sets %ld "
			"are "
			"folded into one series labelled __overflow__\n",
			m->fam.name, folded, m->max_label_sets);
	return err;
}

/* The built-in families that --family wants, in name order: the .sql ones
 * and those written as metric files. */
static int run_builtins(struct run *r, struct fr_mfiles *mf, const char *families)
{
	const size_t n = fr_family__count();
	size_t i = 0;
	int j = 0, err = 0;

	while (!err && (i < n || j < mf->builtin.n)) {
		struct fr_family fam;

		if (i < n && (err = fr_family__get(i, &fam)))
			break;
		if (j < mf->builtin.n &&
		    (i == n || strcmp(mf->builtin.m[j].fam.name, fam.name) < 0)) {
			if (wanted(families, mf->builtin.m[j].fam.name))
				err = run_um(r, &mf->builtin.m[j]);
			j++;
			continue;
		}
		r->fam = &fam;
		if (wanted(families, fam.name))
			err = run_family(r, &fam);
		i++;
	}
	return err;
}

/* The options of a run. */
struct metrics_args {
	struct run *r;
	enum fr_metric_format fmt;
	const char *families, *step_arg;
	const char *files[FR_MFILE_MAX];
	int nfiles, only_file;
};

static int option(int c, const char *arg, void *ctx)
{
	struct metrics_args *a = ctx;

	switch (c) {
	case 'w':
		if (!fr_window__parse(arg, &a->r->w.from, &a->r->w.to))
			return 0;
		fprintf(stderr,
			"flightrec metrics: bad --window '%s': expected FROM..TO with RFC 3339 "
			"UTC times (2026-01-15T12:00:00Z) or ns since the epoch, FROM before TO\n",
			arg);
		return -1;
	case 's':
		a->step_arg = arg;
		if (!fr_duration__parse(arg, &a->r->w.step))
			return 0;
		fprintf(stderr,
			"flightrec metrics: bad --step '%s': expected a positive duration such as "
			"10s, 500ms, 1m\n",
			arg);
		return -1;
	case 'b':
		return parse_by(arg, a->r) ? -1 : 0;
	case 'f':
		if (!fr_metric_out__format(arg, &a->fmt))
			return 0;
		fprintf(stderr, "flightrec metrics: bad --format '%s': prom, json or csv\n", arg);
		return -1;
	case 'F':
		a->families = arg; /* checked once the metric files are read */
		return 0;
	case 'm':
		if (a->nfiles == FR_MFILE_MAX) {
			fprintf(stderr, "flightrec metrics: at most %d --file\n", FR_MFILE_MAX);
			return -1;
		}
		a->files[a->nfiles++] = arg;
		return 0;
	case 'o':
		a->only_file = 1;
		return 0;
	case 'H':
		return fr_mhubble__parse(arg, &a->r->hctx) ? -1 : 0;
	default:
		return -1;
	}
}

int fr_cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {{"window", required_argument, NULL, 'w'},
					     {"step", required_argument, NULL, 's'},
					     {"by", required_argument, NULL, 'b'},
					     {"format", required_argument, NULL, 'f'},
					     {"family", required_argument, NULL, 'F'},
					     {"hubble-context", required_argument, NULL, 'H'},
					     {"file", required_argument, NULL, 'm'},
					     {"only-file", no_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct run r = {.w = {FR_TIME_OPEN_FROM, FR_TIME_OPEN_TO, 0}};
	struct metrics_args a = {.r = &r, .fmt = FR_FMT_PROM};
	struct fr_mfiles *mf;
	int64_t rec_from, rec_to;
	int err;

	parse_by("namespace,workload", &r);
	fr_mhubble__parse(FR_MHUBBLE_DEFAULT, &r.hctx);
	err = fr_cli__options(argc, argv, "h", opts, usage, option, &a);
	if (err != FR_CLI_OPERANDS)
		return err;
	if (optind != argc - 1)
		return fr_cli__usage_error("metrics", "expected one DB argument", usage);
	if (a.only_file && !a.nfiles)
		return fr_cli__usage_error("metrics", "--only-file needs --file", usage);
	mf = calloc(1, sizeof(*mf));
	if (!mf)
		return 1;
	err = fr_mfiles__load(mf, a.files, a.nfiles);
	if (!err && fr_mfiles__check_families(mf, a.families)) {
		fr_mfiles__free(mf);
		free(mf);
		return 2; /* a usage error, as any bad option */
	}
	if (!err)
		err = fr_db__open_ro(argv[optind], &r.db);
	if (!err)
		err = fr_metrics__recording_window(r.db, &rec_from, &rec_to);
	if (!err) {
		if (r.w.from == FR_TIME_OPEN_FROM)
			r.w.from = rec_from;
		if (r.w.to == FR_TIME_OPEN_TO)
			r.w.to = rec_to > r.w.from ? rec_to : r.w.from + 1;
		err = register_window(r.db, &r.w);
	}
	if (!err)
		err = fr_mkube__register(r.db, &r.fam);
	if (!err)
		err = fr_mhubble__register(r.db);
	if (!err)
		err = fr_um__register(r.db);
	/* an empty window (--window ..T before the recording) has no steps */
	if (!err && r.w.step > 0 && r.w.to > r.w.from &&
	    (uint64_t)(r.w.to - r.w.from - 1) / (uint64_t)r.w.step >= MAX_STEPS) {
		fprintf(stderr,
			"flightrec metrics: --step %s gives more than %d points per series over "
			"the %.0f s window; choose a larger --step or a shorter --window\n",
			a.step_arg, MAX_STEPS, (double)(r.w.to - r.w.from) / 1e9);
		err = -E2BIG;
	}
	if (!err) {
		r.out = fr_metric_out__new(a.fmt, stdout, r.w.step > 0, r.w.from, r.w.to, r.w.step);
		err = r.out ? 0 : -ENOMEM;
	}
	if (!err && !a.only_file)
		err = run_builtins(&r, mf, a.families);
	for (int i = 0; !err && i < mf->nuser; i++)
		for (int j = 0; !err && j < mf->user[i].n; j++)
			if (wanted(a.families, mf->user[i].m[j].fam.name))
				err = run_um(&r, &mf->user[i].m[j]);
	if (!err)
		err = fr_metric_out__finish(r.out);
	fr_metric_out__free(r.out);
	fr_db__close(r.db);
	fr_mfiles__free(mf);
	free(mf);
	return err ? 1 : 0;
}
