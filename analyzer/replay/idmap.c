/* SPDX-License-Identifier: BSD-2-Clause */
/* Linear probing with backward-shift deletion: no tombstones to rehash. */
#include "analyzer/replay/idmap.h"

#include <errno.h>
#include <stdlib.h>

static size_t hash(uint32_t node, uint64_t id)
{
	uint64_t h = id * 0x9E3779B97F4A7C15ull ^ (uint64_t)node * 0xC2B2AE3D27D4EB4Full;

	return (size_t)(h ^ (h >> 29));
}

static struct fr_idmap_slot *find(const struct fr_idmap *m, uint32_t node, uint64_t id)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = hash(node, id) & (m->cap - 1); m->slots[i].node; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].node == node && m->slots[i].id == id)
			return &m->slots[i];
	return NULL;
}

uint64_t *fr_idmap__get(struct fr_idmap *m, uint32_t node, uint64_t id)
{
	struct fr_idmap_slot *s = find(m, node, id);

	return s ? &s->value : NULL;
}

static void place(struct fr_idmap *m, uint32_t node, uint64_t id, uint64_t value)
{
	size_t i = hash(node, id) & (m->cap - 1);

	while (m->slots[i].node)
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = (struct fr_idmap_slot){id, node, value};
	m->n++;
}

static int grow(struct fr_idmap *m)
{
	const size_t old_cap = m->cap, cap = old_cap ? old_cap * 2 : 1024;
	struct fr_idmap_slot *old = m->slots;

	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = cap;
	m->n = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].node)
			place(m, old[i].node, old[i].id, old[i].value);
	free(old);
	return 0;
}

int fr_idmap__put(struct fr_idmap *m, uint32_t node, uint64_t id, uint64_t value)
{
	struct fr_idmap_slot *s = find(m, node, id);

	if (s) {
		s->value = value;
		return 0;
	}
	if ((m->n + 1) * 4 > m->cap * 3) {
		const int err = grow(m);

		if (err)
			return err;
	}
	place(m, node, id, value);
	return 0;
}

void fr_idmap__del(struct fr_idmap *m, uint32_t node, uint64_t id)
{
	struct fr_idmap_slot *s = find(m, node, id);
	size_t i, j;

	if (!s)
		return;
	i = (size_t)(s - m->slots);
	m->slots[i].node = 0;
	m->n--;
	/* shift back followers whose probe sequence passes through the hole */
	for (j = (i + 1) & (m->cap - 1); m->slots[j].node; j = (j + 1) & (m->cap - 1)) {
		const size_t home = hash(m->slots[j].node, m->slots[j].id) & (m->cap - 1);

		if (((j - home) & (m->cap - 1)) >= ((j - i) & (m->cap - 1))) {
			m->slots[i] = m->slots[j];
			m->slots[j].node = 0;
			i = j;
		}
	}
}

void fr_idmap__free(struct fr_idmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
