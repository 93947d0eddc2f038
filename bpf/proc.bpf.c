// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Process lifecycle: exec, exit (of the whole thread group) and fork of new
 * processes. Low volume, always streamed. Every program exists as tp_btf
 * and as raw_tp; the recorder loads one of the two.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"

/* clang 14 emits BTF for ABI structs only when a global mentions them */
const struct fr_proc_exec *unused_fr_proc_exec __attribute__((unused));

static __always_inline int handle_exec(struct task_struct *task, struct linux_binprm *bprm)
{
	struct fr_proc_exec *e;
	const char *filename;

	if (!fr_current_selected())
		return 0;
	e = fr_reserve(sizeof(*e), FR_OP_PROC_EXEC);
	if (!e)
		return 0;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	filename = BPF_CORE_READ(bprm, filename);
	if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename) < 0)
		e->filename[0] = '\0';
	fr_submit(e);
	return 0;
}

static __always_inline int handle_exit(struct task_struct *task)
{
	struct fr_proc_exit *e;

	/*
	 * One record per process, when its last thread leaves. signal->live
	 * is decremented before the tracepoint on every kernel, unlike the
	 * group_dead argument that only newer kernels pass.
	 */
	if (BPF_CORE_READ(task, signal, live.counter) != 0 || !fr_current_selected())
		return 0;
	e = fr_reserve(sizeof(*e), FR_OP_PROC_EXIT);
	if (!e)
		return 0;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->runtime_ns = e->hdr.ts_ns - BPF_CORE_READ(task, start_boottime);
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	/* exit_code: status << 8 or the signal number, as wait(2) reports */
	e->exit_code = BPF_CORE_READ(task, exit_code);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	fr_submit(e);
	return 0;
}

static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	struct fr_proc_fork *e;
	__u32 pid = BPF_CORE_READ(child, pid);
	__u32 tgid = BPF_CORE_READ(child, tgid);

	/* new threads are not new processes */
	if (pid != tgid || !fr_current_selected())
		return 0;
	e = fr_reserve(sizeof(*e), FR_OP_PROC_FORK);
	if (!e)
		return 0;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->child_pid = tgid;
	e->child_tid = pid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	fr_submit(e);
	return 0;
}

FR_TRACEPOINT(sched_process_exec, handle_exec, handle_exec(p, bprm), struct task_struct *p,
	      pid_t old_pid, struct linux_binprm *bprm)

FR_TRACEPOINT(sched_process_exit, handle_exit, handle_exit(p), struct task_struct *p)

FR_TRACEPOINT(sched_process_fork, handle_fork, handle_fork(parent, child),
	      struct task_struct *parent, struct task_struct *child)
