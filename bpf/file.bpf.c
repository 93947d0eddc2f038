// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * File I/O on the syscall tracepoints of read, write, pread64, pwrite64,
 * readv, writev, preadv, pwritev, preadv2, pwritev2, copy_file_range,
 * sendfile64, splice and openat: bytes, latency and errors, streamed per
 * call or aggregated per (pid, op, kind of descriptor); opens are always
 * streamed with their path. Per-syscall tracepoints (not raw_syscalls) so
 * other syscalls pay nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"
#include "file_acct.bpf.h"

struct call_start {
	__u64 ts_ns;
	__u64 args[3]; /* the call's first three arguments */
};

struct {
	/* LRU: entries of threads killed mid-call (or sockets never closed
	 * in our sight) must not pile up until the map refuses new ones */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FR_TRACK_ENTRIES);
	__type(key, __u32); /* tid */
	__type(value, struct call_start);
} file_start SEC(".maps");

static __always_inline int on_enter(const struct syscall_trace_enter *ctx)
{
	struct call_start s = {.args = {ctx->args[0], ctx->args[1], ctx->args[2]}};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!fr_current_selected())
		return 0;
	s.ts_ns = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&file_start, &tid, &s, BPF_ANY))
		fr_count_loss(FR_LOSS_TRACK_MAP_FULL);
	return 0;
}

static __always_inline int on_exit(__u16 op, long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), now;
	__u32 tid = (__u32)id;
	struct call_start *s = bpf_map_lookup_elem(&file_start, &tid);

	if (!s)
		return 0;
	now = bpf_ktime_get_boot_ns();
	fr_file_call(id, now, op, s->args[0], s->args[1], s->args[2], ret, now - s->ts_ns,
		     targ_stream, false);
	bpf_map_delete_elem(&file_start, &tid);
	return 0;
}

#define FILE_SYSCALL(sc, op)                                                                       \
	SEC("tracepoint/syscalls/sys_enter_" #sc)                                                  \
	int handle_enter_##sc(struct syscall_trace_enter *ctx)                                     \
	{                                                                                          \
		return on_enter(ctx);                                                              \
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
FILE_SYSCALL(preadv, FR_FILE_PREADV)
FILE_SYSCALL(pwritev, FR_FILE_PWRITEV)
FILE_SYSCALL(preadv2, FR_FILE_PREADV2)
FILE_SYSCALL(pwritev2, FR_FILE_PWRITEV2)
FILE_SYSCALL(copy_file_range, FR_FILE_COPY_IN)
FILE_SYSCALL(sendfile64, FR_FILE_SENDFILE_IN)
FILE_SYSCALL(splice, FR_FILE_SPLICE_IN)
FILE_SYSCALL(openat, FR_FILE_OPENAT)
