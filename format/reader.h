/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Segment reader: iterates the records of one segment file, checking every
 * frame's checksum and bounding every length before use.
 *
 * - A sealed segment is read through its index; a segment without one
 *   (active, crashed, or with a damaged footer) is read by scanning.
 * - A torn tail (the file ends inside a frame) ends iteration cleanly;
 *   fr_reader__stats() reports its offset and how many bytes were dropped.
 * - A damaged block makes fr_reader__next() return -EBADMSG with the
 *   block's offset in fr_reader__diag(); the next call continues with the
 *   following readable block, so a caller may choose to go on.
 * - Records are returned in time order: blocks whose time ranges overlap
 *   are merged (up to 32 open at once; beyond that order is best effort and
 *   counted in `unordered`). Equal times keep write order.
 */
#ifndef FR_FORMAT_READER_H
#define FR_FORMAT_READER_H

#include <stddef.h>
#include <stdint.h>

struct fr_reader;

struct fr_diag {
	uint64_t offset; /* file offset the message is about */
	char msg[256];
};

struct fr_segment_info {
	unsigned version;
	unsigned flags;	  /* header flags: FR_SEG_* of writer.h */
	uint64_t boot_ns; /* CLOCK_BOOTTIME at wall_ns */
	uint64_t wall_ns; /* UTC ns since the epoch */
	uint64_t seq;
	uint64_t created_wall_ns;
	char host[256];
	char boot_id[256];
	char kernel[256];
	char recorder[256];
};

struct fr_record {
	uint16_t kind;
	uint32_t len;
	uint64_t ts_ns;
	const uint8_t *payload; /* borrowed: valid until the next call */
	uint64_t block_offset;	/* file offset of the block holding it */
	uint32_t block_records; /* records in that block */
};

struct fr_reader_stats {
	uint64_t file_bytes;
	uint64_t blocks_ok;
	uint64_t blocks_bad; /* checksum or structure errors */
	uint64_t records;
	uint64_t raw_bytes;
	uint64_t comp_bytes;
	uint64_t torn_offset; /* where the torn tail starts (0: none) */
	uint64_t torn_bytes;  /* bytes dropped there */
	uint64_t ts_min, ts_max;
	int has_index;	       /* the segment is sealed and its index was used */
	int index_error;       /* footer or index present but damaged */
	uint64_t index_blocks; /* blocks listed in the index */
	uint64_t unordered;    /* records returned before an earlier one (merge limit hit) */
	uint64_t blocks_taken; /* of blocks_ok, taken whole by a block filter */
};

/* A block as the reader is about to merge it (fr_reader__set_block_filter). */
struct fr_block_view {
	uint64_t offset; /* in the file */
	uint64_t ts_min, ts_max;
	uint32_t n_records;
	const uint8_t *frame; /* preamble, header and payload, both checksums checked */
	size_t frame_len;
	const uint32_t *kinds; /* records per kind (FR_KIND_MAX counts) */
};

/* Return 1 to take the block whole, 0 to have its records returned, or
 * -errno to fail the reader's call. The view is valid during the call. */
typedef int (*fr_block_filter_fn)(void *ctx, const struct fr_block_view *b);

/*
 * Open and check the segment header. On failure returns -errno
 * (-EBADMSG bad checksum or magic, -EPROTONOSUPPORT newer version,
 * -ENODATA file shorter than a header) and fills `diag` when not NULL.
 */
int fr_reader__open(const char *path, struct fr_reader **out, struct fr_diag *diag);

const struct fr_segment_info *fr_reader__info(const struct fr_reader *r);

/*
 * Next record. Return: 1 and *rec; 0 at the end (including a torn tail);
 * -EBADMSG/-EIO/-ENOMEM with fr_reader__diag() set. After an error the
 * reader resumes at the next readable block.
 */
int fr_reader__next(struct fr_reader *r, struct fr_record *rec);

/*
 * Position at the first record with ts >= ts_ns: through the index when
 * present, else by scanning block headers (no decompression). Return: 0 or
 * -errno.
 */
int fr_reader__seek(struct fr_reader *r, uint64_t ts_ns);

/*
 * The blocks' time range (this segment's ts_ns clock), from the index or a
 * scan of block headers, nothing decompressed. Return: 0, with
 * *min > *max when the segment holds no block; or -errno.
 */
int fr_reader__time_range(struct fr_reader *r, uint64_t *min, uint64_t *max);

/*
 * The stored frame of the block at `offset` (a record's block_offset):
 * preamble, header and compressed payload, both checksums checked, for
 * fr_writer__append_frame(), and its record count. *frame is borrowed
 * until the next call or close. Return: 0, -EBADMSG (diag set), -EIO,
 * -ENOMEM.
 */
int fr_reader__block_frame(struct fr_reader *r, uint64_t offset, const uint8_t **frame, size_t *len,
			   uint32_t *n_records);

/*
 * Show `fn` every column block (every block of today's writers) before its
 * records are merged; a block it takes is not decompressed past its kind
 * column and its records are not returned. A block is shown when the
 * merge opens it: every block holding an earlier record is open or done,
 * though some of their records may still come. NULL: none.
 */
void fr_reader__set_block_filter(struct fr_reader *r, fr_block_filter_fn fn, void *ctx);

/* A descriptor of the segment's file (a dup(2): the caller closes it), for
 * reading frames after the reader is closed or the file deleted.
 * Return: the descriptor or -errno. */
int fr_reader__dup_fd(const struct fr_reader *r);

const struct fr_diag *fr_reader__diag(const struct fr_reader *r);
void fr_reader__stats(const struct fr_reader *r, struct fr_reader_stats *st);

/* Accepts NULL. */
void fr_reader__close(struct fr_reader *r);

#endif /* FR_FORMAT_READER_H */
