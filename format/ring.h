/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ring directory: the one place that knows how segments are named,
 * how a directory of them is listed in order, and which ones retention
 * deletes. The recorder writes a ring, the analyzer reads one, the fixture
 * generator and bundles name segments of several hosts in one directory.
 *
 *   recorder ring:       seg-<seq, 8 digits>-<boot ns>.frseg
 *   several hosts:       <host>-<seq, 4 digits>.frseg
 *
 * Listing takes every *.frseg file of a directory (other names too: a
 * user may copy segments in), in byte order of the names, which is the
 * sequence order for ring names. libc and the segment reader only; no
 * function here prints.
 */
#ifndef FR_FORMAT_RING_H
#define FR_FORMAT_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FR_RING_SUFFIX ".frseg"

/* Name of segment `seq` of a recorder's ring. Return: 0 or -ENAMETOOLONG. */
int fr_ring__name(char *buf, size_t cap, uint64_t seq, uint64_t boot_ns);

/* Name of segment `seq` of `host` in a directory shared by several hosts.
 * Return: 0, -EINVAL (a host name with '/' or empty), -ENAMETOOLONG. */
int fr_ring__host_name(char *buf, size_t cap, const char *host, uint64_t seq);

/* Parse a recorder ring name. Return: 0 with *seq and *boot_ns, or -EINVAL. */
int fr_ring__parse(const char *name, uint64_t *seq, uint64_t *boot_ns);

struct fr_ring_entry {
	char *name;	  /* file name, owned */
	uint64_t size;	  /* bytes */
	int64_t mtime_ns; /* last modification, wall clock */
	bool ring_named;  /* fr_ring__parse() accepted the name */
	uint64_t seq;	  /* when ring_named */
};

struct fr_ring_list {
	struct fr_ring_entry *e;
	size_t n;
};

/*
 * The *.frseg regular files of `dir`, sorted by name. Files that vanish
 * while listed are left out (a recorder may be deleting them).
 * Return: 0 (an empty directory is an empty list) or -errno.
 */
int fr_ring__list(const char *dir, struct fr_ring_list *out);
void fr_ring_list__free(struct fr_ring_list *l);

/* Sequence number after the highest ring-named entry (0 when none). */
uint64_t fr_ring__next_seq(const struct fr_ring_list *l);

/* Total bytes of the listed segments. */
uint64_t fr_ring__total_bytes(const struct fr_ring_list *l);

/*
 * Time-window selection: whether the segment at `path` holds blocks in
 * the wall-clock window [from_wall_ns, to_wall_ns), its blocks' range
 * mapped through the clock pair of its header and widened by `margin_ns`
 * on both sides (clock sync records refine the pair later; a margin of a
 * second covers their drift). A segment without blocks overlaps nothing.
 * Return: 1, 0, or -errno of the reader (a damaged header).
 */
int fr_ring__overlaps(const char *path, int64_t from_wall_ns, int64_t to_wall_ns,
		      int64_t margin_ns);

struct fr_ring_bounds {
	uint64_t max_bytes;  /* all segments, the active one included; 0: none */
	uint64_t max_age_ns; /* by modification time; 0: none */
	/* bytes to give back to the file system (its free-space floor): the
	 * oldest go until their sizes add up to it; 0: none */
	uint64_t free_needed;
	/* segments that must stay whatever the bounds say (a pinned window);
	 * NULL: none is */
	bool (*pinned)(void *ctx, const struct fr_ring_entry *e);
	void *pin_ctx;
};

/*
 * The one place that decides which segments go, oldest first: while the
 * recorder's segments (ring names) are over max_bytes, while free_needed
 * is not covered, and every one last modified more than max_age_ns before
 * `now_ns`; never the entry named `active` (NULL: none is), never a pinned
 * one, never a file of another name (a segment copied in, a bundle's).
 * Sets doomed[i] for entry i of the list. Return: the number doomed.
 */
size_t fr_ring__plan_retention(const struct fr_ring_list *l, const char *active,
			       const struct fr_ring_bounds *b, int64_t now_ns, bool *doomed);

/*
 * Unlink the doomed entries of `l` from `dir` and take them out of the
 * list (the others keep their order). *deleted and *bytes (may be NULL)
 * count what was removed. Return: 0, or -errno of the first unlink that
 * failed (the others are still tried; a file already gone counts as
 * removed).
 */
int fr_ring__remove(const char *dir, struct fr_ring_list *l, const bool *doomed, uint64_t *deleted,
		    uint64_t *bytes);

/*
 * Apply fr_ring__plan_retention() to `dir` now. *deleted and *bytes (may be
 * NULL) count what was removed. Return: 0, or -errno of the listing or of
 * the first unlink that failed (the others are still tried).
 */
int fr_ring__enforce(const char *dir, const char *active, const struct fr_ring_bounds *b,
		     uint64_t *deleted, uint64_t *bytes);

/*
 * The free-space floor: bytes the ring must give back so that the file
 * system holding `dir` keeps `min_free_pct` percent (0-100) of its size
 * free to unprivileged users. Return: 0 with *shortfall (0 when the floor
 * holds), or -errno of statvfs.
 */
int fr_ring__free_shortfall(const char *dir, unsigned min_free_pct, uint64_t *shortfall);

/* The file system holding the open file or directory `fd`: its size and
 * the bytes free to unprivileged users. Return: 0 or -errno of fstatvfs. */
int fr_ring__fs_space(int fd, uint64_t *size, uint64_t *avail);

#endif /* FR_FORMAT_RING_H */
