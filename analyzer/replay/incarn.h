/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which incarnation of a pid a record belongs to, by time. A record covers
 * [from, to]: an event its instant (from = to = ts), an aggregate flushed
 * at t over an interval I the span [t - I, t]. Its candidates are the
 * incarnations of its (node, pid) that started no later than
 * to + FR_INCARN_EARLY_NS and ended no earlier than from - tail, where
 * tail is 0 for what a process does itself in a system call (nothing of
 * it follows its exit record) and FR_INCARN_TAIL_NS for what the kernel
 * books to it after that record (its last context switches, the memory
 * freed by its exit, its sockets' closes). Of several candidates the one
 * alive longest inside [from, to] wins (a reused pid whose two
 * incarnations share one aggregate row: the kernel added them up, and the
 * row goes to the one that ran longer in the span); on a tie the later.
 *
 * This module keeps the incarnations that ended recently; the live one is
 * the caller's (analyzer/replay/loader.c).
 */
#ifndef FR_ANALYZER_REPLAY_INCARN_H
#define FR_ANALYZER_REPLAY_INCARN_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/replay/idmap.h"

/* The recorder stamps an aggregate at its clock read, just before it
 * switches the maps over: a process forked in between counts in it. */
#define FR_INCARN_EARLY_NS 1000000LL
/* How long after its exit record the kernel may still book work to a
 * process: exit_mm() of a large address space runs after the tracepoint. */
#define FR_INCARN_TAIL_NS 1000000000LL
/* Longest aggregate interval believed (the recorder's longest is 1 h). */
#define FR_INCARN_MAX_SPAN_NS (86400LL * 1000000000LL)
/* Ended incarnations are kept at least this long after the newest record,
 * and longer when aggregate intervals are longer. */
#define FR_INCARN_KEEP_NS 60000000000LL

struct fr_incarn {
	int64_t pk, start, end;
};

struct fr_incarn_entry {
	struct fr_incarn inc;
	uint32_t node, pid;
	uint64_t prev; /* sequence number of the pid's previous entry, UINT64_MAX: none */
};

/* Ended incarnations in the order they ended, oldest first. */
struct fr_incarn_past {
	struct fr_incarn_entry *e;
	size_t head, n, cap;	/* live entries are e[head..n) */
	uint64_t base;		/* sequence number of e[0] */
	struct fr_idmap newest; /* (node, pid) -> sequence number of its newest entry */
};

/* Remember an ended incarnation. Return: 0 or -ENOMEM. */
int fr_incarn_past__add(struct fr_incarn_past *p, uint32_t node, uint32_t pid,
			const struct fr_incarn *inc);

/*
 * Choose, by the rule above, between `live` (NULL: none) and the ended
 * incarnations of (node, pid) for a record covering [from, to].
 * Return: 1 `live`, 0 an ended one (its pk in *pk), -ENOENT no candidate.
 */
int fr_incarn_past__pick(struct fr_incarn_past *p, uint32_t node, uint32_t pid,
			 const struct fr_incarn *live, int64_t from, int64_t to, int64_t tail,
			 int64_t *pk);

/* Forget, oldest first, the incarnations of other nodes than `node` and
 * those that ended before `before`. */
void fr_incarn_past__prune(struct fr_incarn_past *p, uint32_t node, int64_t before);

void fr_incarn_past__free(struct fr_incarn_past *p);

#endif /* FR_ANALYZER_REPLAY_INCARN_H */
