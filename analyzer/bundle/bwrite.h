/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writes a bundle: every input segment overlapping the window is cut
 * (cut.h) into a private directory next to the output, checksummed, and
 * stored after manifest.json in a tar compressed with zstd (libarchive).
 * The output appears whole or not at all: it is written under a temporary
 * name (0600) and renamed.
 */
#ifndef FR_ANALYZER_BUNDLE_BWRITE_H
#define FR_ANALYZER_BUNDLE_BWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/bundle/redact.h"

struct fr_bundle_opts {
	int64_t from, to;  /* wall ns, [from, to) */
	int64_t margin_ns; /* records this close to the window go too */
	int level;	   /* zstd level of the tar stream */
	const char *tool;  /* "flightrec <version>" */
};

struct fr_bundle_result {
	size_t segments;
	uint64_t input_bytes; /* the input segments' sizes */
	uint64_t bundle_bytes;
	uint64_t records;
	uint64_t blocks, blocks_copied; /* blocks written; of those, copied as stored */
};

/* Return: 0, -ENODATA (no record in the window), or -errno (printed). */
int fr_bundle__write(char *const *paths, size_t n, const struct fr_bundle_opts *o,
		     struct fr_redact *r, const char *out, struct fr_bundle_result *res);

#endif /* FR_ANALYZER_BUNDLE_BWRITE_H */
