/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel probes: opens, configures, loads and attaches one BPF skeleton per
 * family, choosing tp_btf or its raw_tp fallback per tracepoint after
 * probing the kernel. A family that cannot load is left off with the errno
 * and a reason; the others keep running.
 */
#ifndef FR_RECORDER_PROBES_H
#define FR_RECORDER_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h> /* fr_abi.h uses the kernel's __u* types */

#include "config.h"
#include "fr_abi.h"

#define FR_PROBE_MAX_LINKS 32 /* the most programs a family attaches (file: 28) */

struct bpf_object;
struct bpf_link;

struct fr_family_probe {
	enum fr_family_id id;
	bool on;
	enum fr_mode mode;
	int err;	  /* 0 or -errno of the failure that turned it off */
	char detail[256]; /* why off, or notes such as optional tracepoints skipped */
	char attach[32];  /* "tp_btf", "raw_tp", "tracepoint" or a '+' list */
	void *skel;
	struct bpf_object *obj;
	void (*destroy)(void *skel);
	struct bpf_link *links[FR_PROBE_MAX_LINKS];
	unsigned nlinks;
	int ring_fd; /* -1 when none */
	int lost_fd;
	int agg_fd;
	int oncpu_fd; /* a program run on every CPU (fr_probes__run_oncpu), -1 when none */
	int stage_fd; /* stream records staged per CPU (fr_stage), -1 when none */
	volatile uint32_t *agg_gen; /* the object's agg_gen in its mapped .bss */
	void *bss;
	size_t bss_len;
};

struct fr_probes {
	struct fr_family_probe fam[FR_FAM_COUNT];
	uint32_t agg_gen; /* generation the programs write (FR_AGG_GEN_BIT) */
	int rcu_outer_fd; /* a map-in-map whose update waits for an RCU grace period */
	int rcu_inner_fd;
	/* CLOCK_BOOTTIME before the first attach: the first aggregate and
	 * statistics intervals start here, not when the segment opened */
	uint64_t start_ns;
};

/*
 * Load every family the configuration turns on. Families that fail are
 * recorded as off. Return: 0 when at least one family runs; else -errno
 * of the first failure (-EPERM not root, -ENOENT no BTF, ...). The probes
 * must be stopped with fr_probes__stop() in both cases.
 */
int fr_probes__start(struct fr_probes *p, const struct fr_config *cfg);

/*
 * Run every family's per-CPU program on each online CPU: the sched
 * family's book_oncpu books the CPU time of the tasks running there so
 * far. Call it before reading the aggregates and before detaching. Does
 * nothing once detached. Return: 0, or -errno of a failed run.
 */
int fr_probes__run_oncpu(struct fr_probes *p);

/* Detach every program (no new records) but keep maps for a final drain. */
void fr_probes__detach(struct fr_probes *p);

/* Detach and free everything. Safe on a partly started set. */
void fr_probes__stop(struct fr_probes *p);

/*
 * Make every aggregating program write the other generation of its keys and
 * wait until none still writes the old one. *old_gen: the generation (0 or
 * 1) that can now be drained without racing any update. Return: 0, or
 * -errno when the wait failed (reported; the drain may then race).
 */
int fr_probes__flip_aggregates(struct fr_probes *p, uint32_t *old_gen);

/* After fr_probes__detach(): wait for program runs still in flight. Return 0 or -errno. */
int fr_probes__quiesce(struct fr_probes *p);

/* Sum a family's per-CPU loss counters (cumulative since load). */
int fr_probes__read_lost(const struct fr_family_probe *f, uint64_t lost[FR_LOSS_MAX]);

/* Name of a loss counter, as written in statistics records. */
const char *fr_loss__name(unsigned reason);

/*
 * Can this process load BPF programs at all? Loads a trivial socket
 * filter. Return: 0, or -errno (-EPERM without CAP_BPF/CAP_SYS_ADMIN).
 */
int fr_probes__bpf_permitted(void);

#endif /* FR_RECORDER_PROBES_H */
