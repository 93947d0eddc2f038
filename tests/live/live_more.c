/* SPDX-License-Identifier: BSD-2-Clause */
/* Live scenarios that span families: OOM kill, every family at once, rotation. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_util.h"
#include "workloads.h"

/* ---- OOM kill in a memory-limited cgroup ---- */

static bool file_has_word(const char *path, const char *word)
{
	char buf[512] = "";
	FILE *f = fopen(path, "re");
	bool found;

	if (!f)
		return false;
	found = fgets(buf, sizeof(buf), f) && strstr(buf, word);
	fclose(f);
	return found;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

struct cgroup_paths {
	char dir[256];
	char procs[300];
	char limit[300];
};

/* A cgroup for a memory limit: v2 when the unified tree has the memory
 * controller, else v1. Return: 0 with the paths, or -ENOENT when neither. */
static int make_memory_cgroup(struct cgroup_paths *cg)
{
	static const char *const v2_roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	char path[512];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", v2_roots[i]);
		if (!file_has_word(path, "memory"))
			continue;
		snprintf(cg->dir, sizeof(cg->dir), "%s/flightrec-live-%d", v2_roots[i], getpid());
		snprintf(cg->limit, sizeof(cg->limit), "%s/memory.max", cg->dir);
		snprintf(cg->procs, sizeof(cg->procs), "%s/cgroup.procs", cg->dir);
		return mkdir(cg->dir, 0755) < 0 ? -errno : 0;
	}
	if (access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK))
		return -ENOENT;
	snprintf(cg->dir, sizeof(cg->dir), "/sys/fs/cgroup/memory/flightrec-live-%d", getpid());
	snprintf(cg->limit, sizeof(cg->limit), "%s/memory.limit_in_bytes", cg->dir);
	snprintf(cg->procs, sizeof(cg->procs), "%s/cgroup.procs", cg->dir);
	return mkdir(cg->dir, 0755) < 0 ? -errno : 0;
}

/* Child: join the cgroup, then touch far more memory than it allows. */
static void oom_child(const char *procs)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(procs, pid))
		_exit(3);
	for (;;) {
		char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			_exit(4);
		memset(p, 1, 16 << 20);
	}
}

struct oom_ctx {
	uint32_t child;
	unsigned kills;
	uint64_t anon_kb;
	char comm[32];
};

static void oom_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct oom_ctx *c = arg;

	if (ev && ev->kind == FR_KIND_OOM_KILL && live_field(ev, "pid") == c->child) {
		c->kills++;
		c->anon_kb = live_field(ev, "anon_rss_kb");
		live_field_str(ev, "comm", c->comm, sizeof(c->comm));
	}
}

static int scenario_oom(const char *recorder)
{
	const char *const args[] = {"--families", "mem", NULL};
	struct oom_ctx c = {0};
	struct cgroup_paths cg;
	struct live_recorder r;
	int status, err;
	pid_t child;

	err = make_memory_cgroup(&cg);
	if (err == -ENOENT) {
		printf("SKIP: no cgroup memory controller (v1 or v2) to limit a process\n");
		return SKIP_CODE;
	}
	CHECK(!err, "mkdir cgroup: %s", strerror(-err));
	CHECK(!write_file(cg.limit, "33554432"), "set memory limit in %s", cg.limit);
	live_recorder__start(&r, recorder, args);
	child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0)
		oom_child(cg.procs);
	CHECK(waitpid(child, &status, 0) == child, "waitpid");
	live_recorder__stop(&r);
	rmdir(cg.dir);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "child status 0x%x (not OOM-killed)", status);
	c.child = (uint32_t)child;
	live_read_dir(r.dir, oom_visit, &c);
	printf("oom: child %d killed; recorded %u oom_kill (comm %s, anon %llu kB)\n", child,
	       c.kills, c.comm, (unsigned long long)c.anon_kb);
	CHECK(c.kills == 1, "oom_kill records for %d: %u", child, c.kills);
	CHECK(c.anon_kb > 16 * 1024, "anon rss %llu kB", (unsigned long long)c.anon_kb);
	return 0;
}

/* ---- every family, with --duration ---- */

struct all_ctx {
	unsigned status_on, status_rows, status_raw_tp;
	unsigned kinds[FR_KIND_MAX];
	unsigned stats_rows;
};

static void all_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct all_ctx *c = arg;

	c->kinds[rec->kind]++;
	if (ev && ev->kind == FR_KIND_FAMILY_STATUS) {
		char detail[320];

		c->status_rows++;
		c->status_on += live_field(ev, "enabled") == 1;
		c->status_raw_tp += strstr(live_field_str(ev, "detail", detail, sizeof(detail)),
					   "raw_tp") != NULL;
	}
	if (ev && ev->kind == FR_KIND_RECORDER_STATS)
		c->stats_rows++;
}

/* Every family on for `seconds` (attach: "auto" or "raw_tp"), with a workload for each. */
static int scenario_all(const char *recorder, const char *attach, unsigned seconds)
{
	char duration[16];
	const char *const args[] = {"--duration", duration, "--attach", attach, NULL};
	static const struct {
		const char *family;
		unsigned kind;
	} expect[] = {
		{"proc", FR_KIND_PROC_EXEC},  {"syscalls", FR_KIND_SYSCALL_AGG},
		{"net", FR_KIND_TCP_CONNECT}, {"net", FR_KIND_TCP_CLOSE},
		{"net", FR_KIND_SOCK_MSG},    {"net", FR_KIND_UDP_MSG},
		{"drop", FR_KIND_SKB_DROP},   {"file", FR_KIND_FILE_IO_AGG},
		{"file", FR_KIND_FILE_OPEN},  {"sched", FR_KIND_SCHED_AGG},
		{"mem", FR_KIND_MEM_AGG},
	};
	struct all_ctx c = {0};
	struct live_recorder r;
	struct tcp_result tcp;
	struct file_result file;
	char path[300];
	uint16_t port;

	snprintf(duration, sizeof(duration), "%us", seconds);
	live_recorder__start(&r, recorder, args);
	snprintf(path, sizeof(path), "%s/all.dat", r.dir);
	CHECK(!workload_tcp_loopback(3, &tcp), "tcp workload");
	CHECK(!workload_udp_to_closed_port(&port), "udp workload");
	CHECK(!workload_file(path, 4, 4096, &file), "file workload");
	CHECK(workload_exec_exit(0) > 0, "exec workload");
	workload_getppid(1000);
	live_recorder__wait(&r);
	live_read_dir(r.dir, all_visit, &c);
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		printf("all: %-8s %-16s %u\n", expect[i].family, fr_kind__name(expect[i].kind),
		       c.kinds[expect[i].kind]);
		CHECK(c.kinds[expect[i].kind] > 0, "no %s records", fr_kind__name(expect[i].kind));
	}
	CHECK(c.status_rows == 7 && c.status_on == 7, "families on: %u of %u", c.status_on,
	      c.status_rows);
	/* every family took the fallback; file runs inside the syscalls programs */
	if (!strcmp(attach, "raw_tp"))
		CHECK(c.status_raw_tp == 7, "families on raw_tp: %u", c.status_raw_tp);
	CHECK(c.stats_rows >= 7 * (seconds - 1),
	      "statistics rows %u (want one per family per second)", c.stats_rows);
	CHECK(c.kinds[FR_KIND_CLOCK_SYNC] >= 2, "clock syncs %u", c.kinds[FR_KIND_CLOCK_SYNC]);
	CHECK(c.kinds[FR_KIND_META_SNAPSHOT] == 1, "snapshots %u", c.kinds[FR_KIND_META_SNAPSHOT]);
	CHECK(c.kinds[FR_KIND_SYSCALL_NAME] > 300, "syscall names %u",
	      c.kinds[FR_KIND_SYSCALL_NAME]);
	return 0;
}

/* ---- rotation on SIGHUP ---- */

static int count_segments(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	CHECK(d != NULL, "opendir %s", dir);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".frseg") != NULL;
	closedir(d);
	return n;
}

struct rotate_ctx {
	uint32_t child[2];
	int segment; /* index of the segment being read, from its leading clock sync */
	unsigned snapshots, seen_in[2];
	bool first_is_clock[2];
	unsigned records_in_segment;
};

static void rotate_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct rotate_ctx *c = arg;

	if (rec->kind == FR_KIND_META_SNAPSHOT)
		c->snapshots++;
	if (ev && ev->kind == FR_KIND_PROC_EXEC)
		for (int i = 0; i < 2; i++)
			if (live_field(ev, "pid") == c->child[i])
				c->seen_in[i] = c->snapshots;
}

static int scenario_rotate(const char *recorder)
{
	const char *const args[] = {"--families", "proc", NULL};
	struct rotate_ctx c = {0};
	struct live_recorder r;
	pid_t a, b;

	live_recorder__start(&r, recorder, args);
	a = workload_exec_exit(0);
	live_recorder__signal(&r, SIGHUP);
	/* the new segment exists once the recorder has handled the signal */
	while (count_segments(r.dir) < 2)
		usleep(10000);
	b = workload_exec_exit(0);
	CHECK(a > 0 && b > 0, "exec workload");
	/* SIGTERM (systemd's stop signal) seals the active segment too */
	live_recorder__signal(&r, SIGTERM);
	live_recorder__wait(&r);
	CHECK(live_count_sealed(r.dir) == 2, "sealed segments: %d of 2", live_count_sealed(r.dir));
	c.child[0] = (uint32_t)a;
	c.child[1] = (uint32_t)b;
	CHECK(live_read_dir(r.dir, rotate_visit, &c) == 2, "segments");
	printf("rotate: 2 segments, %u snapshots; child A in segment %u, B in segment %u\n",
	       c.snapshots, c.seen_in[0], c.seen_in[1]);
	CHECK(c.snapshots == 2, "snapshots %u", c.snapshots);
	CHECK(c.seen_in[0] == 1 && c.seen_in[1] == 2, "exec records in the wrong segment");
	return 0;
}

/* ---- retention: size-bounded ring of segments ---- */

struct ring_ctx {
	unsigned records;
};

static void ring_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	((struct ring_ctx *)arg)->records++;
}

static int scenario_retention(const char *recorder)
{
	const char *const args[] = {
		"--families", "syscalls", "--mode", "syscalls=stream", "--max-segment-size", "512K",
		"--max-size", "2M",	  NULL};
	struct ring_ctx c = {0};
	struct live_recorder r;
	unsigned long long first = ~0ull, last = 0, total = 0;
	struct dirent *de;
	int n = 0;
	DIR *d;

	live_recorder__start(&r, recorder, args);
	/* ~2 bytes per call on disk: several MiB through a 2 MiB ring */
	workload_getppid(4000000);
	live_recorder__stop(&r);
	d = opendir(r.dir);
	CHECK(d != NULL, "opendir");
	while ((de = readdir(d))) {
		unsigned long long seq;
		struct stat st;
		char path[600];

		if (sscanf(de->d_name, "seg-%llu-", &seq) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s", r.dir, de->d_name);
		CHECK(!stat(path, &st), "stat %s", path);
		total += (unsigned long long)st.st_size;
		first = seq < first ? seq : first;
		last = seq > last ? seq : last;
		n++;
	}
	closedir(d);
	live_read_dir(r.dir, ring_visit, &c);
	printf("retention: %d segments kept (seq %llu..%llu), %llu bytes, %u records\n", n, first,
	       last, total, c.records);
	CHECK(first > 0, "the oldest segments were not deleted");
	CHECK(last - first + 1 == (unsigned long long)n, "kept segments are not the newest run");
	/* the bound holds before every write: at most one block over it */
	CHECK(total <= (2u << 20) + (260u << 10), "directory holds %llu bytes", total);
	return 0;
}

/* ---- --cgroup: only tasks under a cgroup v2 directory ---- */

struct cgroup_ctx {
	uint32_t child;
	uint64_t child_calls, foreign;
};

static void cgroup_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct cgroup_ctx *c = arg;

	if (!ev || ev->kind != FR_KIND_SYSCALL_AGG)
		return;
	if (live_field(ev, "pid") != c->child)
		c->foreign++;
	else if (live_field(ev, "nr") == SYS_getppid)
		c->child_calls += live_field(ev, "count");
}

static int scenario_cgroup(const char *recorder)
{
	const char *args[] = {"--families", "syscalls", "--cgroup", NULL, NULL};
	struct cgroup_ctx c = {0};
	char dir[256];
	int go[2], status, rc;
	struct live_recorder r;
	pid_t child;

	if ((rc = live_cgroup__create(dir, sizeof(dir))))
		return rc;
	CHECK(!pipe(go), "pipe");
	child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		char b;

		/* wait until the recorder runs, then loop inside the cgroup */
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(3);
		workload_getppid(200000);
		_exit(0);
	}
	close(go[0]);
	live_cgroup__join(dir, child);
	args[3] = dir;
	live_recorder__start(&r, recorder, args);
	CHECK(write(go[1], "g", 1) == 1, "start child");
	close(go[1]);
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child status 0x%x", status);
	workload_getppid(1000); /* outside the cgroup: must not show */
	live_recorder__stop(&r);
	rmdir(dir);
	c.child = (uint32_t)child;
	live_read_dir(r.dir, cgroup_visit, &c);
	printf("cgroup: child %d made 200000 getppid in %s; recorded %llu, foreign records %llu\n",
	       child, dir, (unsigned long long)c.child_calls, (unsigned long long)c.foreign);
	CHECK(c.child_calls >= 200000, "child calls %llu", (unsigned long long)c.child_calls);
	CHECK(c.foreign == 0, "records of processes outside the cgroup: %llu",
	      (unsigned long long)c.foreign);
	return 0;
}

int live_scenario_more(const char *recorder, const char *scenario)
{
	int rc;

	if (!strcmp(scenario, "oom"))
		rc = scenario_oom(recorder);
	else if (!strcmp(scenario, "all"))
		rc = scenario_all(recorder, "auto", 10);
	else if (!strcmp(scenario, "all_raw_tp"))
		rc = scenario_all(recorder, "raw_tp", 3);
	else if (!strcmp(scenario, "rotate"))
		rc = scenario_rotate(recorder);
	else if (!strcmp(scenario, "cgroup"))
		rc = scenario_cgroup(recorder);
	else if (!strcmp(scenario, "retention"))
		rc = scenario_retention(recorder);
	else if (!strcmp(scenario, "loss"))
		rc = live_scenario_loss(recorder);
	else if (!strcmp(scenario, "e2e"))
		rc = live_scenario_e2e(recorder);
	else if (!strcmp(scenario, "dualstack"))
		rc = live_scenario_dualstack(recorder);
	else if (!strcmp(scenario, "preexisting"))
		rc = live_scenario_preexisting(recorder);
	else if (!strcmp(scenario, "conn"))
		rc = live_scenario_conn(recorder);
	else if (!strcmp(scenario, "kfam"))
		rc = live_scenario_kfam(recorder);
	else if ((rc = live_scenario_syscalls(recorder, scenario)) >= 0)
		;
	else if ((rc = live_scenario_counters(recorder, scenario)) >= 0)
		;
	else if (!strncmp(scenario, "sched_runtime", 13))
		rc = live_scenario_sched(recorder, scenario[13] ? scenario + 14 : "aggregate");
	else if (!strcmp(scenario, "ident"))
		rc = live_scenario_ident(recorder, false);
	else if (!strcmp(scenario, "ident_stream"))
		rc = live_scenario_ident(recorder, true);
	else if (!strncmp(scenario, "file_kinds", 10))
		rc = live_scenario_file_kinds(recorder, scenario);
	else if (!strncmp(scenario, "net_", 4))
		rc = live_scenario_netcount(recorder, scenario);
	else if (!strcmp(scenario, "by_comm"))
		rc = live_scenario_by_comm(recorder);
	else if (!strcmp(scenario, "usermetric"))
		rc = live_scenario_usermetric(recorder);
	else if (!strncmp(scenario, "kube_", 5))
		rc = live_scenario_kube(recorder, scenario);
	else {
		fprintf(stderr, "unknown scenario %s\n", scenario);
		return 2;
	}
	if (rc == 0)
		printf("PASS %s\n", scenario);
	return rc;
}
