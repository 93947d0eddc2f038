/* SPDX-License-Identifier: BSD-2-Clause */
/* fr_abi.h ring records into the schema fields of format/kinds.h. */
#include <errno.h>
#include <stdio.h>

#include "pump_internal.h"

/* The BPF side's file op numbers go to disk as they are: they are the format's. */
#define SAME_CODE(abi, code) ((int)(abi) == (int)(code))
_Static_assert(SAME_CODE(FR_FILE_READ, FR_FILE_OP_READ) &&
		       SAME_CODE(FR_FILE_WRITE, FR_FILE_OP_WRITE) &&
		       SAME_CODE(FR_FILE_PREAD, FR_FILE_OP_PREAD64) &&
		       SAME_CODE(FR_FILE_PWRITE, FR_FILE_OP_PWRITE64) &&
		       SAME_CODE(FR_FILE_READV, FR_FILE_OP_READV) &&
		       SAME_CODE(FR_FILE_WRITEV, FR_FILE_OP_WRITEV) &&
		       SAME_CODE(FR_FILE_OPENAT, FR_FILE_OP_OPENAT) &&
		       SAME_CODE(FR_FILE_PREADV, FR_FILE_OP_PREADV) &&
		       SAME_CODE(FR_FILE_PWRITEV, FR_FILE_OP_PWRITEV) &&
		       SAME_CODE(FR_FILE_PREADV2, FR_FILE_OP_PREADV2) &&
		       SAME_CODE(FR_FILE_PWRITEV2, FR_FILE_OP_PWRITEV2) &&
		       SAME_CODE(FR_FILE_COPY_IN, FR_FILE_OP_COPY_FILE_RANGE_IN) &&
		       SAME_CODE(FR_FILE_COPY_OUT, FR_FILE_OP_COPY_FILE_RANGE_OUT) &&
		       SAME_CODE(FR_FILE_SENDFILE_IN, FR_FILE_OP_SENDFILE_IN) &&
		       SAME_CODE(FR_FILE_SENDFILE_OUT, FR_FILE_OP_SENDFILE_OUT) &&
		       SAME_CODE(FR_FILE_SPLICE_IN, FR_FILE_OP_SPLICE_IN) &&
		       SAME_CODE(FR_FILE_SPLICE_OUT, FR_FILE_OP_SPLICE_OUT),
	       "enum fr_file_op (bpf/include/fr_abi.h) and enum fr_file_op_code (format/kinds.h)");
_Static_assert(SAME_CODE(FR_FD_UNKNOWN, FR_FD_KIND_UNKNOWN) &&
		       SAME_CODE(FR_FD_REGULAR, FR_FD_KIND_REGULAR) &&
		       SAME_CODE(FR_FD_BLOCK, FR_FD_KIND_BLOCK) &&
		       SAME_CODE(FR_FD_CHAR, FR_FD_KIND_CHAR) &&
		       SAME_CODE(FR_FD_FIFO, FR_FD_KIND_FIFO) &&
		       SAME_CODE(FR_FD_SOCKET, FR_FD_KIND_SOCKET) &&
		       SAME_CODE(FR_FD_DIR, FR_FD_KIND_DIR) &&
		       SAME_CODE(FR_FD_ANON, FR_FD_KIND_ANON) &&
		       SAME_CODE(FR_FD_OTHER, FR_FD_KIND_OTHER),
	       "enum fr_fd_kind (bpf/include/fr_abi.h) and enum fr_fd_kind_code (format/kinds.h)");
_Static_assert(SAME_CODE(FR_ALLOC_KMALLOC, FR_ALLOC_SOURCE_KMALLOC) &&
		       SAME_CODE(FR_ALLOC_PAGE, FR_ALLOC_SOURCE_PAGE),
	       "enum fr_alloc_source (bpf/include/fr_abi.h) and fr_alloc_source_code (kinds.h)");
_Static_assert(SAME_CODE(FR_SYSCALL_NO_RETURN, FR_SYSCALL_FLAG_NO_RETURN),
	       "enum fr_syscall_flag (bpf/include/fr_abi.h) and fr_syscall_flag_code (kinds.h)");

#define FR_IPPROTO_UDP 17
#define AF_INET_       2
#define AF_INET6_      10

static unsigned addr_len(uint16_t family)
{
	return family == AF_INET_ ? 4 : family == AF_INET6_ ? 16 : 0;
}

static bool v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(a, prefix, sizeof(prefix));
}

/*
 * The five tuple fields every network kind has, from `v` on (the kind's
 * FR_F_<KIND>_FAMILY). A
 * dual-stack socket talking IPv4 (::ffff:a.b.c.d on both ends) is written
 * as IPv4: pod and node addresses are IPv4 text, and the same peer must
 * look the same whichever kind of socket reached it.
 */
static void put_tuple(struct fr_value *v, const struct fr_tuple *t)
{
	const bool mapped = t->family == AF_INET6_ && v4_mapped(t->saddr) && v4_mapped(t->daddr);
	const uint16_t family = mapped ? AF_INET_ : t->family;
	const unsigned skip = mapped ? 12 : 0;

	v[FR_F_TUPLE_FAMILY] = VU(family);
	v[FR_F_TUPLE_SADDR] = VB(t->saddr + skip, addr_len(family));
	v[FR_F_TUPLE_DADDR] = VB(t->daddr + skip, addr_len(family));
	v[FR_F_TUPLE_SPORT] = VU(t->sport);
	v[FR_F_TUPLE_DPORT] = VU(t->dport);
}

static int encode_proc(struct fr_pump *p, enum fr_family_id fam, const void *data, size_t size)
{
	const struct fr_hdr *h = data;

	if (h->op == FR_OP_PROC_EXEC && size >= sizeof(struct fr_proc_exec)) {
		const struct fr_proc_exec *e = data;
		const struct fr_value v[] = {[FR_F_PROC_EXEC_PID] = VU(h->pid),
					     [FR_F_PROC_EXEC_TID] = VU(h->tid),
					     [FR_F_PROC_EXEC_PPID] = VU(e->ppid),
					     [FR_F_PROC_EXEC_UID] = VU(e->uid),
					     [FR_F_PROC_EXEC_CGROUP_ID] = VU(e->cgroup_id),
					     [FR_F_PROC_EXEC_COMM] = VSTR(e->comm),
					     [FR_F_PROC_EXEC_FILENAME] = VSTR(e->filename)};

		if (p->on_process)
			p->on_process(
				p->process_ctx, true, h->pid, e->ppid, e->comm, sizeof(e->comm),
				strnlen(e->filename, sizeof(e->filename)) < sizeof(e->filename)
					? e->filename
					: NULL,
				h->ts_ns);
		return fr_pump__append(p, fam, FR_KIND_PROC_EXEC, h->ts_ns, v,
				       FR_NVALS(PROC_EXEC, v));
	}
	if (h->op == FR_OP_PROC_EXIT && size >= sizeof(struct fr_proc_exit)) {
		const struct fr_proc_exit *e = data;
		const struct fr_value v[] = {[FR_F_PROC_EXIT_PID] = VU(h->pid),
					     [FR_F_PROC_EXIT_TID] = VU(h->tid),
					     [FR_F_PROC_EXIT_PPID] = VU(e->ppid),
					     [FR_F_PROC_EXIT_CGROUP_ID] = VU(e->cgroup_id),
					     [FR_F_PROC_EXIT_EXIT_CODE] = VS(e->exit_code),
					     [FR_F_PROC_EXIT_RUNTIME_NS] = VU(e->runtime_ns),
					     [FR_F_PROC_EXIT_COMM] = VSTR(e->comm)};

		if (p->on_process)
			p->on_process(p->process_ctx, false, h->pid, e->ppid, e->comm,
				      sizeof(e->comm), NULL, h->ts_ns);
		return fr_pump__append(p, fam, FR_KIND_PROC_EXIT, h->ts_ns, v,
				       FR_NVALS(PROC_EXIT, v));
	}
	if (h->op == FR_OP_PROC_FORK && size >= sizeof(struct fr_proc_fork)) {
		const struct fr_proc_fork *e = data;
		const struct fr_value v[] = {[FR_F_PROC_FORK_PARENT_PID] = VU(h->pid),
					     [FR_F_PROC_FORK_CHILD_PID] = VU(e->child_pid),
					     [FR_F_PROC_FORK_CHILD_TID] = VU(e->child_tid),
					     [FR_F_PROC_FORK_CGROUP_ID] = VU(e->cgroup_id),
					     [FR_F_PROC_FORK_COMM] = VSTR(e->comm)};

		return fr_pump__append(p, fam, FR_KIND_PROC_FORK, h->ts_ns, v,
				       FR_NVALS(PROC_FORK, v));
	}
	return -EBADMSG;
}

static int encode_tcp(struct fr_pump *p, enum fr_family_id fam, const struct fr_tcp *e)
{
	const struct fr_hdr *h = &e->hdr;

	switch (h->op) {
	case FR_OP_TCP_CONNECT: {
		struct fr_value v[] = {[FR_F_TCP_CONNECT_PID] = VU(h->pid),
				       [FR_F_TCP_CONNECT_SOCK_ID] =
					       VU(fr_pump__hide_kptr(p, e->sock_id)),
				       [FR_F_TCP_CONNECT_LATENCY_NS] = VU(e->latency_ns),
				       [FR_F_TCP_CONNECT_ERR] = VS(e->err)};

		put_tuple(&v[FR_F_TCP_CONNECT_FAMILY], &e->tuple);
		return fr_pump__append(p, fam, FR_KIND_TCP_CONNECT, h->ts_ns, v,
				       FR_NVALS(TCP_CONNECT, v));
	}
	case FR_OP_TCP_ACCEPT: {
		struct fr_value v[] = {[FR_F_TCP_ACCEPT_PID] = VU(h->pid),
				       [FR_F_TCP_ACCEPT_SOCK_ID] =
					       VU(fr_pump__hide_kptr(p, e->sock_id))};

		put_tuple(&v[FR_F_TCP_ACCEPT_FAMILY], &e->tuple);
		return fr_pump__append(p, fam, FR_KIND_TCP_ACCEPT, h->ts_ns, v,
				       FR_NVALS(TCP_ACCEPT, v));
	}
	case FR_OP_TCP_CLOSE: {
		/* format/kinds.h: 1 connected, 0 accepted, 2 not known */
		const unsigned origin = e->flags & FR_TCP_F_ORIGIN_UNKNOWN
						? FR_TCP_ORIGIN_UNKNOWN
						: !!(e->flags & FR_TCP_F_ACTIVE);
		struct fr_value v[] = {
			[FR_F_TCP_CLOSE_PID] = VU(h->pid),
			[FR_F_TCP_CLOSE_SOCK_ID] = VU(fr_pump__hide_kptr(p, e->sock_id)),
			[FR_F_TCP_CLOSE_DURATION_NS] = VU(e->latency_ns),
			[FR_F_TCP_CLOSE_BYTES_ACKED] = VU(e->bytes_acked),
			[FR_F_TCP_CLOSE_BYTES_RECEIVED] = VU(e->bytes_received),
			[FR_F_TCP_CLOSE_SEGS_OUT] = VU(e->segs_out),
			[FR_F_TCP_CLOSE_SEGS_IN] = VU(e->segs_in),
			[FR_F_TCP_CLOSE_SRTT_US] = VU(e->srtt_us),
			[FR_F_TCP_CLOSE_TOTAL_RETRANS] = VU(e->total_retrans),
			[FR_F_TCP_CLOSE_ACTIVE] = VU(origin),
			[FR_F_TCP_CLOSE_PKTS_OUT] = VS(e->pkts_out),
			[FR_F_TCP_CLOSE_PKTS_IN] = VS(e->pkts_in),
			[FR_F_TCP_CLOSE_FIN_ACKED] =
				VU(e->flags & FR_TCP_F_FIN_ACKED ? FR_TCP_FIN_ACKED
								 : FR_TCP_FIN_NOT_ACKED)};

		put_tuple(&v[FR_F_TCP_CLOSE_FAMILY], &e->tuple);
		return fr_pump__append(p, fam, FR_KIND_TCP_CLOSE, h->ts_ns, v,
				       FR_NVALS(TCP_CLOSE, v));
	}
	case FR_OP_TCP_RETRANSMIT: {
		struct fr_value v[] = {[FR_F_TCP_RETRANSMIT_PID] = VU(h->pid),
				       [FR_F_TCP_RETRANSMIT_SOCK_ID] =
					       VU(fr_pump__hide_kptr(p, e->sock_id)),
				       [FR_F_TCP_RETRANSMIT_STATE] = VU(e->state),
				       [FR_F_TCP_RETRANSMIT_SEGS] = VU(e->segs)};

		put_tuple(&v[FR_F_TCP_RETRANSMIT_FAMILY], &e->tuple);
		return fr_pump__append(p, fam, FR_KIND_TCP_RETRANSMIT, h->ts_ns, v,
				       FR_NVALS(TCP_RETRANSMIT, v));
	}
	case FR_OP_TCP_RESET: {
		struct fr_value v[] = {
			[FR_F_TCP_RESET_PID] = VU(h->pid),
			[FR_F_TCP_RESET_SOCK_ID] = VU(fr_pump__hide_kptr(p, e->sock_id)),
			[FR_F_TCP_RESET_RECEIVED] = VU(!!(e->flags & FR_TCP_F_RECEIVED))};

		put_tuple(&v[FR_F_TCP_RESET_FAMILY], &e->tuple);
		return fr_pump__append(p, fam, FR_KIND_TCP_RESET, h->ts_ns, v,
				       FR_NVALS(TCP_RESET, v));
	}
	case FR_OP_TCP_RTT: {
		struct fr_value v[] = {[FR_F_TCP_RTT_PID] = VU(h->pid),
				       [FR_F_TCP_RTT_SOCK_ID] =
					       VU(fr_pump__hide_kptr(p, e->sock_id)),
				       [FR_F_TCP_RTT_SRTT_US] = VU(e->srtt_us),
				       [FR_F_TCP_RTT_RTTVAR_US] = VU(e->rttvar_us)};

		put_tuple(&v[FR_F_TCP_RTT_FAMILY], &e->tuple);
		return fr_pump__append(p, fam, FR_KIND_TCP_RTT, h->ts_ns, v, FR_NVALS(TCP_RTT, v));
	}
	default:
		return -EBADMSG;
	}
}

static int encode_net(struct fr_pump *p, enum fr_family_id fam, const void *data, size_t size)
{
	const struct fr_hdr *h = data;

	if (h->op >= FR_OP_TCP_CONNECT && h->op <= FR_OP_TCP_RTT && size >= sizeof(struct fr_tcp))
		return encode_tcp(p, fam, data);
	if (h->op == FR_OP_SOCK_MSG && size >= sizeof(struct fr_sock_msg)) {
		const struct fr_sock_msg *e = data;

		if (e->tuple.protocol == FR_IPPROTO_UDP) {
			struct fr_value v[] = {[FR_F_UDP_MSG_PID] = VU(h->pid),
					       [FR_F_UDP_MSG_RECEIVED] = VU(e->received),
					       [FR_F_UDP_MSG_BYTES] = VS(e->bytes)};

			put_tuple(&v[FR_F_UDP_MSG_FAMILY], &e->tuple);
			return fr_pump__append(p, fam, FR_KIND_UDP_MSG, h->ts_ns, v,
					       FR_NVALS(UDP_MSG, v));
		}
		struct fr_value v[] = {[FR_F_SOCK_MSG_PID] = VU(h->pid),
				       [FR_F_SOCK_MSG_SOCK_ID] =
					       VU(fr_pump__hide_kptr(p, e->sock_id)),
				       [FR_F_SOCK_MSG_PROTOCOL] = VU(e->tuple.protocol),
				       [FR_F_SOCK_MSG_RECEIVED] = VU(e->received),
				       [FR_F_SOCK_MSG_BYTES] = VS(e->bytes),
				       [FR_F_SOCK_MSG_PKTS_OUT] = VS(e->pkts_out),
				       [FR_F_SOCK_MSG_PKTS_IN] = VS(e->pkts_in)};

		put_tuple(&v[FR_F_SOCK_MSG_FAMILY], &e->tuple);
		return fr_pump__append(p, fam, FR_KIND_SOCK_MSG, h->ts_ns, v,
				       FR_NVALS(SOCK_MSG, v));
	}
	if (h->op == FR_OP_SKB_DROP && size >= sizeof(struct fr_skb_drop)) {
		const struct fr_skb_drop *e = data;
		struct fr_value v[] = {[FR_F_SKB_DROP_REASON] = VU(e->reason),
				       [FR_F_SKB_DROP_PROTOCOL] = VU(e->tuple.protocol),
				       [FR_F_SKB_DROP_IFINDEX] = VU(e->ifindex),
				       [FR_F_SKB_DROP_PID] = VU(h->pid),
				       [FR_F_SKB_DROP_LOCATION] =
					       VU(fr_pump__hide_kptr(p, e->location))};

		put_tuple(&v[FR_F_SKB_DROP_FAMILY], &e->tuple);
		return fr_pump__append(p, fam, FR_KIND_SKB_DROP, h->ts_ns, v,
				       FR_NVALS(SKB_DROP, v));
	}
	return -EBADMSG;
}

static int encode_other(struct fr_pump *p, enum fr_family_id fam, const void *data, size_t size)
{
	const struct fr_hdr *h = data;

	switch (h->op) {
	case FR_OP_SYSCALL:
		if (size >= sizeof(struct fr_syscall)) {
			const struct fr_syscall *e = data;
			const struct fr_value v[] = {[FR_F_SYSCALL_PID] = VU(h->pid),
						     [FR_F_SYSCALL_TID] = VU(h->tid),
						     [FR_F_SYSCALL_NR] = VU(e->nr),
						     [FR_F_SYSCALL_LATENCY_NS] = VU(e->latency_ns),
						     [FR_F_SYSCALL_RET] = VS(e->ret),
						     [FR_F_SYSCALL_FLAGS] = VU(e->flags)};

			return fr_pump__append(p, fam, FR_KIND_SYSCALL, h->ts_ns, v,
					       FR_NVALS(SYSCALL, v));
		}
		break;
	case FR_OP_FILE_IO:
		if (size >= sizeof(struct fr_file_io)) {
			const struct fr_file_io *e = data;
			const struct fr_value v[] = {[FR_F_FILE_IO_PID] = VU(h->pid),
						     [FR_F_FILE_IO_TID] = VU(h->tid),
						     [FR_F_FILE_IO_OP] = VU(e->op),
						     [FR_F_FILE_IO_FD] = VU(e->fd),
						     [FR_F_FILE_IO_RET] = VS(e->ret),
						     [FR_F_FILE_IO_LATENCY_NS] = VU(e->latency_ns),
						     [FR_F_FILE_IO_FD_KIND] = VU(e->fd_kind)};

			return fr_pump__append(p, fam, FR_KIND_FILE_IO, h->ts_ns, v,
					       FR_NVALS(FILE_IO, v));
		}
		break;
	case FR_OP_FILE_OPEN:
		if (size >= sizeof(struct fr_file_open)) {
			const struct fr_file_open *e = data;
			const struct fr_value v[] = {[FR_F_FILE_OPEN_PID] = VU(h->pid),
						     [FR_F_FILE_OPEN_TID] = VU(h->tid),
						     [FR_F_FILE_OPEN_RET] = VS(e->ret),
						     [FR_F_FILE_OPEN_FLAGS] = VU(e->flags),
						     [FR_F_FILE_OPEN_LATENCY_NS] =
							     VU(e->latency_ns),
						     [FR_F_FILE_OPEN_FILENAME] = VSTR(e->filename)};

			return fr_pump__append(p, fam, FR_KIND_FILE_OPEN, h->ts_ns, v,
					       FR_NVALS(FILE_OPEN, v));
		}
		break;
	case FR_OP_SCHED_SWITCH:
		if (size >= sizeof(struct fr_sched_switch)) {
			const struct fr_sched_switch *e = data;
			const struct fr_value v[] = {
				[FR_F_SCHED_SWITCH_CPU] = VU(h->cpu),
				[FR_F_SCHED_SWITCH_PREV_PID] = VU(e->prev_pid),
				[FR_F_SCHED_SWITCH_PREV_STATE] = VU(e->prev_state),
				[FR_F_SCHED_SWITCH_NEXT_PID] = VU(h->pid),
				[FR_F_SCHED_SWITCH_RUNQ_LATENCY_NS] = VU(e->runq_latency_ns),
				[FR_F_SCHED_SWITCH_PREV_RUNTIME_NS] = VU(e->prev_runtime_ns)};

			return fr_pump__append(p, fam, FR_KIND_SCHED_SWITCH, h->ts_ns, v,
					       FR_NVALS(SCHED_SWITCH, v));
		}
		break;
	case FR_OP_PAGE_FAULT:
		if (size >= sizeof(struct fr_page_fault)) {
			const struct fr_page_fault *e = data;
			const struct fr_value v[] = {
				[FR_F_PAGE_FAULT_PID] = VU(h->pid),
				[FR_F_PAGE_FAULT_TID] = VU(h->tid),
				[FR_F_PAGE_FAULT_USER] = VU(e->user),
				[FR_F_PAGE_FAULT_ADDRESS] = VU(fr_pump__hide_kptr(p, e->address)),
				[FR_F_PAGE_FAULT_ERROR_CODE] = VU(e->error_code)};

			return fr_pump__append(p, fam, FR_KIND_PAGE_FAULT, h->ts_ns, v,
					       FR_NVALS(PAGE_FAULT, v));
		}
		break;
	case FR_OP_MEM_ALLOC:
		if (size >= sizeof(struct fr_mem_alloc)) {
			const struct fr_mem_alloc *e = data;
			const struct fr_value v[] = {[FR_F_MEM_ALLOC_PID] = VU(h->pid),
						     [FR_F_MEM_ALLOC_SOURCE] = VU(e->source),
						     [FR_F_MEM_ALLOC_BYTES] = VU(e->bytes),
						     [FR_F_MEM_ALLOC_COUNT] = VU(e->count)};

			return fr_pump__append(p, fam, FR_KIND_MEM_ALLOC, h->ts_ns, v,
					       FR_NVALS(MEM_ALLOC, v));
		}
		break;
	case FR_OP_OOM_KILL:
		if (size >= sizeof(struct fr_oom_kill)) {
			const struct fr_oom_kill *e = data;
			const struct fr_value v[] = {
				[FR_F_OOM_KILL_PID] = VU(h->pid),
				[FR_F_OOM_KILL_UID] = VU(e->uid),
				[FR_F_OOM_KILL_CGROUP_ID] = VU(e->cgroup_id),
				[FR_F_OOM_KILL_TOTAL_VM_KB] = VU(e->total_vm_kb),
				[FR_F_OOM_KILL_ANON_RSS_KB] = VU(e->anon_rss_kb),
				[FR_F_OOM_KILL_FILE_RSS_KB] = VU(e->file_rss_kb),
				[FR_F_OOM_KILL_SHMEM_RSS_KB] = VU(e->shmem_rss_kb),
				[FR_F_OOM_KILL_OOM_SCORE_ADJ] = VS(e->oom_score_adj),
				[FR_F_OOM_KILL_COMM] = VSTR(e->comm)};

			return fr_pump__append(p, fam, FR_KIND_OOM_KILL, h->ts_ns, v,
					       FR_NVALS(OOM_KILL, v));
		}
		break;
	}
	return -EBADMSG;
}

int fr_pump__encode(struct fr_pump *p, enum fr_family_id fam, unsigned op, const void *data,
		    size_t size)
{
	if (op <= FR_OP_PROC_FORK)
		return encode_proc(p, fam, data, size);
	if (op >= FR_OP_TCP_CONNECT && op <= FR_OP_SKB_DROP)
		return encode_net(p, fam, data, size);
	return encode_other(p, fam, data, size);
}
