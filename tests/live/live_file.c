/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live: the file families count files, by kind of descriptor. A child that
 * knows what it did reads and writes regular files, a loop block device, a
 * pipe, a socket pair, character devices and an eventfd, copies 64 MiB
 * with copy_file_range (what cp does), sends a file to a socket, splices a
 * file into a pipe and a pipe into a file, and uses the p*v(2) calls. It is
 * recorded alone (--pid), in both modes, with the file family on its own
 * tracepoints and inside the syscalls programs. Truths, all of the same run:
 *  - the child's own byte counts per kind and direction (exact);
 *  - the kernel's rchar/wchar deltas from /proc/self/io, which count every
 *    kind but not splice: the records of every kind must add up to them;
 *  - calls made: a copy call's latency is booked once.
 * Then `flightrec metrics` must give the regular-file and block-device
 * bytes as ebpf_file_read_bytes / ebpf_file_write_bytes and nothing else.
 */
#define _GNU_SOURCE /* copy_file_range, splice, preadv2 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_util.h"

#define MIB	 (1u << 20)
#define CHUNK	 32768u
#define COPY_MIB 64u
#define NKINDS	 (FR_FD_KIND_OTHER + 1)

enum { RD, WR };

/* What the child did, sent to the parent when it is done. */
struct fk_truth {
	uint64_t bytes[NKINDS][2]; /* per kind of descriptor and direction */
	uint64_t rchar[2], wchar[2];
	uint64_t proc_io_last; /* bytes the last /proc/self/io read returned (after rchar[1]) */
	uint64_t copy_calls, sendfile_calls, splice_calls;
	uint64_t splice_to_file; /* splices pipe -> file: latency on the output side */
	int block;		 /* a loop block device was read and written */
	int err;		 /* 0, or the errno of the first failed call */
	int line;		 /* its source line */
};

/* ---- the child ---- */

static struct fk_truth t;

/* Count `r` (a call's result) for kind and direction; a failure ends the child. */
static ssize_t count(int kind, int dir, ssize_t r, int line)
{
	if (r < 0 && !t.err) {
		t.err = errno;
		t.line = line;
	}
	if (r > 0)
		t.bytes[kind][dir] += (uint64_t)r;
	return r;
}
#define COUNT(kind, dir, call) count(FR_FD_KIND_##kind, dir, (call), __LINE__)

/* rchar and wchar of this process, with one read(2) of /proc/self/io. */
static void proc_io(uint64_t *rchar, uint64_t *wchar)
{
	char buf[1024], *p;
	int fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);
	ssize_t n = COUNT(REGULAR, RD, read(fd, buf, sizeof(buf) - 1));

	close(fd);
	t.proc_io_last = n > 0 ? (uint64_t)n : 0;
	buf[n > 0 ? n : 0] = '\0';
	*rchar = (p = strstr(buf, "rchar:")) ? strtoull(p + 6, NULL, 10) : 0;
	*wchar = (p = strstr(buf, "wchar:")) ? strtoull(p + 6, NULL, 10) : 0;
}

/* Read exactly n bytes of a pipe or socket that holds them. */
static void drain(int kind, int fd, char *buf, size_t n)
{
	while (n && !t.err) {
		ssize_t r = count(kind, RD, read(fd, buf, n), __LINE__);

		if (r <= 0)
			break;
		n -= (size_t)r;
	}
}

/* A copy call's result r, read from a file into a pipe or socket that `peer` drains. */
static void copied_out(int kind, int peer, char *buf, ssize_t r)
{
	COUNT(REGULAR, RD, r);
	count(kind, WR, r, __LINE__);
	drain(kind, peer, buf, r > 0 ? (size_t)r : 0);
}

struct fk_fds {
	int src, dst, pipe[2], sock[2], efd, zero, null, blk;
};

static void fk_workload(const struct fk_fds *f, char *buf)
{
	struct iovec iov[2] = {{buf, 65536}, {buf + 65536, 65536}};
	struct iovec small[2] = {{buf, 16384}, {buf + 16384, 16384}};
	loff_t in = 0, out = 0;
	off_t off = 0;
	uint64_t v = 1;
	ssize_t r;

	for (unsigned i = 0; i < COPY_MIB && !t.err; i++)
		COUNT(REGULAR, WR, write(f->src, buf, MIB));
	/* cp: copy_file_range until it returns 0, both sides counted */
	do {
		r = copy_file_range(f->src, &in, f->dst, &out, (size_t)COPY_MIB * MIB, 0);
		t.copy_calls++;
		COUNT(REGULAR, RD, r);
		COUNT(REGULAR, WR, r);
	} while (r > 0);
	COUNT(REGULAR, RD, pread(f->src, buf, MIB, 0));
	COUNT(REGULAR, RD, preadv(f->src, iov, 2, 4096));
	COUNT(REGULAR, RD, preadv2(f->src, iov, 1, 8192, 0));
	COUNT(REGULAR, WR, pwritev(f->dst, iov, 2, 0));
	COUNT(REGULAR, WR, pwritev2(f->dst, iov, 1, 65536, 0));
	COUNT(REGULAR, RD, readv(f->src, iov, 2)); /* at EOF: 0 bytes */
	lseek(f->src, 0, SEEK_SET);
	COUNT(REGULAR, RD, read(f->src, buf, MIB));
	/* sendfile: file -> socket, drained by the socket's other end */
	for (unsigned i = 0; i < 16 && !t.err; i++) {
		t.sendfile_calls++;
		copied_out(FR_FD_KIND_SOCKET, f->sock[1], buf,
			   sendfile(f->sock[0], f->src, &off, CHUNK));
	}
	/* splice: file -> pipe (latency on the file side), then pipe -> file (the same) */
	in = 0;
	for (unsigned i = 0; i < 8 && !t.err; i++) {
		t.splice_calls++;
		copied_out(FR_FD_KIND_FIFO, f->pipe[0], buf,
			   splice(f->src, &in, f->pipe[1], NULL, CHUNK, 0));
	}
	out = 0;
	for (unsigned i = 0; i < 8 && !t.err; i++) {
		size_t left = (size_t)COUNT(FIFO, WR, write(f->pipe[1], buf, CHUNK));

		while (left && !t.err) {
			r = splice(f->pipe[0], NULL, f->dst, &out, left, 0);
			t.splice_calls++;
			t.splice_to_file++;
			COUNT(FIFO, RD, r);
			COUNT(REGULAR, WR, r);
			left -= r > 0 ? (size_t)r : left;
		}
	}
	/* sockets, pipes, an eventfd, character devices: never file bytes */
	COUNT(SOCKET, WR, write(f->sock[0], buf, 60000));
	drain(FR_FD_KIND_SOCKET, f->sock[1], buf, 60000);
	COUNT(SOCKET, WR, writev(f->sock[1], small, 2));
	drain(FR_FD_KIND_SOCKET, f->sock[0], buf, 2 * 16384);
	COUNT(FIFO, WR, writev(f->pipe[1], iov, 1));
	drain(FR_FD_KIND_FIFO, f->pipe[0], buf, 65536);
	COUNT(ANON, WR, write(f->efd, &v, sizeof(v)));
	COUNT(ANON, RD, read(f->efd, &v, sizeof(v)));
	COUNT(CHAR, RD, read(f->zero, buf, MIB));
	COUNT(CHAR, WR, write(f->null, buf, MIB));
	if (f->blk >= 0) {
		COUNT(BLOCK, WR, pwrite(f->blk, buf, 4 * 65536, 0));
		COUNT(BLOCK, RD, pread(f->blk, buf, MIB, 0));
		COUNT(BLOCK, RD, read(f->blk, buf, 65536));
	}
}

static int open_tmp(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0)
		unlink(path); /* nothing left behind, whatever happens */
	return fd;
}

/* Set up, say ready, wait for the recorder, work, report. Never returns. */
static _Noreturn void fk_child(const char *dir, const char *blkdev, int ready, int go, int result)
{
	struct fk_fds f = {.src = open_tmp(dir, "src"), .dst = open_tmp(dir, "dst"), .blk = -1};
	char *buf = malloc(2 * MIB), c = 0;

	if (!buf || f.src < 0 || f.dst < 0 || pipe2(f.pipe, O_CLOEXEC) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f.sock) ||
	    (f.efd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    (f.zero = open("/dev/zero", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (f.null = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0 ||
	    (blkdev[0] && (f.blk = open(blkdev, O_RDWR | O_CLOEXEC)) < 0))
		_exit(3);
	memset(buf, 'x', 2 * MIB);
	t.block = f.blk >= 0;
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1) /* before the recording */
		_exit(4);
	proc_io(&t.rchar[0], &t.wchar[0]);
	fk_workload(&f, buf);
	proc_io(&t.rchar[1], &t.wchar[1]);
	t.bytes[FR_FD_KIND_FIFO][WR] += sizeof(t); /* the report below */
	_exit(write(result, &t, sizeof(t)) == (ssize_t)sizeof(t) ? 0 : 5);
}

/* ---- what the recorder wrote ---- */

struct fk_seen {
	uint32_t pid;
	uint64_t bytes[NKINDS][2];
	uint64_t rchar, wchar;			     /* calls /proc/PID/io counts: all but splice */
	uint64_t lat_obs[FR_FILE_OP_SPLICE_OUT + 1]; /* latency observations per op */
	uint64_t bad_kind;
};

static void fk_add(struct fk_seen *s, uint64_t op, uint64_t kind, uint64_t bytes, uint64_t obs)
{
	const int dir = op % 2 ? RD : WR;

	if (op == FR_FILE_OP_OPENAT || op > FR_FILE_OP_SPLICE_OUT || kind >= NKINDS) {
		s->bad_kind++;
		return;
	}
	s->bytes[kind][dir] += bytes;
	if (op != FR_FILE_OP_SPLICE_IN && op != FR_FILE_OP_SPLICE_OUT)
		*(dir == RD ? &s->rchar : &s->wchar) += bytes;
	s->lat_obs[op] += obs;
}

static void fk_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct fk_seen *s = arg;
	uint64_t obs = 0;

	(void)rec;
	if (!ev || (ev->kind != FR_KIND_FILE_IO && ev->kind != FR_KIND_FILE_IO_AGG) ||
	    live_field(ev, "pid") != s->pid)
		return;
	if (ev->kind == FR_KIND_FILE_IO) {
		const int64_t ret = live_field_s64(ev, "ret");

		fk_add(s, live_field(ev, "op"), live_field(ev, "fd_kind"),
		       ret > 0 ? (uint64_t)ret : 0, live_field(ev, "latency_ns") > 0);
		return;
	}
	for (int b = 0; b < FR_HIST_BUCKETS; b++)
		obs += ev->hist[0][b];
	fk_add(s, live_field(ev, "op"), live_field(ev, "fd_kind"), live_field(ev, "bytes"), obs);
}

/* ---- what `flightrec metrics` says ---- */

struct fk_metrics {
	uint64_t read[2], write[2]; /* [0]: fd_kind=regular, [1]: block */
	uint64_t copy_obs, sendfile_obs, splice_obs, other_kinds;
	uint64_t query[NKINDS][2]; /* the canned query io_by_fd_kind: every kind */
};

static const char *const kind_names[NKINDS] = {"unknown", "regular", "block", "char", "fifo",
					       "socket",  "dir",     "anon",  "other"};

/* One CSV row of io_by_fd_kind: workload,fd_kind,bytes_read,bytes_written. */
static void fk_query_row(void *ctx, char *line)
{
	struct fk_metrics *m = ctx;
	char *kind, *rd, *wr;

	strtok(line, ","); /* the workload: the child alone was recorded */
	kind = strtok(NULL, ",");
	rd = strtok(NULL, ",");
	wr = strtok(NULL, "\n");

	for (int k = 0; kind && rd && wr && k < NKINDS; k++) {
		if (strcmp(kind, kind_names[k]))
			continue;
		m->query[k][RD] += strtoull(rd, NULL, 10);
		m->query[k][WR] += strtoull(wr, NULL, 10);
	}
}

/* One CSV row: family,type,time_ns,labels,le,value (le empty for counters). */
static void fk_metric_row(void *ctx, char *line)
{
	struct fk_metrics *m = ctx;
	char *family = strtok(line, ","), *labels, *le, *value;
	uint64_t v;
	int blk;

	if (!family || strncmp(family, "ebpf_file_", 10) || !strtok(NULL, ",") ||
	    !strtok(NULL, ",") || !(labels = strtok(NULL, ",")))
		return; /* the header, or not a file family */
	le = labels + strlen(labels) + 1;
	value = strchr(le, ',');
	if (!value)
		return;
	*value++ = '\0';
	v = strtoull(value, NULL, 10);
	blk = strstr(labels, "fd_kind=block") != NULL;
	if (!strstr(labels, "fd_kind=regular") && !blk)
		m->other_kinds++;
	if (!strcmp(family, "ebpf_file_read_bytes"))
		m->read[blk] += v;
	else if (!strcmp(family, "ebpf_file_write_bytes"))
		m->write[blk] += v;
	if (strcmp(family, "ebpf_file_io_latency_ns") || strcmp(le, "+Inf"))
		return;
	if (strstr(labels, "op=copy_file_range;"))
		m->copy_obs += v;
	else if (strstr(labels, "op=sendfile;"))
		m->sendfile_obs += v;
	else if (strstr(labels, "op=splice;"))
		m->splice_obs += v;
}

static void fk_read_metrics(const char *dir, struct fk_metrics *m)
{
	char db[300];
	const char *fr = live_replay(dir, db, sizeof(db));

	live_metrics_csv(fr, db,
			 "ebpf_file_read_bytes,ebpf_file_write_bytes,ebpf_file_io_latency_ns",
			 fk_metric_row, m);
	live_query_csv(fr, db, "io_by_fd_kind", fk_query_row, m);
}

/* ---- the scenario ---- */

/* A loop device over a 1 MiB file in dir, its name in `dev`; "" when none can be set up. */
static void loop_setup(const char *dir, char *dev, size_t cap)
{
	char cmd[600];
	FILE *p;

	dev[0] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 1M '%s/blk' && losetup -f --show '%s/blk' 2>/dev/null", dir, dir);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (!fgets(dev, (int)cap, p))
		dev[0] = '\0';
	dev[strcspn(dev, "\n")] = '\0';
	if (pclose(p) != 0)
		dev[0] = '\0';
}

/* Latency observations of a copy call's two ops (in_op, in_op + 1) against the calls. */
static void check_once(const struct fk_seen *s, const char *call, int in_op, uint64_t in,
		       uint64_t out)
{
	CHECK(s->lat_obs[in_op] == in && s->lat_obs[in_op + 1] == out,
	      "%s latencies %llu on the input side, %llu on the output side; calls %llu + %llu",
	      call, (unsigned long long)s->lat_obs[in_op],
	      (unsigned long long)s->lat_obs[in_op + 1], (unsigned long long)in,
	      (unsigned long long)out);
}

static void fk_check(const struct fk_truth *w, const struct fk_seen *s, const struct fk_metrics *m)
{
	for (int k = 0; k < NKINDS; k++)
		for (int d = RD; d <= WR; d++)
			CHECK(s->bytes[k][d] == w->bytes[k][d], "%s %s: recorded %llu, did %llu",
			      kind_names[k], d == RD ? "read" : "written",
			      (unsigned long long)s->bytes[k][d],
			      (unsigned long long)w->bytes[k][d]);
	/* the canned query gives every kind back, sockets and pipes included */
	for (int k = 0; k < NKINDS; k++)
		CHECK(m->query[k][RD] == w->bytes[k][RD] && m->query[k][WR] == w->bytes[k][WR],
		      "io_by_fd_kind %s: read %llu, written %llu", kind_names[k],
		      (unsigned long long)m->query[k][RD], (unsigned long long)m->query[k][WR]);
	CHECK(s->bad_kind == 0, "%llu records with an unknown op or kind",
	      (unsigned long long)s->bad_kind);
	/* every kind together is what the kernel counted (less the last /proc read) */
	CHECK(s->rchar - w->proc_io_last == w->rchar[1] - w->rchar[0],
	      "records: %llu bytes read, /proc rchar delta %llu",
	      (unsigned long long)(s->rchar - w->proc_io_last),
	      (unsigned long long)(w->rchar[1] - w->rchar[0]));
	CHECK(s->wchar - sizeof(*w) == w->wchar[1] - w->wchar[0],
	      "records: %llu bytes written, /proc wchar delta %llu",
	      (unsigned long long)(s->wchar - sizeof(*w)),
	      (unsigned long long)(w->wchar[1] - w->wchar[0]));
	/* a copy call's latency once, on the file side */
	check_once(s, "copy_file_range", FR_FILE_OP_COPY_FILE_RANGE_IN, w->copy_calls, 0);
	check_once(s, "sendfile", FR_FILE_OP_SENDFILE_IN, w->sendfile_calls, 0);
	check_once(s, "splice", FR_FILE_OP_SPLICE_IN, w->splice_calls - w->splice_to_file,
		   w->splice_to_file);
	/* the families: files and block devices only */
	CHECK(m->other_kinds == 0, "%llu metric rows of other kinds",
	      (unsigned long long)m->other_kinds);
	for (int b = 0; b < 2; b++) {
		const int k = b ? FR_FD_KIND_BLOCK : FR_FD_KIND_REGULAR;

		CHECK(m->read[b] == w->bytes[k][RD] && m->write[b] == w->bytes[k][WR],
		      "ebpf_file_read_bytes/_write_bytes{fd_kind=%s} %llu/%llu, did %llu/%llu",
		      kind_names[k], (unsigned long long)m->read[b],
		      (unsigned long long)m->write[b], (unsigned long long)w->bytes[k][RD],
		      (unsigned long long)w->bytes[k][WR]);
	}
	CHECK(m->copy_obs == w->copy_calls && m->sendfile_obs == w->sendfile_calls &&
		      m->splice_obs == w->splice_calls,
	      "ebpf_file_io_latency_ns counts: copy_file_range %llu, sendfile %llu, splice %llu",
	      (unsigned long long)m->copy_obs, (unsigned long long)m->sendfile_obs,
	      (unsigned long long)m->splice_obs);
}

static void fk_print(const char *name, const struct fk_truth *w, const struct fk_seen *s,
		     const struct fk_metrics *m)
{
	printf("%s: rchar delta %llu, wchar delta %llu; recorded (all kinds) %llu, %llu\n", name,
	       (unsigned long long)(w->rchar[1] - w->rchar[0]),
	       (unsigned long long)(w->wchar[1] - w->wchar[0]),
	       (unsigned long long)(s->rchar - w->proc_io_last),
	       (unsigned long long)(s->wchar - sizeof(*w)));
	for (int k = 0; k < NKINDS; k++)
		if (w->bytes[k][RD] || w->bytes[k][WR] || s->bytes[k][RD] || s->bytes[k][WR])
			printf("  %-8s read %llu (recorded %llu), written %llu (recorded %llu)\n",
			       kind_names[k], (unsigned long long)w->bytes[k][RD],
			       (unsigned long long)s->bytes[k][RD],
			       (unsigned long long)w->bytes[k][WR],
			       (unsigned long long)s->bytes[k][WR]);
	printf("  calls: copy_file_range %llu, sendfile %llu, splice %llu; metrics: read %llu + "
	       "%llu (block), written %llu + %llu (block), latency counts %llu, %llu, %llu\n",
	       (unsigned long long)w->copy_calls, (unsigned long long)w->sendfile_calls,
	       (unsigned long long)w->splice_calls, (unsigned long long)m->read[0],
	       (unsigned long long)m->read[1], (unsigned long long)m->write[0],
	       (unsigned long long)m->write[1], (unsigned long long)m->copy_obs,
	       (unsigned long long)m->sendfile_obs, (unsigned long long)m->splice_obs);
}

static void read_full(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		CHECK(r > 0 || (r < 0 && errno == EINTR), "child report: %s",
		      r ? strerror(errno) : "short");
		if (r > 0) {
			p = (char *)p + r;
			n -= (size_t)r;
		}
	}
}

int live_scenario_file_kinds(const char *recorder, const char *scenario)
{
	const bool stream = strstr(scenario, "stream"), hosted = strstr(scenario, "hosted");
	char dir[64], blk[64], pid_arg[16], cmd[128], c = 0;
	const char *const args[] = {"--pid",	  pid_arg,
				    "--families", hosted ? "syscalls,file" : "file",
				    "--mode",	  stream ? "file=stream" : "file=aggregate",
				    "--attach",	  strstr(scenario, "raw_tp") ? "raw_tp" : "auto",
				    NULL};
	int ready[2], go[2], result[2], status;
	struct fk_metrics m;
	struct fk_truth w;
	struct fk_seen s;
	struct live_recorder r;
	pid_t child;

	memset(&m, 0, sizeof(m));
	memset(&s, 0, sizeof(s));
	live_mkdtemp(dir, sizeof(dir));
	loop_setup(dir, blk, sizeof(blk));
	CHECK(!pipe2(ready, O_CLOEXEC) && !pipe2(go, O_CLOEXEC) && !pipe2(result, O_CLOEXEC),
	      "pipe: %s", strerror(errno));
	child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0)
		fk_child(dir, blk, ready[1], go[0], result[1]);
	CHECK(read(ready[0], &c, 1) == 1, "the child did not get ready");
	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)child);
	live_recorder__start(&r, recorder, args);
	CHECK(write(go[1], &c, 1) == 1, "go: %s", strerror(errno));
	read_full(result[0], &w, sizeof(w));
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child status %d", status);
	live_recorder__stop(&r);
	if (blk[0]) {
		snprintf(cmd, sizeof(cmd), "losetup -d '%s'", blk);
		live_run(cmd);
	}
	CHECK(!w.err, "the child's call at line %d failed: %s", w.line, strerror(w.err));
	s.pid = (uint32_t)child;
	live_read_dir(r.dir, fk_visit, &s);
	fk_read_metrics(r.dir, &m);
	snprintf(cmd, sizeof(cmd), "%s (%s, %s)", scenario, stream ? "stream" : "aggregate",
		 hosted ? "in the syscalls programs" : "file tracepoints");
	fk_print(cmd, &w, &s, &m);
	if (!w.block)
		printf("  no loop device here: block devices not exercised\n");
	fk_check(&w, &s, &m);
	return 0;
}
