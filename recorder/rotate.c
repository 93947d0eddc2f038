/* SPDX-License-Identifier: BSD-2-Clause */
#include "rotate.h"

#include <errno.h>
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

struct fr_rotor {
	struct fr_rotor_opts opts;
	char *dir;
	struct fr_writer *w;
	char path[PATH_MAX];
	uint64_t seq;		      /* of the active segment */
	uint64_t opened_ns;	      /* CLOCK_BOOTTIME */
	struct fr_rotor_stats sealed; /* totals of segments already closed */
};

/* Continue after the highest sequence number already in the directory. */
static int next_seq(const char *dir, uint64_t *seq)
{
	struct fr_ring_list l;
	const int err = fr_ring__list(dir, &l);

	if (err)
		return err;
	*seq = fr_ring__next_seq(&l);
	fr_ring_list__free(&l);
	return 0;
}

static void account_closed(struct fr_rotor *r, const struct fr_writer *w)
{
	struct fr_writer_stats st;

	fr_writer__stats(w, &st);
	r->sealed.records += st.records;
	r->sealed.file_bytes += st.file_bytes;
	r->sealed.records_dropped += st.records_dropped;
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
				    .fsync_ms = 5000};
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

int fr_rotor__open(const struct fr_rotor_opts *opts, struct fr_rotor **out)
{
	struct fr_rotor *r;
	bool others_read;
	int err;

	err = fr_rotor__prepare_dir(opts->dir, &others_read);
	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->opts = *opts;
	r->dir = strdup(opts->dir);
	err = r->dir ? next_seq(r->dir, &r->seq) : -ENOMEM;
	err = err ?: open_segment(r, r->seq, &r->w, r->path, sizeof(r->path));
	if (err) {
		free(r->dir);
		free(r);
		return err;
	}
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

int fr_rotor__rotate(struct fr_rotor *r)
{
	struct fr_writer *next;
	char path[PATH_MAX];
	int err;

	err = open_segment(r, r->seq + 1, &next, path, sizeof(path));
	if (err)
		return err; /* keep recording into the current segment */
	err = fr_writer__seal(r->w);
	account_closed(r, r->w);
	fr_writer__free(r->w);
	r->w = next;
	r->seq++;
	r->sealed.segments++;
	r->opened_ns = fr_clock__boot_ns();
	memcpy(r->path, path, sizeof(path));
	return err;
}

/* Delete the oldest sealed segments beyond the ring's size or age bound. */
static void enforce_retention(struct fr_rotor *r)
{
	const struct fr_ring_bounds b = {.max_bytes = r->opts.ring_max_bytes,
					 .max_age_ns = r->opts.ring_max_age_ns};

	/* a failed unlink is retried at the next check */
	fr_ring__enforce(r->dir, strrchr(r->path, '/') + 1, &b, &r->sealed.segments_deleted,
			 &r->sealed.bytes_deleted);
}

int fr_rotor__check(struct fr_rotor *r, uint64_t now_boot_ns)
{
	struct fr_writer_stats st;
	int rotated = 0;

	fr_writer__stats(r->w, &st);
	if ((r->opts.max_bytes && st.file_bytes + st.pending_bytes >= r->opts.max_bytes) ||
	    (r->opts.max_age_ns && now_boot_ns - r->opened_ns >= r->opts.max_age_ns)) {
		int err = fr_rotor__rotate(r);

		if (err)
			return err;
		rotated = 1;
	}
	enforce_retention(r);
	return rotated;
}

void fr_rotor__stats(const struct fr_rotor *r, struct fr_rotor_stats *st)
{
	struct fr_writer_stats ws;

	*st = r->sealed;
	fr_writer__stats(r->w, &ws);
	st->records += ws.records;
	st->file_bytes += ws.file_bytes;
	st->records_dropped += ws.records_dropped;
	st->write_errors += ws.write_errors;
}

int fr_rotor__close(struct fr_rotor *r, struct fr_rotor_stats *st)
{
	int err;

	if (!r)
		return 0;
	err = fr_writer__seal(r->w);
	if (st)
		fr_rotor__stats(r, st);
	fr_writer__free(r->w);
	free(r->dir);
	free(r);
	return err;
}
