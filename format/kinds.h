/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Record kinds: the one place that lists every kind a segment can hold and
 * what its payload is.
 *
 * Every record is (kind, ts_ns, payload). ts_ns is CLOCK_BOOTTIME nanoseconds
 * of the host that wrote the segment (bpf_ktime_get_boot_ns() for kernel
 * events, the receive time for Hubble flows and metadata). CLOCK_SYNC records
 * map it to wall-clock UTC.
 *
 * Payloads come in two shapes:
 *  - schema kinds (kernel events, statistics, clock sync, ...): a list of
 *    fields described by fr_kind__info(), encoded by fr_event__encode() as
 *    varints (unsigned), zigzag varints (signed) or length-prefixed bytes.
 *    Fields are append-only: a reader fills fields missing from an older
 *    writer with 0 and ignores trailing fields added by a newer writer.
 *  - opaque kinds (Hubble flow, metadata JSON, marker text): raw bytes,
 *    documented below.
 *
 * Kind numbers are stable and never reused. A reader skips kinds it does not
 * know: the record length is always known from the framing.
 */
#ifndef FR_FORMAT_KINDS_H
#define FR_FORMAT_KINDS_H

#include <stddef.h>
#include <stdint.h>

enum fr_kind {
	FR_KIND_INVALID = 0,

	/* --- segment bookkeeping (1..15) --- */
	/* clock sync: boot_ns, wall_ns sampled together (schema) */
	FR_KIND_CLOCK_SYNC = 1,
	/* recorder statistics per source: see schema (source, seen, lost, reason) */
	FR_KIND_RECORDER_STATS = 2,
	/* user marker: payload is UTF-8 text ("incident starts") */
	FR_KIND_MARKER = 3,
	/* which families are on/off and why: schema (family, state, errno, detail) */
	FR_KIND_FAMILY_STATUS = 4,
	/* kernel drop reason table: schema (reason, name); written from BTF at record time */
	FR_KIND_DROP_REASON_NAME = 5,
	/* syscall number -> name: schema (nr, name) */
	FR_KIND_SYSCALL_NAME = 6,

	/* --- metadata (16..31): payload is one JSON object (UTF-8) --- */
	/* full snapshot: {"processes":[...],"pods":[...],"services":[...],...} */
	FR_KIND_META_SNAPSHOT = 16,
	/* one change: {"op":"add|update|delete","type":"pod|process|...","object":{...}} */
	FR_KIND_META_CHANGE = 17,

	/* --- Hubble (32..47) --- */
	/* one flow as received: payload is a serialized observer.GetFlowsResponse (protobuf) */
	FR_KIND_HUBBLE_FLOW_PB = 32,
	/* one flow as received: payload is one `hubble observe -o jsonpb` line (JSON) */
	FR_KIND_HUBBLE_FLOW_JSON = 33,
	/* the Hubble server's status, asked at the start of every stream: payload is a
	 * serialized observer.ServerStatusResponse (protobuf) as received */
	FR_KIND_HUBBLE_STATUS_PB = 34,

	/* --- kernel events (64..): schema kinds --- */
	FR_KIND_PROC_EXEC = 64,
	FR_KIND_PROC_EXIT = 65,
	FR_KIND_PROC_FORK = 66,
	FR_KIND_SYSCALL = 67,	  /* stream mode: one per call */
	FR_KIND_SYSCALL_AGG = 68, /* aggregate mode: per (pid, nr) per interval */
	FR_KIND_TCP_CONNECT = 69, /* active open completed (or failed) */
	FR_KIND_TCP_ACCEPT = 70,  /* passive open completed */
	FR_KIND_TCP_CLOSE = 71,	  /* connection end with tcplife counters */
	FR_KIND_TCP_RETRANSMIT = 72,
	FR_KIND_TCP_RESET = 73,
	FR_KIND_TCP_RTT = 74,
	FR_KIND_SOCK_MSG = 75, /* one send or receive of length bytes */
	FR_KIND_UDP_MSG = 76,
	FR_KIND_SKB_DROP = 77,
	FR_KIND_FILE_IO = 78, /* read/write family, stream mode */
	FR_KIND_FILE_OPEN = 79,
	FR_KIND_FILE_IO_AGG = 80, /* aggregate mode */
	FR_KIND_SCHED_SWITCH = 81,
	FR_KIND_SCHED_AGG = 82, /* per pid per interval: runtime, switches, runq hist */
	FR_KIND_PAGE_FAULT = 83,
	FR_KIND_MEM_ALLOC = 84,
	FR_KIND_OOM_KILL = 85,
	FR_KIND_MEM_AGG = 86, /* per pid per interval: faults and allocations */
	FR_KIND_SOCK_MSG_AGG = 87,

	FR_KIND_MAX = 256 /* kinds are < FR_KIND_MAX */
};

/*
 * Values of the `op` field of file_io and file_io_agg: the call that moved
 * the bytes, odd on the side it read from, even on the side it wrote to.
 * Part of the format: the recorder writes them (its BPF side keeps the same
 * numbers in enum fr_file_op, checked at build time) and the analyzer's
 * file metrics read them. A copy call (copy_file_range, sendfile, splice)
 * is two entries, *_IN on its input descriptor and *_OUT on its output one,
 * each with the call's result; its latency is on one of them only, the
 * other's latency_ns is 0.
 */
enum fr_file_op_code {
	FR_FILE_OP_READ = 1,
	FR_FILE_OP_WRITE = 2,
	FR_FILE_OP_PREAD64 = 3,
	FR_FILE_OP_PWRITE64 = 4,
	FR_FILE_OP_READV = 5,
	FR_FILE_OP_WRITEV = 6,
	FR_FILE_OP_OPENAT = 7, /* only in the BPF side's accounting; opens are file_open */
	FR_FILE_OP_PREADV = 9,
	FR_FILE_OP_PWRITEV = 10,
	FR_FILE_OP_PREADV2 = 11,
	FR_FILE_OP_PWRITEV2 = 12,
	FR_FILE_OP_COPY_FILE_RANGE_IN = 13,
	FR_FILE_OP_COPY_FILE_RANGE_OUT = 14,
	FR_FILE_OP_SENDFILE_IN = 15,
	FR_FILE_OP_SENDFILE_OUT = 16,
	FR_FILE_OP_SPLICE_IN = 17,
	FR_FILE_OP_SPLICE_OUT = 18,
};

/*
 * Values of the `fd_kind` field of file_io and file_io_agg: what the
 * descriptor was open on when the call returned (the inode's type). The
 * file families count FR_FD_KIND_REGULAR and FR_FD_KIND_BLOCK. Segments
 * written before the field read 0.
 */
enum fr_fd_kind_code {
	FR_FD_KIND_UNKNOWN = 0, /* not recorded, or no file at that descriptor at the exit */
	FR_FD_KIND_REGULAR = 1, /* regular file (any filesystem, /proc and memfd too) */
	FR_FD_KIND_BLOCK = 2,
	FR_FD_KIND_CHAR = 3,
	FR_FD_KIND_FIFO = 4, /* pipe or FIFO */
	FR_FD_KIND_SOCKET = 5,
	FR_FD_KIND_DIR = 6,
	FR_FD_KIND_ANON = 7, /* anon_inode: eventfd, timerfd, signalfd, epoll, ... */
	FR_FD_KIND_OTHER = 8,
};

/* Bits of syscall.flags. */
enum fr_syscall_flag_code {
	/*
	 * exit, exit_group and rt_sigreturn: counted as they are entered (they
	 * never reach sys_exit with their number); latency_ns and ret are 0 and
	 * mean nothing, so latency histograms leave these records out.
	 */
	FR_SYSCALL_FLAG_NO_RETURN = 1,
};

/*
 * tcp_close.active: who opened the connection, seen from this socket.
 * FR_TCP_ORIGIN_UNKNOWN: it was open before the recording started (or the
 * recorder's table of open sockets had to forget it).
 */
enum fr_tcp_origin {
	FR_TCP_ORIGIN_ACCEPTED = 0,
	FR_TCP_ORIGIN_CONNECTED = 1,
	FR_TCP_ORIGIN_UNKNOWN = 2,
};

/*
 * tcp_close.fin_acked: whether bytes_acked counts this socket's FIN, which
 * takes one sequence number as the active opener's SYN does (TCP_INFO's
 * tcpi_bytes_acked counts both; a passive opener's SYN-ACK is not
 * counted). 0: a recorder before this field.
 */
enum fr_tcp_fin_acked {
	FR_TCP_FIN_UNKNOWN = 0,
	FR_TCP_FIN_NOT_ACKED = 1, /* never sent (a reset ended it), or not acknowledged */
	FR_TCP_FIN_ACKED = 2,
};

/* mem_alloc.source: which allocator. */
enum fr_alloc_source_code {
	FR_ALLOC_SOURCE_KMALLOC = 1,
	FR_ALLOC_SOURCE_PAGE = 2,
};

enum fr_field_type {
	FR_FIELD_U64 = 1,   /* unsigned varint */
	FR_FIELD_S64 = 2,   /* zigzag varint */
	FR_FIELD_BYTES = 3, /* varint length + bytes (addresses, comm, paths) */
	FR_FIELD_HIST = 4,  /* log2 histogram: varint nbuckets + varint counts */
};

/* Field lists of the schema kinds and their indices FR_F_<KIND>_<FIELD>. */
#include "format/kinds_fields.h"

/* Bounds a decoder enforces; a payload that exceeds them is rejected. */
#define FR_EVENT_MAX_FIELDS 24
#define FR_FIELD_BYTES_MAX  4096
#define FR_HIST_BUCKETS	    64

struct fr_field {
	const char *name;
	enum fr_field_type type;
};

struct fr_kind_info {
	uint16_t kind;
	const char *name; /* stable snake_case name, also the SQL table suffix */
	int has_schema;	  /* 0: opaque payload */
	uint8_t nfields;
	const struct fr_field *fields;
};

/* Info for a kind, or NULL when this build does not know the kind. */
const struct fr_kind_info *fr_kind__info(unsigned kind);

/* Stable name of a kind, or NULL when unknown. */
const char *fr_kind__name(unsigned kind);

/* Kind for a name, or FR_KIND_INVALID. */
unsigned fr_kind__from_name(const char *name);

/* Field index by name within a schema kind, or -1. */
int fr_kind__field_index(unsigned kind, const char *field);

/*
 * Decoded schema event. Byte and histogram fields borrow from the payload
 * they were decoded from; the event is valid while that payload is.
 */
struct fr_value {
	uint64_t u; /* U64; S64 stored as two's complement; HIST: bucket count */
	const uint8_t *p;
	uint32_t len; /* BYTES: byte length */
};

struct fr_event {
	uint16_t kind;
	uint8_t nfields;
	uint64_t ts_ns;
	struct fr_value f[FR_EVENT_MAX_FIELDS];
	/* decoded histogram buckets, one array per HIST field (at most 2 per kind) */
	uint64_t hist[2][FR_HIST_BUCKETS];
};

/* Signed view of a S64 field. */
static inline int64_t fr_value__s64(const struct fr_value *v)
{
	return (int64_t)v->u;
}

/*
 * Encode fields of a schema kind: `vals` holds exactly the kind's fields,
 * in order (FR_F_<KIND>_<FIELD> indices, FR_F_<KIND>__COUNT of them). For
 * U64/S64 fields `vals[i].u` is used; for BYTES `vals[i].p`/`len`; for HIST
 * `vals[i].p` points to `len` uint64_t buckets (len <= FR_HIST_BUCKETS;
 * trailing zero buckets are trimmed).
 * Return: bytes written, -ENOSPC when `cap` is too small, -EINVAL for an
 * unknown or opaque kind, `nvals` other than the kind's field count (a
 * value left out would be written as 0) or an out-of-bounds field.
 */
int fr_event__encode(unsigned kind, const struct fr_value *vals, unsigned nvals, uint8_t *dst,
		     size_t cap);

/*
 * Number of values in `vals`, an array of kind FR_KIND_<K> filled by
 * designated initializers ([FR_F_<K>_<FIELD>] = ...): the build fails unless
 * the array ends at the kind's last field, so a field appended to a kind
 * stops every encoder that does not set it.
 */
#define FR_NVALS(K, vals)                                                                          \
	((unsigned)(sizeof(vals) / sizeof((vals)[0]) +                                             \
		    0 * sizeof(struct {                                                            \
			    _Static_assert(sizeof(vals) / sizeof((vals)[0]) == FR_F_##K##__COUNT,  \
					   "values of " #K " must end at its last field");         \
			    char ok;                                                               \
		    })))

/*
 * Decode a schema payload into `ev` (kind and ts are left to the caller).
 * Return: 0, -EBADMSG for a malformed payload, -EINVAL for an opaque or
 * unknown kind.
 */
int fr_event__decode(unsigned kind, const uint8_t *src, size_t len, struct fr_event *ev);

/* Upper bound of an encoded payload for the given values. */
size_t fr_event__encoded_bound(unsigned kind, const struct fr_value *vals, unsigned nvals);

#endif /* FR_FORMAT_KINDS_H */
