/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * File I/O accounting, shared by file.bpf.c (on the per-syscall tracepoints
 * of the file calls) and syscall.bpf.c (inside its raw_syscalls programs,
 * when both families run: a second program on every syscall would cost
 * more than the work itself). Include after common.bpf.h.
 *
 * Every call is booked with the kind of its descriptor (enum fr_fd_kind),
 * read at the call's exit from the task's file table, so that reads of
 * sockets and pipes can be told from reads of files.
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

/* include/uapi/linux/stat.h, include/linux/fs.h (macros are not in BTF) */
#define FR_S_IFMT    0170000
#define FR_S_IFSOCK  0140000
#define FR_S_IFREG   0100000
#define FR_S_IFBLK   0060000
#define FR_S_IFDIR   0040000
#define FR_S_IFCHR   0020000
#define FR_S_IFIFO   0010000
#define FR_S_PRIVATE (1u << 9) /* inode->i_flags: fs-internal, as anonymous inodes are */

/*
 * The kind of file open at descriptor `fd` of the current task: its inode's
 * type (current->files->fdt->fd[fd]->f_inode->i_mode). Anonymous inodes
 * (eventfd, epoll, timerfd, ...) have no type, but had S_IFREG for a while
 * in 6.15 ("anon_inode: use a proper mode internally", reverted since):
 * there S_PRIVATE tells them. Only called for file calls, never on others.
 */
static __always_inline __u16 fr_fd_kind(__s32 fd, bool btf)
{
	const struct task_struct *t;
	const struct fdtable *fdt;
	const struct inode *ino;
	struct file **fds, *f = NULL;
	__u32 max_fds;

	if (fd < 0)
		return FR_FD_UNKNOWN;
	if (btf && bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		/* tp_btf (5.11+): plain loads down to the table, no helper calls */
		t = bpf_get_current_task_btf();
		fdt = t->files->fdt;
		max_fds = fdt->max_fds;
		fds = fdt->fd;
	} else {
		t = (const struct task_struct *)bpf_get_current_task();
		fdt = BPF_CORE_READ(t, files, fdt);
		if (!fdt)
			return FR_FD_UNKNOWN;
		max_fds = BPF_CORE_READ(fdt, max_fds);
		fds = BPF_CORE_READ(fdt, fd);
	}
	if ((__u32)fd >= max_fds)
		return FR_FD_UNKNOWN;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return FR_FD_UNKNOWN;
	ino = BPF_CORE_READ(f, f_inode);
	if (!ino)
		return FR_FD_UNKNOWN;
	switch (BPF_CORE_READ(ino, i_mode) & FR_S_IFMT) {
	case FR_S_IFREG:
		return BPF_CORE_READ(ino, i_flags) & FR_S_PRIVATE ? FR_FD_ANON : FR_FD_REGULAR;
	case FR_S_IFBLK:
		return FR_FD_BLOCK;
	case FR_S_IFCHR:
		return FR_FD_CHAR;
	case FR_S_IFIFO:
		return FR_FD_FIFO;
	case FR_S_IFSOCK:
		return FR_FD_SOCKET;
	case FR_S_IFDIR:
		return FR_FD_DIR;
	case 0:
		return FR_FD_ANON;
	default:
		return FR_FD_OTHER;
	}
}

/* Kinds whose bytes the file families count. */
static __always_inline bool fr_fd_is_file(__u16 kind)
{
	return kind == FR_FD_REGULAR || kind == FR_FD_BLOCK;
}

/*
 * An openat that returned: always streamed, with the path it was given.
 * ts: boot time, or 0 when the caller timed the call on another clock.
 */
static __always_inline void fr_file_open(__u64 id, __u64 ts, __u64 lat, long ret, __u32 flags,
					 const void *path)
{
	struct fr_file_open *e =
		fr_reserve_at(sizeof(*e), FR_OP_FILE_OPEN, id, ts ?: bpf_ktime_get_boot_ns());

	if (!e)
		return;
	e->latency_ns = lat;
	e->ret = ret;
	e->flags = flags;
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), path) < 0)
		e->filename[0] = '\0';
	fr_submit(e);
}

/*
 * One side of a call (enum fr_file_op) on descriptor `fd` of `kind` that
 * returned `ret` after `lat` ns; lat 0: the call's latency is booked on its
 * other side.
 */
static __always_inline void fr_file_io(__u64 id, __u64 ts, __u16 op, __s32 fd, __u16 kind, long ret,
				       __u64 lat, bool stream)
{
	struct fr_file_key key;
	struct fr_file_val *v;
	struct fr_file_io *e;

	if (stream) {
		e = fr_reserve_at(sizeof(*e), FR_OP_FILE_IO, id, ts ?: bpf_ktime_get_boot_ns());
		if (!e)
			return;
		e->latency_ns = lat;
		e->ret = ret;
		e->op = op;
		e->fd_kind = kind;
		e->fd = fd;
		fr_submit(e);
		return;
	}
	key.pid = fr_agg_tgid(id >> 32);
	key.op = op;
	key.fd_kind = kind;
	v = fr_agg_slot(&file_agg, &key, &file_zero_val);
	if (!v)
		return;
	__sync_fetch_and_add(&v->count, 1);
	if (ret >= 0)
		__sync_fetch_and_add(&v->bytes, ret);
	else
		__sync_fetch_and_add(&v->errors, 1);
	if (!lat)
		return;
	__sync_fetch_and_add(&v->total_ns, lat);
	__sync_fetch_and_add(&v->hist[fr_log2_slot(lat)], 1);
}

/*
 * A file call (enum fr_file_op; a copy call's *_IN op) that returned `ret`
 * after `lat` ns, with its first three arguments. A copy call books its
 * result on both descriptors and its latency once: on the input side,
 * unless only the output is a file (splice from a pipe into a file).
 * btf: called from a tp_btf program, which may read kernel memory directly.
 * ts: the return's boot time, or 0 when the caller timed the call on another
 * clock (then a record reads it).
 */
static __always_inline void fr_file_call(__u64 id, __u64 ts, __u16 op, __u64 a0, __u64 a1, __u64 a2,
					 long ret, __u64 lat, bool stream, bool btf)
{
	__s32 in = (__s32)a0, out = (__s32)a2;
	__u16 kind, kind_out;
	bool lat_out;

	switch (op) {
	case FR_FILE_OPENAT:
		fr_file_open(id, ts, lat, ret, (__u32)a2, (const void *)a1);
		return;
	case FR_FILE_SENDFILE_IN: /* sendfile(out_fd, in_fd, ...) */
		in = (__s32)a1;
		out = (__s32)a0;
		break;
	case FR_FILE_COPY_IN: /* copy_file_range and splice(fd_in, off_in, fd_out, ...) */
	case FR_FILE_SPLICE_IN:
		break;
	default:
		fr_file_io(id, ts, op, in, fr_fd_kind(in, btf), ret, lat, stream);
		return;
	}
	kind = fr_fd_kind(in, btf);
	kind_out = fr_fd_kind(out, btf);
	lat_out = !fr_fd_is_file(kind) && fr_fd_is_file(kind_out);
	fr_file_io(id, ts, op, in, kind, ret, lat_out ? 0 : lat, stream);
	fr_file_io(id, ts, op + 1, out, kind_out, ret, lat_out ? lat : 0, stream);
}

#endif /* FR_BPF_FILE_ACCT_BPF_H */
