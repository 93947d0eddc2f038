/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * File I/O accounting, shared by file.bpf.c (on the per-syscall tracepoints
 * of the file calls) and syscall.bpf.c (inside its raw_syscalls programs,
 * when both families run: a second program on every syscall would cost
 * more than the work itself). Include after common.bpf.h.
 */
#ifndef FR_BPF_FILE_ACCT_BPF_H
#define FR_BPF_FILE_ACCT_BPF_H

const struct fr_file_io *unused_fr_file_io __attribute__((unused));
const struct fr_file_open *unused_fr_file_open __attribute__((unused));
const struct fr_file_key *unused_fr_file_key __attribute__((unused));
const struct fr_file_val *unused_fr_file_val __attribute__((unused));

/* Sized down to one entry by the recorder when nothing aggregates files here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FR_AGG_ENTRIES);
	__type(key, struct fr_file_key);
	__type(value, struct fr_file_val);
} file_agg SEC(".maps");

static const struct fr_file_val file_zero_val;

/* An openat that returned: always streamed, with the path it was given. */
static __always_inline void fr_file_open(__u64 id, __u64 now, __u64 lat, long ret, __u32 flags,
					 const void *path)
{
	struct fr_file_open *e = fr_reserve_at(sizeof(*e), FR_OP_FILE_OPEN, id, now);

	if (!e)
		return;
	e->latency_ns = lat;
	e->ret = ret;
	e->flags = flags;
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), path) < 0)
		e->filename[0] = '\0';
	fr_submit(e);
}

/* A read or write call (enum fr_file_op) that returned `ret` after `lat` ns. */
static __always_inline void fr_file_io(__u64 id, __u64 now, __u32 op, __s32 fd, long ret, __u64 lat,
				       bool stream)
{
	struct fr_file_key key;
	struct fr_file_val *v;
	struct fr_file_io *e;

	if (stream) {
		e = fr_reserve_at(sizeof(*e), FR_OP_FILE_IO, id, now);
		if (!e)
			return;
		e->latency_ns = lat;
		e->ret = ret;
		e->op = op;
		e->fd = fd;
		fr_submit(e);
		return;
	}
	key.pid = fr_agg_tgid(id >> 32);
	key.op = op;
	v = fr_agg_slot(&file_agg, &key, &file_zero_val);
	if (!v)
		return;
	__sync_fetch_and_add(&v->count, 1);
	if (ret >= 0)
		__sync_fetch_and_add(&v->bytes, ret);
	else
		__sync_fetch_and_add(&v->errors, 1);
	__sync_fetch_and_add(&v->total_ns, lat);
	__sync_fetch_and_add(&v->hist[fr_log2_slot(lat)], 1);
}

#endif /* FR_BPF_FILE_ACCT_BPF_H */
