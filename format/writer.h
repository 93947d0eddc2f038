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
 *    and returns the error; the writer stays usable and the file stays
 *    readable. Records are never half-written into a block.
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
	int fsync_ms;	      /* -1: never except seal; 0: every block; default 5000 */
	const char *host;     /* NULL: this host (uname) */
	const char *boot_id;  /* NULL: /proc/sys/kernel/random/boot_id */
	const char *kernel;   /* NULL: uname release */
	const char *recorder; /* recorder name and version; NULL: "flightrec" */
	uint64_t boot_ns;     /* clock pair; both 0: sampled now */
	uint64_t wall_ns;
	uint64_t seq; /* segment sequence number in its ring */
};

#define FR_WRITER_DEFAULT_BLOCK (256u << 10)
#define FR_WRITER_MAX_BLOCK	(16u << 20)

struct fr_writer_stats {
	uint64_t records; /* records in written blocks */
	uint64_t blocks;
	uint64_t raw_bytes;	  /* encoded record bytes before compression */
	uint64_t comp_bytes;	  /* compressed payload bytes */
	uint64_t file_bytes;	  /* bytes in the file (good part) */
	uint64_t records_dropped; /* lost to write failures */
	uint64_t write_errors;
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
 * Append one record (payload copied). May write a block.
 * Return: 0; -E2BIG when len > FR_RECORD_MAX; -EINVAL for kind 0 or
 * >= FR_KIND_MAX; -errno of a failed block write (the record itself is
 * kept when the failure hit the previous block).
 */
int fr_writer__append(struct fr_writer *w, unsigned kind, uint64_t ts_ns, const void *payload,
		      size_t len);

/* Encode a schema event (see kinds.h: `nvals` must be the kind's field
 * count) and append it. Return: as fr_writer__append(), or -EINVAL. */
int fr_writer__append_event(struct fr_writer *w, unsigned kind, uint64_t ts_ns,
			    const struct fr_value *vals, unsigned nvals);

/* Write the pending block if it is flush_ms old, fsync if due. Call it
 * from an idle loop so a quiet writer still persists. Return: 0 or -errno. */
int fr_writer__tick(struct fr_writer *w);

/* Write the pending block now. Return: 0 or -errno. */
int fr_writer__flush(struct fr_writer *w);

/* Flush, write index and footer, fsync, close the file. The writer only
 * accepts fr_writer__stats() and fr_writer__free() afterwards. */
int fr_writer__seal(struct fr_writer *w);

void fr_writer__stats(const struct fr_writer *w, struct fr_writer_stats *st);

/* Close without sealing (pending records are flushed first, best effort).
 * Accepts NULL. */
void fr_writer__free(struct fr_writer *w);

#endif /* FR_FORMAT_WRITER_H */
