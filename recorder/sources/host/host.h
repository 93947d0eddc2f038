/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host source: the process table. Each segment starts with a snapshot
 * of /proc (pid, ppid, comm, exe, cgroup, container id); between
 * snapshots, the kernel source reports every exec and exit, and this
 * source turns each into a META_CHANGE record on its own thread, so
 * reading /proc never stalls the drain of the kernel's ring buffers.
 * Requests and records travel through bounded queues; what they refuse is
 * counted and written as statistics of source "host".
 */
#ifndef FR_RECORDER_HOST_SOURCE_H
#define FR_RECORDER_HOST_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rotate.h"
#include "source.h"

struct fr_host_source;

struct fr_host_source_opts {
	const char *host;   /* this node's name, in snapshots */
	size_t queue_bytes; /* each of the two queues; 0: 4 MiB */
};

/* Start the source and its thread. Return: 0 or -errno. */
int fr_host_source__new(const struct fr_host_source_opts *o, struct fr_host_source **out);

enum fr_process_event { FR_PROCESS_EXEC, FR_PROCESS_EXIT };

/*
 * A process exec'd or exited at ts_ns (from any thread; never blocks).
 * `comm` need not be NUL-terminated within comm_cap; `exe` may be NULL.
 */
void fr_host_source__process_event(struct fr_host_source *h, enum fr_process_event ev, uint32_t pid,
				   uint32_t ppid, const char *comm, size_t comm_cap,
				   const char *exe, uint64_t ts_ns);

/* The loop's view of it. */
void fr_host_source__as_source(struct fr_host_source *h, struct fr_source *s);

/* Stops the thread first. Accepts NULL. */
void fr_host_source__free(struct fr_host_source *h);

#endif /* FR_RECORDER_HOST_SOURCE_H */
