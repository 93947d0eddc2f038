/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * On-disk layout of a segment, shared by writer.c and reader.c only.
 * docs/FORMAT.md is the byte-level specification; keep both in step.
 *
 * Every structure is a zstd frame so `zstdcat segment` prints the raw
 * record stream: our headers live in zstd skippable frames (magic
 * 0x184D2A5?, u32 size, content) and block payloads are plain zstd frames.
 * All integers are little-endian.
 */
#ifndef FR_FORMAT_LAYOUT_H
#define FR_FORMAT_LAYOUT_H

#include <stdint.h>
#include <string.h>

#define FR_FORMAT_VERSION 1

/* Skippable-frame magics. No two differ in a single bit, so one flipped bit
 * cannot turn one frame type into another. */
#define FR_FRAME_SEGMENT_HDR 0x184D2A5Eu
#define FR_FRAME_BLOCK	     0x184D2A5Bu
#define FR_FRAME_INDEX	     0x184D2A57u
#define FR_FRAME_FOOTER	     0x184D2A50u
#define FR_FRAME_PREAMBLE    8 /* u32 magic + u32 content size */

/* Segment header content: fixed part, then four u16-length strings, then crc. */
#define FR_SEG_MAGIC   0x47455346u /* "FSEG" */
#define FR_SEG_FIXED   40	   /* magic, version, flags, boot_ns, wall_ns, seq, created */
#define FR_SEG_STR_MAX 255	   /* per string */
#define FR_SEG_HDR_MAX (FR_SEG_FIXED + 4 * (2 + FR_SEG_STR_MAX) + 4)

/* Block header content (fixed): comp_len, raw_len, n_records, flags, ts_min,
 * ts_max, payload_crc, header_crc. header_crc covers the preamble too. */
#define FR_BLOCK_HDR	  40
#define FR_BLOCK_FRAME	  (FR_FRAME_PREAMBLE + FR_BLOCK_HDR)
#define FR_BLOCK_COLUMNS  1u /* flags: payload is the column transform (columns.h) */
#define FR_BLOCK_RAW_MAX  (32u << 20)
#define FR_BLOCK_COMP_MAX (FR_BLOCK_RAW_MAX + (FR_BLOCK_RAW_MAX >> 7) + (1u << 17))

/* Index content: n_blocks, n_kinds, entries, kind counts, crc. */
#define FR_INDEX_HEAD  8
#define FR_INDEX_ENTRY 40 /* offset u64, comp u32, raw u32, nrec u32, rsvd u32, ts_min, ts_max */
#define FR_INDEX_KIND  16 /* kind u16, rsvd u16, rsvd u32, count u64 */
#define FR_INDEX_MAX   (256u << 20)

/* Footer content: index_offset u64, index_frame_len u32, magic u32, crc u32. */
#define FR_FOOTER_MAGIC 0x444E5246u /* "FRND" */
#define FR_FOOTER	20
#define FR_FOOTER_FRAME (FR_FRAME_PREAMBLE + FR_FOOTER)

#define FR_RECORD_MAX (16u << 20)

static inline void fr_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void fr_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void fr_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t fr_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t fr_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t fr_get64(const uint8_t *p)
{
	return (uint64_t)fr_get32(p) | (uint64_t)fr_get32(p + 4) << 32;
}

#endif /* FR_FORMAT_LAYOUT_H */
