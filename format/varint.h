/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * LEB128 varints and zigzag, shared by the record framing and the event
 * codec. Decoders never read past `end` and reject encodings longer than
 * 10 bytes, so hostile input cannot overrun or loop.
 */
#ifndef FR_FORMAT_VARINT_H
#define FR_FORMAT_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define FR_VARINT_MAX 10

static inline size_t fr_varint__put(uint8_t *dst, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		dst[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	dst[n++] = (uint8_t)v;
	return n;
}

static inline size_t fr_varint__size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Return: bytes consumed, or 0 when truncated or over-long. */
static inline size_t fr_varint__get(const uint8_t *src, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	size_t n = 0;

	if (src < end && src[0] < 0x80) {
		*out = src[0];
		return 1;
	}
	while (src + n < end && n < FR_VARINT_MAX) {
		const uint8_t b = src[n++];

		if (shift == 63 && b > 1)
			return 0;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return n;
		}
		shift += 7;
	}
	return 0;
}

static inline uint64_t fr_zigzag__encode(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t fr_zigzag__decode(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif /* FR_FORMAT_VARINT_H */
