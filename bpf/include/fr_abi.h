/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ring-buffer ABI shared by the BPF programs and the recorder: record
 * ops, the common header and one struct per op, plus the aggregate map
 * keys and values the recorder reads every interval.
 *
 * Only __u* types: vmlinux.h provides them on the BPF side, <linux/types.h>
 * in user space. Fields are ordered so there is no implicit padding, and
 * every size is pinned by a _Static_assert checked by clang -target bpf and
 * by gcc. This in-memory layout is not the on-disk format: the recorder
 * converts each record into the schema fields of format/kinds.h.
 */
#ifndef FR_BPF_FR_ABI_H
#define FR_BPF_FR_ABI_H

#define FR_COMM_LEN 16
#define FR_PATH_LEN 256
/* log2 buckets [2^i, 2^(i+1)) ns (0 and 1 in slot 0): 64 cover every __u64, so no
 * bucket is open-ended and the analyzer's le bounds hold (32 clamped calls over 2.1 s) */
#define FR_HIST_SLOTS  64
#define FR_AGG_ENTRIES 16384
/*
 * Aggregate maps are double-buffered: every aggregate key starts with a
 * __u32 tgid whose top bit is the generation being written (tgids stay
 * below 2^22). The recorder flips the generation, waits for programs in
 * flight, then drains the old one: no update lands in an entry while it
 * is read and cleared.
 */
#define FR_AGG_GEN_BIT	 0x80000000u
#define FR_TRACK_ENTRIES 16384

/* Record ops: explicit values, never reused. */
enum fr_op {
	FR_OP_PROC_EXEC = 1,
	FR_OP_PROC_EXIT = 2,
	FR_OP_PROC_FORK = 3,
	FR_OP_SYSCALL = 4,
	FR_OP_TCP_CONNECT = 5,
	FR_OP_TCP_ACCEPT = 6,
	FR_OP_TCP_CLOSE = 7,
	FR_OP_TCP_RETRANSMIT = 8,
	FR_OP_TCP_RESET = 9,
	FR_OP_TCP_RTT = 10,
	FR_OP_SOCK_MSG = 11,
	FR_OP_SKB_DROP = 12,
	FR_OP_FILE_IO = 13,
	FR_OP_FILE_OPEN = 14,
	FR_OP_SCHED_SWITCH = 15,
	FR_OP_PAGE_FAULT = 16,
	FR_OP_MEM_ALLOC = 17,
	FR_OP_OOM_KILL = 18,
	FR_OP_MAX = 19,
};

/* Index of the per-CPU loss counters every object keeps. */
enum fr_loss {
	FR_LOSS_RINGBUF_FULL = 0,   /* bpf_ringbuf_reserve failed */
	FR_LOSS_AGG_MAP_FULL = 1,   /* aggregate hash map had no room for a new key */
	FR_LOSS_TRACK_MAP_FULL = 2, /* start-time/socket tracking map full: latency lost */
	FR_LOSS_MAX = 3,
};

/*
 * File I/O ops (FR_OP_FILE_IO.op and the aggregate key). Odd: bytes read
 * from the descriptor, even: written to it (7: openat). A copy call
 * (copy_file_range, sendfile, splice) is two entries: *_IN on the input
 * descriptor, *_OUT on the output one, both with the call's result.
 */
enum fr_file_op {
	FR_FILE_READ = 1,
	FR_FILE_WRITE = 2,
	FR_FILE_PREAD = 3,
	FR_FILE_PWRITE = 4,
	FR_FILE_READV = 5,
	FR_FILE_WRITEV = 6,
	FR_FILE_OPENAT = 7,
	FR_FILE_PREADV = 9,
	FR_FILE_PWRITEV = 10,
	FR_FILE_PREADV2 = 11,
	FR_FILE_PWRITEV2 = 12,
	FR_FILE_COPY_IN = 13, /* copy_file_range */
	FR_FILE_COPY_OUT = 14,
	FR_FILE_SENDFILE_IN = 15,
	FR_FILE_SENDFILE_OUT = 16,
	FR_FILE_SPLICE_IN = 17,
	FR_FILE_SPLICE_OUT = 18,
};

/* What a descriptor was open on, from its inode's mode at the call's exit. */
enum fr_fd_kind {
	FR_FD_UNKNOWN = 0, /* no open file at that number when the call returned */
	FR_FD_REGULAR = 1,
	FR_FD_BLOCK = 2,
	FR_FD_CHAR = 3,
	FR_FD_FIFO = 4,
	FR_FD_SOCKET = 5,
	FR_FD_DIR = 6,
	FR_FD_ANON = 7, /* anon_inode: eventfd, timerfd, signalfd, epoll, io_uring, ... */
	FR_FD_OTHER = 8,
};

/* Memory allocation sources (FR_OP_MEM_ALLOC.source). */
enum fr_alloc_source {
	FR_ALLOC_KMALLOC = 1,
	FR_ALLOC_PAGE = 2,
};

struct fr_hdr {
	__u64 ts_ns; /* bpf_ktime_get_boot_ns() */
	__u32 pid;   /* tgid */
	__u32 tid;
	__u16 op;
	__u16 size; /* whole record, lets the reader reject short ones */
	__u32 cpu;
};
_Static_assert(sizeof(struct fr_hdr) == 24, "fr_hdr layout");

struct fr_tuple {
	__u8 saddr[16]; /* IPv4 uses the first 4 bytes */
	__u8 daddr[16];
	__u16 sport; /* host order */
	__u16 dport;
	__u16 family;	/* AF_INET / AF_INET6 */
	__u16 protocol; /* IPPROTO_* */
};
_Static_assert(sizeof(struct fr_tuple) == 40, "fr_tuple layout");

struct fr_proc_exec {
	struct fr_hdr hdr;
	__u64 cgroup_id;
	__u32 ppid;
	__u32 uid;
	char comm[FR_COMM_LEN];
	char filename[FR_PATH_LEN];
};
_Static_assert(sizeof(struct fr_proc_exec) == 312, "fr_proc_exec layout");

struct fr_proc_exit {
	struct fr_hdr hdr;
	__u64 cgroup_id;
	__u64 runtime_ns;
	__u32 ppid;
	__s32 exit_code;
	char comm[FR_COMM_LEN];
};
_Static_assert(sizeof(struct fr_proc_exit) == 64, "fr_proc_exit layout");

struct fr_proc_fork {
	struct fr_hdr hdr; /* pid: parent */
	__u64 cgroup_id;
	__u32 child_pid;
	__u32 child_tid;
	char comm[FR_COMM_LEN];
};
_Static_assert(sizeof(struct fr_proc_fork) == 56, "fr_proc_fork layout");

/* fr_syscall.flags */
enum fr_syscall_flag {
	/* exit, exit_group, rt_sigreturn: booked at sys_enter, no latency */
	FR_SYSCALL_NO_RETURN = 1,
};

/* Stream mode: one per syscall. Kept at 48 bytes: it is the hot record. */
struct fr_syscall {
	struct fr_hdr hdr;
	__u64 latency_ns;
	__s64 ret;
	__u32 nr;
	__u32 flags; /* FR_SYSCALL_NO_RETURN */
};
_Static_assert(sizeof(struct fr_syscall) == 48, "fr_syscall layout");

/*
 * Stream mode stages syscall records per CPU and puts them on the ring a
 * few kilobytes at a time: one reservation per 85 records, not one each.
 * A ring sample may so hold several records back to back, each sized by
 * its fr_hdr.size. Two stages per CPU, indexed by the aggregate generation
 * (agg_gen): the recorder drains the one it just retired, so a CPU that
 * goes quiet does not keep records back.
 */
#define FR_STAGE_BYTES 4096
struct fr_stage {
	__u32 len; /* bytes of buf in use */
	__u32 pad;
	__u8 buf[FR_STAGE_BYTES];
};

/* TCP lifecycle, retransmit, reset and RTT records share one layout. */
struct fr_tcp {
	struct fr_hdr hdr;
	struct fr_tuple tuple;
	__u64 sock_id;	  /* kernel socket address: a connection id, never dereferenced */
	__u64 latency_ns; /* connect latency, or duration at close */
	__u64 bytes_acked;
	__u64 bytes_received;
	__u32 segs_out;
	__u32 segs_in;
	__u32 srtt_us;
	__u32 rttvar_us;
	__u32 total_retrans;
	__u32 state; /* TCP state (retransmit) */
	__s32 err;   /* connect: 0 or errno */
	__u32 flags; /* FR_TCP_F_* */
	__u32 segs;  /* retransmit: segments this call retransmitted (as total_retrans counts) */
	/* close: segments sent and received that no fr_sock_msg of the socket booked */
	__s32 pkts_out;
	__s32 pkts_in;
	__u32 pad;
};
_Static_assert(sizeof(struct fr_tcp) == 144, "fr_tcp layout");

#define FR_TCP_F_ACTIVE		1u /* close: this side opened the connection */
#define FR_TCP_F_RECEIVED	2u /* reset: received (else sent) */
#define FR_TCP_F_ORIGIN_UNKNOWN 4u /* close: opened before we attached, or forgotten */
#define FR_TCP_F_FIN_ACKED	8u /* close: the peer acknowledged our FIN (in bytes_acked) */

/*
 * One send or receive through sock_sendmsg/sock_recvmsg. Packets: for TCP
 * the socket's segs_out and segs_in grown since the previous record that
 * booked them (either direction: a send books the ACKs received meanwhile),
 * so that a socket's records and its close telescope to the kernel's
 * totals; negative when two threads booked at once (the sum stays exact).
 * Other protocols: one datagram, in the call's direction.
 */
struct fr_sock_msg {
	struct fr_hdr hdr;
	struct fr_tuple tuple;
	__u64 sock_id;
	__s32 bytes; /* return value: bytes or -errno */
	__u32 received;
	__s32 pkts_out;
	__s32 pkts_in;
};
_Static_assert(sizeof(struct fr_sock_msg) == 88, "fr_sock_msg layout");

struct fr_skb_drop {
	struct fr_hdr hdr;
	struct fr_tuple tuple;
	__u64 location; /* kernel text address that dropped it */
	__u32 reason;	/* enum skb_drop_reason of the running kernel */
	__u32 ifindex;
	__u16 eth_protocol; /* skb->protocol, host order */
	__u16 pad[3];
};
_Static_assert(sizeof(struct fr_skb_drop) == 88, "fr_skb_drop layout");

struct fr_file_io {
	struct fr_hdr hdr;
	__u64 latency_ns; /* 0: booked on the call's other entry (copy calls) */
	__s64 ret;
	__u16 op;      /* enum fr_file_op */
	__u16 fd_kind; /* enum fr_fd_kind */
	__s32 fd;
};
_Static_assert(sizeof(struct fr_file_io) == 48, "fr_file_io layout");

struct fr_file_open {
	struct fr_hdr hdr;
	__u64 latency_ns;
	__s32 ret;
	__u32 flags;
	char filename[FR_PATH_LEN];
};
_Static_assert(sizeof(struct fr_file_open) == 296, "fr_file_open layout");

struct fr_sched_switch {
	struct fr_hdr hdr;     /* pid/tid: next task, 0 when not recorded */
	__u64 runq_latency_ns; /* next task: wakeup to run, 0 when unknown */
	__u64 prev_runtime_ns; /* prev task: its se.sum_exec_runtime growth this stint */
	__u32 prev_pid;	       /* process id (tgid), 0 when not recorded */
	__u32 prev_state;
};
_Static_assert(sizeof(struct fr_sched_switch) == 48, "fr_sched_switch layout");

struct fr_page_fault {
	struct fr_hdr hdr;
	__u64 address;
	__u32 error_code;
	__u32 user;
};
_Static_assert(sizeof(struct fr_page_fault) == 40, "fr_page_fault layout");

struct fr_mem_alloc {
	struct fr_hdr hdr;
	__u64 bytes;
	__u32 source; /* enum fr_alloc_source */
	__u32 count;
};
_Static_assert(sizeof(struct fr_mem_alloc) == 40, "fr_mem_alloc layout");

struct fr_oom_kill {
	struct fr_hdr hdr; /* pid/tid: the victim */
	__u64 cgroup_id;
	__u64 total_vm_kb;
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__u32 uid;
	__s32 oom_score_adj;
	char comm[FR_COMM_LEN];
};
_Static_assert(sizeof(struct fr_oom_kill) == 88, "fr_oom_kill layout");

/* --- aggregate mode: hash maps the recorder reads and clears per interval --- */

struct fr_syscall_key {
	__u32 pid;
	__u32 nr;
};

struct fr_syscall_val {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 hist[FR_HIST_SLOTS];
};

struct fr_file_key {
	__u32 pid;
	__u16 op;      /* enum fr_file_op */
	__u16 fd_kind; /* enum fr_fd_kind */
};

/* count, bytes, errors: calls on the key's side; total_ns and hist: each
 * call's latency once (a copy call's on one of its two entries) */
struct fr_file_val {
	__u64 count;
	__u64 bytes;
	__u64 errors;
	__u64 total_ns;
	__u64 hist[FR_HIST_SLOTS];
};

/* runtime_ns: se.sum_exec_runtime growth; in stream mode the only field set */
struct fr_sched_val { /* key: __u32 pid */
	__u64 runtime_ns;
	__u64 switches;
	__u64 involuntary;
	__u64 runq_count;
	__u64 runq_total_ns;
	__u64 hist[FR_HIST_SLOTS];
};

struct fr_mem_val { /* key: __u32 pid */
	__u64 user_faults;
	__u64 kernel_faults;
	__u64 allocs;
	__u64 alloc_bytes;
};

#endif /* FR_BPF_FR_ABI_H */
