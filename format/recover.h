/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Recovery of a segment left without its index: a recorder killed while
 * writing, or a seal that failed (disk full). The readable part, every
 * whole block up to the first frame that is cut short or damaged, is kept
 * and sealed with an index and a footer; the bytes after it are dropped
 * and counted. A segment already sealed is left as it is.
 */
#ifndef FR_FORMAT_RECOVER_H
#define FR_FORMAT_RECOVER_H

#include <stdint.h>

struct fr_recovery {
	int was_sealed;		 /* it had a valid index: nothing was done */
	uint64_t blocks;	 /* whole blocks kept */
	uint64_t records;	 /* in them */
	uint64_t kept_bytes;	 /* file size after recovery */
	uint64_t torn_bytes;	 /* dropped: a frame cut short, or damaged */
	uint64_t index_bytes;	 /* dropped: an index without its footer (a seal cut short) */
	uint64_t ts_min, ts_max; /* of the blocks kept (ts_min > ts_max: none) */
};

/*
 * Recover the segment at `path` in place. A file without a whole, valid
 * header is not touched: -ENODATA (shorter than a header) or -EBADMSG.
 * Return: 0 with *out filled, or -errno.
 */
int fr_segment__recover(const char *path, struct fr_recovery *out);

#endif /* FR_FORMAT_RECOVER_H */
