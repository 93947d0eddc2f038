/* SPDX-License-Identifier: BSD-2-Clause */
#include "rotate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/host.h"
#include "format/ring.h"

#define MAX_UNSEALED  16
#define RELIST_NS     1000000000ull /* re-read the directory, retry seals */
#define RING_SEGMENTS 4		    /* a segment is at most 1/4 of the ring */

struct fr_rotor {
	struct fr_rotor_opts opts;
	char *dir;
	int dfd; /* the directory, for fstatvfs */
	struct fr_writer *w;
	char path[PATH_MAX];
	uint64_t seq;	    /* of the active segment */
	uint64_t opened_ns; /* CLOCK_BOOTTIME */
	uint64_t seg_limit;
	uint64_t refusals_seen;	  /* at the last check */
	uint64_t cur_limit;	  /* current_limit() at the last check */
	struct fr_ring_list ring; /* the directory as last listed, kept up to date */
	bool *doomed;
	size_t doomed_cap;
	uint64_t listed_ns;
	char *unsealed[MAX_UNSEALED]; /* seals that failed, retried */
	size_t nunsealed;
	struct fr_rotor_stats sealed; /* totals of segments already closed */
};

uint64_t fr_rotor__segment_limit(const struct fr_rotor_opts *o)
{
	const uint64_t cap = o->ring_max_bytes / RING_SEGMENTS;

	if (o->ring_max_bytes && (!o->max_bytes || o->max_bytes > cap))
		return cap;
	return o->max_bytes;
}

static const char *active_name(const struct fr_rotor *r)
{
	return r->w ? strrchr(r->path, '/') + 1 : NULL;
}

static int relist(struct fr_rotor *r)
{
	struct fr_ring_list l;
	const int err = fr_ring__list(r->dir, &l);

	if (err)
		return err;
	fr_ring_list__free(&r->ring);
	r->ring = l;
	r->listed_ns = fr_clock__boot_ns();
	return 0;
}

static uint64_t floor_bytes(const struct fr_rotor *r, uint64_t fs_size)
{
	if (r->opts.min_free_pct)
		return fs_size / 100 * r->opts.min_free_pct +
		       fs_size % 100 * r->opts.min_free_pct / 100;
	return r->opts.min_free_bytes;
}

/* Bytes short of the free-space floor once `extra` more are written. */
static uint64_t floor_shortfall(const struct fr_rotor *r, uint64_t extra)
{
	uint64_t size, avail, want;

	if (!r->opts.min_free_pct && !r->opts.min_free_bytes)
		return 0;
	if (fr_ring__fs_space(r->dfd, &size, &avail))
		return 0; /* cannot tell: the write itself will say */
	want = floor_bytes(r, size) + extra;
	return avail < want ? want - avail : 0;
}

static uint64_t ring_total(const struct fr_rotor *r)
{
	uint64_t total = 0;

	for (size_t i = 0; i < r->ring.n; i++)
		total += r->ring.e[i].ring_named ? r->ring.e[i].size : 0;
	return total;
}

/*
 * Delete what the bounds say must go before `extra` more bytes are
 * written (with_age: the age bound too). Return: 0 when the bounds hold,
 * or -ENOSPC with *reason when nothing more may go.
 */
static int enforce(struct fr_rotor *r, uint64_t extra, bool with_age, const char **reason)
{
	struct fr_ring_bounds b = {.max_bytes = r->opts.ring_max_bytes,
				   .max_age_ns = with_age ? r->opts.ring_max_age_ns : 0,
				   .pinned = r->opts.pinned,
				   .pin_ctx = r->opts.pin_ctx};
	const char *active = active_name(r);
	struct fr_writer_stats st;
	int64_t now_ns = 0;

	if (!b.max_bytes && !b.max_age_ns && !r->opts.min_free_pct && !r->opts.min_free_bytes)
		return 0;
	/* the active segment as it is now, plus what is about to be written */
	for (size_t i = 0; active && i < r->ring.n; i++)
		if (!strcmp(r->ring.e[i].name, active)) {
			fr_writer__stats(r->w, &st);
			r->ring.e[i].size = st.file_bytes;
		}
	if (b.max_bytes)
		b.max_bytes = b.max_bytes > extra ? b.max_bytes - extra : 1;
	b.free_needed = floor_shortfall(r, extra);
	if (b.max_age_ns) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	if (r->ring.n > r->doomed_cap) {
		bool *d = realloc(r->doomed, r->ring.n * sizeof(*d));

		if (!d)
			return 0; /* next time */
		r->doomed = d;
		r->doomed_cap = r->ring.n;
	}
	/* a failed unlink stays listed and is retried next time */
	if (fr_ring__plan_retention(&r->ring, active, &b, now_ns, r->doomed))
		fr_ring__remove(r->dir, &r->ring, r->doomed, &r->sealed.segments_deleted,
				&r->sealed.bytes_deleted);
	if (r->opts.ring_max_bytes && ring_total(r) + extra > r->opts.ring_max_bytes) {
		*reason = "ring_full";
		return -ENOSPC;
	}
	if (b.free_needed && floor_shortfall(r, extra)) {
		*reason = "disk_floor";
		return -ENOSPC;
	}
	return 0;
}

/* The writer's gate: every write to a segment of the ring passes here. */
static int gate(void *ctx, uint64_t len, const char **reason)
{
	struct fr_rotor *r = ctx;
	const int err = enforce(r, len, false, reason);

	if (err)
		r->sealed.refusals++;
	return err;
}

static void account_closed(struct fr_rotor *r, const struct fr_writer *w)
{
	struct fr_writer_stats st;

	fr_writer__stats(w, &st);
	r->sealed.records += st.records;
	r->sealed.file_bytes += st.file_bytes;
	r->sealed.records_dropped += st.records_dropped;
	r->sealed.bytes_dropped += st.bytes_dropped;
	r->sealed.write_errors += st.write_errors;
}

/* Open segment `seq`; the caller swaps it in. */
static int open_segment(struct fr_rotor *r, uint64_t seq, struct fr_writer **out, char *path,
			size_t cap)
{
	/* fsync_ms as the writer's documented default: 0 would sync every block */
	struct fr_writer_opts wo = {.seq = seq,
				    .recorder = "flightrec-record 0.1.0",
				    .block_size = r->opts.block_size,
				    .fsync_ms = 5000,
				    .gate = gate,
				    .gate_ctx = r,
				    /* the kernel pump writes every kernel address
				     * through fr_pump__hide_kptr() */
				    .flags = FR_SEG_KADDR_HIDDEN};
	struct fr_writer *w;
	char name[64];
	int err, n;

	fr_clock_pair__sample(&wo.boot_ns, &wo.wall_ns);
	err = fr_ring__name(name, sizeof(name), seq, wo.boot_ns);
	n = snprintf(path, cap, "%s/%s", r->dir, name);
	if (err || n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	err = fr_writer__open(path, &wo, &w);
	if (err)
		return err;
	err = r->opts.on_start ? r->opts.on_start(r->opts.ctx, w, seq) : 0;
	if (err) {
		fr_writer__free(w);
		remove(path);
		return err;
	}
	*out = w;
	return 0;
}

int fr_rotor__prepare_dir(const char *dir, bool *others_read)
{
	struct stat sb;

	*others_read = false;
	if (!dir || !*dir)
		return -EINVAL;
	if (mkdir(dir, FR_RING_DIR_MODE) < 0 && errno != EEXIST)
		return -errno;
	if (stat(dir, &sb) < 0)
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return -ENOTDIR;
	/* whoever may write here may delete, swap or plant segments */
	if (sb.st_mode & (S_IWGRP | S_IWOTH))
		return -EPERM;
	*others_read = (sb.st_mode & (S_IROTH | S_IXOTH)) != 0;
	return 0;
}

static void told(struct fr_rotor *r, const char *path, const struct fr_recovery *rec, int err)
{
	if (r->opts.on_recover)
		r->opts.on_recover(r->opts.ctx, path, rec, err);
}

/* Seal what a crash or a failed seal left without its index. Return: the
 * torn bytes dropped, for the statistics of the next segment. */
static uint64_t recover_ring(struct fr_rotor *r)
{
	uint64_t torn = 0;
	char path[PATH_MAX];

	for (size_t i = 0; i < r->ring.n; i++) {
		const struct fr_ring_entry *e = &r->ring.e[i];
		struct fr_recovery rec;
		int err, n;

		if (!e->ring_named)
			continue; /* a user's file: not ours to rewrite */
		n = snprintf(path, sizeof(path), "%s/%s", r->dir, e->name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		err = fr_segment__recover(path, &rec);
		/* killed before its header was whole: nothing in it to keep */
		if (err == -ENODATA && unlink(path) == 0) {
			memset(&rec, 0, sizeof(rec));
			rec.torn_bytes = e->size;
			err = 0;
		}
		if (!err && rec.was_sealed)
			continue;
		if (!err) {
			r->sealed.segments_recovered++;
			r->sealed.torn_bytes += rec.torn_bytes;
			torn += rec.torn_bytes;
		}
		told(r, path, &rec, err);
	}
	return torn;
}

int fr_rotor__open(const struct fr_rotor_opts *opts, struct fr_rotor **out)
{
	struct fr_rotor *r;
	bool others_read;
	uint64_t torn = 0;
	const char *why;
	int err;

	err = fr_rotor__prepare_dir(opts->dir, &others_read);
	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->opts = *opts;
	r->seg_limit = fr_rotor__segment_limit(opts);
	r->dir = strdup(opts->dir);
	r->dfd = r->dir ? open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	err = !r->dir ? -ENOMEM : r->dfd < 0 ? -errno : relist(r);
	if (!err) {
		torn = recover_ring(r);
		err = relist(r);
	}
	if (!err) {
		r->seq = fr_ring__next_seq(&r->ring);
		/* room for the new segment before it is created */
		enforce(r, 0, true, &why);
		err = open_segment(r, r->seq, &r->w, r->path, sizeof(r->path));
	}
	if (err) {
		fr_rotor__close(r, NULL);
		return err;
	}
	if (torn)
		fr_writer__add_loss(r->w, "recorder", "torn_tail", torn, 0, 0);
	relist(r);
	r->opened_ns = fr_clock__boot_ns();
	r->sealed.segments = 1;
	*out = r;
	return 0;
}

struct fr_writer *fr_rotor__writer(struct fr_rotor *r)
{
	return r->w;
}

const char *fr_rotor__path(const struct fr_rotor *r)
{
	return r->path;
}

const char *fr_rotor__active_name(const struct fr_rotor *r)
{
	return active_name(r);
}

static void remember_unsealed(struct fr_rotor *r, const char *path)
{
	char *copy = r->nunsealed < MAX_UNSEALED ? strdup(path) : NULL;

	/* beyond that, the next run's recovery seals it */
	if (copy)
		r->unsealed[r->nunsealed++] = copy;
}

/* Retry the seals that failed: the disk may have room again. */
static void retry_seals(struct fr_rotor *r)
{
	size_t kept = 0;

	for (size_t i = 0; i < r->nunsealed; i++) {
		struct fr_recovery rec;
		const int err = fr_segment__recover(r->unsealed[i], &rec);

		if (err == -ENOSPC || err == -EDQUOT || err == -EIO) {
			r->unsealed[kept++] = r->unsealed[i];
			continue;
		}
		if (!err && !rec.was_sealed) {
			r->sealed.segments_recovered++;
			r->sealed.torn_bytes += rec.torn_bytes;
			if (rec.torn_bytes)
				fr_writer__add_loss(r->w, "recorder", "torn_tail", rec.torn_bytes,
						    0, 0);
		}
		told(r, r->unsealed[i], &rec, err);
		free(r->unsealed[i]);
	}
	r->nunsealed = kept;
}

int fr_rotor__rotate(struct fr_rotor *r)
{
	struct fr_writer *next;
	char path[PATH_MAX];
	int err;

	err = open_segment(r, r->seq + 1, &next, path, sizeof(path));
	if (err)
		return err; /* keep recording into the current segment */
	err = fr_writer__seal(r->w);
	if (err) {
		r->sealed.seal_failures++;
		remember_unsealed(r, r->path);
	}
	account_closed(r, r->w);
	/* what the old segment could not write goes into the new one */
	fr_writer__carry_losses(next, r->w);
	fr_writer__free(r->w);
	r->w = next;
	r->seq++;
	r->sealed.segments++;
	r->opened_ns = fr_clock__boot_ns();
	memcpy(r->path, path, sizeof(path));
	relist(r);
	return err;
}

/* The segment size now: a quarter of what the ring may hold, which the
 * free-space floor can make smaller than the configured one. */
static uint64_t current_limit(const struct fr_rotor *r)
{
	uint64_t size, avail, room, limit = r->seg_limit;

	if ((!r->opts.min_free_pct && !r->opts.min_free_bytes) ||
	    fr_ring__fs_space(r->dfd, &size, &avail))
		return limit;
	room = ring_total(r) + (avail > floor_bytes(r, size) ? avail - floor_bytes(r, size) : 0);
	return !limit || room / RING_SEGMENTS < limit ? room / RING_SEGMENTS : limit;
}

int fr_rotor__check(struct fr_rotor *r, uint64_t now_boot_ns)
{
	struct fr_writer_stats st;
	const char *why;
	uint64_t limit = current_limit(r);
	int rotated = 0;

	r->cur_limit = limit;
	fr_writer__stats(r->w, &st);
	/* a segment holds some data beyond its start records before it goes
	 * for size, or a snapshot bigger than the limit would rotate forever;
	 * a refused write with nothing left to delete rotates, so that the
	 * active segment can go next */
	if ((limit && st.blocks >= 2 && st.file_bytes + st.pending_bytes >= limit) ||
	    (st.blocks >= 2 && r->sealed.refusals != r->refusals_seen) ||
	    (r->opts.max_age_ns && now_boot_ns - r->opened_ns >= r->opts.max_age_ns)) {
		int err = fr_rotor__rotate(r);

		if (err)
			return err;
		rotated = 1;
	}
	r->refusals_seen = r->sealed.refusals;
	if (now_boot_ns - r->listed_ns >= RELIST_NS) {
		retry_seals(r);
		relist(r); /* files others removed or copied in */
		enforce(r, 0, true, &why);
	} else {
		enforce(r, 0, false, &why);
	}
	return rotated;
}

struct fr_writer *fr_rotor__writer_rotating(struct fr_rotor *r)
{
	struct fr_writer_stats st;
	const uint64_t limit = r->cur_limit ? r->cur_limit : r->seg_limit;

	if (!limit)
		return r->w;
	fr_writer__stats(r->w, &st);
	/* a failed rotation keeps the current segment; the gate still holds */
	if (st.blocks >= 2 && st.file_bytes + st.pending_bytes >= limit)
		fr_rotor__rotate(r);
	return r->w;
}

void fr_rotor__stats(const struct fr_rotor *r, struct fr_rotor_stats *st)
{
	struct fr_writer_stats ws;

	*st = r->sealed;
	if (!r->w)
		return;
	fr_writer__stats(r->w, &ws);
	st->records += ws.records;
	st->file_bytes += ws.file_bytes;
	st->records_dropped += ws.records_dropped;
	st->bytes_dropped += ws.bytes_dropped;
	st->write_errors += ws.write_errors;
	st->loss_unwritten = ws.loss_unwritten;
}

int fr_rotor__close(struct fr_rotor *r, struct fr_rotor_stats *st)
{
	int err = 0;

	if (!r)
		return 0;
	if (r->w) {
		err = fr_writer__seal(r->w);
		if (err)
			r->sealed.seal_failures++;
	}
	if (st)
		fr_rotor__stats(r, st);
	fr_writer__free(r->w);
	for (size_t i = 0; i < r->nunsealed; i++)
		free(r->unsealed[i]);
	fr_ring_list__free(&r->ring);
	free(r->doomed);
	if (r->dfd >= 0)
		close(r->dfd);
	free(r->dir);
	free(r);
	return err;
}
