/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Segments are loaded ordered by (host, seq, clock pair, path), whatever the
 * order of the command line, so the database content depends on the input
 * only. Node ids follow host names in sorted order.
 */
#include "analyzer/cmd/replay.h"
#include "analyzer/db/db.h"
#include "analyzer/replay/loader.h"
#include "analyzer/replay/meta.h"
#include "analyzer/attr/podip.h"
#include "analyzer/segset.h"
#include "format/kinds.h"
#include "format/reader.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: flightrec replay [--ignore-errors] [--force] -o OUT.db INPUT...\n"
	"  INPUT is a segment file or a ring directory of *.frseg files.\n"
	"  --ignore-errors  keep what is readable; what was skipped is printed and\n"
	"                   recorded in the replay_errors table\n"
	"  --force          replace OUT.db even when it is not a SQLite database\n"
	"  OUT.db is written under a temporary name and renamed when complete; it\n"
	"  is as private as the inputs (0600, or 0640 when they are group-readable).\n";

struct seg {
	const char *path;
	struct fr_reader *r;
	const struct fr_segment_info *info;
	uint32_t node;
};

struct replay {
	sqlite3 *db;
	sqlite3_stmt *err_ins;
	int ignore_errors, progress;
	uint64_t errors, records;
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

/* Report a problem in a file. Fatal unless --ignore-errors, which records it. */
static int problem(struct replay *rp, const char *path, uint64_t offset, int err, const char *msg)
{
	fprintf(stderr, "flightrec: replay: %s: offset %" PRIu64 ": %s%s\n", path, offset, msg,
		rp->ignore_errors ? " (skipped)" : "");
	rp->errors++;
	if (!rp->ignore_errors)
		return err;
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
	err = fr_loader__end_segment(l);
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

static int load_all(struct replay *rp, struct seg *segs, size_t n)
{
	struct fr_loader *l = NULL;
	int err;

	err = insert_nodes(rp, segs, n);
	if (!err)
		err = fr_loader__new(rp->db, &l);
	for (size_t i = 0; i < n && !err; i++)
		err = load_segment(rp, l, (uint32_t)i + 1, &segs[i]);
	if (!err)
		err = fr_loader__finish(l);
	if (!err)
		err = fr_loader__write_info(l);
	if (rp->progress)
		fprintf(stderr, "\rreplay: %" PRIu64 " records loaded, building tables\n",
			rp->records);
	if (!err)
		err = fr_meta__build(rp->db, rp->ignore_errors);
	if (!err)
		err = fr_db__exec_embedded(rp->db, "post_load.sql");
	if (!err)
		err = fr_loader__attribute_conns(l);
	if (!err)
		err = fr_podip__register(rp->db);
	if (!err)
		err = fr_db__exec_embedded(rp->db, "post_attr.sql");
	if (!err)
		err = fr_db__exec(rp->db, "COMMIT", "commit");
	fr_loader__free(l);
	return err;
}

static int open_inputs(struct replay *rp, const struct fr_segset *set, struct seg *segs, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < set->n; i++) {
		struct fr_diag d = {0};
		struct fr_reader *r;
		const int err = fr_reader__open(set->paths[i], &r, &d);

		if (err) {
			const int perr = problem(rp, set->paths[i], d.offset, err,
						 d.msg[0] ? d.msg : strerror(-err));

			if (perr)
				return perr;
			continue;
		}
		segs[*n] = (struct seg){set->paths[i], r, fr_reader__info(r), 0};
		(*n)++;
	}
	qsort(segs, *n, sizeof(*segs), seg_cmp);
	return 0;
}

static int is_sqlite_file(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	FILE *f = fopen(path, "rbe");
	size_t n = f ? fread(head, 1, sizeof(head), f) : 0;

	if (f)
		fclose(f);
	return n == sizeof(head) && !memcmp(head, magic, sizeof(head));
}

/*
 * What may be replaced: nothing that is an input, a directory, or an
 * existing file that is not a database (unless forced). Also the mode of
 * the new database: no wider than any input's, never world-readable.
 */
static int check_output(const char *out, const struct fr_segset *set, int force, mode_t *mode)
{
	struct stat ob, ib;
	int exists = !stat(out, &ob);

	*mode = 0640;
	for (size_t i = 0; i < set->n; i++) {
		if (stat(set->paths[i], &ib) < 0)
			continue; /* reported when it is opened */
		if (exists && ib.st_dev == ob.st_dev && ib.st_ino == ob.st_ino) {
			fprintf(stderr, "flightrec: replay: -o %s is one of the inputs\n", out);
			return -EINVAL;
		}
		*mode &= ib.st_mode | 0600;
	}
	if (!exists)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(ob.st_mode)) {
		fprintf(stderr, "flightrec: replay: -o %s is a directory\n", out);
		return -EISDIR;
	}
	if (!force && (!S_ISREG(ob.st_mode) || (ob.st_size && !is_sqlite_file(out)))) {
		fprintf(stderr,
			"flightrec: replay: -o %s exists and is not a SQLite database; "
			"--force replaces it\n",
			out);
		return -EEXIST;
	}
	return 0;
}

/* An empty file of `mode` next to `out`, under a name nobody else uses:
 * SQLite then keeps that mode, and rename() makes the result appear whole. */
static int create_tmp(const char *out, mode_t mode, char *tmp, size_t cap)
{
	const char *slash = strrchr(out, '/');
	const int dirlen = slash ? (int)(slash - out + 1) : 0;
	int fd;

	if (snprintf(tmp, cap, "%.*s.flightrec-replay-XXXXXX", dirlen, out) >= (int)cap)
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0 || fchmod(fd, mode) < 0) {
		const int err = -errno;

		fprintf(stderr, "flightrec: replay: cannot create the output next to %s: %s\n", out,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return err;
	}
	close(fd);
	return 0;
}

int fr_cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"ignore-errors", no_argument, NULL, 'i'},
					     {"force", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct replay rp = {0};
	struct fr_segset set = {0};
	struct seg *segs = NULL;
	const char *out = NULL;
	char tmp[4096];
	size_t nsegs = 0;
	int c, err, created = 0, force = 0;
	mode_t mode = 0600;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'i':
			rp.ignore_errors = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!out || optind >= argc) {
		fprintf(stderr, "flightrec replay: %s\n",
			out ? "no INPUT given" : "-o OUT.db is required");
		fputs(usage, stderr);
		return 2;
	}
	rp.progress = isatty(STDERR_FILENO);
	err = fr_segset__collect(&set, argv + optind, argc - optind);
	if (!err && !set.n) {
		fprintf(stderr, "flightrec: replay: no segments in the inputs\n");
		err = -ENOENT;
	}
	segs = err ? NULL : calloc(set.n, sizeof(*segs));
	if (!err && !segs)
		err = -ENOMEM;
	if (!err)
		err = check_output(out, &set, force, &mode);
	if (!err) {
		err = create_tmp(out, mode, tmp, sizeof(tmp));
		created = !err;
	}
	if (!err)
		err = fr_db__create(tmp, &rp.db);
	/* the database exists first so that skipped inputs can be recorded */
	if (!err)
		err = fr_db__exec(rp.db, "BEGIN", "begin");
	if (!err)
		err = fr_db__prepare(rp.db, "INSERT INTO replay_errors VALUES (?,?,?,?)",
				     &rp.err_ins, "replay_errors");
	if (!err)
		err = open_inputs(&rp, &set, segs, &nsegs);
	if (!err && !nsegs) {
		fprintf(stderr, "flightrec: replay: no readable segment\n");
		err = -ENODATA;
	}
	if (!err)
		err = load_all(&rp, segs, nsegs);
	sqlite3_finalize(rp.err_ins);
	fr_db__close(rp.db);
	if (!err && rename(tmp, out)) {
		err = -errno;
		fprintf(stderr, "flightrec: replay: cannot rename %s to %s: %s\n", tmp, out,
			strerror(errno));
	}
	if (err && created)
		unlink(tmp);
	for (size_t i = 0; i < nsegs; i++)
		fr_reader__close(segs[i].r);
	free(segs);
	fr_segset__free(&set);
	if (err) {
		fprintf(stderr, "flightrec: replay failed: %s\n", strerror(-err));
		return 1;
	}
	if (rp.errors)
		fprintf(stderr,
			"flightrec: replay: %" PRIu64
			" problems skipped (see table replay_errors in %s)\n",
			rp.errors, out);
	return 0;
}
