/* SPDX-License-Identifier: BSD-2-Clause */
#include "format/hubble/flow_arena.h"
#include "format/hubble/flow_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN	    16
#define FIRST_CHUNK (64u << 10)

struct fr_hubble_chunk {
	struct fr_hubble_chunk *next;
	max_align_t data[];
};

static void *arena_alloc(void *data, size_t size)
{
	struct fr_hubble_arena *a = data;
	struct fr_hubble_chunk *c;
	const size_t n = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);

	if (n < size)
		return NULL;
	if (a->buf && a->cap - a->used >= n) {
		void *p = a->buf + a->used;

		a->used += n;
		return p;
	}
	c = malloc(sizeof(*c) + n);
	if (!c) {
		a->failed = 1;
		return NULL;
	}
	c->next = a->extra;
	a->extra = c;
	a->extra_bytes += n;
	return c->data;
}

static void arena_free(void *data, void *p)
{
	(void)data, (void)p; /* all at once, at the reset */
}

void fr_hubble_arena__init(struct fr_hubble_arena *a)
{
	memset(a, 0, sizeof(*a));
	a->pc.alloc = arena_alloc;
	a->pc.free = arena_free;
	a->pc.allocator_data = a;
}

void fr_hubble_arena__reset(struct fr_hubble_arena *a)
{
	const size_t want = a->used + a->extra_bytes;

	while (a->extra) {
		struct fr_hubble_chunk *c = a->extra;

		a->extra = c->next;
		free(c);
	}
	if (want > a->cap || !a->buf) {
		const size_t cap = want > FIRST_CHUNK ? want : FIRST_CHUNK;
		uint8_t *p = malloc(cap); /* aligned for any type */

		if (p) {
			free(a->buf);
			a->buf = p;
			a->cap = cap;
		}
	}
	a->used = 0;
	a->extra_bytes = 0;
	a->failed = 0;
}

void fr_hubble_arena__free(struct fr_hubble_arena *a)
{
	fr_hubble_arena__reset(a);
	free(a->buf);
	fr_hubble_arena__init(a);
}

int fr_hubble__decode_arena(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
			    struct fr_hubble_arena *a, ProtobufCMessage **out,
			    struct fr_hubble_error *err)
{
	static const uint8_t empty[1];
	int rc;

	*out = NULL;
	rc = fr_hubble__validate(d, buf, len, err);
	if (rc)
		return rc;
	*out = protobuf_c_message_unpack(d, &a->pc, len, len ? buf : empty);
	if (!*out)
		return fr_hubble__fail(err, a->failed ? FR_HUBBLE_ENOMEM : FR_HUBBLE_EUNPACK, 0);
	return 0;
}
