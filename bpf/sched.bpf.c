// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Scheduler: CPU time per process, context switches (voluntary or not) and
 * run-queue latency from wakeup (or preemption) to running, as runqlat
 * measures it. Aggregate mode (default) keeps per-pid counters and a log2
 * run-queue latency histogram; stream mode emits one record per switch.
 *
 * CPU time is the kernel's own: the growth of se.sum_exec_runtime (what
 * /proc/PID/schedstat and the CPU clocks report) over each stint on a CPU.
 * __schedule() has run update_curr() for prev (in the dequeue of a task
 * going to sleep, or in put_prev_task()) before trace_sched_switch, and
 * nothing adds to a task's sum while it is off the CPU, so the sum of next
 * at the switch is where its stint starts and the sum of prev where its
 * stint ends. (Timing the switches with the clock instead gave half the
 * kernel's figure for a task that sleeps 1 ms at a time.) A task still on a
 * CPU when the recording starts or stops is booked by book_oncpu, which the
 * recorder runs on every CPU at those times and before each aggregate read.
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

/* The task a CPU runs and, if recorded, its sum when it got the CPU. */
struct fr_oncpu {
	__u64 task; /* task_struct address (unique while it runs, kept over exec); 0: none yet */
	__u64 sum_ns;
};

/* prio of the first fair-class task (kernel MAX_RT_PRIO): below are rt, dl and stop */
#define FR_MAX_RT_PRIO 100

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fr_oncpu);
} oncpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FR_AGG_ENTRIES);
	__type(key, __u32);
	__type(value, struct fr_sched_val);
} sched_agg SEC(".maps");

static const struct fr_sched_val zero_val;

/* The recorder and the idle task are not workloads. current: t is the
 * running task, whose cgroup the kernel answers for in one helper call. */
static __always_inline bool task_selected(const struct task_struct *t, __u32 *tgid, bool current)
{
	__u32 pid = BPF_CORE_READ(t, pid);

	*tgid = BPF_CORE_READ(t, tgid);
	if (!pid || *tgid == filter_self_tgid)
		return false;
	if (filter_tgid && *tgid != filter_tgid)
		return false;
	if (!filter_cgroup)
		return true;
	/* another task (next, the woken one): walk its cgroups */
	return current ? bpf_current_task_under_cgroup(&cgroup_filter, 0) == 1
		       : fr_task_in_cgroup(t);
}

static __always_inline int mark_enqueued(const struct task_struct *t)
{
	__u32 tid = BPF_CORE_READ(t, pid), tgid;
	__u64 now;

	if (!task_selected(t, &tgid, false))
		return 0;
	now = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&enqueued_at, &tid, &now, BPF_ANY))
		fr_count_loss(FR_LOSS_TRACK_MAP_FULL);
	return 0;
}

/*
 * What task t, on this CPU, ran since it got the CPU (or since the last
 * book_oncpu); then the slot restarts its stint. When the slot names
 * another task, t's switch-in went unseen: the tracepoint does not report
 * every switch (on this project's 6.18 VMs the switches away from pid 1's
 * threads never fire it). The fair class keeps the stint's start in
 * se.prev_sum_exec_runtime (set at each pick; equal to the slot in every
 * switch checked); other classes do not, and their stint is lost. An empty
 * slot is a CPU not seen since the attach: no guess there, since a stint
 * begun before the recording can be hours long.
 */
static __always_inline __u64 oncpu_stint(struct fr_oncpu *cpu, const struct task_struct *t,
					 bool btf)
{
	/* a tp_btf argument is a trusted pointer: a plain (CO-RE) load, no helper call */
	__u64 sum = btf ? t->se.sum_exec_runtime : BPF_CORE_READ(t, se.sum_exec_runtime);
	__u64 start = sum;

	if (cpu->task == (__u64)t)
		start = cpu->sum_ns;
	else if (cpu->task && BPF_CORE_READ(t, prio) >= FR_MAX_RT_PRIO)
		start = BPF_CORE_READ(t, se.prev_sum_exec_runtime);
	cpu->task = (__u64)t;
	cpu->sum_ns = sum;
	return sum > start ? sum - start : 0;
}

/* next gets the CPU: its stint starts at its sum now (nothing to book). */
static __always_inline void oncpu_start(struct fr_oncpu *cpu, const struct task_struct *t, bool btf)
{
	cpu->task = (__u64)t;
	cpu->sum_ns = btf ? t->se.sum_exec_runtime : BPF_CORE_READ(t, se.sum_exec_runtime);
}

static __always_inline void book_runtime(__u32 tgid, __u64 ran)
{
	struct fr_sched_val *v;

	tgid = fr_agg_tgid(tgid);
	v = fr_agg_slot(&sched_agg, &tgid, &zero_val);
	if (v)
		__sync_fetch_and_add(&v->runtime_ns, ran);
}

static __always_inline int handle_switch(bool preempt, struct task_struct *prev,
					 struct task_struct *next, bool btf)
{
	__u32 zero = 0, prev_tid = BPF_CORE_READ(prev, pid), next_tid = BPF_CORE_READ(next, pid);
	__u32 prev_tgid, next_tgid, prev_state = fr_task_state(prev);
	bool prev_sel = task_selected(prev, &prev_tgid, true); /* prev is current */
	bool next_sel = task_selected(next, &next_tgid, false);
	__u64 now = 0, runtime = 0, runq = 0, *queued;
	struct fr_sched_switch *e;
	struct fr_oncpu *cpu;
	struct fr_sched_val *v;

	cpu = bpf_map_lookup_elem(&oncpu, &zero);
	if (cpu) {
		if (prev_sel)
			runtime = oncpu_stint(cpu, prev, btf);
		if (next_sel)
			oncpu_start(cpu, next, btf);
		else
			cpu->task = (__u64)next; /* seen, not recorded */
	}
	/* preempted while runnable: it waits in the run queue from now */
	if (prev_sel && prev_state == FR_TASK_RUNNING) {
		now = bpf_ktime_get_boot_ns();
		if (bpf_map_update_elem(&enqueued_at, &prev_tid, &now, BPF_ANY))
			fr_count_loss(FR_LOSS_TRACK_MAP_FULL);
	}
	if (next_sel) {
		queued = bpf_map_lookup_elem(&enqueued_at, &next_tid);
		if (queued) {
			now = now ?: bpf_ktime_get_boot_ns();
			runq = now - *queued;
			bpf_map_delete_elem(&enqueued_at, &next_tid);
		}
	}
	if (targ_stream) {
		if (!prev_sel && !next_sel)
			return 0;
		e = fr_reserve_at(sizeof(*e), FR_OP_SCHED_SWITCH, 0,
				  now ?: bpf_ktime_get_boot_ns());
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

/*
 * Book what the task on this CPU ran since its slot was set (its switch-in,
 * or the previous run of this program) and restart its stint here. Not
 * attached: the recorder runs it on each CPU (BPF_PROG_TEST_RUN with
 * BPF_F_TEST_RUN_ON_CPU, an IPI, so `current` is the task it interrupted)
 * after attaching, before each aggregate read and before detaching. Its
 * figures go to sched_agg in both modes. The sum it reads is as of the
 * kernel's last update_curr() for the task (at most a scheduler tick old):
 * that much of a stint is booked late, and at the stop not at all.
 */
SEC("raw_tp")
int book_oncpu(void *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fr_oncpu *cpu;
	__u32 zero = 0, tgid;
	__u64 ran;

	cpu = bpf_map_lookup_elem(&oncpu, &zero);
	if (!cpu)
		return 0;
	if (!task_selected(t, &tgid, true)) { /* the IPI runs in t's context */
		cpu->task = (__u64)t;	      /* seen, not recorded */
		return 0;
	}
	ran = oncpu_stint(cpu, t, false);
	if (ran)
		book_runtime(tgid, ran);
	return 0;
}

/* FR_TRACEPOINT's twins, by hand: the tp_btf one reads the sums directly */
SEC("tp_btf/sched_switch")
int BPF_PROG(handle_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(preempt, prev, next, true);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(handle_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(preempt, prev, next, false);
}

FR_TRACEPOINT(sched_wakeup, handle_wakeup, mark_enqueued(p), struct task_struct *p)

FR_TRACEPOINT(sched_wakeup_new, handle_wakeup_new, mark_enqueued(p), struct task_struct *p)
