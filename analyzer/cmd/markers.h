/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The markers of a set of segments (`flightrec mark`), found by reading
 * every record, and the choice of one by its text for `bundle --around`
 * and `pin --around`: the exact text (its newest marker when repeated),
 * else the markers whose text contains it when they all say the same; any
 * other case is refused with the candidates listed.
 */
#ifndef FR_ANALYZER_CMD_MARKERS_H
#define FR_ANALYZER_CMD_MARKERS_H

#include <stddef.h>
#include <stdint.h>

struct fr_marker {
	int64_t wall_ns; /* UTC, through the segment's clock pair and syncs */
	char *text;	 /* owned, NUL-terminated */
};

struct fr_marker_list {
	struct fr_marker *m;
	size_t n, cap;
};

/* Append the markers of the segments `paths` (damaged blocks are
 * skipped, as replay does). Return: 0, or -errno of a segment that cannot
 * be opened (one deleted meanwhile, ENOENT, is skipped with a note on
 * stderr: a running ring deletes its oldest) or of memory. */
int fr_markers__scan(char *const *paths, size_t n, struct fr_marker_list *out);

void fr_marker_list__free(struct fr_marker_list *l);

/*
 * The marker `query` names (see above). Prints why on stderr as "flightrec
 * CMD: ..." when none or several match. Return: the marker, or NULL.
 */
const struct fr_marker *fr_markers__pick(const struct fr_marker_list *l, const char *query,
					 const char *cmd);

/*
 * `--around MARKER [--before D] [--after D]` of `cmd` over the segments
 * `paths`: the window [marker - before, marker + after); before and after
 * are durations (NULL: 5m). Prints why on failure.
 * Return: 0 with *from, *to; 2 (usage) or 1 (error).
 */
int fr_markers__window(char *const *paths, size_t n, const char *query, const char *before,
		       const char *after, const char *cmd, int64_t *from, int64_t *to);

#endif /* FR_ANALYZER_CMD_MARKERS_H */
