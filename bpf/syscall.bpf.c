// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Syscalls: count, latency and errors per process and syscall number, on
 * raw_syscalls sys_enter/sys_exit.
 *  - stream: one 48-byte record per completed call;
 *  - aggregate (default): per (pid, nr) counters and a log2 latency
 *    histogram in a hash map that the recorder reads and clears.
 * When the file family runs too, its accounting happens here (targ_file):
 * on this hook an extra program costs ~85 ns per syscall, the shared one
 * only a switch on the number.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"
#include "file_acct.bpf.h"

const struct fr_syscall *unused_fr_syscall __attribute__((unused));
const struct fr_syscall_key *unused_fr_syscall_key __attribute__((unused));
const struct fr_syscall_val *unused_fr_syscall_val __attribute__((unused));

/*
 * Entry time per thread id. An array indexed by tid (sized to pid_max by
 * the recorder) because its lookup is inlined: task storage and hash maps
 * cost several times more on this hottest path of all.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, __u64);
} syscall_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FR_AGG_ENTRIES);
	__type(key, struct fr_syscall_key);
	__type(value, struct fr_syscall_val);
} syscall_agg SEC(".maps");

static const struct fr_syscall_val zero_val;

/* Stream mode's staged records (fr_abi.h), one stage per generation. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct fr_stage);
} syscall_stage SEC(".maps");

const volatile bool targ_file = false;	      /* the file family is accounted here */
const volatile bool targ_file_stream = false; /* its mode */

/* The file calls' numbers on the target architecture; -1: not a file call. */
static __always_inline int file_op(long nr)
{
	switch (nr) {
#if defined(__TARGET_ARCH_x86)
	case 0:
		return FR_FILE_READ;
	case 1:
		return FR_FILE_WRITE;
	case 17:
		return FR_FILE_PREAD;
	case 18:
		return FR_FILE_PWRITE;
	case 19:
		return FR_FILE_READV;
	case 20:
		return FR_FILE_WRITEV;
	case 257:
		return FR_FILE_OPENAT;
	case 295:
		return FR_FILE_PREADV;
	case 296:
		return FR_FILE_PWRITEV;
	case 327:
		return FR_FILE_PREADV2;
	case 328:
		return FR_FILE_PWRITEV2;
	case 326:
		return FR_FILE_COPY_IN; /* copy calls: their input side's op */
	case 40:
		return FR_FILE_SENDFILE_IN;
	case 275:
		return FR_FILE_SPLICE_IN;
#elif defined(__TARGET_ARCH_arm64)
	case 63:
		return FR_FILE_READ;
	case 64:
		return FR_FILE_WRITE;
	case 67:
		return FR_FILE_PREAD;
	case 68:
		return FR_FILE_PWRITE;
	case 65:
		return FR_FILE_READV;
	case 66:
		return FR_FILE_WRITEV;
	case 56:
		return FR_FILE_OPENAT;
	case 69:
		return FR_FILE_PREADV;
	case 70:
		return FR_FILE_PWRITEV;
	case 286:
		return FR_FILE_PREADV2;
	case 287:
		return FR_FILE_PWRITEV2;
	case 285:
		return FR_FILE_COPY_IN;
	case 71:
		return FR_FILE_SENDFILE_IN;
	case 76:
		return FR_FILE_SPLICE_IN;
#endif
	default:
		return -1;
	}
}

/*
 * A 32-bit syscall (x86 TS_COMPAT) has other numbers and argument registers:
 * read 19 is lseek there. Only asked for calls whose number matters.
 */
static __always_inline bool compat_syscall(void)
{
#if defined(__TARGET_ARCH_x86)
	const struct task_struct *t = (const struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(t, thread_info.status) & 0x0002 /* TS_COMPAT */;
#else
	return false; /* arm64 AArch32 tasks: not handled */
#endif
}

/*
 * Calls that never reach sys_exit with their number: exit and exit_group do
 * not return, rt_sigreturn returns with the interrupted context's registers
 * (orig_ax -1). They are counted here, as they are entered, with no latency.
 */
static __always_inline bool no_return_call(long nr)
{
#if defined(__TARGET_ARCH_x86)
	return nr == 15 /* rt_sigreturn */ || nr == 60 /* exit */ || nr == 231 /* exit_group */;
#elif defined(__TARGET_ARCH_arm64)
	return nr == 139 /* rt_sigreturn */ || nr == 93 /* exit */ || nr == 94 /* exit_group */;
#else
	return false;
#endif
}

/* Put a stage's records on the ring; a full ring loses them all, counted. */
static __always_inline void stage_flush(struct fr_stage *st)
{
	__u32 n = st->len;

	if (!n || n > FR_STAGE_BYTES)
		return;
	if (fr_output(st->buf, n))
		fr_count_losses(FR_LOSS_RINGBUF_FULL, n / sizeof(struct fr_syscall));
	st->len = 0;
}

/*
 * One stream record, through this CPU's stage. Both syscall programs write
 * it; they never run nested on one CPU (no syscall tracepoint fires in an
 * interrupt, and each runs with preemption off).
 */
static __always_inline void stage_syscall(__u64 id, __u64 ts, long nr, long ret, __u64 lat,
					  __u32 flags)
{
	__u32 gen = agg_gen & 1, off;
	struct fr_stage *st = bpf_map_lookup_elem(&syscall_stage, &gen);
	struct fr_syscall *e;

	if (!st)
		return;
	off = st->len;
	if (off > FR_STAGE_BYTES - sizeof(*e)) {
		stage_flush(st);
		off = 0;
	}
	/* the same bound again, in a register the verifier can follow */
	asm volatile("" : "+r"(off));
	if (off > FR_STAGE_BYTES - sizeof(*e))
		return;
	e = (void *)(st->buf + off);
	st->len = off + sizeof(*e);
	fr_hdr_fill(&e->hdr, sizeof(*e), FR_OP_SYSCALL, id, ts);
	e->latency_ns = lat;
	e->ret = ret;
	e->nr = nr;
	e->flags = flags;
}

static __always_inline void book_no_return(__u64 id, long nr)
{
	struct fr_syscall_key key;
	struct fr_syscall_val *v;

	if (targ_stream) {
		stage_syscall(id, bpf_ktime_get_boot_ns(), nr, 0, 0, FR_SYSCALL_NO_RETURN);
		return;
	}
	key.pid = fr_agg_tgid(id >> 32);
	key.nr = nr;
	v = fr_agg_slot(&syscall_agg, &key, &zero_val);
	if (v)
		__sync_fetch_and_add(&v->count, 1); /* no latency: not in total_ns or hist */
}

/*
 * The clock of a call's entry and exit. Records carry boot time, but when
 * nothing is streamed only the difference counts, and the monotonic clock
 * is a call level cheaper to read (about 13 ns a read here). They differ
 * only by time suspended: a call that spans a suspend shows its time awake.
 */
static __always_inline bool call_clock_is_boot(void)
{
	return targ_stream || (targ_file && targ_file_stream);
}

static __always_inline __u64 call_clock(void)
{
	return call_clock_is_boot() ? bpf_ktime_get_boot_ns() : bpf_ktime_get_ns();
}

static __always_inline int handle_enter(long nr)
{
	__u64 id = bpf_get_current_pid_tgid(), *start;
	__u32 tid = (__u32)id;

	if (!fr_id_selected(id))
		return 0;
	start = bpf_map_lookup_elem(&syscall_start, &tid);
	if (!start) {
		fr_count_loss(FR_LOSS_TRACK_MAP_FULL); /* tid above the pid_max we sized for */
		return 0;
	}
	/* x86 32-bit tasks: 15 and 60 are chmod and umask there */
	if (no_return_call(nr) && !compat_syscall()) {
		*start = 0; /* its sys_exit, if any, is not a call of its own */
		book_no_return(id, nr);
		return 0;
	}
	*start = call_clock();
	return 0;
}

/*
 * regs: the caller's saved registers, still holding the arguments at exit
 * (x86: di, si, dx; arm64: orig_x0, x1, x2). btf: regs is a BTF pointer
 * that can be read directly (tp_btf), else it needs probe reads (raw_tp).
 */
static __always_inline int handle_exit(struct pt_regs *regs, bool btf, long nr, long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *start, now, lat;
	struct fr_syscall_key key;
	struct fr_syscall_val *v;
	__u32 tid = (__u32)id;
	int op;

	start = bpf_map_lookup_elem(&syscall_start, &tid);
	/* no start: filtered out, or the call began before we attached */
	if (!start || !*start)
		return 0;
	now = call_clock();
	lat = now - *start;
	*start = 0;
	if (nr < 0)
		return 0;
	if (targ_file && (op = file_op(nr)) > 0 && !compat_syscall()) {
#if defined(__TARGET_ARCH_arm64)
		__u64 a0 = btf ? regs->orig_x0 : BPF_CORE_READ(regs, orig_x0);
		__u64 a1 = btf ? regs->regs[1] : BPF_CORE_READ(regs, regs[1]);
		__u64 a2 = btf ? regs->regs[2] : BPF_CORE_READ(regs, regs[2]);
#else
		__u64 a0 = btf ? regs->di : BPF_CORE_READ(regs, di);
		__u64 a1 = btf ? regs->si : BPF_CORE_READ(regs, si);
		__u64 a2 = btf ? regs->dx : BPF_CORE_READ(regs, dx);
#endif
		fr_file_call(id, call_clock_is_boot() ? now : 0, op, a0, a1, a2, ret, lat,
			     targ_file_stream, btf);
	}
	if (targ_stream) {
		stage_syscall(id, now, nr, ret, lat, 0);
		return 0;
	}
	key.pid = fr_agg_tgid(id >> 32);
	key.nr = nr;
	v = fr_agg_slot(&syscall_agg, &key, &zero_val);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->count, 1);
	if (ret < 0 && ret >= -4095)
		__sync_fetch_and_add(&v->errors, 1);
	__sync_fetch_and_add(&v->total_ns, lat);
	__sync_fetch_and_add(&v->hist[fr_log2_slot(lat)], 1);
	return 0;
}

FR_TRACEPOINT(sys_enter, handle_sys_enter, handle_enter(id), struct pt_regs *regs, long id)

/* x86: the syscall number survives in orig_ax. tp_btf reads it directly;
 * raw_tp has an untyped pointer and must go through a probe read. */
SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit_btf, struct pt_regs *regs, long ret)
{
	return handle_exit(regs, true, regs->orig_ax, ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(handle_sys_exit_raw, struct pt_regs *regs, long ret)
{
	return handle_exit(regs, false, BPF_CORE_READ(regs, orig_ax), ret);
}
