/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hash map from (node, 64-bit id) to a 64-bit value, for the replay's live
 * process and socket tables: memory grows with what is alive, not with the
 * number of events.
 */
#ifndef FR_ANALYZER_REPLAY_IDMAP_H
#define FR_ANALYZER_REPLAY_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct fr_idmap_slot {
	uint64_t id;
	uint32_t node; /* 0: empty slot; callers' nodes are >= 1 */
	uint64_t value;
};

struct fr_idmap {
	struct fr_idmap_slot *slots;
	size_t cap, n; /* cap is a power of two */
};

/* Pointer to the value, or NULL when absent. Valid until the next put/del. */
uint64_t *fr_idmap__get(struct fr_idmap *m, uint32_t node, uint64_t id);

/* Insert or replace. Return: 0 or -ENOMEM. */
int fr_idmap__put(struct fr_idmap *m, uint32_t node, uint64_t id, uint64_t value);

/* Remove; absent keys are fine. */
void fr_idmap__del(struct fr_idmap *m, uint32_t node, uint64_t id);

void fr_idmap__free(struct fr_idmap *m);

#endif /* FR_ANALYZER_REPLAY_IDMAP_H */
