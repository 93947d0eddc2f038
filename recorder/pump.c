/* SPDX-License-Identifier: BSD-2-Clause */
#include "pump.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/host.h"

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

#define VU(x)	     ((struct fr_value){.u = (uint64_t)(x)})
#define VS(x)	     ((struct fr_value){.u = (uint64_t)(int64_t)(x)})
#define VB(ptr, n)   ((struct fr_value){.p = (const uint8_t *)(ptr), .len = (uint32_t)(n)})
#define VSTR(s)	     VB((s), strnlen((s), sizeof(s)))
#define VHIST(h)     ((struct fr_value){.p = (const uint8_t *)(h), .len = FR_HIST_SLOTS})
#define NVALS(array) (sizeof(array) / sizeof(array[0]))

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
 * The five tuple fields every network kind has, in schema order. A
 * dual-stack socket talking IPv4 (::ffff:a.b.c.d on both ends) is written
 * as IPv4: pod and node addresses are IPv4 text, and the same peer must
 * look the same whichever kind of socket reached it.
 */
static void put_tuple(struct fr_value *v, const struct fr_tuple *t)
{
	const bool mapped = t->family == AF_INET6_ && v4_mapped(t->saddr) && v4_mapped(t->daddr);
	const uint16_t family = mapped ? AF_INET_ : t->family;
	const unsigned skip = mapped ? 12 : 0;

	v[0] = VU(family);
	v[1] = VB(t->saddr + skip, addr_len(family));
	v[2] = VB(t->daddr + skip, addr_len(family));
	v[3] = VU(t->sport);
	v[4] = VU(t->dport);
}

static int encode_proc(struct fr_pump *p, enum fr_family_id fam, const void *data, size_t size)
{
	const struct fr_hdr *h = data;

	if (h->op == FR_OP_PROC_EXEC && size >= sizeof(struct fr_proc_exec)) {
		const struct fr_proc_exec *e = data;
		const struct fr_value v[] = {VU(h->pid),       VU(h->tid),	 VU(e->ppid),
					     VU(e->uid),       VU(e->cgroup_id), VSTR(e->comm),
					     VSTR(e->filename)};

		if (p->on_process)
			p->on_process(
				p->process_ctx, true, h->pid, e->ppid, e->comm, sizeof(e->comm),
				strnlen(e->filename, sizeof(e->filename)) < sizeof(e->filename)
					? e->filename
					: NULL,
				h->ts_ns);
		return append(p, fam, FR_KIND_PROC_EXEC, h->ts_ns, v, NVALS(v));
	}
	if (h->op == FR_OP_PROC_EXIT && size >= sizeof(struct fr_proc_exit)) {
		const struct fr_proc_exit *e = data;
		const struct fr_value v[] = {VU(h->pid),       VU(h->tid),	 VU(e->ppid),
					     VU(e->cgroup_id), VS(e->exit_code), VU(e->runtime_ns),
					     VSTR(e->comm)};

		if (p->on_process)
			p->on_process(p->process_ctx, false, h->pid, e->ppid, e->comm,
				      sizeof(e->comm), NULL, h->ts_ns);
		return append(p, fam, FR_KIND_PROC_EXIT, h->ts_ns, v, NVALS(v));
	}
	if (h->op == FR_OP_PROC_FORK && size >= sizeof(struct fr_proc_fork)) {
		const struct fr_proc_fork *e = data;
		const struct fr_value v[] = {VU(h->pid), VU(e->child_pid), VU(e->child_tid),
					     VU(e->cgroup_id), VSTR(e->comm)};

		return append(p, fam, FR_KIND_PROC_FORK, h->ts_ns, v, NVALS(v));
	}
	return -EBADMSG;
}

static int encode_tcp(struct fr_pump *p, enum fr_family_id fam, const struct fr_tcp *e)
{
	const struct fr_hdr *h = &e->hdr;
	struct fr_value v[17] = {VU(h->pid)};
	unsigned n = 7, kind;

	put_tuple(&v[1], &e->tuple);
	v[6] = VU(e->sock_id);
	switch (h->op) {
	case FR_OP_TCP_CONNECT:
		kind = FR_KIND_TCP_CONNECT;
		v[n++] = VU(e->latency_ns);
		v[n++] = VS(e->err);
		break;
	case FR_OP_TCP_ACCEPT:
		kind = FR_KIND_TCP_ACCEPT;
		break;
	case FR_OP_TCP_CLOSE:
		kind = FR_KIND_TCP_CLOSE;
		v[n++] = VU(e->latency_ns);
		v[n++] = VU(e->bytes_acked);
		v[n++] = VU(e->bytes_received);
		v[n++] = VU(e->segs_out);
		v[n++] = VU(e->segs_in);
		v[n++] = VU(e->srtt_us);
		v[n++] = VU(e->total_retrans);
		/* format/kinds.h: 1 connected, 0 accepted, 2 not known */
		v[n++] = VU(e->flags & FR_TCP_F_ORIGIN_UNKNOWN ? FR_TCP_ORIGIN_UNKNOWN
							       : !!(e->flags & FR_TCP_F_ACTIVE));
		break;
	case FR_OP_TCP_RETRANSMIT:
		kind = FR_KIND_TCP_RETRANSMIT;
		v[n++] = VU(e->state);
		break;
	case FR_OP_TCP_RESET:
		kind = FR_KIND_TCP_RESET;
		v[n++] = VU(!!(e->flags & FR_TCP_F_RECEIVED));
		break;
	case FR_OP_TCP_RTT:
		kind = FR_KIND_TCP_RTT;
		v[n++] = VU(e->srtt_us);
		v[n++] = VU(e->rttvar_us);
		break;
	default:
		return -EBADMSG;
	}
	return append(p, fam, kind, h->ts_ns, v, n);
}

static int encode_net(struct fr_pump *p, enum fr_family_id fam, const void *data, size_t size)
{
	const struct fr_hdr *h = data;

	if (h->op >= FR_OP_TCP_CONNECT && h->op <= FR_OP_TCP_RTT && size >= sizeof(struct fr_tcp))
		return encode_tcp(p, fam, data);
	if (h->op == FR_OP_SOCK_MSG && size >= sizeof(struct fr_sock_msg)) {
		const struct fr_sock_msg *e = data;
		struct fr_value v[10] = {VU(h->pid)};

		put_tuple(&v[1], &e->tuple);
		if (e->tuple.protocol == FR_IPPROTO_UDP) {
			v[6] = VU(e->received);
			v[7] = VS(e->bytes);
			return append(p, fam, FR_KIND_UDP_MSG, h->ts_ns, v, 8);
		}
		v[6] = VU(e->sock_id);
		v[7] = VU(e->tuple.protocol);
		v[8] = VU(e->received);
		v[9] = VS(e->bytes);
		return append(p, fam, FR_KIND_SOCK_MSG, h->ts_ns, v, 10);
	}
	if (h->op == FR_OP_SKB_DROP && size >= sizeof(struct fr_skb_drop)) {
		const struct fr_skb_drop *e = data;
		struct fr_value v[10] = {VU(e->reason), VU(e->tuple.protocol)};

		put_tuple(&v[2], &e->tuple);
		v[7] = VU(e->ifindex);
		v[8] = VU(h->pid);
		v[9] = VU(e->location);
		return append(p, fam, FR_KIND_SKB_DROP, h->ts_ns, v, 10);
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
			const struct fr_value v[] = {VU(h->pid), VU(h->tid), VU(e->nr),
						     VU(e->latency_ns), VS(e->ret)};

			return append(p, fam, FR_KIND_SYSCALL, h->ts_ns, v, NVALS(v));
		}
		break;
	case FR_OP_FILE_IO:
		if (size >= sizeof(struct fr_file_io)) {
			const struct fr_file_io *e = data;
			const struct fr_value v[] = {VU(h->pid), VU(h->tid), VU(e->op),
						     VU(e->fd),	 VS(e->ret), VU(e->latency_ns)};

			return append(p, fam, FR_KIND_FILE_IO, h->ts_ns, v, NVALS(v));
		}
		break;
	case FR_OP_FILE_OPEN:
		if (size >= sizeof(struct fr_file_open)) {
			const struct fr_file_open *e = data;
			const struct fr_value v[] = {VU(h->pid),	VU(h->tid),
						     VS(e->ret),	VU(e->flags),
						     VU(e->latency_ns), VSTR(e->filename)};

			return append(p, fam, FR_KIND_FILE_OPEN, h->ts_ns, v, NVALS(v));
		}
		break;
	case FR_OP_SCHED_SWITCH:
		if (size >= sizeof(struct fr_sched_switch)) {
			const struct fr_sched_switch *e = data;
			const struct fr_value v[] = {
				VU(h->cpu), VU(e->prev_pid),	    VU(e->prev_state),
				VU(h->pid), VU(e->runq_latency_ns), VU(e->prev_runtime_ns)};

			return append(p, fam, FR_KIND_SCHED_SWITCH, h->ts_ns, v, NVALS(v));
		}
		break;
	case FR_OP_PAGE_FAULT:
		if (size >= sizeof(struct fr_page_fault)) {
			const struct fr_page_fault *e = data;
			const struct fr_value v[] = {VU(h->pid), VU(h->tid), VU(e->user),
						     VU(e->address), VU(e->error_code)};

			return append(p, fam, FR_KIND_PAGE_FAULT, h->ts_ns, v, NVALS(v));
		}
		break;
	case FR_OP_MEM_ALLOC:
		if (size >= sizeof(struct fr_mem_alloc)) {
			const struct fr_mem_alloc *e = data;
			const struct fr_value v[] = {VU(h->pid), VU(e->source), VU(e->bytes),
						     VU(e->count)};

			return append(p, fam, FR_KIND_MEM_ALLOC, h->ts_ns, v, NVALS(v));
		}
		break;
	case FR_OP_OOM_KILL:
		if (size >= sizeof(struct fr_oom_kill)) {
			const struct fr_oom_kill *e = data;
			const struct fr_value v[] = {
				VU(h->pid),	     VU(e->uid),	   VU(e->cgroup_id),
				VU(e->total_vm_kb),  VU(e->anon_rss_kb),   VU(e->file_rss_kb),
				VU(e->shmem_rss_kb), VS(e->oom_score_adj), VSTR(e->comm)};

			return append(p, fam, FR_KIND_OOM_KILL, h->ts_ns, v, NVALS(v));
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
	const struct fr_value v[] = {VU(k->pid),      VU(k->nr),    VU(a->count),  VU(a->errors),
				     VU(a->total_ns), VU(interval), VHIST(a->hist)};

	append(p, FR_FAM_SYSCALLS, FR_KIND_SYSCALL_AGG, now, v, NVALS(v));
	return a->count;
}

static uint64_t file_agg_encode(struct fr_pump *p, const void *key, const void *val, uint64_t now,
				uint64_t interval)
{
	const struct fr_file_key *k = key;
	const struct fr_file_val *a = val;
	const struct fr_value v[] = {VU(k->pid),    VU(k->op),	     VU(a->count), VU(a->bytes),
				     VU(a->errors), VU(a->total_ns), VU(interval), VHIST(a->hist)};

	append(p, FR_FAM_FILE, FR_KIND_FILE_IO_AGG, now, v, NVALS(v));
	return a->count;
}

static uint64_t sched_agg_encode(struct fr_pump *p, const void *key, const void *val, uint64_t now,
				 uint64_t interval)
{
	const struct fr_sched_val *a = val;
	const struct fr_value v[] = {
		VU(*(const __u32 *)key), VU(a->runtime_ns),    VU(a->switches), VU(a->involuntary),
		VU(a->runq_count),	 VU(a->runq_total_ns), VU(interval),	VHIST(a->hist)};

	append(p, FR_FAM_SCHED, FR_KIND_SCHED_AGG, now, v, NVALS(v));
	return a->switches;
}

static uint64_t mem_agg_encode(struct fr_pump *p, const void *key, const void *val, uint64_t now,
			       uint64_t interval)
{
	const struct fr_mem_val *a = val;
	const struct fr_value v[] = {VU(*(const __u32 *)key), VU(a->user_faults),
				     VU(a->kernel_faults),    VU(a->allocs),
				     VU(a->alloc_bytes),      VU(interval)};

	append(p, FR_FAM_MEM, FR_KIND_MEM_AGG, now, v, NVALS(v));
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
	const struct fr_value v[] = {VB(source, strlen(source)),
				     VB(reason, strlen(reason)),
				     VU(seen),
				     VU(lost),
				     VU(first),
				     VU(last)};

	if (fr_writer__append_event(fr_rotor__writer(p->rotor), FR_KIND_RECORDER_STATS, last, v,
				    NVALS(v)))
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
