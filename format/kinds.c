/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Schema tables for every record kind and the table-driven event codec.
 * Field lists are append-only: add new fields at the end, never reorder.
 */
#include "format/kinds.h"
#include "format/varint.h"

#include <errno.h>
#include <string.h>

#define U(n)                                                                                       \
	{                                                                                          \
		n, FR_FIELD_U64                                                                    \
	}
#define S(n)                                                                                       \
	{                                                                                          \
		n, FR_FIELD_S64                                                                    \
	}
#define B(n)                                                                                       \
	{                                                                                          \
		n, FR_FIELD_BYTES                                                                  \
	}
#define H(n)                                                                                       \
	{                                                                                          \
		n, FR_FIELD_HIST                                                                   \
	}
#define FIELDS(...)                                                                                \
	.has_schema = 1, .fields = (const struct fr_field[]){__VA_ARGS__},                         \
	.nfields = sizeof((const struct fr_field[]){__VA_ARGS__}) / sizeof(struct fr_field)

/* A 5-tuple appears in many network kinds; addresses are 4 or 16 bytes. */
#define TUPLE U("family"), B("saddr"), B("daddr"), U("sport"), U("dport")

static const struct fr_kind_info kind_table[] = {
	{FR_KIND_CLOCK_SYNC, "clock_sync", FIELDS(U("boot_ns"), U("wall_ns"))},
	{FR_KIND_RECORDER_STATS, "recorder_stats",
	 FIELDS(B("source"), B("reason"), U("seen"), U("lost"), U("first_ns"), U("last_ns"))},
	{FR_KIND_MARKER, "marker", .has_schema = 0},
	{FR_KIND_FAMILY_STATUS, "family_status",
	 FIELDS(B("family"), U("enabled"), S("err"), B("mode"), B("detail"))},
	{FR_KIND_DROP_REASON_NAME, "drop_reason_name", FIELDS(U("reason"), B("name"))},
	{FR_KIND_SYSCALL_NAME, "syscall_name", FIELDS(U("nr"), B("name"))},

	{FR_KIND_META_SNAPSHOT, "meta_snapshot", .has_schema = 0},
	{FR_KIND_META_CHANGE, "meta_change", .has_schema = 0},
	{FR_KIND_HUBBLE_FLOW_PB, "hubble_flow_pb", .has_schema = 0},
	{FR_KIND_HUBBLE_FLOW_JSON, "hubble_flow_json", .has_schema = 0},

	{FR_KIND_PROC_EXEC, "proc_exec",
	 FIELDS(U("pid"), U("tid"), U("ppid"), U("uid"), U("cgroup_id"), B("comm"), B("filename"))},
	{FR_KIND_PROC_EXIT, "proc_exit",
	 FIELDS(U("pid"), U("tid"), U("ppid"), U("cgroup_id"), S("exit_code"), U("runtime_ns"),
		B("comm"))},
	{FR_KIND_PROC_FORK, "proc_fork",
	 FIELDS(U("parent_pid"), U("child_pid"), U("child_tid"), U("cgroup_id"), B("comm"))},
	{FR_KIND_SYSCALL, "syscall",
	 FIELDS(U("pid"), U("tid"), U("nr"), U("latency_ns"), S("ret"))},
	{FR_KIND_SYSCALL_AGG, "syscall_agg",
	 FIELDS(U("pid"), U("nr"), U("count"), U("errors"), U("total_ns"), U("interval_ns"),
		H("latency_hist"))},
	{FR_KIND_TCP_CONNECT, "tcp_connect",
	 FIELDS(U("pid"), TUPLE, U("sock_id"), U("latency_ns"), S("err"))},
	{FR_KIND_TCP_ACCEPT, "tcp_accept", FIELDS(U("pid"), TUPLE, U("sock_id"))},
	{FR_KIND_TCP_CLOSE, "tcp_close",
	 FIELDS(U("pid"), TUPLE, U("sock_id"), U("duration_ns"), U("bytes_acked"),
		U("bytes_received"), U("segs_out"), U("segs_in"), U("srtt_us"), U("total_retrans"),
		U("active"))},
	{FR_KIND_TCP_RETRANSMIT, "tcp_retransmit",
	 FIELDS(U("pid"), TUPLE, U("sock_id"), U("state"))},
	{FR_KIND_TCP_RESET, "tcp_reset", FIELDS(U("pid"), TUPLE, U("sock_id"), U("received"))},
	{FR_KIND_TCP_RTT, "tcp_rtt",
	 FIELDS(U("pid"), TUPLE, U("sock_id"), U("srtt_us"), U("rttvar_us"))},
	{FR_KIND_SOCK_MSG, "sock_msg",
	 FIELDS(U("pid"), TUPLE, U("sock_id"), U("protocol"), U("received"), S("bytes"))},
	{FR_KIND_UDP_MSG, "udp_msg", FIELDS(U("pid"), TUPLE, U("received"), S("bytes"))},
	{FR_KIND_SKB_DROP, "skb_drop",
	 FIELDS(U("reason"), U("protocol"), TUPLE, U("ifindex"), U("pid"), U("location"))},
	{FR_KIND_FILE_IO, "file_io",
	 FIELDS(U("pid"), U("tid"), U("op"), U("fd"), S("ret"), U("latency_ns"))},
	{FR_KIND_FILE_OPEN, "file_open",
	 FIELDS(U("pid"), U("tid"), S("ret"), U("flags"), U("latency_ns"), B("filename"))},
	{FR_KIND_FILE_IO_AGG, "file_io_agg",
	 FIELDS(U("pid"), U("op"), U("count"), U("bytes"), U("errors"), U("total_ns"),
		U("interval_ns"), H("latency_hist"))},
	{FR_KIND_SCHED_SWITCH, "sched_switch",
	 FIELDS(U("cpu"), U("prev_pid"), U("prev_state"), U("next_pid"), U("runq_latency_ns"),
		U("prev_runtime_ns"))},
	{FR_KIND_SCHED_AGG, "sched_agg",
	 FIELDS(U("pid"), U("runtime_ns"), U("switches"), U("involuntary"), U("runq_count"),
		U("runq_total_ns"), U("interval_ns"), H("runq_hist"))},
	{FR_KIND_PAGE_FAULT, "page_fault",
	 FIELDS(U("pid"), U("tid"), U("user"), U("address"), U("error_code"))},
	{FR_KIND_MEM_ALLOC, "mem_alloc", FIELDS(U("pid"), U("source"), U("bytes"), U("count"))},
	{FR_KIND_OOM_KILL, "oom_kill",
	 FIELDS(U("pid"), U("uid"), U("cgroup_id"), U("total_vm_kb"), U("anon_rss_kb"),
		U("file_rss_kb"), U("shmem_rss_kb"), S("oom_score_adj"), B("comm"))},
	{FR_KIND_MEM_AGG, "mem_agg",
	 FIELDS(U("pid"), U("user_faults"), U("kernel_faults"), U("allocs"), U("alloc_bytes"),
		U("interval_ns"))},
	{FR_KIND_SOCK_MSG_AGG, "sock_msg_agg",
	 FIELDS(U("pid"), TUPLE, U("protocol"), U("received"), U("count"), U("bytes"),
		U("interval_ns"))},
};

static const struct fr_kind_info *kind_index[FR_KIND_MAX];
static int kind_index_ready;

static void kind_index__build(void)
{
	/* Idempotent and race-benign: every thread writes the same pointers. */
	for (size_t i = 0; i < sizeof(kind_table) / sizeof(kind_table[0]); i++)
		kind_index[kind_table[i].kind] = &kind_table[i];
	kind_index_ready = 1;
}

const struct fr_kind_info *fr_kind__info(unsigned kind)
{
	if (!kind_index_ready)
		kind_index__build();
	return kind < FR_KIND_MAX ? kind_index[kind] : NULL;
}

const char *fr_kind__name(unsigned kind)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);

	return ki ? ki->name : NULL;
}

unsigned fr_kind__from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(kind_table) / sizeof(kind_table[0]); i++)
		if (!strcmp(kind_table[i].name, name))
			return kind_table[i].kind;
	return FR_KIND_INVALID;
}

int fr_kind__field_index(unsigned kind, const char *field)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);

	if (!ki || !ki->has_schema)
		return -1;
	for (unsigned i = 0; i < ki->nfields; i++)
		if (!strcmp(ki->fields[i].name, field))
			return (int)i;
	return -1;
}

static const struct fr_kind_info *schema_of(unsigned kind)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);

	return ki && ki->has_schema ? ki : NULL;
}

size_t fr_event__encoded_bound(unsigned kind, const struct fr_value *vals, unsigned nvals)
{
	const struct fr_kind_info *ki = schema_of(kind);
	size_t n = 0;

	if (!ki)
		return 0;
	for (unsigned i = 0; i < ki->nfields; i++) {
		const struct fr_value *v = i < nvals ? &vals[i] : NULL;

		n += FR_VARINT_MAX;
		if (v && ki->fields[i].type == FR_FIELD_BYTES)
			n += v->len;
		else if (v && ki->fields[i].type == FR_FIELD_HIST)
			n += (size_t)v->len * FR_VARINT_MAX;
	}
	return n;
}

int fr_event__encode(unsigned kind, const struct fr_value *vals, unsigned nvals, uint8_t *dst,
		     size_t cap)
{
	const struct fr_kind_info *ki = schema_of(kind);
	uint8_t *p = dst, *const end = dst + cap;

	if (!ki || nvals > ki->nfields)
		return -EINVAL;
	for (unsigned i = 0; i < ki->nfields; i++) {
		static const struct fr_value zero;
		const struct fr_value *v = i < nvals ? &vals[i] : &zero;

		if ((size_t)(end - p) < FR_VARINT_MAX)
			return -ENOSPC;
		switch (ki->fields[i].type) {
		case FR_FIELD_U64:
			p += fr_varint__put(p, v->u);
			break;
		case FR_FIELD_S64:
			p += fr_varint__put(p, fr_zigzag__encode((int64_t)v->u));
			break;
		case FR_FIELD_BYTES:
			if (v->len > FR_FIELD_BYTES_MAX)
				return -EINVAL;
			p += fr_varint__put(p, v->len);
			if ((size_t)(end - p) < v->len)
				return -ENOSPC;
			if (v->len)
				memcpy(p, v->p, v->len);
			p += v->len;
			break;
		case FR_FIELD_HIST: {
			const uint64_t *b = (const uint64_t *)(const void *)v->p;
			uint32_t n = v->len;

			if (n > FR_HIST_BUCKETS)
				return -EINVAL;
			while (n && !b[n - 1])
				n--;
			p += fr_varint__put(p, n);
			for (uint32_t k = 0; k < n; k++) {
				if ((size_t)(end - p) < FR_VARINT_MAX)
					return -ENOSPC;
				p += fr_varint__put(p, b[k]);
			}
			break;
		}
		}
	}
	return (int)(p - dst);
}

int fr_event__decode(unsigned kind, const uint8_t *src, size_t len, struct fr_event *ev)
{
	const struct fr_kind_info *ki = schema_of(kind);
	const uint8_t *p = src, *const end = src + len;
	unsigned nhist = 0;

	if (!ki)
		return -EINVAL;
	ev->nfields = ki->nfields;
	for (unsigned i = 0; i < ki->nfields; i++) {
		struct fr_value *v = &ev->f[i];
		uint64_t x;
		size_t n;

		v->u = 0;
		v->p = NULL;
		v->len = 0;
		if (p == end)
			continue; /* older writer: missing trailing fields read as 0 */
		n = fr_varint__get(p, end, &x);
		if (!n)
			return -EBADMSG;
		p += n;
		switch (ki->fields[i].type) {
		case FR_FIELD_U64:
			v->u = x;
			break;
		case FR_FIELD_S64:
			v->u = (uint64_t)fr_zigzag__decode(x);
			break;
		case FR_FIELD_BYTES:
			if (x > FR_FIELD_BYTES_MAX || x > (uint64_t)(end - p))
				return -EBADMSG;
			v->p = p;
			v->len = (uint32_t)x;
			p += x;
			break;
		case FR_FIELD_HIST:
			if (x > FR_HIST_BUCKETS || nhist >= 2)
				return -EBADMSG;
			memset(ev->hist[nhist], 0, sizeof(ev->hist[nhist]));
			for (uint64_t k = 0; k < x; k++) {
				n = fr_varint__get(p, end, &ev->hist[nhist][k]);
				if (!n)
					return -EBADMSG;
				p += n;
			}
			v->u = x;
			v->p = (const uint8_t *)ev->hist[nhist];
			v->len = (uint32_t)x;
			nhist++;
			break;
		}
	}
	/* trailing bytes are fields of a newer writer: ignored by design */
	return 0;
}
