/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Growable array of fixed-size entries with a free list of indexes, for the
 * replay's live processes and sockets: indexes stay valid while the array
 * grows, and a freed index is reused first.
 */
#ifndef FR_ANALYZER_REPLAY_SLAB_H
#define FR_ANALYZER_REPLAY_SLAB_H

#include <stddef.h>

struct fr_slab {
	void *items;
	size_t size, n, cap;
	size_t *free;
	size_t nfree;
};

void *fr_slab__at(struct fr_slab *s, size_t i);

/* A zeroed entry at *idx. Return: 0 or -ENOMEM. */
int fr_slab__alloc(struct fr_slab *s, size_t *idx);

void fr_slab__release(struct fr_slab *s, size_t idx);

void fr_slab__free(struct fr_slab *s);

#endif /* FR_ANALYZER_REPLAY_SLAB_H */
