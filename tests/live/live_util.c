/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* nftw */
#include "live_util.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct live_recorder *current;

static void dump_recorder_stderr(void)
{
	char buf[4096];
	ssize_t n;

	if (!current || current->stderr_fd < 0)
		return;
	fprintf(stderr, "--- recorder stderr ---\n");
	while ((n = read(current->stderr_fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stderr);
}

/* Directories made by live_mkdtemp: removed at a passing exit, kept for a look when failing. */
static char made_dirs[16][64];
static unsigned n_made;
static pid_t made_by;
static bool failing;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) ? -1 : 0;
}

static void remove_made_dirs(void)
{
	/* forked workload children exit through here too: only the test cleans */
	if (failing || getpid() != made_by)
		return;
	for (unsigned i = 0; i < n_made; i++)
		nftw(made_dirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void live_fail(void)
{
	failing = true;
	if (current && current->pid > 0) {
		kill(current->pid, SIGINT);
		waitpid(current->pid, NULL, 0);
		current->pid = 0;
	}
	dump_recorder_stderr();
	exit(1);
}

void live_require_bpf(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, 2, NULL);

	if (fd < 0) {
		printf("SKIP: BPF programs cannot be loaded here (%s): live tests need root or "
		       "CAP_BPF\n",
		       strerror(errno));
		exit(SKIP_CODE);
	}
	close(fd);
}

void live_mkdtemp(char *out, size_t cap)
{
	snprintf(out, cap, "/tmp/fr-live-XXXXXX");
	CHECK(mkdtemp(out) != NULL, "mkdtemp: %s", strerror(errno));
	if (!n_made) {
		made_by = getpid();
		atexit(remove_made_dirs);
	}
	if (n_made < sizeof(made_dirs) / sizeof(made_dirs[0]))
		snprintf(made_dirs[n_made++], sizeof(made_dirs[0]), "%s", out);
}

void live_recorder__start(struct live_recorder *r, const char *recorder, const char *const *args)
{
	const char *argv[32] = {recorder, "--dir", NULL};
	char line[4096];
	size_t n = 0, argc = 3;
	int pipefd[2];

	current = r;
	r->stderr_fd = -1;
	live_mkdtemp(r->dir, sizeof(r->dir));
	argv[2] = r->dir;
	for (; args && *args && argc < 31; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	CHECK(pipe(pipefd) == 0, "pipe: %s", strerror(errno));
	r->pid = fork();
	CHECK(r->pid >= 0, "fork: %s", strerror(errno));
	if (r->pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(recorder, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	r->stderr_fd = pipefd[0];
	/* the recorder says so once every probe is attached */
	for (;;) {
		ssize_t got = read(r->stderr_fd, line + n, 1);

		if (got <= 0) {
			line[n] = '\0';
			fprintf(stderr, "%s", line);
			CHECK(0, "recorder exited before recording");
		}
		if (line[n] == '\n') {
			line[n] = '\0';
			fprintf(stderr, "recorder: %s\n", line);
			if (strstr(line, "recording into"))
				return;
			n = 0;
			continue;
		}
		if (n < sizeof(line) - 2)
			n++;
	}
}

static void reap(struct live_recorder *r)
{
	int status;

	CHECK(waitpid(r->pid, &status, 0) == r->pid, "waitpid: %s", strerror(errno));
	r->pid = 0;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "recorder exit status 0x%x", status);
	current = NULL;
	close(r->stderr_fd);
	r->stderr_fd = -1;
}

void live_recorder__stop(struct live_recorder *r)
{
	CHECK(kill(r->pid, SIGINT) == 0, "kill: %s", strerror(errno));
	reap(r);
}

void live_recorder__wait(struct live_recorder *r)
{
	reap(r);
}

void live_recorder__signal(struct live_recorder *r, int sig)
{
	CHECK(kill(r->pid, sig) == 0, "kill: %s", strerror(errno));
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_segment(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 6 && !strcmp(d->d_name + n - 6, ".frseg");
}

int live_read_dir(const char *dir, live_record_fn fn, void *ctx)
{
	struct dirent **names;
	int n = scandir(dir, &names, is_segment, by_name);

	CHECK(n > 0, "no segments in %s", dir);
	for (int i = 0; i < n; i++) {
		struct fr_reader *rd = NULL;
		struct fr_record rec;
		struct fr_diag diag;
		char path[512];
		int err;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		err = fr_reader__open(path, &rd, &diag);
		CHECK(!err, "open %s: %s (%s)", path, strerror(-err), diag.msg);
		while ((err = fr_reader__next(rd, &rec)) == 1) {
			static struct fr_event ev; /* large: keep it off the stack */
			const struct fr_kind_info *ki = fr_kind__info(rec.kind);

			if (ki && ki->has_schema) {
				memset(&ev, 0, sizeof(ev));
				CHECK(!fr_event__decode(rec.kind, rec.payload, rec.len, &ev),
				      "decode %s in %s", ki->name, path);
				ev.kind = rec.kind;
				ev.ts_ns = rec.ts_ns;
				fn(&rec, &ev, ctx);
			} else {
				fn(&rec, NULL, ctx);
			}
		}
		CHECK(err == 0, "read %s: %s (%s)", path, strerror(-err), fr_reader__diag(rd)->msg);
		fr_reader__close(rd);
		free(names[i]);
	}
	free(names);
	return n;
}

int live_count_sealed(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, is_segment, by_name), sealed = 0;

	for (int i = 0; i < n; i++) {
		struct fr_reader_stats st;
		struct fr_reader *rd = NULL;
		struct fr_record rec;
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!fr_reader__open(path, &rd, NULL)) {
			while (fr_reader__next(rd, &rec) == 1)
				;
			fr_reader__stats(rd, &st);
			sealed += st.has_index && !st.index_error;
			fr_reader__close(rd);
		}
		free(names[i]);
	}
	free(names);
	return sealed;
}

static int field_index(const struct fr_event *ev, const char *name)
{
	int i = fr_kind__field_index(ev->kind, name);

	CHECK(i >= 0, "kind %s has no field %s", fr_kind__name(ev->kind), name);
	return i;
}

uint64_t live_field(const struct fr_event *ev, const char *name)
{
	return ev->f[field_index(ev, name)].u;
}

int64_t live_field_s64(const struct fr_event *ev, const char *name)
{
	return fr_value__s64(&ev->f[field_index(ev, name)]);
}

const char *live_field_str(const struct fr_event *ev, const char *name, char *buf, size_t cap)
{
	const struct fr_value *v = &ev->f[field_index(ev, name)];
	size_t n = v->len < cap - 1 ? v->len : cap - 1;

	if (n)
		memcpy(buf, v->p, n);
	buf[n] = '\0';
	return buf;
}

void live_run(const char *cmd)
{
	int rc = system(cmd);

	CHECK(rc == 0, "`%s` exited %d", cmd, rc);
}

const char *live_replay(const char *dir, char *db, size_t cap)
{
	const char *fr = getenv("FR_ANALYZER");
	char cmd[1024];

	CHECK(fr && *fr, "FR_ANALYZER (the flightrec binary) is not set");
	snprintf(db, cap, "%s/replay.db", dir);
	snprintf(cmd, sizeof(cmd), "'%s' replay -o '%s' '%s'/*.frseg >/dev/null", fr, db, dir);
	live_run(cmd);
	return fr;
}

void live_run_lines(const char *cmd, live_row_fn fn, void *ctx)
{
	char line[1024];
	FILE *f = popen(cmd, "r");

	CHECK(f != NULL, "popen: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		fn(ctx, line);
	CHECK(pclose(f) == 0, "`%s` failed", cmd);
}

void live_metrics_csv(const char *fr, const char *db, const char *families, live_row_fn fn,
		      void *ctx)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "'%s' metrics '%s' --format csv --family %s", fr, db, families);
	live_run_lines(cmd, fn, ctx);
}

void live_query_csv(const char *fr, const char *db, const char *name, live_row_fn fn, void *ctx)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "'%s' query '%s' --name %s --format csv", fr, db, name);
	live_run_lines(cmd, fn, ctx);
}

int live_cgroup__create(char *dir, size_t cap)
{
	static const char *const roots[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
	static unsigned serial;
	char procs[300], controllers[300];

	for (size_t i = 0; i < 2; i++) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", roots[i]);
		snprintf(controllers, sizeof(controllers), "%s/cgroup.controllers", roots[i]);
		if (access(procs, W_OK) || access(controllers, F_OK))
			continue;
		snprintf(dir, cap, "%s/flightrec-live-%d-%u", roots[i], getpid(), serial++);
		CHECK(!mkdir(dir, 0755), "mkdir %s: %s", dir, strerror(errno));
		return 0;
	}
	printf("SKIP: no writable cgroup v2 hierarchy\n");
	return SKIP_CODE;
}

void live_cgroup__join(const char *dir, pid_t pid)
{
	char procs[300];
	FILE *f;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	f = fopen(procs, "we");
	CHECK(f != NULL, "open %s: %s", procs, strerror(errno));
	CHECK(fprintf(f, "%d", (int)pid) > 0 && fclose(f) == 0, "move %d into %s: %s", (int)pid,
	      dir, strerror(errno));
}

struct metric_sum {
	const char *family, *label, *le;
	uint64_t sum;
};

/* family,type,time_ns,labels,le,value; labels are quoted when they hold commas */
static void add_metric_row(void *ctx, char *line)
{
	struct metric_sum *m = ctx;
	size_t n = strlen(m->family);
	char *value = strrchr(line, ','), *row_le;

	if (!value || strncmp(line, m->family, n) || line[n] != ',')
		return;
	*value++ = '\0';
	row_le = strrchr(line, ',');
	if (!row_le)
		return;
	*row_le++ = '\0';
	if (m->label && !strstr(line, m->label))
		return;
	if (m->le ? strcmp(row_le, m->le) : *row_le != '\0')
		return;
	m->sum += strtoull(value, NULL, 10);
}

uint64_t live_metric_sum(const char *db, const char *family, const char *label, const char *le)
{
	struct metric_sum m = {.family = family, .label = label, .le = le};
	const char *fr = getenv("FR_ANALYZER");

	CHECK(fr && *fr, "FR_ANALYZER (the flightrec binary) is not set");
	live_metrics_csv(fr, db, family, add_metric_row, &m);
	return m.sum;
}

int live_cgroup_child__start(struct live_cgroup_child *c, live_child_fn fn)
{
	int go[2], out[2], rc;

	if ((rc = live_cgroup__create(c->dir, sizeof(c->dir))))
		return rc;
	CHECK(!pipe(go) && !pipe(out), "pipe: %s", strerror(errno));
	c->pid = fork();
	CHECK(c->pid >= 0, "fork: %s", strerror(errno));
	if (c->pid == 0) {
		char b;

		close(go[1]);
		close(out[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(125);
		fn(out[1]);
		_exit(126); /* fn must exit */
	}
	close(go[0]);
	close(out[1]);
	c->go = go[1];
	c->out = out[0];
	live_cgroup__join(c->dir, c->pid);
	return 0;
}

void live_cgroup_child__run(struct live_cgroup_child *c, void *report, size_t len)
{
	int status;

	CHECK(write(c->go, "g", 1) == 1, "start child %d", (int)c->pid);
	CHECK(read(c->out, report, len) == (ssize_t)len, "report of child %d", (int)c->pid);
	CHECK(waitpid(c->pid, &status, 0) == c->pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child %d status 0x%x", (int)c->pid, status);
	close(c->go);
	close(c->out);
	rmdir(c->dir);
}

void live_serve_once(int lfd, uint64_t bytes)
{
	static char buf[65536];
	uint64_t got = 0;
	int fd = accept(lfd, NULL, NULL);
	ssize_t n;

	if (fd < 0)
		_exit(1);
	while (got < bytes && (n = read(fd, buf, sizeof(buf))) > 0)
		got += (uint64_t)n;
	if (got != bytes || write(fd, "k", 1) != 1)
		_exit(1);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	_exit(0);
}

int live_listen_loopback(struct sockaddr_in *a, int flags)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM | flags, 0);

	*a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)a, sizeof(*a)) == 0 && listen(fd, 8) == 0 &&
		      getsockname(fd, (struct sockaddr *)a, &len) == 0,
	      "listen on 127.0.0.1: %s", strerror(errno));
	return fd;
}

void live_query_row(const char *fr, const char *db, const char *sql, long long *out, int n)
{
	char cmd[2048], line[1024], *tok;
	int rows = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' query '%s' --format csv \"%s\"", fr, db, sql);
	f = popen(cmd, "r");
	CHECK(f != NULL, "popen: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (++rows != 2) /* a header line, then the row */
			continue;
		tok = line;
		for (int i = 0; i < n; i++) {
			CHECK(tok != NULL, "query output: %s", line);
			out[i] = strtoll(tok, NULL, 10);
			tok = strchr(tok, ',');
			tok = tok ? tok + 1 : NULL;
		}
	}
	CHECK(pclose(f) == 0 && rows == 2, "flightrec query: %d lines for %s", rows, sql);
}
