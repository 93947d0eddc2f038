// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Scheduler: CPU runtime per task, context switches (voluntary or not) and
 * run-queue latency from wakeup (or preemption) to running, as runqlat
 * measures it. Aggregate mode (default) keeps per-pid counters and a log2
 * run-queue latency histogram; stream mode emits one record per switch.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"
#include "core_fixes.bpf.h"

const struct fr_sched_switch *unused_fr_sched_switch __attribute__((unused));
const struct fr_sched_val *unused_fr_sched_val __attribute__((unused));

#define FR_TASK_RUNNING 0

/* tid -> time it became runnable */
struct {
	/* LRU: entries of threads killed mid-call (or sockets never closed
	 * in our sight) must not pile up until the map refuses new ones */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FR_TRACK_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} enqueued_at SEC(".maps");

/* per CPU: when the current task got the CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} oncpu_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FR_AGG_ENTRIES);
	__type(key, __u32);
	__type(value, struct fr_sched_val);
} sched_agg SEC(".maps");

static const struct fr_sched_val zero_val;

/* The recorder and the idle task are not workloads. */
static __always_inline bool task_selected(const struct task_struct *t, __u32 *tgid)
{
	__u32 pid = BPF_CORE_READ(t, pid);

	*tgid = BPF_CORE_READ(t, tgid);
	if (!pid || *tgid == filter_self_tgid)
		return false;
	return !filter_tgid || *tgid == filter_tgid;
}

static __always_inline int mark_enqueued(const struct task_struct *t)
{
	__u32 tid = BPF_CORE_READ(t, pid), tgid;
	__u64 now;

	if (!task_selected(t, &tgid))
		return 0;
	now = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&enqueued_at, &tid, &now, BPF_ANY))
		fr_count_loss(FR_LOSS_TRACK_MAP_FULL);
	return 0;
}

static __always_inline int handle_switch(bool preempt, struct task_struct *prev,
					 struct task_struct *next)
{
	__u32 zero = 0, prev_tid = BPF_CORE_READ(prev, pid), next_tid = BPF_CORE_READ(next, pid);
	__u64 now = bpf_ktime_get_boot_ns(), runtime = 0, runq = 0, *since, *queued;
	__u32 prev_tgid, next_tgid, prev_state = fr_task_state(prev);
	bool prev_sel = task_selected(prev, &prev_tgid);
	bool next_sel = task_selected(next, &next_tgid);
	struct fr_sched_switch *e;
	struct fr_sched_val *v;

	since = bpf_map_lookup_elem(&oncpu_since, &zero);
	if (since) {
		if (*since)
			runtime = now - *since;
		*since = now;
	}
	/* preempted while runnable: it waits in the run queue from now */
	if (prev_sel && prev_state == FR_TASK_RUNNING &&
	    bpf_map_update_elem(&enqueued_at, &prev_tid, &now, BPF_ANY))
		fr_count_loss(FR_LOSS_TRACK_MAP_FULL);
	if (next_sel) {
		queued = bpf_map_lookup_elem(&enqueued_at, &next_tid);
		if (queued) {
			runq = now - *queued;
			bpf_map_delete_elem(&enqueued_at, &next_tid);
		}
	}
	if (targ_stream) {
		if (!prev_sel && !next_sel)
			return 0;
		e = fr_reserve(sizeof(*e), FR_OP_SCHED_SWITCH);
		if (!e)
			return 0;
		/* process ids, as everywhere in the format; 0: a task not recorded */
		e->hdr.pid = next_sel ? next_tgid : 0;
		e->hdr.tid = next_sel ? next_tid : 0;
		e->runq_latency_ns = next_sel ? runq : 0;
		e->prev_runtime_ns = prev_sel ? runtime : 0;
		e->prev_pid = prev_sel ? prev_tgid : 0;
		e->prev_state = prev_state;
		fr_submit(e);
		return 0;
	}
	if (prev_sel) {
		prev_tgid = fr_agg_tgid(prev_tgid);
		v = fr_agg_slot(&sched_agg, &prev_tgid, &zero_val);
		if (v) {
			__sync_fetch_and_add(&v->runtime_ns, runtime);
			__sync_fetch_and_add(&v->switches, 1);
			if (prev_state == FR_TASK_RUNNING)
				__sync_fetch_and_add(&v->involuntary, 1);
		}
	}
	if (next_sel && runq) {
		next_tgid = fr_agg_tgid(next_tgid);
		v = fr_agg_slot(&sched_agg, &next_tgid, &zero_val);
		if (v) {
			__sync_fetch_and_add(&v->runq_count, 1);
			__sync_fetch_and_add(&v->runq_total_ns, runq);
			__sync_fetch_and_add(&v->hist[fr_log2_slot(runq)], 1);
		}
	}
	return 0;
}

FR_TRACEPOINT(sched_switch, handle_switch, handle_switch(preempt, prev, next), bool preempt,
	      struct task_struct *prev, struct task_struct *next)

FR_TRACEPOINT(sched_wakeup, handle_wakeup, mark_enqueued(p), struct task_struct *p)

FR_TRACEPOINT(sched_wakeup_new, handle_wakeup_new, mark_enqueued(p), struct task_struct *p)
