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

const struct fr_file_io *unused_fr_file_io __attribute__((unused));
const struct fr_file_open *unused_fr_file_open __attribute__((unused));
const struct fr_file_key *unused_fr_file_key __attribute__((unused));
const struct fr_file_val *unused_fr_file_val __attribute__((unused));

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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FR_AGG_ENTRIES);
	__type(key, struct fr_file_key);
	__type(value, struct fr_file_val);
} file_agg SEC(".maps");

static const struct fr_file_val zero_val;

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

static __always_inline int emit_open(const struct call_start *s, __u64 lat, long ret)
{
	struct fr_file_open *e = fr_reserve(sizeof(*e), FR_OP_FILE_OPEN);

	if (!e)
		return 0;
	e->latency_ns = lat;
	e->ret = ret;
	e->flags = s->flags;
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), (void *)s->arg) < 0)
		e->filename[0] = '\0';
	fr_submit(e);
	return 0;
}

static __always_inline int on_exit(__u32 op, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_start *s = bpf_map_lookup_elem(&file_start, &tid);
	struct fr_file_key key;
	struct fr_file_val *v;
	struct fr_file_io *e;
	__u64 lat;

	if (!s)
		return 0;
	lat = bpf_ktime_get_boot_ns() - s->ts_ns;
	if (op == FR_FILE_OPENAT) {
		emit_open(s, lat, ret);
	} else if (targ_stream) {
		e = fr_reserve(sizeof(*e), FR_OP_FILE_IO);
		if (e) {
			e->latency_ns = lat;
			e->ret = ret;
			e->op = op;
			e->fd = s->fd;
			fr_submit(e);
		}
	} else {
		key.pid = fr_agg_tgid(bpf_get_current_pid_tgid() >> 32);
		key.op = op;
		v = fr_agg_slot(&file_agg, &key, &zero_val);
		if (v) {
			__sync_fetch_and_add(&v->count, 1);
			if (ret >= 0)
				__sync_fetch_and_add(&v->bytes, ret);
			else
				__sync_fetch_and_add(&v->errors, 1);
			__sync_fetch_and_add(&v->total_ns, lat);
			__sync_fetch_and_add(&v->hist[fr_log2_slot(lat)], 1);
		}
	}
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
