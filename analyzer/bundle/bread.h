/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reads a bundle defensively, into a private directory (0700) of segment
 * files that the analyzer then reads like a ring. Before anything is
 * used, the whole archive is checked; a bundle that fails any check is
 * refused whole (its directory removed), with the reason:
 *  - only regular files named "manifest.json" (the first entry) and
 *    "segments/<name>.frseg": no absolute paths, no "..", no links, no
 *    devices, directories or FIFOs, no duplicate names, nothing unlisted;
 *  - sizes bounded (per entry, total) and equal to the manifest's, and a
 *    decompression ratio bound (a bomb is stopped while it inflates);
 *  - every listed segment present, its SHA-256 equal to the manifest's,
 *    its header's host and boot id equal to the manifest's.
 */
#ifndef FR_ANALYZER_BUNDLE_BREAD_H
#define FR_ANALYZER_BUNDLE_BREAD_H

#include <stddef.h>
#include <stdint.h>

struct fr_bundle_limits {
	uint64_t max_entry; /* bytes of one entry */
	uint64_t max_total; /* bytes of all entries */
	uint64_t max_ratio; /* uncompressed / compressed, checked past 64 MiB */
};

/* Defaults, or FLIGHTREC_BUNDLE_MAX_BYTES (total and entry bound) from the
 * environment. */
void fr_bundle_limits__default(struct fr_bundle_limits *l);

/* Whether `path` is a bundle (starts with a zstd frame): 1, 0, -errno. */
int fr_bundle__is_bundle(const char *path);

/*
 * Check and extract `path`. On 0: *dir is the new directory (malloc'ed),
 * *paths its n segment files in manifest order (malloc'ed strings).
 * Return: 0, or -EBADMSG (refused, why printed), -errno.
 */
int fr_bundle__extract(const char *path, const struct fr_bundle_limits *l, char **dir,
		       char ***paths, size_t *n);

/* Remove a directory fr_bundle__extract made, and its files. */
void fr_bundle__remove(const char *dir);

#endif /* FR_ANALYZER_BUNDLE_BREAD_H */
