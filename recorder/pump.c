/* SPDX-License-Identifier: BSD-2-Clause */
#include "pump.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/host.h"
#include "stats.h"

/* The BPF side's file op numbers go to disk as they are: they are the format's. */
#define SAME_CODE(abi, code) ((int)(abi) == (int)(code))
_Static_assert(SAME_CODE(FR_FILE_READ, FR_FILE_OP_READ) &&
		       SAME_CODE(FR_FILE_WRITE, FR_FILE_OP_WRITE) &&
		       SAME_CODE(FR_FILE_PREAD, FR_FILE_OP_PREAD64) &&
		       SAME_CODE(FR_FILE_PWRITE, FR_FILE_OP_PWRITE64) &&
		       SAME_CODE(FR_FILE_READV, FR_FILE_OP_READV) &&
		       SAME_CODE(FR_FILE_WRITEV, FR_FILE_OP_WRITEV) &&
		       SAME_CODE(FR_FILE_OPENAT, FR_FILE_OP_OPENAT),
	       "enum fr_file_op (bpf/include/fr_abi.h) and enum fr_file_op_code (format/kinds.h)");
_Static_assert(SAME_CODE(FR_ALLOC_KMALLOC, FR_ALLOC_SOURCE_KMALLOC) &&
		       SAME_CODE(FR_ALLOC_PAGE, FR_ALLOC_SOURCE_PAGE),
	       "enum fr_alloc_source (bpf/include/fr_abi.h) and fr_alloc_source_code (kinds.h)");

#define FR_IPPROTO_UDP 17
#define AF_INET_       2
#define AF_INET6_      10

struct pump_source {
	struct fr_pump *pump;
	enum fr_family_id fam;
};

struct fr_pump {
	struct fr_probes *probes;
	struct fr_rotor *rotor;
	struct ring_buffer *rb;
	fr_pump_process_fn on_process;
	void *process_ctx;
	struct pump_source sources[FR_FAM_COUNT];
	struct fr_pump_totals totals;
	struct fr_pump_totals reported; /* as of the last statistics records */
	uint64_t writer_dropped_reported;
	uint64_t last_agg_ns;
	uint64_t last_stats_ns;
};

#define VU(x)	   ((struct fr_value){.u = (uint64_t)(x)})
#define VS(x)	   ((struct fr_value){.u = (uint64_t)(int64_t)(x)})
#define VB(ptr, n) ((struct fr_value){.p = (const uint8_t *)(ptr), .len = (uint32_t)(n)})
#define VSTR(s)	   VB((s), strnlen((s), sizeof(s)))
#define VHIST(h)   ((struct fr_value){.p = (const uint8_t *)(h), .len = FR_HIST_SLOTS})

static int append(struct fr_pump *p, enum fr_family_id fam, unsigned kind, uint64_t ts,
		  const struct fr_value *v, unsigned n)
{
	int err = fr_writer__append_event(fr_rotor__writer(p->rotor), kind, ts, v, n);

	if (err) {
		/* counted and reported in statistics: the writer keeps going */
		p->totals.append_errors++;
		return 0;
	}
	p->totals.fam[fam].records++;
	return 0;
}

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
		return append(p, fam, FR_KIND_PROC_EXEC, h->ts_ns, v, FR_NVALS(PROC_EXEC, v));
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
		return append(p, fam, FR_KIND_PROC_EXIT, h->ts_ns, v, FR_NVALS(PROC_EXIT, v));
	}
	if (h->op == FR_OP_PROC_FORK && size >= sizeof(struct fr_proc_fork)) {
		const struct fr_proc_fork *e = data;
		const struct fr_value v[] = {[FR_F_PROC_FORK_PARENT_PID] = VU(h->pid),
					     [FR_F_PROC_FORK_CHILD_PID] = VU(e->child_pid),
					     [FR_F_PROC_FORK_CHILD_TID] = VU(e->child_tid),
					     [FR_F_PROC_FORK_CGROUP_ID] = VU(e->cgroup_id),
					     [FR_F_PROC_FORK_COMM] = VSTR(e->comm)};

		return append(p, fam, FR_KIND_PROC_FORK, h->ts_ns, v, FR_NVALS(PROC_FORK, v));
	}
	return -EBADMSG;
}

static int encode_tcp(struct fr_pump *p, enum fr_family_id fam, const struct fr_tcp *e)
{
	const struct fr_hdr *h = &e->hdr;

	switch (h->op) {
	case FR_OP_TCP_CONNECT: {
		struct fr_value v[] = {[FR_F_TCP_CONNECT_PID] = VU(h->pid),
				       [FR_F_TCP_CONNECT_SOCK_ID] = VU(e->sock_id),
				       [FR_F_TCP_CONNECT_LATENCY_NS] = VU(e->latency_ns),
				       [FR_F_TCP_CONNECT_ERR] = VS(e->err)};

		put_tuple(&v[FR_F_TCP_CONNECT_FAMILY], &e->tuple);
		return append(p, fam, FR_KIND_TCP_CONNECT, h->ts_ns, v, FR_NVALS(TCP_CONNECT, v));
	}
	case FR_OP_TCP_ACCEPT: {
		struct fr_value v[] = {[FR_F_TCP_ACCEPT_PID] = VU(h->pid),
				       [FR_F_TCP_ACCEPT_SOCK_ID] = VU(e->sock_id)};

		put_tuple(&v[FR_F_TCP_ACCEPT_FAMILY], &e->tuple);
		return append(p, fam, FR_KIND_TCP_ACCEPT, h->ts_ns, v, FR_NVALS(TCP_ACCEPT, v));
	}
	case FR_OP_TCP_CLOSE: {
		/* format/kinds.h: 1 connected, 0 accepted, 2 not known */
		const unsigned origin = e->flags & FR_TCP_F_ORIGIN_UNKNOWN
						? FR_TCP_ORIGIN_UNKNOWN
						: !!(e->flags & FR_TCP_F_ACTIVE);
		struct fr_value v[] = {[FR_F_TCP_CLOSE_PID] = VU(h->pid),
				       [FR_F_TCP_CLOSE_SOCK_ID] = VU(e->sock_id),
				       [FR_F_TCP_CLOSE_DURATION_NS] = VU(e->latency_ns),
				       [FR_F_TCP_CLOSE_BYTES_ACKED] = VU(e->bytes_acked),
				       [FR_F_TCP_CLOSE_BYTES_RECEIVED] = VU(e->bytes_received),
				       [FR_F_TCP_CLOSE_SEGS_OUT] = VU(e->segs_out),
				       [FR_F_TCP_CLOSE_SEGS_IN] = VU(e->segs_in),
				       [FR_F_TCP_CLOSE_SRTT_US] = VU(e->srtt_us),
				       [FR_F_TCP_CLOSE_TOTAL_RETRANS] = VU(e->total_retrans),
				       [FR_F_TCP_CLOSE_ACTIVE] = VU(origin)};

		put_tuple(&v[FR_F_TCP_CLOSE_FAMILY], &e->tuple);
		return append(p, fam, FR_KIND_TCP_CLOSE, h->ts_ns, v, FR_NVALS(TCP_CLOSE, v));
	}
	case FR_OP_TCP_RETRANSMIT: {
		struct fr_value v[] = {[FR_F_TCP_RETRANSMIT_PID] = VU(h->pid),
				       [FR_F_TCP_RETRANSMIT_SOCK_ID] = VU(e->sock_id),
				       [FR_F_TCP_RETRANSMIT_STATE] = VU(e->state)};

		put_tuple(&v[FR_F_TCP_RETRANSMIT_FAMILY], &e->tuple);
		return append(p, fam, FR_KIND_TCP_RETRANSMIT, h->ts_ns, v,
			      FR_NVALS(TCP_RETRANSMIT, v));
	}
	case FR_OP_TCP_RESET: {
		struct fr_value v[] = {[FR_F_TCP_RESET_PID] = VU(h->pid),
				       [FR_F_TCP_RESET_SOCK_ID] = VU(e->sock_id),
				       [FR_F_TCP_RESET_RECEIVED] =
					       VU(!!(e->flags & FR_TCP_F_RECEIVED))};

		put_tuple(&v[FR_F_TCP_RESET_FAMILY], &e->tuple);
		return append(p, fam, FR_KIND_TCP_RESET, h->ts_ns, v, FR_NVALS(TCP_RESET, v));
	}
	case FR_OP_TCP_RTT: {
		struct fr_value v[] = {[FR_F_TCP_RTT_PID] = VU(h->pid),
				       [FR_F_TCP_RTT_SOCK_ID] = VU(e->sock_id),
				       [FR_F_TCP_RTT_SRTT_US] = VU(e->srtt_us),
				       [FR_F_TCP_RTT_RTTVAR_US] = VU(e->rttvar_us)};

		put_tuple(&v[FR_F_TCP_RTT_FAMILY], &e->tuple);
		return append(p, fam, FR_KIND_TCP_RTT, h->ts_ns, v, FR_NVALS(TCP_RTT, v));
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
			return append(p, fam, FR_KIND_UDP_MSG, h->ts_ns, v, FR_NVALS(UDP_MSG, v));
		}
		struct fr_value v[] = {[FR_F_SOCK_MSG_PID] = VU(h->pid),
				       [FR_F_SOCK_MSG_SOCK_ID] = VU(e->sock_id),
				       [FR_F_SOCK_MSG_PROTOCOL] = VU(e->tuple.protocol),
				       [FR_F_SOCK_MSG_RECEIVED] = VU(e->received),
				       [FR_F_SOCK_MSG_BYTES] = VS(e->bytes)};

		put_tuple(&v[FR_F_SOCK_MSG_FAMILY], &e->tuple);
		return append(p, fam, FR_KIND_SOCK_MSG, h->ts_ns, v, FR_NVALS(SOCK_MSG, v));
	}
	if (h->op == FR_OP_SKB_DROP && size >= sizeof(struct fr_skb_drop)) {
		const struct fr_skb_drop *e = data;
		struct fr_value v[] = {[FR_F_SKB_DROP_REASON] = VU(e->reason),
				       [FR_F_SKB_DROP_PROTOCOL] = VU(e->tuple.protocol),
				       [FR_F_SKB_DROP_IFINDEX] = VU(e->ifindex),
				       [FR_F_SKB_DROP_PID] = VU(h->pid),
				       [FR_F_SKB_DROP_LOCATION] = VU(e->location)};

		put_tuple(&v[FR_F_SKB_DROP_FAMILY], &e->tuple);
		return append(p, fam, FR_KIND_SKB_DROP, h->ts_ns, v, FR_NVALS(SKB_DROP, v));
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
						     [FR_F_SYSCALL_RET] = VS(e->ret)};

			return append(p, fam, FR_KIND_SYSCALL, h->ts_ns, v, FR_NVALS(SYSCALL, v));
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
						     [FR_F_FILE_IO_LATENCY_NS] = VU(e->latency_ns)};

			return append(p, fam, FR_KIND_FILE_IO, h->ts_ns, v, FR_NVALS(FILE_IO, v));
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

			return append(p, fam, FR_KIND_FILE_OPEN, h->ts_ns, v,
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

			return append(p, fam, FR_KIND_SCHED_SWITCH, h->ts_ns, v,
				      FR_NVALS(SCHED_SWITCH, v));
		}
		break;
	case FR_OP_PAGE_FAULT:
		if (size >= sizeof(struct fr_page_fault)) {
			const struct fr_page_fault *e = data;
			const struct fr_value v[] = {[FR_F_PAGE_FAULT_PID] = VU(h->pid),
						     [FR_F_PAGE_FAULT_TID] = VU(h->tid),
						     [FR_F_PAGE_FAULT_USER] = VU(e->user),
						     [FR_F_PAGE_FAULT_ADDRESS] = VU(e->address),
						     [FR_F_PAGE_FAULT_ERROR_CODE] =
							     VU(e->error_code)};

			return append(p, fam, FR_KIND_PAGE_FAULT, h->ts_ns, v,
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

			return append(p, fam, FR_KIND_MEM_ALLOC, h->ts_ns, v,
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

			return append(p, fam, FR_KIND_OOM_KILL, h->ts_ns, v, FR_NVALS(OOM_KILL, v));
		}
		break;
	}
	return -EBADMSG;
}

/* The family each BPF record op belongs to (FR_FAM_COUNT: none). */
static const enum fr_family_id op_family[FR_OP_MAX] = {
	[0] = FR_FAM_COUNT,
	[FR_OP_PROC_EXEC] = FR_FAM_PROC,
	[FR_OP_PROC_EXIT] = FR_FAM_PROC,
	[FR_OP_PROC_FORK] = FR_FAM_PROC,
	[FR_OP_SYSCALL] = FR_FAM_SYSCALLS,
	[FR_OP_TCP_CONNECT] = FR_FAM_NET,
	[FR_OP_TCP_ACCEPT] = FR_FAM_NET,
	[FR_OP_TCP_CLOSE] = FR_FAM_NET,
	[FR_OP_TCP_RETRANSMIT] = FR_FAM_NET,
	[FR_OP_TCP_RESET] = FR_FAM_NET,
	[FR_OP_TCP_RTT] = FR_FAM_NET,
	[FR_OP_SOCK_MSG] = FR_FAM_NET,
	[FR_OP_SKB_DROP] = FR_FAM_DROP,
	[FR_OP_FILE_IO] = FR_FAM_FILE,
	[FR_OP_FILE_OPEN] = FR_FAM_FILE,
	[FR_OP_SCHED_SWITCH] = FR_FAM_SCHED,
	[FR_OP_PAGE_FAULT] = FR_FAM_MEM,
	[FR_OP_MEM_ALLOC] = FR_FAM_MEM,
	[FR_OP_OOM_KILL] = FR_FAM_MEM,
};

/* ring_buffer callback: a negative return would stop the drain, so bad
 * records are counted, never returned. */
static int on_record(void *ctx, void *data, size_t size)
{
	const struct pump_source *src = ctx;
	struct fr_pump *p = src->pump;
	enum fr_family_id fam = src->fam;
	struct fr_hdr h;
	int err;

	if (size < sizeof(h)) {
		p->totals.malformed++;
		return 0;
	}
	memcpy(&h, data, sizeof(h));
	/* by what the record is, not which ring brought it (the syscalls ring
	 * also carries the file family's records) */
	if (h.op < FR_OP_MAX && op_family[h.op] != FR_FAM_COUNT)
		fam = op_family[h.op];
	p->totals.fam[fam].seen++;
	if (h.op <= FR_OP_PROC_FORK)
		err = encode_proc(p, fam, data, size);
	else if ((h.op >= FR_OP_TCP_CONNECT && h.op <= FR_OP_SKB_DROP))
		err = encode_net(p, fam, data, size);
	else
		err = encode_other(p, fam, data, size);
	if (err)
		p->totals.malformed++;
	return 0;
}

int fr_pump__new(struct fr_probes *probes, struct fr_rotor *rotor, fr_pump_process_fn on_process,
		 void *ctx, struct fr_pump **out)
{
	struct fr_pump *p = calloc(1, sizeof(*p));
	int err = 0;

	if (!p)
		return -ENOMEM;
	p->probes = probes;
	p->rotor = rotor;
	p->on_process = on_process;
	p->process_ctx = ctx;
	p->last_agg_ns = p->last_stats_ns = fr_clock__boot_ns();
	for (int i = 0; i < FR_FAM_COUNT && !err; i++) {
		const struct fr_family_probe *f = &probes->fam[i];

		p->sources[i].pump = p;
		p->sources[i].fam = i;
		if (!f->on || f->ring_fd < 0)
			continue;
		if (!p->rb) {
			p->rb = ring_buffer__new(f->ring_fd, on_record, &p->sources[i], NULL);
			err = p->rb ? 0 : -errno;
		} else {
			err = ring_buffer__add(p->rb, f->ring_fd, on_record, &p->sources[i]);
		}
	}
	if (!err && !p->rb)
		err = -ENOENT;
	if (err) {
		fr_pump__free(p);
		return err;
	}
	*out = p;
	return 0;
}

int fr_pump__poll(struct fr_pump *p, int timeout_ms)
{
	int n = ring_buffer__poll(p->rb, timeout_ms), m;

	if (n < 0)
		return n;
	/* rings submit without wakeups: drain all of them, woken or not */
	m = ring_buffer__consume(p->rb);
	return m < 0 ? m : n + m;
}

int fr_pump__fd(const struct fr_pump *p)
{
	return ring_buffer__epoll_fd(p->rb);
}

int fr_pump__drain(struct fr_pump *p)
{
	return ring_buffer__consume(p->rb);
}

typedef uint64_t (*agg_encode_fn)(struct fr_pump *p, const void *key, const void *val, uint64_t now,
				  uint64_t interval);

static uint64_t syscall_agg_encode(struct fr_pump *p, const void *key, const void *val,
				   uint64_t now, uint64_t interval)
{
	const struct fr_syscall_key *k = key;
	const struct fr_syscall_val *a = val;
	const struct fr_value v[] = {[FR_F_SYSCALL_AGG_PID] = VU(k->pid),
				     [FR_F_SYSCALL_AGG_NR] = VU(k->nr),
				     [FR_F_SYSCALL_AGG_COUNT] = VU(a->count),
				     [FR_F_SYSCALL_AGG_ERRORS] = VU(a->errors),
				     [FR_F_SYSCALL_AGG_TOTAL_NS] = VU(a->total_ns),
				     [FR_F_SYSCALL_AGG_INTERVAL_NS] = VU(interval),
				     [FR_F_SYSCALL_AGG_LATENCY_HIST] = VHIST(a->hist)};

	append(p, FR_FAM_SYSCALLS, FR_KIND_SYSCALL_AGG, now, v, FR_NVALS(SYSCALL_AGG, v));
	return a->count;
}

static uint64_t file_agg_encode(struct fr_pump *p, const void *key, const void *val, uint64_t now,
				uint64_t interval)
{
	const struct fr_file_key *k = key;
	const struct fr_file_val *a = val;
	const struct fr_value v[] = {[FR_F_FILE_IO_AGG_PID] = VU(k->pid),
				     [FR_F_FILE_IO_AGG_OP] = VU(k->op),
				     [FR_F_FILE_IO_AGG_COUNT] = VU(a->count),
				     [FR_F_FILE_IO_AGG_BYTES] = VU(a->bytes),
				     [FR_F_FILE_IO_AGG_ERRORS] = VU(a->errors),
				     [FR_F_FILE_IO_AGG_TOTAL_NS] = VU(a->total_ns),
				     [FR_F_FILE_IO_AGG_INTERVAL_NS] = VU(interval),
				     [FR_F_FILE_IO_AGG_LATENCY_HIST] = VHIST(a->hist)};

	append(p, FR_FAM_FILE, FR_KIND_FILE_IO_AGG, now, v, FR_NVALS(FILE_IO_AGG, v));
	return a->count;
}

static uint64_t sched_agg_encode(struct fr_pump *p, const void *key, const void *val, uint64_t now,
				 uint64_t interval)
{
	const struct fr_sched_val *a = val;
	const struct fr_value v[] = {[FR_F_SCHED_AGG_PID] = VU(*(const __u32 *)key),
				     [FR_F_SCHED_AGG_RUNTIME_NS] = VU(a->runtime_ns),
				     [FR_F_SCHED_AGG_SWITCHES] = VU(a->switches),
				     [FR_F_SCHED_AGG_INVOLUNTARY] = VU(a->involuntary),
				     [FR_F_SCHED_AGG_RUNQ_COUNT] = VU(a->runq_count),
				     [FR_F_SCHED_AGG_RUNQ_TOTAL_NS] = VU(a->runq_total_ns),
				     [FR_F_SCHED_AGG_INTERVAL_NS] = VU(interval),
				     [FR_F_SCHED_AGG_RUNQ_HIST] = VHIST(a->hist)};

	append(p, FR_FAM_SCHED, FR_KIND_SCHED_AGG, now, v, FR_NVALS(SCHED_AGG, v));
	return a->switches;
}

static uint64_t mem_agg_encode(struct fr_pump *p, const void *key, const void *val, uint64_t now,
			       uint64_t interval)
{
	const struct fr_mem_val *a = val;
	const struct fr_value v[] = {[FR_F_MEM_AGG_PID] = VU(*(const __u32 *)key),
				     [FR_F_MEM_AGG_USER_FAULTS] = VU(a->user_faults),
				     [FR_F_MEM_AGG_KERNEL_FAULTS] = VU(a->kernel_faults),
				     [FR_F_MEM_AGG_ALLOCS] = VU(a->allocs),
				     [FR_F_MEM_AGG_ALLOC_BYTES] = VU(a->alloc_bytes),
				     [FR_F_MEM_AGG_INTERVAL_NS] = VU(interval)};

	append(p, FR_FAM_MEM, FR_KIND_MEM_AGG, now, v, FR_NVALS(MEM_AGG, v));
	return a->user_faults + a->kernel_faults + a->allocs;
}

/* Generation bit of an aggregate key (its leading tgid word). */
static uint32_t key_gen(const void *key)
{
	uint32_t tgid;

	memcpy(&tgid, key, sizeof(tgid));
	return tgid & FR_AGG_GEN_BIT ? 1 : 0;
}

/*
 * Drain the keys of generation `gen` (-1: every key, once the programs are
 * detached). Collect the keys first: deleting while walking with
 * get_next_key would restart the walk.
 */
static int flush_map(struct fr_pump *p, enum fr_family_id fam, size_t key_sz, size_t val_sz,
		     agg_encode_fn encode, uint64_t now, uint64_t interval, int gen)
{
	const int fd = p->probes->fam[fam].agg_fd;
	size_t n = 0, cap = 256;
	char *keys, *val, *cur, *next;
	bool started = false;
	uint32_t tgid;
	int err = 0;

	keys = malloc(cap * key_sz);
	val = malloc(val_sz);
	cur = malloc(2 * key_sz);
	if (!keys || !val || !cur) {
		err = -ENOMEM;
		goto out;
	}
	next = cur + key_sz;
	while (!bpf_map_get_next_key(fd, started ? cur : NULL, next)) {
		memcpy(cur, next, key_sz);
		started = true;
		if (gen >= 0 && key_gen(cur) != (uint32_t)gen)
			continue; /* still being written */
		if (n == cap) {
			char *grown = realloc(keys, 2 * cap * key_sz);

			if (!grown) {
				err = -ENOMEM;
				goto out;
			}
			keys = grown;
			cap *= 2;
		}
		memcpy(keys + n++ * key_sz, cur, key_sz);
	}
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_lookup_and_delete_elem(fd, keys + i * key_sz, val))
			continue; /* gone meanwhile */
		/* records carry the plain tgid */
		memcpy(cur, keys + i * key_sz, key_sz);
		memcpy(&tgid, cur, sizeof(tgid));
		tgid &= ~FR_AGG_GEN_BIT;
		memcpy(cur, &tgid, sizeof(tgid));
		p->totals.fam[fam].seen += encode(p, cur, val, now, interval);
	}
out:
	free(keys);
	free(val);
	free(cur);
	return err;
}

static bool aggregates(const struct fr_family_probe *f)
{
	return f->on && f->mode == FR_MODE_AGGREGATE && f->agg_fd >= 0;
}

int fr_pump__flush_aggregates(struct fr_pump *p, uint64_t now_ns, bool detached)
{
	static const struct {
		enum fr_family_id fam;
		size_t key_sz, val_sz;
		agg_encode_fn encode;
	} maps[] = {
		{FR_FAM_SYSCALLS, sizeof(struct fr_syscall_key), sizeof(struct fr_syscall_val),
		 syscall_agg_encode},
		{FR_FAM_FILE, sizeof(struct fr_file_key), sizeof(struct fr_file_val),
		 file_agg_encode},
		{FR_FAM_SCHED, sizeof(__u32), sizeof(struct fr_sched_val), sched_agg_encode},
		{FR_FAM_MEM, sizeof(__u32), sizeof(struct fr_mem_val), mem_agg_encode},
	};
	const uint64_t interval = now_ns - p->last_agg_ns;
	const size_t nmaps = sizeof(maps) / sizeof(maps[0]);
	bool any = false;
	uint32_t old;
	int err = 0, gen = -1;

	p->last_agg_ns = now_ns;
	for (size_t i = 0; i < nmaps; i++)
		any |= aggregates(&p->probes->fam[maps[i].fam]);
	/* the flip waits for an RCU grace period: only when it buys something */
	if (any && !detached) {
		fr_probes__flip_aggregates(p->probes, &old); /* a failed wait is reported */
		gen = (int)old;
	}
	/* every map, even after a failure: an undrained generation would mix intervals */
	for (size_t i = 0; i < nmaps; i++) {
		int e;

		if (!aggregates(&p->probes->fam[maps[i].fam]))
			continue;
		e = flush_map(p, maps[i].fam, maps[i].key_sz, maps[i].val_sz, maps[i].encode,
			      now_ns, interval, gen);
		err = err ?: e;
	}
	return err;
}

static void write_stat(struct fr_pump *p, const char *source, const char *reason, uint64_t seen,
		       uint64_t lost, uint64_t first, uint64_t last)
{
	if (fr_stats__write(fr_rotor__writer(p->rotor), source, reason, seen, lost, first, last))
		p->totals.append_errors++;
}

int fr_pump__write_stats(struct fr_pump *p, uint64_t now_ns)
{
	struct fr_rotor_stats rs;
	int err = 0;

	for (int i = 0; i < FR_FAM_COUNT; i++) {
		const struct fr_family_probe *f = &p->probes->fam[i];
		struct fr_pump_family_totals *cur = &p->totals.fam[i], *old = &p->reported.fam[i];

		if (!f->on)
			continue;
		err = err ?: fr_probes__read_lost(f, cur->lost);
		/* one row per loss reason; `seen` goes on the first so sums stay right */
		for (unsigned r = 0; r < FR_LOSS_MAX; r++)
			if (r == FR_LOSS_RINGBUF_FULL || cur->lost[r] != old->lost[r])
				write_stat(p, fr_family__name(i), fr_loss__name(r),
					   r == FR_LOSS_RINGBUF_FULL ? cur->seen - old->seen : 0,
					   cur->lost[r] - old->lost[r], p->last_stats_ns, now_ns);
	}
	if (p->totals.malformed != p->reported.malformed)
		write_stat(p, "ringbuf", "malformed", 0,
			   p->totals.malformed - p->reported.malformed, p->last_stats_ns, now_ns);
	/* what the writer could not put on disk (ENOSPC, EIO) */
	fr_rotor__stats(p->rotor, &rs);
	if (rs.records_dropped + p->totals.append_errors != p->writer_dropped_reported) {
		uint64_t dropped = rs.records_dropped + p->totals.append_errors;

		write_stat(p, "writer", "write_failed", 0, dropped - p->writer_dropped_reported,
			   p->last_stats_ns, now_ns);
		p->writer_dropped_reported = dropped;
	}
	p->reported = p->totals;
	p->last_stats_ns = now_ns;
	return err;
}

void fr_pump__totals(const struct fr_pump *p, struct fr_pump_totals *t)
{
	*t = p->totals;
}

void fr_pump__free(struct fr_pump *p)
{
	if (!p)
		return;
	ring_buffer__free(p->rb);
	free(p);
}
