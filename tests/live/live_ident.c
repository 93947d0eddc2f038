/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live test of process identity. `ident`: kernel aggregates are flushed
 * every interval, after short-lived processes have exited; each must still
 * belong to the process that did the work. `ident_stream`: the same with
 * every family streamed, where the kernel's last context switch of a
 * process follows its exit record. In a cgroup of its own (when a
 * cgroup v2 hierarchy is writable; else unfiltered) a spawner runs
 * IDENT_KIDS children one after another, each exec'd through a symlink
 * named fr-ident-a or fr-ident-b (its comm), making IDENT_BASE + i getppid
 * calls and exiting at once; a process named by prctl keeps making calls
 * from before the recorder starts. Recorded with the default families and
 * modes (or streamed), then replayed: every row of every child belongs to one
 * proc row with the child's comm, exe and cgroup, the children with rows
 * are exactly the ones spawned, each one's getppid count is what it made,
 * and the older process has its comm and exe in proc.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_util.h"

#define IDENT_KIDS     200
#define IDENT_BASE     1000
#define IDENT_OLD_COMM "fr-ident-old"

/* the syscall number as SQL text */
#define STR_(x)	   #x
#define STR(x)	   STR_(x)
#define GETPPID_NR STR(SYS_getppid)

static const char *const kid_comm[2] = {"fr-ident-a", "fr-ident-b"};

struct kid {
	pid_t pid;
	long calls;
};

struct ident_ctx {
	char cg[256];	  /* the cgroup, "" when unfiltered */
	uint64_t cg_id;	  /* its id (inode number), what cgroup_id fields hold */
	char links[256];  /* directory of the two symlinks */
	struct kid *kids; /* shared with the spawner */
	pid_t old, spawner;
	int old_stop, go;
	char old_exe[512];
};

static void make_cgroup(struct ident_ctx *c)
{
	static const char *const roots[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
	char procs[300], controllers[300];
	struct stat st;

	for (size_t i = 0; i < 2 && !c->cg[0]; i++) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", roots[i]);
		snprintf(controllers, sizeof(controllers), "%s/cgroup.controllers", roots[i]);
		if (!access(procs, W_OK) && !access(controllers, F_OK))
			snprintf(c->cg, sizeof(c->cg), "%s/flightrec-ident-%d", roots[i], getpid());
	}
	if (!c->cg[0]) {
		printf("ident: no writable cgroup v2 hierarchy: recording unfiltered\n");
		return;
	}
	CHECK(!mkdir(c->cg, 0755), "mkdir %s: %s", c->cg, strerror(errno));
	CHECK(!stat(c->cg, &st), "stat %s: %s", c->cg, strerror(errno));
	c->cg_id = (uint64_t)st.st_ino;
}

static void join_cgroup(const struct ident_ctx *c, pid_t pid)
{
	char path[300];
	FILE *f;

	if (!c->cg[0])
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", c->cg);
	f = fopen(path, "we");
	CHECK(f && fprintf(f, "%d\n", (int)pid) > 0 && !fclose(f), "move %d into %s: %s", (int)pid,
	      c->cg, strerror(errno));
}

/* fork() with a pipe from parent to child: *fd is the parent's write end
 * in the parent, the read end in the child. */
static pid_t fork_with_pipe(int *fd)
{
	int p[2];
	pid_t pid;

	CHECK(!pipe(p), "pipe: %s", strerror(errno));
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	close(pid ? p[0] : p[1]);
	*fd = pid ? p[1] : p[0];
	return pid;
}

/* A process older than the recording: a name of its own, a call every 20 ms
 * until its pipe closes. */
static void start_old(struct ident_ctx *c)
{
	c->old = fork_with_pipe(&c->old_stop);
	if (!c->old) {
		struct pollfd pfd = {.fd = c->old_stop, .events = POLLIN};

		prctl(PR_SET_NAME, IDENT_OLD_COMM);
		while (poll(&pfd, 1, 20) == 0)
			syscall(SYS_getppid);
		_exit(0);
	}
	join_cgroup(c, c->old);
}

/* The spawner's work: the children one at a time. Return: its exit code. */
static int spawn_kids(const struct ident_ctx *c)
{
	for (int i = 0; i < IDENT_KIDS; i++) {
		char path[300], arg[32];
		int status;
		pid_t k;

		snprintf(path, sizeof(path), "%s/%s", c->links, kid_comm[i % 2]);
		snprintf(arg, sizeof(arg), "%ld", c->kids[i].calls);
		k = fork();
		if (k < 0)
			return 4;
		if (!k) {
			execl(path, path, arg, (char *)NULL);
			_exit(127);
		}
		c->kids[i].pid = k;
		if (waitpid(k, &status, 0) != k || !WIFEXITED(status) || WEXITSTATUS(status))
			return 5;
	}
	return 0;
}

/* Waits for a byte on the go pipe, then spawns the children. */
static void start_spawner(struct ident_ctx *c)
{
	c->spawner = fork_with_pipe(&c->go);
	if (!c->spawner) {
		char b;

		_exit(read(c->go, &b, 1) == 1 ? spawn_kids(c) : 3);
	}
	join_cgroup(c, c->spawner);
}

/* Symlinks named after the children's comms to the child program, which
 * is built next to this one. */
static void make_links(struct ident_ctx *c)
{
	char self[512], target[600];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	CHECK(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	slash = strrchr(self, '/');
	CHECK(slash != NULL, "no directory in %s", self);
	*slash = '\0';
	snprintf(target, sizeof(target), "%s/fr_ident_child", self);
	CHECK(!access(target, X_OK), "%s: %s", target, strerror(errno));
	live_mkdtemp(c->links, sizeof(c->links));
	for (int i = 0; i < 2; i++) {
		char link[300];

		snprintf(link, sizeof(link), "%s/%s", c->links, kid_comm[i]);
		CHECK(!symlink(target, link), "symlink %s: %s", link, strerror(errno));
	}
}

/* Run `sql` with `flightrec query --format csv`; call `row` on each data line. */
static void query(const char *fr, const char *db, const char *sql,
		  void (*row)(struct ident_ctx *c, char *line), struct ident_ctx *c)
{
	size_t cap = strlen(sql) + strlen(fr) + strlen(db) + 64;
	char *cmd = malloc(cap), line[2048];
	FILE *f;
	int n = 0;

	CHECK(cmd != NULL, "malloc");
	snprintf(cmd, cap, "'%s' query '%s' --format csv \"%s\"", fr, db, sql);
	f = popen(cmd, "r");
	CHECK(f != NULL, "popen: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (n++) /* after the header */
			row(c, line);
	CHECK(pclose(f) == 0, "flightrec query failed: %s", sql);
	free(cmd);
}

/* What the replay gave each child: its proc rows and its getppid count. */
struct got {
	int64_t pk;
	int rows, bad;
	uint64_t getppid;
	char comm[32], exe[300];
	uint64_t cgroup;
};

static struct got got[IDENT_KIDS];
static uint64_t foreign_rows; /* aggregate rows of a child in another proc row */

static int kid_index(const struct ident_ctx *c, long pid)
{
	for (int i = 0; i < IDENT_KIDS; i++)
		if (c->kids[i].pid == pid)
			return i;
	return -1;
}

/* table,pid,pk,comm,exe,cgroup_id,getppid: one line per (table, pid, pk). */
static void take_row(struct ident_ctx *c, char *line)
{
	char *kind = strsep(&line, ","), *pid = strsep(&line, ","), *pk = strsep(&line, ",");
	char *comm = strsep(&line, ","), *exe = strsep(&line, ","), *cgroup = strsep(&line, ",");
	char *calls = strsep(&line, "\n");
	int i;

	CHECK(kind && pid && pk && comm && exe && cgroup && calls, "query line: %s", kind);
	i = kid_index(c, strtol(pid, NULL, 10));
	CHECK(i >= 0, "pid %s is no child", pid);
	if (!got[i].rows) {
		got[i].pk = strtoll(pk, NULL, 10);
		snprintf(got[i].comm, sizeof(got[i].comm), "%s", comm);
		snprintf(got[i].exe, sizeof(got[i].exe), "%s", exe);
		got[i].cgroup = strtoull(cgroup, NULL, 10);
	} else if (got[i].pk != strtoll(pk, NULL, 10)) {
		foreign_rows++;
		fprintf(stderr, "ident: child %s: %s rows in pk %s (comm '%s'), first in pk %lld\n",
			pid, kind, pk, comm, (long long)got[i].pk);
	}
	got[i].rows++;
	got[i].getppid += strtoull(calls, NULL, 10);
}

/* per comm of the children: processes and getppid calls */
static uint64_t by_comm_procs[2], by_comm_calls[2];

static void take_comm(struct ident_ctx *c, char *line)
{
	char *comm = strsep(&line, ","), *procs = strsep(&line, ","), *calls = strsep(&line, "\n");

	(void)c;
	CHECK(comm && procs && calls, "query line: %s", comm);
	for (int i = 0; i < 2; i++)
		if (!strcmp(comm, kid_comm[i])) {
			by_comm_procs[i] = strtoull(procs, NULL, 10);
			by_comm_calls[i] = strtoull(calls, NULL, 10);
		}
}

static char old_comm[64], old_exe[512]; /* what the replay gave the older process */
static int old_rows;

static void take_old(struct ident_ctx *c, char *line)
{
	char *comm = strsep(&line, ","), *exe = strsep(&line, "\n");

	CHECK(comm && exe, "query line: %s", comm);
	if (old_rows++ && (strcmp(comm, old_comm) || strcmp(exe, old_exe)))
		CHECK(0, "pid %d: rows '%s' %s and '%s' %s", (int)c->old, old_comm, old_exe, comm,
		      exe);
	snprintf(old_comm, sizeof(old_comm), "%s", comm);
	snprintf(old_exe, sizeof(old_exe), "%s", exe);
}

/* Where rows name a process: table, pid and pk columns, getppid calls per row. */
struct side {
	const char *table, *pid, *pk, *calls;
};

/* Every row of the children's processes, with the proc row it went to. */
static char *rows_sql(const struct ident_ctx *c, bool stream)
{
	static const char agg_calls[] = "CASE WHEN a.nr = " GETPPID_NR " THEN a.count ELSE 0 END";
	static const char ev_calls[] = "a.nr = " GETPPID_NR;
	static const struct side agg[] = {{"ev_syscall_agg", "pid", "pk", agg_calls},
					  {"ev_sched_agg", "pid", "pk", "0"},
					  {"ev_mem_agg", "pid", "pk", "0"},
					  {"ev_file_io_agg", "pid", "pk", "0"},
					  {NULL, NULL, NULL, NULL}};
	static const struct side ev[] = {{"ev_syscall", "pid", "pk", ev_calls},
					 {"ev_sched_switch", "prev_pid", "prev_pk", "0"},
					 {"ev_sched_switch", "next_pid", "next_pk", "0"},
					 {"ev_page_fault", "pid", "pk", "0"},
					 {"ev_mem_alloc", "pid", "pk", "0"},
					 {"ev_file_io", "pid", "pk", "0"},
					 {"ev_file_open", "pid", "pk", "0"},
					 {NULL, NULL, NULL, NULL}};
	size_t cap = 8 * (16 * IDENT_KIDS + 512), off = 0, poff = 0;
	char *sql = malloc(cap), pids[16 * IDENT_KIDS + 8];

	CHECK(sql != NULL, "malloc");
	for (int i = 0; i < IDENT_KIDS; i++)
		poff += (size_t)snprintf(pids + poff, sizeof(pids) - poff, "%s%d", i ? "," : "",
					 (int)c->kids[i].pid);
	for (const struct side *t = stream ? ev : agg; t->table; t++)
		off += (size_t)snprintf(
			sql + off, cap - off,
			"%sSELECT '%s', a.%s, a.%s, COALESCE(p.comm, ''), COALESCE(p.exe, ''), "
			"COALESCE(p.cgroup_id, 0), sum(%s) FROM %s a LEFT JOIN proc p ON p.pk = "
			"a.%s "
			"WHERE a.%s IN (%s) GROUP BY 2, 3",
			t == agg || t == ev ? "" : " UNION ALL ", t->table, t->pid, t->pk, t->calls,
			t->table, t->pk, t->pid, pids);
	CHECK(off < cap, "query too long");
	return sql;
}

int live_scenario_ident(const char *recorder, bool stream)
{
	const char *args[] = {"--mode", "syscalls=stream,file=stream,sched=stream,mem=stream",
			      "--cgroup", NULL, NULL};
	struct ident_ctx c = {.old_stop = -1, .go = -1};
	uint64_t want[2] = {0, 0};
	char db[300], sql[512], *asql;
	struct live_recorder r;
	int status, unnamed = 0, miscounted = 0;
	const char *fr;

	c.kids = mmap(NULL, sizeof(struct kid) * IDENT_KIDS, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(c.kids != MAP_FAILED, "mmap: %s", strerror(errno));
	for (int i = 0; i < IDENT_KIDS; i++) {
		c.kids[i].calls = IDENT_BASE + i;
		want[i % 2] += (uint64_t)c.kids[i].calls;
	}
	make_links(&c);
	make_cgroup(&c);
	start_old(&c);
	start_spawner(&c);
	snprintf(sql, sizeof(sql), "/proc/%d/exe", (int)c.old);
	CHECK(readlink(sql, c.old_exe, sizeof(c.old_exe) - 1) > 0, "readlink %s", sql);
	args[3] = c.cg;
	if (!c.cg[0])
		args[2] = NULL;
	live_recorder__start(&r, recorder, stream ? args : args + 2);
	CHECK(write(c.go, "g", 1) == 1, "start the spawner");
	CHECK(waitpid(c.spawner, &status, 0) == c.spawner && WIFEXITED(status) &&
		      !WEXITSTATUS(status),
	      "spawner status 0x%x", status);
	usleep(1500000); /* an interval flush after the last child */
	live_recorder__stop(&r);
	close(c.old_stop);
	CHECK(waitpid(c.old, &status, 0) == c.old, "old process");
	if (c.cg[0])
		rmdir(c.cg);

	fr = live_replay(r.dir, db, sizeof(db));
	asql = rows_sql(&c, stream);
	query(fr, db, asql, take_row, &c);
	free(asql);
	snprintf(sql, sizeof(sql),
		 "SELECT COALESCE(comm, ''), COALESCE(exe, '') FROM proc WHERE pid = %d",
		 (int)c.old);
	query(fr, db, sql, take_old, &c);
	snprintf(sql, sizeof(sql),
		 "SELECT p.comm, count(DISTINCT p.pk), %s FROM %s a JOIN proc p USING (pk) "
		 "WHERE a.nr = " GETPPID_NR " AND p.comm IN ('%s', '%s') GROUP BY p.comm",
		 stream ? "count(*)" : "sum(a.count)", stream ? "ev_syscall" : "ev_syscall_agg",
		 kid_comm[0], kid_comm[1]);
	query(fr, db, sql, take_comm, &c);

	for (int i = 0; i < IDENT_KIDS; i++) {
		char exe[300];
		int ok;

		snprintf(exe, sizeof(exe), "%s/%s", c.links, kid_comm[i % 2]);
		ok = got[i].rows && !strcmp(got[i].comm, kid_comm[i % 2]) &&
		     !strcmp(got[i].exe, exe) && (!c.cg_id || got[i].cgroup == c.cg_id);
		if (!ok && unnamed++ < 5)
			fprintf(stderr,
				"ident: child %d (pid %d): %d rows in pk %lld: comm '%s' exe '%s' "
				"cgroup %llu; expected '%s' '%s' %llu\n",
				i, (int)c.kids[i].pid, got[i].rows, (long long)got[i].pk,
				got[i].comm, got[i].exe, (unsigned long long)got[i].cgroup,
				kid_comm[i % 2], exe, (unsigned long long)c.cg_id);
		if (got[i].getppid != (uint64_t)c.kids[i].calls && miscounted++ < 5)
			fprintf(stderr, "ident: child %d (pid %d): getppid %llu, made %ld\n", i,
				(int)c.kids[i].pid, (unsigned long long)got[i].getppid,
				c.kids[i].calls);
	}
	printf("ident%s: %d children (%d %s, %d %s) made %llu + %llu getppid; replay: %d of "
	       "them named in proc with their exe%s, %d counts differ, %llu rows in other proc "
	       "rows; by comm: %llu + %llu processes, %llu + %llu getppid; the process older "
	       "than the recording: '%s' %s in %d proc rows, /proc: '%s' %s\n",
	       stream ? "_stream" : "", IDENT_KIDS, IDENT_KIDS / 2, kid_comm[0], IDENT_KIDS / 2,
	       kid_comm[1], (unsigned long long)want[0], (unsigned long long)want[1],
	       IDENT_KIDS - unnamed, c.cg_id ? " and cgroup" : "", miscounted,
	       (unsigned long long)foreign_rows, (unsigned long long)by_comm_procs[0],
	       (unsigned long long)by_comm_procs[1], (unsigned long long)by_comm_calls[0],
	       (unsigned long long)by_comm_calls[1], old_comm, old_exe, old_rows, IDENT_OLD_COMM,
	       c.old_exe);
	CHECK(!unnamed && !miscounted && !foreign_rows, "children without their identity");
	CHECK(by_comm_procs[0] == IDENT_KIDS / 2 && by_comm_procs[1] == IDENT_KIDS / 2,
	      "processes per comm");
	CHECK(by_comm_calls[0] == want[0] && by_comm_calls[1] == want[1], "getppid per comm");
	CHECK(old_rows > 0 && !strcmp(old_comm, IDENT_OLD_COMM) && !strcmp(old_exe, c.old_exe),
	      "process older than the recording: comm '%s' exe '%s'", old_comm, old_exe);
	munmap(c.kids, sizeof(struct kid) * IDENT_KIDS);
	return 0;
}
