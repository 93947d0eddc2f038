/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One block of a segment (internal to format/): reading and checking its
 * header, loading and decompressing its payload, iterating its records.
 * The reader keeps several cursors open at once to merge overlapping
 * blocks by time.
 */
#ifndef FR_FORMAT_BLOCK_H
#define FR_FORMAT_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

#include "format/kinds.h"
#include "format/reader.h"

struct fr_block_hdr {
	uint64_t offset;
	uint32_t comp_len, raw_len, n_records, flags, payload_crc;
	uint64_t ts_min, ts_max;
};

struct fr_block_cursor {
	struct fr_block_hdr hdr;
	uint64_t seq; /* file order, breaks time ties */
	uint8_t *comp, *cols, *rows;
	size_t comp_cap, cols_cap, rows_cap;
	size_t rows_len, pos;
	uint32_t left;
	uint64_t prev_ts;
	struct fr_record head; /* next record, valid while has_head */
	int has_head;
	int frame_ok; /* comp holds hdr's whole frame, checked */
};

/*
 * Read and check the block header at `off` of a file of `file_size` bytes.
 * Return: 1 valid and wholly inside the file; 0 the block runs past the
 * end (torn); -EBADMSG damaged (diag set); other -errno on I/O errors.
 */
int fr_block__read_hdr(int fd, uint64_t file_size, uint64_t off, struct fr_block_hdr *b,
		       struct fr_diag *diag);

/* Read the block's whole frame (preamble, header, payload) into c->comp
 * and check it: the same header as `b`, the payload's checksum, one zstd
 * frame of raw_len. Return: 0, -EBADMSG (diag set), -ENOMEM, -EIO. */
int fr_block__read_frame(struct fr_block_cursor *c, int fd, const struct fr_block_hdr *b,
			 struct fr_diag *diag);

/* Records per kind of a column block whose frame was read, from its kind
 * column alone: only the start of the payload is decompressed. Return: 0,
 * -EBADMSG (diag set), -EINVAL (no frame, or not a column block), -ENOMEM. */
int fr_block__kinds(struct fr_block_cursor *c, ZSTD_DCtx *dctx, uint32_t kinds[FR_KIND_MAX],
		    struct fr_diag *diag);

/* Decompress and un-column the frame read into `c`, then peek the first
 * record. Return: 0, -EBADMSG (diag set), -ENOMEM. */
int fr_block__decode(struct fr_block_cursor *c, ZSTD_DCtx *dctx, struct fr_diag *diag);

/* fr_block__read_frame() then fr_block__decode(). */
int fr_block__load(struct fr_block_cursor *c, int fd, ZSTD_DCtx *dctx, const struct fr_block_hdr *b,
		   struct fr_diag *diag);

/* Advance to the next record (into c->head). Return: 1, 0 at the end of a
 * well-formed block, -EBADMSG for a malformed record (diag set). */
int fr_block__advance(struct fr_block_cursor *c, struct fr_diag *diag);

void fr_block__free(struct fr_block_cursor *c);

/* printf into diag with the offset; returns -EBADMSG */
int fr_diag__set(struct fr_diag *d, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* pread everything or fail with diag set. */
int fr_pread_all(int fd, void *buf, size_t len, uint64_t off, struct fr_diag *diag);

#endif /* FR_FORMAT_BLOCK_H */
