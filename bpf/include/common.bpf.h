/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every flightrec BPF object shares: its ring buffer, its per-CPU loss
 * counters, the process filter and the low-wakeup submit path.
 *
 * Each object gets its own copy of these maps and of the rodata below; the
 * recorder sets the rodata between open and load.
 */
#ifndef FR_BPF_COMMON_BPF_H
#define FR_BPF_COMMON_BPF_H

#include "fr_abi.h"

/* Filled by the recorder before load. */
const volatile __u32 filter_self_tgid = 0;   /* never trace the recorder itself */
const volatile __u32 filter_tgid = 0;	     /* 0: every process */
const volatile bool filter_cgroup = false;   /* only tasks under cgroup_filter[0] */
const volatile __u64 filter_cgroup_id = 0;   /* that directory's cgroup v2 id */
const volatile __u64 wakeup_bytes = 1 << 20; /* wake the reader past this much unread data */
const volatile bool targ_stream = false;     /* stream mode, else aggregate */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by the recorder */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FR_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

/*
 * Task t (not necessarily current) under the --cgroup directory: its
 * cgroup v2 or an ancestor has the directory's id. Bounded walk up the
 * tree (css.parent; self is the first member of struct cgroup).
 */
#define FR_CGROUP_MAX_DEPTH 32
static __always_inline bool fr_task_in_cgroup(const struct task_struct *t)
{
	const struct cgroup *cg = BPF_CORE_READ(t, cgroups, dfl_cgrp);

	for (int i = 0; i < FR_CGROUP_MAX_DEPTH && cg; i++) {
		if (BPF_CORE_READ(cg, kn, id) == filter_cgroup_id)
			return true;
		cg = (const struct cgroup *)BPF_CORE_READ(cg, self.parent);
	}
	return false;
}

static __always_inline void fr_count_losses(__u32 reason, __u64 count)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &reason);

	if (n)
		*n += count; /* per-CPU slot: no atomics needed */
}

static __always_inline void fr_count_loss(__u32 reason)
{
	fr_count_losses(reason, 1);
}

/* Is the task with this bpf_get_current_pid_tgid() value one we record? */
static __always_inline bool fr_id_selected(__u64 id)
{
	__u32 tgid = id >> 32;

	if (tgid == filter_self_tgid)
		return false;
	if (filter_tgid && tgid != filter_tgid)
		return false;
	if (filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	return true;
}

/* Is the current task one we record? Cheapest checks first. */
static __always_inline bool fr_current_selected(void)
{
	return fr_id_selected(bpf_get_current_pid_tgid());
}

/*
 * Reserve a record and fill its header for the task `id` (a
 * bpf_get_current_pid_tgid() value) at time `ts`: hot paths pass values
 * they already have rather than calling the helpers twice.
 */
static __always_inline void fr_hdr_fill(struct fr_hdr *h, __u32 size, __u16 op, __u64 id, __u64 ts)
{
	h->ts_ns = ts;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->op = op;
	h->size = size;
	h->cpu = bpf_get_smp_processor_id();
}

static __always_inline void *fr_reserve_at(__u32 size, __u16 op, __u64 id, __u64 ts)
{
	struct fr_hdr *h = bpf_ringbuf_reserve(&events, size, 0);

	if (!h) {
		fr_count_loss(FR_LOSS_RINGBUF_FULL);
		return NULL;
	}
	fr_hdr_fill(h, size, op, id, ts);
	return h;
}

/* Reserve a record and fill its header for the current task, now. */
static __always_inline void *fr_reserve(__u32 size, __u16 op)
{
	return fr_reserve_at(size, op, bpf_get_current_pid_tgid(), bpf_ktime_get_boot_ns());
}

/*
 * Waking the reader on every record costs more than the record itself, so
 * the reader drains on a short timer and is only woken early when the ring
 * fills past wakeup_bytes.
 */
static __always_inline __u64 fr_wakeup_flag(void)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	return avail >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void fr_submit(void *rec)
{
	bpf_ringbuf_submit(rec, fr_wakeup_flag());
}

/* Copy `size` bytes of records onto the ring, waking the reader as
 * fr_submit does. Return: 0, or non-zero when the ring had no room. */
static __always_inline long fr_output(void *data, __u32 size)
{
	return bpf_ringbuf_output(&events, data, size, fr_wakeup_flag());
}

static __always_inline __u32 fr_log2_slot(__u64 v)
{
	__u32 slot = 0;

	/* branchy binary search: bounded for the verifier, no loops */
	if (v >= (1ull << 32)) {
		v >>= 32;
		slot += 32;
	}
	if (v >= (1u << 16)) {
		v >>= 16;
		slot += 16;
	}
	if (v >= (1u << 8)) {
		v >>= 8;
		slot += 8;
	}
	if (v >= (1u << 4)) {
		v >>= 4;
		slot += 4;
	}
	if (v >= (1u << 2)) {
		v >>= 2;
		slot += 2;
	}
	if (v >= (1u << 1))
		slot += 1;
	return slot < FR_HIST_SLOTS ? slot : FR_HIST_SLOTS - 1;
}

/* Generation of the aggregate keys: .bss, flipped by the recorder at run time. */
volatile __u32 agg_gen = 0;

/* The leading key word of an aggregate entry for tgid (see FR_AGG_GEN_BIT). */
static __always_inline __u32 fr_agg_tgid(__u32 tgid)
{
	return agg_gen ? tgid | FR_AGG_GEN_BIT : tgid;
}

/* Value slot for key in a hash map, created zeroed when missing. */
static __always_inline void *fr_agg_slot(void *map, const void *key, const void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	if (bpf_map_update_elem(map, key, zero, BPF_NOEXIST) &&
	    bpf_map_lookup_elem(map, key) == NULL) {
		fr_count_loss(FR_LOSS_AGG_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

/*
 * Every tracepoint program exists twice: tp_btf (typed arguments, cheaper)
 * and raw_tp (kernels without BTF tracepoints); the recorder loads one.
 * `call` is the shared handler invoked with the named arguments.
 */
#define FR_TRACEPOINT(tp, prog, call, args...)                                                     \
	SEC("tp_btf/" #tp)                                                                         \
	int BPF_PROG(prog##_btf, args)                                                             \
	{                                                                                          \
		return call;                                                                       \
	}                                                                                          \
	SEC("raw_tp/" #tp)                                                                         \
	int BPF_PROG(prog##_raw, args)                                                             \
	{                                                                                          \
		return call;                                                                       \
	}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#endif /* FR_BPF_COMMON_BPF_H */
