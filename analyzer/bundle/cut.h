/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cuts one segment to a wall-clock window into a new segment that stands
 * alone: the same header (host, boot id, kernel, recorder, clock pair), then
 * the state records from before the window that a replay of the window
 * needs (clock syncs, name tables, family status, metadata snapshot and
 * changes, process lifecycle, TCP opens and closes), then every record of
 * the window widened by `margin_ns`, each through the redactor. Reading goes
 * through format/reader.h, so only complete, checksummed blocks are taken:
 * a segment the recorder is still writing is read up to its last complete
 * block.
 */
#ifndef FR_ANALYZER_BUNDLE_CUT_H
#define FR_ANALYZER_BUNDLE_CUT_H

#include <jansson.h>
#include <stdint.h>

#include "analyzer/bundle/redact.h"
#include "format/reader.h"

struct fr_cut_result {
	struct fr_segment_info info;
	uint64_t records;	       /* written */
	uint64_t state_records;	       /* of those, from before the window */
	uint64_t bad_blocks;	       /* damaged blocks skipped */
	int64_t first_wall, last_wall; /* window records, wall ns (first > last: none) */
	int snapshot;		       /* a metadata snapshot was shipped */
	uint64_t bytes;		       /* size of the new segment */
	uint64_t blocks;	       /* in the new segment */
	uint64_t blocks_copied;	       /* of those, copied as stored (not recompressed) */
	char sha256[65];	       /* of the new segment as it goes in the bundle */
	const char *kernel_pointers;   /* what was done with them (fr_redact__segment) */
	/* Frames placed, not written (fr_writer__place_frame): the segment
	 * has at `at` the `len` bytes of src_fd at `src`, the file does not
	 * (fr_cut__read puts them back). */
	struct fr_cut_ref {
		uint64_t at, src, len;
	} * refs;
	size_t nrefs;
	int src_fd; /* the input, open while refs point into it; -1: none */
};

/*
 * Cut `in` to [from, to) (wall ns) into `out` (created 0600, must not exist).
 * A block of the input wholly inside the window whose kinds need no
 * rewriting is copied as stored without being decompressed; with `place`
 * it is not even written: `out` is the segment without it, and
 * fr_cut__read() reads it from the input (res->refs), which stays open until fr_cut__result_free().
 * `losses` (a JSON object) gains {"source/reason": {"seen","lost"}} of the
 * statistics records in the window, `markers` (array) the window's markers.
 * Return: 0; -ENODATA when no record falls in the window (nothing written);
 * -errno with the reason printed.
 */
int fr_cut__segment(const char *in, const char *out, int64_t from, int64_t to, int64_t margin_ns,
		    struct fr_redact *r, int place, struct fr_cut_result *res, json_t *losses,
		    json_t *markers);

/* The bytes [off, off + len) of the new segment into `buf`: from its file
 * `fd`, or from the input where a frame was placed. Return: 0 or -errno. */
int fr_cut__read(const struct fr_cut_result *res, int fd, uint8_t *buf, size_t len, uint64_t off);

/* Close the input and free the refs (accepts a result already freed). */
void fr_cut__result_free(struct fr_cut_result *res);

#endif /* FR_ANALYZER_BUNDLE_CUT_H */
