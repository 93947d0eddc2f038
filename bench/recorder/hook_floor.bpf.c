// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Empty programs on the syscall tracepoints: what the kernel charges for
 * calling any BPF program there, before a recorder does any work. The
 * recorder benchmark prints the workloads under these as the floor that no
 * per-call recording can beat on the machine at hand.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
