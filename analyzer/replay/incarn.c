/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/replay/incarn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NO_SEQ UINT64_MAX

/* a + b and a - b clamped to int64_t: timestamps come from the input */
static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	return __builtin_sub_overflow(a, b, &r) ? (b > 0 ? INT64_MIN : INT64_MAX) : r;
}

static struct fr_incarn_entry *at(const struct fr_incarn_past *p, uint64_t seq)
{
	if (seq == NO_SEQ || seq < p->base + p->head || seq >= p->base + p->n)
		return NULL; /* none, or forgotten */
	return &p->e[seq - p->base];
}

int fr_incarn_past__add(struct fr_incarn_past *p, uint32_t node, uint32_t pid,
			const struct fr_incarn *inc)
{
	uint64_t *newest = fr_idmap__get(&p->newest, node, pid);
	struct fr_incarn_entry *e;

	if (p->head && p->head >= p->n / 2) { /* reuse the forgotten front */
		memmove(p->e, p->e + p->head, (p->n - p->head) * sizeof(*p->e));
		p->base += p->head;
		p->n -= p->head;
		p->head = 0;
	}
	if (p->n == p->cap) {
		const size_t cap = p->cap ? 2 * p->cap : 256;
		struct fr_incarn_entry *g = realloc(p->e, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		p->e = g;
		p->cap = cap;
	}
	e = &p->e[p->n];
	*e = (struct fr_incarn_entry){.inc = *inc, .node = node, .pid = pid};
	e->prev = newest ? *newest : NO_SEQ;
	if (fr_idmap__put(&p->newest, node, pid, p->base + p->n))
		return -ENOMEM;
	p->n++;
	return 0;
}

/* Time `c` was alive inside [from, to]; negative: how far outside. */
static int64_t overlap(const struct fr_incarn *c, int64_t from, int64_t to)
{
	const int64_t a = c->start > from ? c->start : from, b = c->end < to ? c->end : to;

	return sat_sub(b, a);
}

int fr_incarn_past__pick(struct fr_incarn_past *p, uint32_t node, uint32_t pid,
			 const struct fr_incarn *live, int64_t from, int64_t to, int64_t tail,
			 int64_t *pk)
{
	const int64_t hi = sat_add(to, FR_INCARN_EARLY_NS), lo = sat_sub(from, tail);
	const uint64_t *newest = fr_idmap__get(&p->newest, node, pid);
	const struct fr_incarn *best = NULL;
	int64_t best_score = 0;

	if (live && live->start <= hi && live->end >= lo) {
		best = live;
		best_score = overlap(live, from, to);
	}
	for (const struct fr_incarn_entry *e = at(p, newest ? *newest : NO_SEQ); e;
	     e = at(p, e->prev)) {
		const struct fr_incarn *c = &e->inc;
		int64_t score;

		if (c->end < lo)
			break; /* older ones ended earlier still */
		if (c->start > hi)
			continue;
		score = overlap(c, from, to);
		if (!best || score > best_score ||
		    (score == best_score && c->start > best->start)) {
			best = c;
			best_score = score;
		}
	}
	if (!best)
		return -ENOENT;
	if (best == live)
		return 1;
	*pk = best->pk;
	return 0;
}

void fr_incarn_past__prune(struct fr_incarn_past *p, uint32_t node, int64_t before)
{
	while (p->head < p->n) {
		const struct fr_incarn_entry *e = &p->e[p->head];
		const uint64_t *newest;

		if (e->node == node && e->inc.end >= before)
			break;
		newest = fr_idmap__get(&p->newest, e->node, e->pid);
		if (newest && *newest == p->base + p->head)
			fr_idmap__del(&p->newest, e->node, e->pid);
		p->head++;
	}
}

void fr_incarn_past__free(struct fr_incarn_past *p)
{
	free(p->e);
	fr_idmap__free(&p->newest);
	memset(p, 0, sizeof(*p));
}
