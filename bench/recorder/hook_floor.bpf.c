// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Empty programs on the syscall tracepoints: what the kernel charges for
 * calling any BPF program there, before a recorder does any work. The
 * recorder benchmark prints the workloads under these as the floor that no
 * per-call recording can beat on the machine at hand.
 * floor_clock != 0: each program also reads a clock once and stores it per
 * CPU, the floor of any probe that times every call (1 ktime_get_ns,
 * 2 ktime_get_boot_ns; the coarse clock is not offered to tracing).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile int floor_clock = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} floor_sink SEC(".maps");

static __always_inline void read_clock(void)
{
	__u32 zero = 0;
	__u64 *slot, t;

	if (!floor_clock)
		return;
	if (floor_clock == 1)
		t = bpf_ktime_get_ns();
	else
		t = bpf_ktime_get_boot_ns();
	slot = bpf_map_lookup_elem(&floor_sink, &zero);
	if (slot)
		*slot = t;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id)
{
	read_clock();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	read_clock();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
