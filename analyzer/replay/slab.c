/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/replay/slab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void *fr_slab__at(struct fr_slab *s, size_t i)
{
	return (char *)s->items + i * s->size;
}

int fr_slab__alloc(struct fr_slab *s, size_t *idx)
{
	if (s->nfree) {
		*idx = s->free[--s->nfree];
	} else {
		if (s->n == s->cap) {
			const size_t cap = s->cap ? s->cap * 2 : 256;
			void *p = realloc(s->items, cap * s->size);
			size_t *f;

			if (!p)
				return -ENOMEM;
			s->items = p;
			f = realloc(s->free, cap * sizeof(*f));
			if (!f)
				return -ENOMEM;
			s->free = f;
			s->cap = cap;
		}
		*idx = s->n++;
	}
	memset(fr_slab__at(s, *idx), 0, s->size);
	return 0;
}

void fr_slab__release(struct fr_slab *s, size_t idx)
{
	s->free[s->nfree++] = idx;
}

void fr_slab__free(struct fr_slab *s)
{
	free(s->items);
	free(s->free);
}
