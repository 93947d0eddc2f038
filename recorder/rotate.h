/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Segment rotation in the recording directory: names segments
 * seg-<seq 8 digits>-<boot ns>.frseg, continues the sequence of segments
 * already there, and replaces the active segment when it passes a size or
 * age limit or on request (SIGHUP). The next segment is opened before the
 * old one is sealed, so a failed open keeps the old one recording.
 *
 * Retention: the directory is kept within ring_max_bytes (all segments,
 * the active one included) and ring_max_age_ns (by modification time) by
 * deleting the oldest sealed segments; the active segment is never
 * deleted. The size bound and the free-space floor are checked before
 * every write to the file (the writer's gate), so the ring never passes
 * its bound; segments are capped at a quarter of the bound so that old
 * ones can go. When nothing can go, the write is refused and its records
 * counted as lost ("ring_full", "disk_floor").
 *
 * Recovery: at open, segments of the ring without their index (a crash)
 * are sealed in place (format/recover.h); a seal that fails (disk full)
 * is retried every second; the losses they carry go to the next segment.
 */
#ifndef FR_RECORDER_ROTATE_H
#define FR_RECORDER_ROTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "format/recover.h"
#include "format/writer.h"

struct fr_rotor;

struct fr_rotor_opts {
	const char *dir;
	uint64_t max_bytes;	  /* 0: no size limit */
	uint64_t max_age_ns;	  /* 0: no age limit */
	uint64_t ring_max_bytes;  /* whole directory; 0: unbounded */
	uint64_t ring_max_age_ns; /* sealed segments older than this go; 0: kept */
	size_t block_size;	  /* the writer's block; 0: its default */
	unsigned min_free_pct;	  /* free-space floor of the file system, percent */
	uint64_t min_free_bytes;  /* or bytes; both 0: none */
	/* Called on every new segment before any other record: writes the
	 * records a segment must start with. Return 0 or -errno. */
	int (*on_start)(void *ctx, struct fr_writer *w, uint64_t seq);
	void *ctx;
	/* Told of each segment recovered or found unrecoverable at open and
	 * of each retried seal (err: -errno of the recovery); may be NULL. */
	void (*on_recover)(void *ctx, const char *path, const struct fr_recovery *rec, int err);
};

struct fr_rotor_stats {
	uint64_t segments; /* opened so far */
	uint64_t records;  /* in written blocks, all segments */
	uint64_t file_bytes;
	uint64_t records_dropped; /* write failures and refusals */
	uint64_t bytes_dropped;	  /* their raw bytes */
	uint64_t write_errors;
	uint64_t refusals;	   /* writes refused by the ring's bound or floor */
	uint64_t loss_unwritten;   /* dropped records whose statistics are not on disk yet */
	uint64_t segments_deleted; /* by retention */
	uint64_t bytes_deleted;
	uint64_t segments_recovered; /* sealed after a crash or a failed seal */
	uint64_t torn_bytes;	     /* dropped by recovery */
	uint64_t seal_failures;
};

/* The segment size the rotor rotates at: max_bytes, capped at a quarter of
 * ring_max_bytes. */
uint64_t fr_rotor__segment_limit(const struct fr_rotor_opts *opts);

/* A ring directory made by the recorder: owner and group only. */
#define FR_RING_DIR_MODE 0750

/*
 * Create `dir` (FR_RING_DIR_MODE) if missing and check it: -ENOTDIR for
 * a file, -EPERM when its group or others may write into it (they could
 * delete or replace segments). *others_read tells that every user may
 * list it (segments are still FR_SEGMENT_MODE). Return: 0 or -errno.
 */
int fr_rotor__prepare_dir(const char *dir, bool *others_read);

/* fr_rotor__prepare_dir(), then open the first segment. Return: 0 or -errno. */
int fr_rotor__open(const struct fr_rotor_opts *opts, struct fr_rotor **out);

/* The active writer (changes on rotation: do not keep it). */
struct fr_writer *fr_rotor__writer(struct fr_rotor *r);

/*
 * The active writer, after rotating first when the segment is past its
 * size limit: for a source's per-record sink, which holds no writer and
 * may let the segment-start snapshots run, so that a burst drained at once
 * cannot outgrow the ring between two fr_rotor__check() calls.
 */
struct fr_writer *fr_rotor__writer_rotating(struct fr_rotor *r);

/* Rotate when a limit is passed, then apply retention.
 * Return: 1 rotated, 0 not due, -errno. */
int fr_rotor__check(struct fr_rotor *r, uint64_t now_boot_ns);

/* Seal the active segment and open the next one now. Return: 0 or -errno. */
int fr_rotor__rotate(struct fr_rotor *r);

/* Path of the active segment (borrowed). */
const char *fr_rotor__path(const struct fr_rotor *r);

void fr_rotor__stats(const struct fr_rotor *r, struct fr_rotor_stats *st);

/* Seal the active segment and free; `st` (may be NULL) gets the final
 * totals. Return: 0 or -errno of the seal. Accepts NULL. */
int fr_rotor__close(struct fr_rotor *r, struct fr_rotor_stats *st);

#endif /* FR_RECORDER_ROTATE_H */
