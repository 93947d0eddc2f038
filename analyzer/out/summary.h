/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reads a whole segment and summarizes it: header facts, time range, block
 * and record counts per kind, byte counts, torn tail and every damage found
 * (offset and message), and the recorder's statistics records summed per
 * source and reason (so a loss or a metadata outage shows). Shared by
 * `inspect` and `verify`.
 */
#ifndef FR_ANALYZER_OUT_SUMMARY_H
#define FR_ANALYZER_OUT_SUMMARY_H

#include <stdint.h>

#include "format/kinds.h"
#include "format/reader.h"

#define FR_SUMMARY_MAX_ERRORS  16
#define FR_SUMMARY_MAX_STATS   32
#define FR_SUMMARY_MAX_MARKERS 32
#define FR_SUMMARY_MARKER_TEXT 161 /* shown; the database holds it whole */

/* recorder_stats records of one source and reason, summed. */
struct fr_summary_stat {
	char source[32], reason[32];
	uint64_t records, seen, lost;
	uint64_t first_ns, last_ns; /* record clock: the earliest first, the latest last */
};

/* A marker record (flightrec mark): its time and the start of its text. */
struct fr_summary_marker {
	uint64_t ts_ns; /* record clock */
	char text[FR_SUMMARY_MARKER_TEXT];
	int cut; /* the text was longer */
};

struct fr_seg_summary {
	const char *path;
	int open_err; /* -errno when the segment could not be opened */
	struct fr_segment_info info;
	struct fr_reader_stats st;
	uint64_t kind_counts[FR_KIND_MAX];
	uint64_t unknown_kinds; /* records of kinds this build does not know */
	uint64_t bad_payloads;	/* schema payloads that do not decode */
	uint64_t errors;	/* all damage reports, including those not kept */
	struct fr_diag err[FR_SUMMARY_MAX_ERRORS];
	struct fr_summary_stat stats[FR_SUMMARY_MAX_STATS];
	unsigned nstats, more_stats; /* more_stats: pairs that did not fit */
	struct fr_summary_marker markers[FR_SUMMARY_MAX_MARKERS];
	unsigned nmarkers, more_markers;
};

/* Return: 0 when the segment was read to its end (damage is in the
 * summary), -errno when it could not be opened (open_err, err[0]). */
int fr_seg_summary__read(struct fr_seg_summary *s, const char *path);

/* Wall-clock UTC ns of a record timestamp, from the header's clock pair. */
uint64_t fr_seg_summary__wall(const struct fr_segment_info *in, uint64_t boot_ns);

/* "2026-11-22T03:04:05.123456789Z" into buf (at least 32 bytes). */
void fr_format_utc(uint64_t wall_ns, char *buf, unsigned long cap);

#endif /* FR_ANALYZER_OUT_SUMMARY_H */
