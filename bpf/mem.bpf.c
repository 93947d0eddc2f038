// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Memory: user and kernel page faults (x86 exceptions tracepoints),
 * kmalloc and page allocations, and OOM kills (oom:mark_victim, always
 * streamed, with the victim's memory counters read with CO-RE).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"
#include "core_fixes.bpf.h"

const struct fr_page_fault *unused_fr_page_fault __attribute__((unused));
const struct fr_mem_alloc *unused_fr_mem_alloc __attribute__((unused));
const struct fr_oom_kill *unused_fr_oom_kill __attribute__((unused));
const struct fr_mem_val *unused_fr_mem_val __attribute__((unused));

#define FR_PAGE_SHIFT 12

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FR_AGG_ENTRIES);
	__type(key, __u32);
	__type(value, struct fr_mem_val);
} mem_agg SEC(".maps");

static const struct fr_mem_val zero_val;

static __always_inline struct fr_mem_val *agg_slot(void)
{
	__u32 tgid = fr_agg_tgid(bpf_get_current_pid_tgid() >> 32);

	return fr_agg_slot(&mem_agg, &tgid, &zero_val);
}

static __always_inline int handle_fault(unsigned long address, unsigned long error_code, bool user)
{
	struct fr_page_fault *e;
	struct fr_mem_val *v;

	if (!fr_current_selected())
		return 0;
	if (!targ_stream) {
		v = agg_slot();
		if (v)
			__sync_fetch_and_add(user ? &v->user_faults : &v->kernel_faults, 1);
		return 0;
	}
	e = fr_reserve(sizeof(*e), FR_OP_PAGE_FAULT);
	if (!e)
		return 0;
	e->address = address;
	e->error_code = error_code;
	e->user = user;
	fr_submit(e);
	return 0;
}

static __always_inline int handle_alloc(__u64 bytes, __u32 source)
{
	struct fr_mem_alloc *e;
	struct fr_mem_val *v;

	if (!fr_current_selected())
		return 0;
	if (!targ_stream) {
		v = agg_slot();
		if (v) {
			__sync_fetch_and_add(&v->allocs, 1);
			__sync_fetch_and_add(&v->alloc_bytes, bytes);
		}
		return 0;
	}
	e = fr_reserve(sizeof(*e), FR_OP_MEM_ALLOC);
	if (!e)
		return 0;
	e->bytes = bytes;
	e->source = source;
	e->count = 1;
	fr_submit(e);
	return 0;
}

static __always_inline __u64 rss_kb(const struct mm_struct *mm, int member)
{
	__s64 pages = fr_mm_rss_pages(mm, member);

	return pages > 0 ? (__u64)pages << (FR_PAGE_SHIFT - 10) : 0;
}

static __always_inline int handle_oom(struct task_struct *victim, __u32 uid)
{
	struct mm_struct *mm = BPF_CORE_READ(victim, mm);
	struct fr_oom_kill *e;

	/* the kill runs in whichever task hit the limit: report the victim */
	e = fr_reserve(sizeof(*e), FR_OP_OOM_KILL);
	if (!e)
		return 0;
	e->hdr.pid = BPF_CORE_READ(victim, tgid);
	e->hdr.tid = BPF_CORE_READ(victim, pid);
	e->cgroup_id = BPF_CORE_READ(victim, cgroups, dfl_cgrp, kn, id);
	e->total_vm_kb = mm ? BPF_CORE_READ(mm, total_vm) << (FR_PAGE_SHIFT - 10) : 0;
	e->anon_rss_kb = mm ? rss_kb(mm, MM_ANONPAGES) : 0;
	e->file_rss_kb = mm ? rss_kb(mm, MM_FILEPAGES) : 0;
	e->shmem_rss_kb = mm ? rss_kb(mm, MM_SHMEMPAGES) : 0;
	e->uid = uid;
	e->oom_score_adj = BPF_CORE_READ(victim, signal, oom_score_adj);
	BPF_CORE_READ_STR_INTO(&e->comm, victim, comm);
	fr_submit(e);
	return 0;
}

FR_TRACEPOINT(page_fault_user, handle_fault_user, handle_fault(address, error_code, true),
	      unsigned long address, struct pt_regs *regs, unsigned long error_code)

FR_TRACEPOINT(page_fault_kernel, handle_fault_kernel, handle_fault(address, error_code, false),
	      unsigned long address, struct pt_regs *regs, unsigned long error_code)

FR_TRACEPOINT(kmalloc, handle_kmalloc, ptr ? handle_alloc(bytes_alloc, FR_ALLOC_KMALLOC) : 0,
	      unsigned long call_site, const void *ptr, size_t bytes_req, size_t bytes_alloc)

FR_TRACEPOINT(mm_page_alloc, handle_page_alloc,
	      page ? handle_alloc(4096ull << order, FR_ALLOC_PAGE) : 0, struct page *page,
	      unsigned int order)

FR_TRACEPOINT(mark_victim, handle_oom, handle_oom(victim, uid), struct task_struct *victim,
	      uid_t uid)
