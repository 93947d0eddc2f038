/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hubble messages decoded into an arena: protobuf-c's unpack allocates
 * every submessage, string and array from one bump allocator, and the
 * whole message goes at once with fr_hubble_arena__reset. For replay,
 * which decodes and drops one message per record; the checks and limits
 * are those of fr_hubble__decode (flow.h).
 */
#ifndef FR_FORMAT_HUBBLE_FLOW_ARENA_H
#define FR_FORMAT_HUBBLE_FLOW_ARENA_H

#include "format/hubble/flow.h"

struct fr_hubble_chunk;

struct fr_hubble_arena {
	ProtobufCAllocator pc; /* what protobuf-c calls */
	uint8_t *buf;	       /* the main chunk */
	size_t cap, used;
	struct fr_hubble_chunk *extra; /* when the main chunk was full */
	size_t extra_bytes;
	int failed; /* an allocation failed since the last reset */
};

void fr_hubble_arena__init(struct fr_hubble_arena *a);

/* Drops every message decoded since the last reset; the next ones fit in
 * one chunk as large as all of them. */
void fr_hubble_arena__reset(struct fr_hubble_arena *a);

void fr_hubble_arena__free(struct fr_hubble_arena *a);

/*
 * fr_hubble__decode with the message in arena a: *out is valid until the
 * next fr_hubble_arena__reset (never fr_hubble__free it). Return: as
 * fr_hubble__decode.
 */
int fr_hubble__decode_arena(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
			    struct fr_hubble_arena *a, ProtobufCMessage **out,
			    struct fr_hubble_error *err);

#endif /* FR_FORMAT_HUBBLE_FLOW_ARENA_H */
