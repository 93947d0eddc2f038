// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * File I/O on the syscall tracepoints of read, write, pread64, pwrite64,
 * readv, writev and openat: bytes, latency and errors, streamed per call or
 * aggregated per (pid, op); opens are always streamed with their path.
 * Per-syscall tracepoints (not raw_syscalls) so other syscalls pay nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"
#include "file_acct.bpf.h"

struct call_start {
	__u64 ts_ns;
	__u64 arg; /* openat: user pointer to the path; else unused */
	__s32 fd;
	__u32 flags;
};

struct {
	/* LRU: entries of threads killed mid-call (or sockets never closed
	 * in our sight) must not pile up until the map refuses new ones */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FR_TRACK_ENTRIES);
	__type(key, __u32); /* tid */
	__type(value, struct call_start);
} file_start SEC(".maps");

static __always_inline int on_enter(__s32 fd, __u64 arg, __u32 flags)
{
	struct call_start s = {.fd = fd, .arg = arg, .flags = flags};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!fr_current_selected())
		return 0;
	s.ts_ns = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&file_start, &tid, &s, BPF_ANY))
		fr_count_loss(FR_LOSS_TRACK_MAP_FULL);
	return 0;
}

static __always_inline int on_exit(__u32 op, long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), now;
	__u32 tid = (__u32)id;
	struct call_start *s = bpf_map_lookup_elem(&file_start, &tid);

	if (!s)
		return 0;
	now = bpf_ktime_get_boot_ns();
	if (op == FR_FILE_OPENAT)
		fr_file_open(id, now, now - s->ts_ns, ret, s->flags, (const void *)s->arg);
	else
		fr_file_io(id, now, op, s->fd, ret, now - s->ts_ns, targ_stream);
	bpf_map_delete_elem(&file_start, &tid);
	return 0;
}

#define FILE_SYSCALL(sc, op)                                                                       \
	SEC("tracepoint/syscalls/sys_enter_" #sc)                                                  \
	int handle_enter_##sc(struct syscall_trace_enter *ctx)                                     \
	{                                                                                          \
		return on_enter((__s32)ctx->args[0], 0, 0);                                        \
	}                                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #sc)                                                   \
	int handle_exit_##sc(struct syscall_trace_exit *ctx)                                       \
	{                                                                                          \
		return on_exit(op, ctx->ret);                                                      \
	}

FILE_SYSCALL(read, FR_FILE_READ)
FILE_SYSCALL(write, FR_FILE_WRITE)
FILE_SYSCALL(pread64, FR_FILE_PREAD)
FILE_SYSCALL(pwrite64, FR_FILE_PWRITE)
FILE_SYSCALL(readv, FR_FILE_READV)
FILE_SYSCALL(writev, FR_FILE_WRITEV)

SEC("tracepoint/syscalls/sys_enter_openat")
int handle_enter_openat(struct syscall_trace_enter *ctx)
{
	return on_enter((__s32)ctx->args[0], ctx->args[1], (__u32)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int handle_exit_openat(struct syscall_trace_exit *ctx)
{
	return on_exit(FR_FILE_OPENAT, ctx->ret);
}
