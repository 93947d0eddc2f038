/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --hubble-jsonpb FILE|-: the line stream of `hubble observe -o jsonpb` or
 * of the Cilium flow exporter's files, into the Hubble sink.
 *
 * A file is followed like `tail -F`: read to its end, then wait (inotify
 * on its directory, and a short poll as a fallback) for appended data;
 * when it is renamed or replaced (the exporter rotates: rename to a
 * backup, create a new file) the old one is read to its end and the new
 * one opened from 0; when it is truncated, reading restarts at 0. "-"
 * reads stdin until EOF. A partial last line waits for its newline (at
 * the EOF of stdin it is taken as it is). Lines over FR_HUBBLE_MAX_MSG are
 * skipped to the next newline; lines that do not parse as a
 * GetFlowsResponse are reported on stderr with file and line number (the
 * first 10, then a summary every 10 000) and counted as "bad_line": never
 * fatal. Blank lines are ignored.
 *
 * A good line is offered as FR_KIND_HUBBLE_FLOW_PB (the re-encoded
 * response) when the conversion lost nothing (no unknown key, no unknown
 * enum name), else as FR_KIND_HUBBLE_FLOW_JSON with the line as received,
 * at the CLOCK_BOOTTIME of its read, with the decoded flow. An optional
 * filter (hubble_filter.h) decides first; its counts are the caller's to
 * write. Leave it NULL when the sink filters (the Hubble source's does).
 */
#ifndef FR_RECORDER_HUBBLE_JSONPB_H
#define FR_RECORDER_HUBBLE_JSONPB_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

struct fr_hubble_sink;
struct fr_hubble_filter;

struct fr_hubble_jsonpb_opts {
	const char *path;		 /* a file, or "-" for stdin */
	struct fr_hubble_filter *filter; /* borrowed; NULL: keep all */
	unsigned poll_ms;		 /* wait at EOF between checks; 0: 200 */
	FILE *log;			 /* reports; NULL: stderr */
};

struct fr_hubble_jsonpb_stats {
	uint64_t lines;	   /* newline-terminated (or final) lines read, blank ones included */
	uint64_t blank;	   /* empty or white-space only */
	uint64_t pb;	   /* offered as FR_KIND_HUBBLE_FLOW_PB */
	uint64_t json;	   /* offered as FR_KIND_HUBBLE_FLOW_JSON */
	uint64_t skipped;  /* the filter said no */
	uint64_t bad_line; /* did not parse (too_long included) */
	uint64_t too_long; /* over FR_HUBBLE_MAX_MSG */
	uint64_t refused;  /* the sink did not take it (it counts why) */
	uint64_t reopened; /* rotations and truncations followed */
	uint64_t bytes;	   /* bytes read */
};

struct fr_hubble_jsonpb;

/* Return: an input (the file need not exist yet), or NULL with errno
 * (EINVAL: no path; ENOMEM). Nothing is opened before run. */
struct fr_hubble_jsonpb *fr_hubble_jsonpb__new(const struct fr_hubble_jsonpb_opts *opts);

/*
 * Reads and offers lines until *stop is true (checked at least every
 * poll_ms) or, for stdin, until its EOF. Return: 0; the sink's -errno when
 * an offer failed (recording must stop); or -errno when stdin cannot be
 * read (a file's errors are logged once and retried, a missing file is
 * waited for).
 */
int fr_hubble_jsonpb__run(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink,
			  const atomic_bool *stop);

/* Return: the counts so far (borrowed; read them after run returned, or
 * from run's thread). */
const struct fr_hubble_jsonpb_stats *fr_hubble_jsonpb__stats(const struct fr_hubble_jsonpb *in);

void fr_hubble_jsonpb__free(struct fr_hubble_jsonpb *in);

#endif /* FR_RECORDER_HUBBLE_JSONPB_H */
