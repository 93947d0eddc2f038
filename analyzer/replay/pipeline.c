/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Segments are loaded ordered by (host, seq, clock pair, path), whatever the
 * order of the command line, so the database content depends on the input
 * only. Node ids follow host names in sorted order.
 */
#include "analyzer/replay/pipeline.h"
#include "analyzer/attr/ident.h"
#include "analyzer/db/db.h"
#include "analyzer/replay/loader.h"
#include "analyzer/replay/meta.h"
#include "format/kinds.h"
#include "format/reader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct seg {
	const char *path;
	struct fr_reader *r;
	const struct fr_segment_info *info;
	uint32_t node;
};

/* One replay, while its stages run. */
struct replay {
	const char *kube_snapshot;
	sqlite3 *db;
	sqlite3_stmt *err_ins;
	int ignore_errors, progress;
	uint64_t errors, records;
	struct seg *segs;
	size_t nsegs;
	struct fr_loader *l;
};

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	int c = strcmp(x->info->host, y->info->host);

	if (c)
		return c;
	if (x->info->seq != y->info->seq)
		return x->info->seq < y->info->seq ? -1 : 1;
	if (x->info->wall_ns != y->info->wall_ns)
		return x->info->wall_ns < y->info->wall_ns ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int record_problem(struct replay *rp, const char *path, uint64_t offset, int err,
			  const char *msg)
{
	if (!rp->err_ins)
		return 0; /* before the database exists: printed, counted below */
	sqlite3_bind_text(rp->err_ins, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(rp->err_ins, 2, (int64_t)offset);
	sqlite3_bind_text(rp->err_ins, 3, strerror(-err), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(rp->err_ins, 4, msg, -1, SQLITE_TRANSIENT);
	err = sqlite3_step(rp->err_ins) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_reset(rp->err_ins);
	return err;
}

/* Report a problem in a file. Fatal unless --ignore-errors, which records it. */
static int problem(struct replay *rp, const char *path, uint64_t offset, int err, const char *msg)
{
	fprintf(stderr, "flightrec: replay: %s: offset %" PRIu64 ": %s%s\n", path, offset, msg,
		rp->ignore_errors ? " (skipped)" : "");
	rp->errors++;
	return rp->ignore_errors ? record_problem(rp, path, offset, err, msg) : err;
}

/* Hubble records that did not decode are kept (hubble_bad_record), so never
 * fatal: one line per segment says how many and why the first failed. */
static int hubble_problems(struct replay *rp, struct fr_loader *l, const struct seg *s)
{
	uint64_t seq, block;
	const char *why;
	const uint64_t n = fr_loader__hubble_bad(l, &seq, &block, &why);
	char msg[320];

	if (!n)
		return 0;
	snprintf(msg, sizeof(msg),
		 "%" PRIu64 " Hubble records do not decode, kept in hubble_bad_record "
		 "(first: record %" PRIu64 ": %s)",
		 n, seq, why);
	fprintf(stderr, "flightrec: replay: %s: offset %" PRIu64 ": %s (skipped)\n", s->path, block,
		msg);
	rp->errors++;
	return record_problem(rp, s->path, block, -EBADMSG, msg);
}

static int insert_segment(struct replay *rp, uint32_t id, const struct seg *s)
{
	static const char sql[] =
		"INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	struct fr_reader_stats st;
	sqlite3_stmt *ins;
	int err;

	fr_reader__stats(s->r, &st);
	if (fr_db__prepare(rp->db, sql, &ins, "segments"))
		return -EIO;
	const int64_t v[] = {id,
			     s->node,
			     0,
			     0,
			     0,
			     0,
			     s->info->version,
			     (int64_t)s->info->seq,
			     (int64_t)s->info->boot_ns,
			     (int64_t)s->info->wall_ns,
			     (int64_t)st.records,
			     (int64_t)st.blocks_ok,
			     (int64_t)st.blocks_bad,
			     (int64_t)st.torn_offset,
			     (int64_t)st.torn_bytes,
			     st.has_index,
			     (int64_t)st.ts_min,
			     (int64_t)st.ts_max};

	for (int i = 0; i < 18; i++)
		sqlite3_bind_int64(ins, i + 1, v[i]);
	sqlite3_bind_text(ins, 3, s->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 4, s->info->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 5, s->info->kernel, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, s->info->recorder, -1, SQLITE_STATIC);
	err = sqlite3_step(ins) == SQLITE_DONE ? 0 : -EIO;
	if (err)
		fprintf(stderr, "flightrec: replay: segments: %s\n", sqlite3_errmsg(rp->db));
	sqlite3_finalize(ins);
	return err;
}

static int load_segment(struct replay *rp, struct fr_loader *l, uint32_t id, struct seg *s)
{
	struct fr_record rec;
	struct fr_reader_stats st;
	int rc, err = 0;

	fr_loader__segment(l, s->node, id, s->info);
	while ((rc = fr_reader__next(s->r, &rec)) != 0) {
		if (rc < 0) {
			const struct fr_diag *d = fr_reader__diag(s->r);

			err = fr_loader__sync(l); /* problem() writes on this thread */
			if (!err)
				err = problem(rp, s->path, d->offset, rc, d->msg);
			if (err)
				return err;
			continue;
		}
		err = fr_loader__record(l, &rec);
		if (err == -EBADMSG) {
			char msg[160];
			const char *kn = fr_kind__name(rec.kind);

			snprintf(msg, sizeof(msg),
				 "record of kind %s (%u) at ts %" PRIu64
				 " does not decode (block offset)",
				 kn ? kn : "?", rec.kind, rec.ts_ns);
			err = fr_loader__sync(l);
			if (!err)
				err = problem(rp, s->path, rec.block_offset, -EBADMSG, msg);
		}
		if (err)
			return err;
		if (rp->progress && !(++rp->records & ((1u << 20) - 1)))
			fprintf(stderr, "\rreplay: %" PRIu64 " M records", rp->records >> 20);
	}
	fr_reader__stats(s->r, &st);
	if (st.torn_bytes)
		fprintf(stderr,
			"flightrec: replay: %s: offset %" PRIu64 ": torn tail of %" PRIu64
			" bytes dropped\n",
			s->path, st.torn_offset, st.torn_bytes);
	err = fr_loader__end_segment(l); /* synced: this thread may write */
	if (!err)
		err = hubble_problems(rp, l, s);
	return err ? err : insert_segment(rp, id, s);
}

static int insert_nodes(struct replay *rp, struct seg *segs, size_t n)
{
	sqlite3_stmt *ins;
	uint32_t node = 0;
	int err = 0;

	if (fr_db__prepare(rp->db, "INSERT INTO nodes VALUES (?,?)", &ins, "nodes"))
		return -EIO;
	for (size_t i = 0; i < n && !err; i++) {
		if (!i || strcmp(segs[i].info->host, segs[i - 1].info->host)) {
			sqlite3_bind_int64(ins, 1, ++node);
			sqlite3_bind_text(ins, 2, segs[i].info->host, -1, SQLITE_STATIC);
			err = sqlite3_step(ins) == SQLITE_DONE ? 0 : -EIO;
			sqlite3_reset(ins);
		}
		segs[i].node = node;
	}
	sqlite3_finalize(ins);
	return err;
}

/* Every record into its rows; what is still alive ends with the recording. */
static int stage_rows(struct replay *rp)
{
	int err;

	err = insert_nodes(rp, rp->segs, rp->nsegs);
	if (!err)
		err = fr_loader__new(rp->db, &rp->l);
	for (size_t i = 0; i < rp->nsegs && !err; i++)
		err = load_segment(rp, rp->l, (uint32_t)i + 1, &rp->segs[i]);
	if (!err)
		err = fr_loader__finish(rp->l);
	if (!err)
		err = fr_loader__write_info(rp->l);
	if (rp->progress)
		fprintf(stderr, "\rreplay: %" PRIu64 " records loaded, building tables\n",
			rp->records);
	return err;
}

/* --kube-snapshot: one more snapshot record, at the recording's start
 * (its first segment or metadata record), ordered before that instant's
 * others (segment 0), of the first node. */
static int add_kube_snapshot(struct replay *rp)
{
	static const char sql[] =
		"INSERT INTO meta_record SELECT MIN(COALESCE((SELECT MIN(ts) FROM meta_record), "
		"(SELECT MIN(wall_ns) FROM segments)), (SELECT MIN(wall_ns) FROM segments)), "
		"(SELECT MIN(node) FROM nodes), 0, 0, 'meta_snapshot', ?";
	sqlite3_stmt *ins;
	int err;

	if (fr_db__prepare(rp->db, sql, &ins, "meta_record"))
		return -EIO;
	sqlite3_bind_text(ins, 1, rp->kube_snapshot, -1, SQLITE_STATIC);
	err = sqlite3_step(ins) == SQLITE_DONE ? 0 : -EIO;
	if (err)
		fprintf(stderr, "flightrec: replay: --kube-snapshot: %s\n", sqlite3_errmsg(rp->db));
	sqlite3_finalize(ins);
	return err;
}

static int stage_metadata(struct replay *rp)
{
	const int err = rp->kube_snapshot ? add_kube_snapshot(rp) : 0;

	return err ? err : fr_meta__build(rp->db, rp->ignore_errors);
}

static int stage_post_load(struct replay *rp)
{
	return fr_db__exec_embedded(rp->db, "post_load.sql");
}

/* Connections to pods in C; pod_ip_at() for the SQL after (drops). */
static int stage_attribution(struct replay *rp)
{
	const int err = fr_loader__attribute_conns(rp->l);

	return err ? err : fr_ident__register(rp->db);
}

static int stage_post_attr(struct replay *rp)
{
	return fr_db__exec_embedded(rp->db, "post_attr.sql");
}

static int stage_commit(struct replay *rp)
{
	return fr_db__exec(rp->db, "COMMIT", "commit");
}

/* The replay's phases, in order: each reads what the ones before wrote. */
static const struct stage {
	const char *name;
	int (*run)(struct replay *rp);
} stages[] = {
	{"rows", stage_rows},
	{"metadata", stage_metadata},
	{"post-load SQL", stage_post_load},
	{"attribution", stage_attribution},
	{"post-attribution SQL", stage_post_attr},
	{"commit", stage_commit},
};

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run_stages(struct replay *rp)
{
	const char *env = getenv("FR_REPLAY_TIMING");
	const int timing = env && !strcmp(env, "1");
	int err = 0;

	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]) && !err; i++) {
		const double t0 = timing ? seconds() : 0;

		err = stages[i].run(rp);
		if (timing)
			fprintf(stderr, "flightrec: replay: %-20s %8.3f s\n", stages[i].name,
				seconds() - t0);
	}
	fr_loader__free(rp->l);
	rp->l = NULL;
	return err;
}

static int open_inputs(struct replay *rp, char *const *paths, size_t npaths, struct seg *segs,
		       size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < npaths; i++) {
		struct fr_diag d = {0};
		struct fr_reader *r;
		const int err = fr_reader__open(paths[i], &r, &d);

		if (err) {
			const int perr = problem(rp, paths[i], d.offset, err,
						 d.msg[0] ? d.msg : strerror(-err));

			if (perr)
				return perr;
			continue;
		}
		segs[*n] = (struct seg){paths[i], r, fr_reader__info(r), 0};
		(*n)++;
	}
	qsort(segs, *n, sizeof(*segs), seg_cmp);
	return 0;
}

int fr_pipeline__run(sqlite3 *db, char *const *paths, size_t n, const struct fr_pipeline_opts *o,
		     uint64_t *problems)
{
	struct replay rp = {.db = db,
			    .ignore_errors = o->ignore_errors,
			    .progress = o->progress,
			    .kube_snapshot = o->kube_snapshot};
	int err;

	rp.segs = calloc(n ? n : 1, sizeof(*rp.segs));
	err = rp.segs ? 0 : -ENOMEM;
	/* the database exists first so that skipped inputs can be recorded */
	if (!err)
		err = fr_db__exec(db, "BEGIN", "begin");
	if (!err)
		err = fr_db__prepare(db, "INSERT INTO replay_errors VALUES (?,?,?,?)", &rp.err_ins,
				     "replay_errors");
	if (!err)
		err = open_inputs(&rp, paths, n, rp.segs, &rp.nsegs);
	if (!err && !rp.nsegs) {
		fprintf(stderr, "flightrec: replay: no readable segment\n");
		err = -ENODATA;
	}
	if (!err)
		err = run_stages(&rp);
	sqlite3_finalize(rp.err_ins);
	for (size_t i = 0; i < rp.nsegs; i++)
		fr_reader__close(rp.segs[i].r);
	free(rp.segs);
	*problems = rp.errors;
	return err;
}
