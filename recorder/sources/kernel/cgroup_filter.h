/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --cgroup DIR for the BPF programs. A program running in the selected
 * task's context asks bpf_current_task_under_cgroup with the directory in
 * the cgroup_filter map; one judging another task (sched_switch's next,
 * sched_wakeup's woken task) walks that task's cgroup v2 ancestors for
 * the directory's id (filter_cgroup_id).
 */
#ifndef FR_RECORDER_CGROUP_FILTER_H
#define FR_RECORDER_CGROUP_FILTER_H

#include <stdint.h>

struct bpf_object;

/* The cgroup v2 id (its kernfs node id) of directory `dir`. Return 0 or -errno. */
int fr_cgroup_filter__id(const char *dir, unsigned long long *id);

/* Put `dir` in `obj`'s cgroup_filter map (after load). Return 0 or -errno. */
int fr_cgroup_filter__apply(struct bpf_object *obj, const char *dir);

#endif /* FR_RECORDER_CGROUP_FILTER_H */
