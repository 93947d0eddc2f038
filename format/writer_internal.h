/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The writer's state, shared by writer.c and writer_frame.c only (internal
 * to format/).
 */
#ifndef FR_FORMAT_WRITER_INTERNAL_H
#define FR_FORMAT_WRITER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

#include "format/grow.h"
#include "format/writer.h"

struct rec_ref {
	uint64_t ts;
	uint32_t off; /* offset of the record in raw */
	uint32_t seq; /* arrival order, keeps the sort stable */
};

/* A loss waiting to be written as RECORDER_STATS records. */
struct loss {
	const char *source, *reason;
	uint64_t lost, bytes, first_ns, last_ns;
	int in_block; /* in the pending block: settled when that is on disk */
};

#define LEDGER_MAX 12

struct fr_writer {
	int fd;
	int sealed;
	size_t block_size;
	int level;
	uint64_t flush_ns;
	int fsync_ms;
	ZSTD_CCtx *cctx;

	/* pending block */
	uint8_t *raw;
	size_t raw_len, raw_cap;
	struct rec_ref *refs;
	size_t n, refs_cap;
	int unsorted;
	uint64_t last_ts, ts_min, ts_max;
	uint64_t first_mono;
	uint32_t pending_kinds[FR_KIND_MAX];

	uint8_t *out; /* frame preamble + header + compressed payload */
	size_t out_cap;
	uint8_t *scratch; /* re-encode buffer for out-of-order blocks */
	size_t scratch_cap;

	uint64_t good_end; /* end of the last frame known written */
	uint64_t placed;   /* bytes of placed frames before it, not in the file */
	uint64_t last_sync_mono;
	int dirty;

	struct fr_index_entry *idx;
	size_t nidx, idx_cap;
	uint64_t kind_counts[FR_KIND_MAX];
	struct fr_writer_stats st;

	int (*gate)(void *ctx, uint64_t len, const char **reason);
	void *gate_ctx;
	void (*tap)(void *ctx, const uint8_t *buf, size_t len);
	void *tap_ctx;
	const char *fail_reason; /* of the last write that did not happen */
	struct loss ledger[LEDGER_MAX];
	size_t nledger;
	uint32_t ledger_recs; /* ledger records at the start of the pending block */
	size_t ledger_raw;    /* and their raw bytes */
};

/* The writer's buffers start at 64 elements. Return: 0 or -ENOMEM. */
static inline int fr_writer__grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	return fr_grow(buf, cap, need, elem, 64);
}

/* Append a frame at good_end; on failure the file is cut back so readers
 * see only whole frames. Return: 0 or -errno. */
int fr_writer__write_frame(struct fr_writer *w, const uint8_t *buf, size_t len);

/* fdatasync when due (or `force`). Return: 0 or -errno. */
int fr_writer__sync_due(struct fr_writer *w, int force);

#endif /* FR_FORMAT_WRITER_INTERNAL_H */
