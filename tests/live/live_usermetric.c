/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live metric files (docs/METRICS_FILE.md): a workload (fr_um_child, run
 * through a symlink named umwork, alone in a fresh cgroup that the
 * recorder selects) makes rmdir calls that fail with ENOENT, fsync and
 * fdatasync calls, and TCP connects to its own port, counting what it did.
 * After replay, every file of examples/metrics runs over the recording
 * (promtool accepts each output and all together), and the figures of
 * the ones that see the workload equal its own counts: the syscall-errors
 * example pointed at comm umwork, the slow-fsync example's histogram, a
 * tcp_connect metric with attribution process by comm, and the built-in
 * ebpf_syscall_errors (itself a metric file) by comm.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live_util.h"
#include "um_child.h"

#define FAILS	 37
#define SYNCS	 12
#define CONNECTS 9

static char child_link[700], child_file[600];

/* In the cgroup child: become the workload, its report on `out`. */
static _Noreturn void run_child(int out)
{
	char fails[16], syncs[16], conns[16];

	snprintf(fails, sizeof(fails), "%d", FAILS);
	snprintf(syncs, sizeof(syncs), "%d", SYNCS);
	snprintf(conns, sizeof(conns), "%d", CONNECTS);
	if (dup2(out, 1) != 1)
		_exit(124);
	execl(child_link, UM_COMM, fails, syncs, conns, child_file, (char *)NULL);
	_exit(127);
}

/* `dir`/umwork -> fr_um_child, next to this binary. */
static void make_link(const char *dir)
{
	char self[512], target[600];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	CHECK(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	CHECK(strrchr(self, '/') != NULL, "no directory in %s", self);
	*strrchr(self, '/') = '\0';
	snprintf(target, sizeof(target), "%s/fr_um_child", self);
	CHECK(!access(target, X_OK), "%s: %s", target, strerror(errno));
	snprintf(child_link, sizeof(child_link), "%s/%s", dir, UM_COMM);
	CHECK(!symlink(target, child_link), "symlink %s: %s", child_link, strerror(errno));
}

/* Write `text` to `path`. */
static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f && fputs(text, f) >= 0 && !fclose(f), "write %s: %s", path, strerror(errno));
}

/* A copy of examples/metrics/NAME in `dir` with `from` replaced by `to`. */
static void copy_example(const char *src, const char *name, const char *dir, const char *from,
			 const char *to)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "sed 's/%s/%s/' '%s/examples/metrics/%s' > '%s/%s'", from, to,
		 src, name, dir, name);
	live_run(cmd);
}

/* What matches in `flightrec metrics --format csv`: a family, labels that
 * contain every one of `want` (";"-separated name=value), and a le. */
struct pick {
	const char *family, *want, *le;
	double sum;
	int rows;
};

/* csv: family,type,time_ns,labels,le,value. */
static void take(void *ctx, char *line)
{
	struct pick *p = ctx;
	char *f[6], *s = line, want[256], *save = NULL;

	for (int i = 0; i < 6; i++)
		f[i] = strsep(&s, i < 5 ? "," : "\n");
	if (!f[5] || strcmp(f[0], p->family) || strcmp(f[4], p->le))
		return;
	snprintf(want, sizeof(want), "%s", p->want);
	for (char *w = strtok_r(want, ";", &save); w; w = strtok_r(NULL, ";", &save)) {
		char *hit = strstr(f[3], w);
		const size_t n = strlen(w);

		if (!hit || (hit != f[3] && hit[-1] != ';') || (hit[n] && hit[n] != ';'))
			return;
	}
	p->sum += strtod(f[5], NULL);
	p->rows++;
}

/* The sum of the rows of `family` whose labels hold `want` and whose le is
 * `le` ("" for a counter) in the output of `metrics DB ARGS`. */
static double metric(const char *fr, const char *db, const char *args, const char *family,
		     const char *want, const char *le)
{
	struct pick p = {family, want, le, 0, 0};
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "'%s' metrics '%s' --format csv %s", fr, db, args);
	live_run_lines(cmd, take, &p);
	printf("usermetric: %s{%s} le '%s': %g (%d rows)\n", p.family, p.want, p.le, p.sum, p.rows);
	return p.sum;
}

/* promtool accepts the Prometheus text of `metrics DB ARGS`. */
static void promtool(const char *fr, const char *db, const char *dir, const char *args)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd),
		 "'%s' metrics '%s' %s > '%s/out.prom' && promtool check metrics < '%s/out.prom'",
		 fr, db, args, dir, dir);
	live_run(cmd);
}

int live_scenario_usermetric(const char *recorder)
{
	const char *args[] = {
		"--families", "syscalls,proc,net", "--mode", "syscalls=stream", "--cgroup", NULL,
		NULL};
	static const char *const examples[] = {
		"http-5xx-per-workload.yaml", "oom-kills-per-namespace.yaml",
		"retransmits-per-destination-service.yaml", "slow-fsync-per-container.yaml",
		"syscall-errors-by-errno.yaml"};
	const char *src = getenv("FR_SRC"), *fr;
	char dir[256], db[300], a[2048], want[128], yaml[4096];
	struct live_cgroup_child kid;
	struct live_recorder r;
	struct um_report rep;
	double v;
	int rc;

	live_require_bpf();
	CHECK(src && *src, "FR_SRC (the source tree) is not set");
	if (system("promtool --version >/dev/null 2>&1")) {
		printf("SKIP: no promtool\n");
		return SKIP_CODE;
	}
	live_mkdtemp(dir, sizeof(dir));
	make_link(dir);
	snprintf(child_file, sizeof(child_file), "%s/synced", dir);
	if ((rc = live_cgroup_child__start(&kid, run_child)))
		return rc;
	args[5] = kid.dir;
	live_recorder__start(&r, recorder, args);
	live_cgroup_child__run(&kid, &rep, sizeof(rep));
	usleep(1500000); /* an interval flush after the workload */
	live_recorder__stop(&r);
	printf("usermetric: the workload: %lld rmdir ENOENT, %lld syncs (%lld ns, %lld slow), "
	       "%lld connects to port %lld\n",
	       (long long)rep.rmdir_enoent, (long long)rep.fsyncs, (long long)rep.sync_ns,
	       (long long)rep.sync_slow, (long long)rep.connects, (long long)rep.port);
	CHECK(rep.rmdir_enoent == FAILS && rep.fsyncs == SYNCS && rep.connects == CONNECTS,
	      "the workload did not do its work");
	fr = live_replay(r.dir, db, sizeof(db));

	/* every example, alone and together: promtool */
	a[0] = 0;
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		char one[600];

		snprintf(one, sizeof(one), "--only-file --file '%s/examples/metrics/%s'", src,
			 examples[i]);
		promtool(fr, db, dir, one);
		snprintf(a + strlen(a), sizeof(a) - strlen(a), " --file '%s/examples/metrics/%s'",
			 src, examples[i]);
	}
	snprintf(yaml, sizeof(yaml), "--only-file %s", a);
	promtool(fr, db, dir, yaml);

	/* syscall errors of one program, pointed at the workload */
	copy_example(src, "syscall-errors-by-errno.yaml", dir, "comm:frontend", "comm:" UM_COMM);
	snprintf(a, sizeof(a), "--only-file --file '%s/syscall-errors-by-errno.yaml'", dir);
	v = metric(fr, db, a, "user_frontend_syscall_errors_total", "syscall=rmdir;errno=ENOENT",
		   "");
	CHECK(v == (double)rep.rmdir_enoent, "rmdir ENOENT: %g, the workload made %lld", v,
	      (long long)rep.rmdir_enoent);

	/* fsync latency: every call observed; no more time than the workload timed */
	snprintf(a, sizeof(a),
		 "--only-file --file '%s/examples/metrics/slow-fsync-per-container.yaml'", src);
	v = metric(fr, db, a, "user_fsync_latency_seconds", "", "+Inf");
	CHECK(v == (double)rep.fsyncs, "fsync observations: %g, the workload made %lld", v,
	      (long long)rep.fsyncs);
	v = metric(fr, db, a, "user_fsync_latency_seconds", "", "sum");
	CHECK(v > 0 && v <= (double)rep.sync_ns * 1e-9 * (1 + 1e-6),
	      "fsync seconds: %g, the workload timed %g", v, (double)rep.sync_ns * 1e-9);
	v = metric(fr, db, a, "user_slow_fsync_total", "", "");
	CHECK(v <= (double)rep.sync_slow, "slow fsyncs: %g, the workload timed %lld", v,
	      (long long)rep.sync_slow);

	/* attribution process: the --by dimensions of a user metric */
	snprintf(yaml, sizeof(yaml),
		 "metrics:\n"
		 "  - name: user_um_connects_total\n"
		 "    type: counter\n"
		 "    source: tcp_connect\n"
		 "    attribution: process\n"
		 "    selector: {dport: %lld}\n"
		 "    labels: [dport]\n",
		 (long long)rep.port);
	snprintf(a, sizeof(a), "%s/connects.yaml", dir);
	put_file(a, yaml);
	snprintf(a, sizeof(a), "--only-file --file '%s/connects.yaml' --by comm", dir);
	snprintf(want, sizeof(want), "comm=" UM_COMM ";dport=%lld", (long long)rep.port);
	v = metric(fr, db, a, "user_um_connects_total", want, "");
	CHECK(v == (double)rep.connects, "connects: %g, the workload made %lld", v,
	      (long long)rep.connects);
	promtool(fr, db, dir, a);

	/* a built-in family written as a metric file, by comm */
	v = metric(fr, db, "--family ebpf_syscall_errors --by comm", "ebpf_syscall_errors",
		   "comm=" UM_COMM ";syscall=rmdir", "");
	CHECK(v == (double)rep.rmdir_enoent, "ebpf_syscall_errors rmdir: %g, the workload: %lld", v,
	      (long long)rep.rmdir_enoent);
	return 0;
}
