/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A source of records: the kernel's BPF programs (sources/kernel), the
 * host's process table (sources/host), and next Hubble and Kubernetes.
 * The event loop (main.c) owns the one writer (the rotor) and drives
 * every source through these hooks, so a new source is wired in one
 * place. A source that runs its own thread hands records to the loop
 * through a bounded queue (queue.h) whose overflow it counts as its own
 * loss; its fd wakes the loop. Every hook returns 0 or -errno; a hook may
 * be NULL.
 */
#ifndef FR_RECORDER_SOURCE_H
#define FR_RECORDER_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "format/writer.h"

struct fr_rotor;

/* Lifecycle: created by its module; snapshot (the first segment opens);
 * start; drain and on_interval while recording; stop; free. */
struct fr_source {
	const char *name; /* "kernel", "host", ...: the statistics records' source */
	void *ctx;
	/* After start: the fds the loop polls for EPOLLIN (at most max, put
	 * in fds). Return: how many. */
	int (*fds)(void *ctx, int *fds, int max);
	/* true: drain only when an fd was readable (a queue: an idle drain would
	 * cost a syscall per wake); false: at every wake of the loop (rings
	 * that submit without wakeups). Both are drained at every interval. */
	bool drain_when_ready;
	/* The first segment is open: produce into `rotor` from now on (it
	 * outlives the source; its writer changes at rotation). */
	int (*start)(void *ctx, struct fr_rotor *rotor);
	/* Move waiting records into the writer. Return: records moved, or -errno. */
	int (*drain)(void *ctx);
	/* Every --interval: aggregates, statistics of what was seen and lost. */
	int (*on_interval)(void *ctx, uint64_t now_ns);
	/* At the start of every segment, after the clock sync: what a reader
	 * of this segment alone needs (names, status, a metadata snapshot). */
	int (*snapshot)(void *ctx, struct fr_writer *w, uint64_t now_ns);
	/* Stop producing, then the final drain and statistics. */
	int (*stop)(void *ctx, uint64_t now_ns);
	void (*free)(void *ctx);
};

#endif /* FR_RECORDER_SOURCE_H */
