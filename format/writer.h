/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Segment writer: appends records to one segment file in compressed,
 * checksummed, time-ranged blocks and seals it with an index and a footer.
 *
 * Durability contract:
 *  - A block is written with write(2) when its raw size reaches block_size
 *    or when its oldest record is flush_ms old (checked on every append and
 *    on fr_writer__tick()), so a crashed process loses at most flush_ms.
 *  - fdatasync(2) runs at most every fsync_ms after a block write (0: after
 *    every block) and always at seal; a power loss loses at most that.
 *  - A failed write (ENOSPC, EIO, EBADF, EFBIG) truncates the file back to
 *    the end of the last good block, counts the block's records as dropped
 *    and returns the error from fr_writer__flush()/tick()/seal(); the writer
 *    stays usable and the file stays readable. Records are never
 *    half-written into a block.
 *  - Every loss lands in the data: the records and raw bytes of a lost
 *    block, with its time range, go into a loss ledger that the writer
 *    writes as RECORDER_STATS records (source "writer", reason
 *    "write_failed" or the gate's, and the same reason + "_bytes" for the
 *    bytes) at the start of the next block; a ledger entry is settled only
 *    when that block is on disk. fr_writer__add_loss() puts other losses
 *    (a torn tail found at start) on the same path.
 *  - An optional gate is asked before every write to the file; it may make
 *    room (a ring deleting old segments) or refuse (a free-space floor).
 *
 * Records of one block are written sorted by timestamp (stable). Blocks are
 * in append order; their time ranges can overlap when a producer delivers a
 * record older than an already flushed block.
 */
#ifndef FR_FORMAT_WRITER_H
#define FR_FORMAT_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "format/kinds.h"

struct fr_writer;

struct fr_writer_opts {
	size_t block_size;    /* raw bytes per block; 0: 256 KiB; max 16 MiB */
	int level;	      /* zstd level; 0: 3; negative (faster) levels allowed */
	unsigned flush_ms;    /* max age of an unwritten block; 0: 1000 */
	int fsync_ms;	      /* -1: never except seal; 0: every block; default 5000;
			       * FR_WRITER_NO_SYNC: never (a scratch file) */
	const char *host;     /* NULL: this host (uname) */
	const char *boot_id;  /* NULL: /proc/sys/kernel/random/boot_id */
	const char *kernel;   /* NULL: uname release */
	const char *recorder; /* recorder name and version; NULL: "flightrec" */
	uint64_t boot_ns;     /* clock pair; both 0: sampled now */
	uint64_t wall_ns;
	uint64_t seq; /* segment sequence number in its ring */
	/* Asked before writing `len` bytes at the end of the file: 0 to go on,
	 * or -errno to refuse with *reason set (a static string): the block's
	 * records are then lost under that reason. NULL: no gate. */
	int (*gate)(void *ctx, uint64_t len, const char **reason);
	void *gate_ctx;
	unsigned flags; /* segment header flags, FR_SEG_* below */
	/* Called with the bytes of every frame once it is in the file (and of
	 * every placed frame), in file order: a running checksum of the file.
	 * NULL: none. */
	void (*tap)(void *ctx, const uint8_t *buf, size_t len);
	void *tap_ctx;
};

/* Segment header flags (docs/FORMAT.md). Readers ignore bits they do not
 * know. */
/* Every kernel address in the segment went through the recorder's keyed
 * bijection with a per-run secret that is never written (docs/FORMAT.md,
 * "Kernel addresses"): the segment holds no raw kernel pointer. */
#define FR_SEG_KADDR_HIDDEN 1u
#define FR_SEG_FLAGS_KNOWN  FR_SEG_KADDR_HIDDEN

#define FR_WRITER_NO_SYNC	(-2)
#define FR_WRITER_DEFAULT_BLOCK (256u << 10)
#define FR_WRITER_MAX_BLOCK	(16u << 20)

struct fr_writer_stats {
	uint64_t records; /* records in written blocks */
	uint64_t blocks;
	uint64_t raw_bytes;	  /* encoded record bytes before compression */
	uint64_t comp_bytes;	  /* compressed payload bytes */
	uint64_t file_bytes;	  /* bytes in the file (good part) */
	uint64_t records_dropped; /* lost to write failures and gate refusals */
	uint64_t bytes_dropped;	  /* their raw bytes */
	uint64_t write_errors;	  /* failed write(2)s (gate refusals are not) */
	uint64_t refusals;	  /* writes the gate refused */
	uint64_t loss_unwritten;  /* dropped records not yet in the data (ledger) */
	uint64_t pending_records; /* in the unwritten block */
	uint64_t pending_bytes;
};

/*
 * Create `path` (O_EXCL: never overwrites) with mode FR_SEGMENT_MODE and
 * write the segment header.
 * Return: 0 and *out, or -errno (EEXIST, EINVAL for bad opts, ...).
 */
/* Segments hold command lines, IPs and pod names: the owner and the
 * directory's group read them, nobody else (umask can only narrow it). */
#define FR_SEGMENT_MODE 0640

int fr_writer__open(const char *path, const struct fr_writer_opts *opts, struct fr_writer **out);

/* Same on an open, empty, writable descriptor that the writer then owns. */
int fr_writer__open_fd(int fd, const struct fr_writer_opts *opts, struct fr_writer **out);

/*
 * Append one record (payload copied). May write a block; a failed block
 * write is counted in the statistics and the ledger, not returned: the
 * record itself is kept.
 * Return: 0 (the record is taken); -E2BIG when len > FR_RECORD_MAX;
 * -EINVAL for kind 0 or >= FR_KIND_MAX; -EBADF after seal; -ENOMEM.
 */
int fr_writer__append(struct fr_writer *w, unsigned kind, uint64_t ts_ns, const void *payload,
		      size_t len);

/* Encode a schema event (see kinds.h: `nvals` must be the kind's field
 * count) and append it. Return: as fr_writer__append(), or -EINVAL. */
int fr_writer__append_event(struct fr_writer *w, unsigned kind, uint64_t ts_ns,
			    const struct fr_value *vals, unsigned nvals);

/* Append a RECORDER_STATS record (ts: last_ns); source and reason of at
 * most a few hundred bytes. Return: as fr_writer__append(). */
int fr_writer__append_stats(struct fr_writer *w, const char *source, const char *reason,
			    uint64_t seen, uint64_t lost, uint64_t first_ns, uint64_t last_ns);

/*
 * Append a block frame as stored in another segment of the same clock
 * (fr_reader__block_frame()), not recompressed: the pending block is
 * written first so blocks stay in time order. `kinds` counts its records
 * per kind for the index. Return: 0, -EINVAL for a frame that is not one
 * block, or the flush's or write's -errno (the frame is then not taken).
 */
int fr_writer__append_frame(struct fr_writer *w, const uint8_t *frame, size_t len,
			    const uint32_t kinds[FR_KIND_MAX]);

/*
 * As fr_writer__append_frame(), but the frame is left out of the file: it
 * is indexed at *offset of the segment, and the file holds the segment
 * without its placed frames (what follows one is written `len` bytes
 * before its offset in the segment); the caller puts them back (a bundle
 * copies them from their source when it assembles its archive). A hole
 * would do the same, but freeing a file of many extents is slow on ext4.
 * The tap still sees the frame. Not with a gate.
 * Return: 0, -EINVAL (not one block frame, or a gate is set), or the
 * flush's -errno.
 */
int fr_writer__place_frame(struct fr_writer *w, const uint8_t *frame, size_t len,
			   const uint32_t kinds[FR_KIND_MAX], uint64_t *offset);

/* Write the pending block if it is flush_ms old, fsync if due. Call it
 * from an idle loop so a quiet writer still persists. Return: 0 or -errno. */
int fr_writer__tick(struct fr_writer *w);

/* Write the pending block now. Return: 0 or -errno. */
int fr_writer__flush(struct fr_writer *w);

/* Flush, write index and footer, fsync, close the file. The writer only
 * accepts fr_writer__stats() and fr_writer__free() afterwards. */
int fr_writer__seal(struct fr_writer *w);

void fr_writer__stats(const struct fr_writer *w, struct fr_writer_stats *st);

/* The source of the records the ledger writes. */
#define FR_WRITER_LOSS_SOURCE "writer"
#define FR_WRITER_LOSS_REASON "write_failed"

/*
 * Queue a loss to be written as a RECORDER_STATS record (seen 0) at the
 * start of the next block; entries of the same source and reason add up.
 * `source` and `reason` must outlive the writer (static strings). The
 * ledger holds a few reasons; beyond that the last one absorbs the rest.
 * Return: 0 or -EBADF after seal.
 */
int fr_writer__add_loss(struct fr_writer *w, const char *source, const char *reason, uint64_t lost,
			uint64_t first_ns, uint64_t last_ns);

/* Move the losses `from` could not write (a segment whose seal failed)
 * into `to`'s ledger. */
void fr_writer__carry_losses(struct fr_writer *to, struct fr_writer *from);

/* One entry of a segment's index (recovery builds them from a scan). */
struct fr_index_entry {
	uint64_t offset, ts_min, ts_max;
	uint32_t comp_len, raw_len, n_records;
};

/*
 * Seal a segment file whose whole blocks are known (recovery of a segment
 * left without its index): truncate `fd` at `end`, write the index of `e`
 * and the per-kind counts, the footer, fdatasync. `fd` stays the
 * caller's. Return: 0 or -errno.
 */
int fr_writer__seal_fd(int fd, uint64_t end, const struct fr_index_entry *e, size_t n,
		       const uint64_t kind_counts[FR_KIND_MAX]);

/* Close without sealing (pending records are flushed first, best effort).
 * Accepts NULL. */
void fr_writer__free(struct fr_writer *w);

#endif /* FR_FORMAT_WRITER_H */
