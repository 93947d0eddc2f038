/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CO-RE shims for kernel structs that changed shape: each reads the field
 * the running kernel has, chosen at load time by libbpf. One commit
 * reference per shim.
 */
#ifndef FR_BPF_CORE_FIXES_BPF_H
#define FR_BPF_CORE_FIXES_BPF_H

/*
 * commit 2f064a59a11f ("sched: Change task_struct::state") renamed
 * task_struct::state to __state (5.14).
 */
struct task_struct___o {
	volatile long int state;
} __attribute__((preserve_access_index));

struct task_struct___x {
	unsigned int __state;
} __attribute__((preserve_access_index));

static __always_inline __u32 fr_task_state(const void *task)
{
	const struct task_struct___x *t = task;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((const struct task_struct___o *)task, state);
}

/*
 * commit f1a7941243c1 ("mm: convert mm's rss stats into percpu_counter")
 * (6.2) made mm->rss_stat an array of percpu_counter; before, it was
 * struct mm_rss_stat { atomic_long_t count[NR_MM_COUNTERS]; }.
 */
struct mm_rss_stat___o {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___o {
	struct mm_rss_stat___o rss_stat;
} __attribute__((preserve_access_index));

/* Pages counted in rss_stat[member] (approximate: per-CPU deltas not folded in). */
static __always_inline __s64 fr_mm_rss_pages(const struct mm_struct *mm, int member)
{
	if (bpf_core_type_exists(struct mm_rss_stat___o))
		return BPF_CORE_READ((const struct mm_struct___o *)mm,
				     rss_stat.count[member].counter);
	return BPF_CORE_READ(mm, rss_stat[member].count);
}

#endif /* FR_BPF_CORE_FIXES_BPF_H */
