/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Faults of the Kubernetes API against the recorder (tests/kubeapi makes
 * them; the truth is what the test did to the server and what its own
 * workload did):
 *
 * kube_slow       a slow API (every 16 KiB of an answer delayed): a child
 *                 making a known number of getppid calls is recorded
 *                 exactly, with the same loss statistics as with a fast API,
 *                 and SIGHUP and SIGINT complete while the pod list is still
 *                 in flight
 * kube_restart    the server killed mid-watch, changed while down, restarted
 *                 from its state: the recorder relists, the pods' intervals
 *                 follow the change, the outage is recorded between the kill
 *                 and the restart (database and `flightrec inspect`)
 * kube_token      the token rotated and the old one revoked: every request
 *                 after it carries the new one
 * kube_bad_start  401, then a list cut in the middle of its JSON, at the
 *                 start: messages and statistics, kernel recording meanwhile
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live_kubeapi.h"
#include "live_util.h"

#define BURSTS	   1000 /* of the slow test's child */
#define PER_BURST  200
#define SLOW_CALLS ((uint64_t)BURSTS * PER_BURST)

/* getppid in bursts with a 1 ms pause: a pace the recorder drains easily,
 * but more than the ring holds while nobody drains it (200 000 records of
 * ~48 bytes, a 4 MiB ring). */
static _Noreturn void getppid_child(int out)
{
	const struct timespec ms = {0, 1000000};
	uint64_t calls = 0;

	for (int b = 0; b < BURSTS; b++) {
		for (int i = 0; i < PER_BURST; i++, calls++)
			syscall(SYS_getppid);
		nanosleep(&ms, NULL);
	}
	if (write(out, &calls, sizeof(calls)) != sizeof(calls))
		_exit(1);
	_exit(0);
}

/* The recorder's arguments for the server with families, every syscall streamed into a
 * 4 MiB ring, only the cgroup's processes: a[15] at least. */
static void child_args(const char **a, char *tok, char *ca, size_t cap, const char *families,
		       const char *cgroup)
{
	static const char *const more[] = {"--mode",	  "syscalls=stream", "--ring-size",
					   "syscalls=4M", "--cgroup",	     NULL};

	live_kube__args(a, tok, ca, cap);
	a[1] = families;
	for (int i = 0; more[i]; i++)
		a[8 + i] = more[i];
	a[13] = cgroup;
	a[14] = NULL;
}

struct kernel_count {
	uint32_t pid;
	uint64_t getppid, kernel_lost, kernel_stats;
};

static void count_kernel(const struct fr_record *rec, const struct fr_event *ev, void *ctx)
{
	struct kernel_count *k = ctx;
	char source[64];

	(void)rec;
	if (!ev)
		return;
	if (ev->kind == FR_KIND_SYSCALL && live_field(ev, "pid") == k->pid &&
	    live_field(ev, "nr") == SYS_getppid)
		k->getppid++;
	if (ev->kind == FR_KIND_RECORDER_STATS &&
	    strcmp(live_field_str(ev, "source", source, sizeof(source)), "kubernetes")) {
		k->kernel_lost += live_field(ev, "lost");
		k->kernel_stats++;
	}
}

/* Read the rest of the recorder's stderr (it is stopping) into out. */
static void read_rest(struct live_recorder *r, char *out, size_t cap)
{
	size_t n = strlen(out);
	ssize_t got;

	while (n + 1 < cap && (got = read(r->stderr_fd, out + n, cap - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	fprintf(stderr, "recorder (rest): %s", out);
}

/* Wait until the segment with sequence seq exists in dir. */
static void wait_segment(const char *dir, int seq)
{
	char pat[512];
	glob_t g;
	int found;

	snprintf(pat, sizeof(pat), "%s/seg-%08d-*.frseg", dir, seq);
	do {
		found = !glob(pat, 0, NULL, &g) && g.gl_pathc == 1;
		globfree(&g);
		if (!found)
			usleep(10000);
	} while (!found);
}

/*
 * One recording of the child with the API fast or slow: the child runs once
 * the first lists are done (slow: all but the pods', still in flight), then
 * a rotation and the stop. stderr: what the recorder said, for ordering.
 */
static void slow_run(const char *recorder, bool slow, struct kernel_count *k, char *err_out,
		     size_t cap)
{
	const char *args[16];
	char tok[512], ca[512], line[2048];
	struct live_cgroup_child child;
	struct live_recorder r;
	uint64_t calls = 0;

	CHECK(live_cgroup_child__start(&child, getppid_child) == 0, "no cgroup v2");
	child_args(args, tok, ca, sizeof(tok), "syscalls", child.dir);
	live_kube__ctl(NULL, 0, slow ? "fault delay 0.5" : "fault clear");
	live_recorder__start(&r, recorder, args);
	/* slow: the lists before the pods' are done, the pods' is under way */
	live_kube__wait_stderr(&r, slow ? "listed endpointslices" : "listed pods", line,
			       sizeof(line));
	live_cgroup_child__run(&child, &calls, sizeof(calls));
	CHECK(calls == SLOW_CALLS, "the child made %llu calls", (unsigned long long)calls);
	live_recorder__signal(&r, SIGHUP);
	wait_segment(r.dir, 1);
	live_recorder__signal(&r, SIGINT);
	err_out[0] = '\0';
	read_rest(&r, err_out, cap);
	live_recorder__wait(&r);
	memset(k, 0, sizeof(*k));
	k->pid = (uint32_t)child.pid;
	CHECK(live_read_dir(r.dir, count_kernel, k) == 2, "two segments (one rotation)");
}

static int scenario_slow(const char *recorder)
{
	struct kernel_count fast, slow;
	char err_fast[16384], err_slow[16384];

	live_kube__server_start("");
	live_kube__ctl(NULL, 0, "generate 1500 --per-workload 500 --no-services");
	slow_run(recorder, false, &fast, err_fast, sizeof(err_fast));
	slow_run(recorder, true, &slow, err_slow, sizeof(err_slow));
	live_kube__server_stop();
	printf("getppid calls %llu: recorded %llu with a fast API, %llu with a slow one; kernel "
	       "loss %llu and %llu (%llu and %llu statistics records)\n",
	       (unsigned long long)SLOW_CALLS, (unsigned long long)fast.getppid,
	       (unsigned long long)slow.getppid, (unsigned long long)fast.kernel_lost,
	       (unsigned long long)slow.kernel_lost, (unsigned long long)fast.kernel_stats,
	       (unsigned long long)slow.kernel_stats);
	CHECK(fast.getppid == SLOW_CALLS, "fast API: %llu recorded",
	      (unsigned long long)fast.getppid);
	CHECK(slow.getppid == SLOW_CALLS, "slow API: %llu recorded",
	      (unsigned long long)slow.getppid);
	CHECK(fast.kernel_stats > 0 && slow.kernel_stats > 0, "kernel statistics written");
	CHECK(slow.kernel_lost == fast.kernel_lost,
	      "kernel loss %llu with a slow API, %llu without",
	      (unsigned long long)slow.kernel_lost, (unsigned long long)fast.kernel_lost);
	/* the slow API was slow throughout: the rotation and the stop completed
	 * while the pod list was in flight */
	CHECK(!strstr(err_slow, "listed pods"), "the slow pod list completed before the stop");
	return 0;
}

/* fork + exec /bin/true: its exec is a marker in the recording (proc family). */
static pid_t marker(void)
{
	int status;
	pid_t pid = fork();

	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "/bin/true");
	return pid;
}

static long long marker_ts(const char *db, pid_t pid)
{
	char sql[256];
	long long ts;

	snprintf(sql, sizeof(sql), "SELECT COALESCE(MIN(ts), -1) FROM ev_proc_exec WHERE pid = %d",
		 (int)pid);
	ts = live_kube__sqlnum(db, sql);
	CHECK(ts > 0, "no exec of marker %d", (int)pid);
	return ts;
}

static void kill_server(void)
{
	const pid_t pid = live_kube__server_pid();
	char path[64], stat[512];
	FILE *f;

	CHECK(kill(pid, SIGKILL) == 0, "kill %d: %s", (int)pid, strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (;;) { /* gone, or a zombie nobody reaped yet */
		f = fopen(path, "r");
		if (!f)
			return;
		stat[0] = '\0';
		if (!fgets(stat, sizeof(stat), f))
			stat[0] = '\0';
		fclose(f);
		if (strstr(stat, ") Z "))
			return;
		usleep(10000);
	}
}

/* While the server is down: pod a deleted, pod d created with a's address,
 * as etcd would have them (resourceVersions after the file's). */
static const char edit_state[] =
	"import json,sys\n"
	"p=sys.argv[1]; d=json.load(open(p)); items=d['items']\n"
	"top=max(int(o['metadata']['resourceVersion']) for o in items)\n"
	"a=[o for o in items if o['metadata']['name']=='cart-5f6d7-aaaaa'][0]\n"
	"items.remove(a)\n"
	"n=json.loads(json.dumps(a)); m=n['metadata']\n"
	"m['name']='cart-5f6d7-ddddd'; m['uid']='uid-d'; m['resourceVersion']=str(top+2)\n"
	"items.append(n)\n"
	"json.dump(d, open(p,'w'))\n";

static int scenario_restart(const char *recorder)
{
	const char *args[9];
	char tok[512], ca[512], db[512], out[1024], line[2048], cmd[2048], state[600];
	struct live_recorder r;
	long long before_kill, after_kill, before_restart, after_relist, from, to;
	pid_t m[4];
	FILE *f;

	live_kube__server_start("");
	live_kube__add_base_objects();
	live_kube__args(args, tok, ca, sizeof(tok));
	live_recorder__start(&r, recorder, args);
	live_kube__wait_stderr(&r, "listed pods", line, sizeof(line));
	snprintf(state, sizeof(state), "%s/state.json", live_kube_srv);
	snprintf(cmd, sizeof(cmd), "python3 '%s' --dir '%s' state >'%s'", getenv("FR_KUBEAPI_CTL"),
		 live_kube_srv, state);
	live_run(cmd);
	const int port = live_kube__server_port();

	m[0] = marker();
	kill_server();
	m[1] = marker();
	snprintf(cmd, sizeof(cmd), "%s/edit.py", live_kube_srv);
	f = fopen(cmd, "w");
	CHECK(f && fputs(edit_state, f) >= 0 && !fclose(f), "%s", cmd);
	snprintf(cmd, sizeof(cmd), "python3 '%s/edit.py' '%s'", live_kube_srv, state);
	live_run(cmd);
	/* a request failed while the server was gone: */
	live_kube__wait_stderr(&r, "Couldn't connect", line, sizeof(line));
	m[2] = marker(); /* a request failed before it */
	snprintf(cmd, sizeof(cmd), "-- --state '%s' --port %d", state, port);
	live_kube__server_launch(cmd);
	for (int kinds = 0; kinds < 7; kinds++) /* every kind relisted */
		live_kube__wait_stderr(&r, "kubernetes: listed ", line, sizeof(line));
	m[3] = marker();
	live_recorder__stop(&r);
	live_kube__server_stop();

	snprintf(cmd, sizeof(cmd), "'%s' inspect '%s' >'%s/inspect.txt'", getenv("FR_ANALYZER"),
		 r.dir, r.dir);
	live_run(cmd);
	live_replay(r.dir, db, sizeof(db));
	before_kill = marker_ts(db, m[0]);
	after_kill = marker_ts(db, m[1]);
	before_restart = marker_ts(db, m[2]);
	after_relist = marker_ts(db, m[3]);
	/* first_ns, last_ns: UTC ns, as replay writes every time */
	from = live_kube__sqlnum(db, "SELECT MIN(first_ns) FROM ev_recorder_stats WHERE source = "
				     "'kubernetes' AND reason = 'api_unavailable'");
	to = live_kube__sqlnum(db, "SELECT MAX(last_ns) FROM ev_recorder_stats WHERE source = "
				   "'kubernetes' AND reason = 'api_unavailable'");
	printf("outage recorded %.3f .. %.3f s, kill by %.3f, restart at %.3f, relisted by %.3f "
	       "(s after the marker before the kill); relist %lld, reconnect %lld, failed requests "
	       "%lld\n",
	       (double)(from - before_kill) / 1e9, (double)(to - before_kill) / 1e9,
	       (double)(after_kill - before_kill) / 1e9,
	       (double)(before_restart - before_kill) / 1e9,
	       (double)(after_relist - before_kill) / 1e9, live_kube__stat(db, "relist", "seen"),
	       live_kube__stat(db, "reconnect", "seen"),
	       live_kube__stat(db, "api_unavailable", "seen"));
	/* the gap: from after the kill (before a request failed), past the
	 * restart, ended by the relist */
	CHECK(from > before_kill && from < before_restart, "outage from %lld, kill %lld, %lld",
	      from, before_kill, before_restart);
	CHECK(to > before_restart && to < after_relist, "outage to %lld, restart %lld, relist %lld",
	      to, before_restart, after_relist);
	CHECK(live_kube__stat(db, "api_unavailable", "seen") >= 1, "failed requests");
	/* every kind's watch resumed from before the restart: 410, relist */
	CHECK(live_kube__stat(db, "relist", "seen") == 7, "relists");
	CHECK(live_kube__stat(db, "reconnect", "seen") >= 7, "watches resumed");
	/* 10.0.1.7: pod a until the relist (its delete was not seen before),
	 * then pod d; pod b all along */
	live_kube__sql1(
		db,
		"SELECT group_concat(uid, ' ') FROM (SELECT uid FROM meta_pod_ip WHERE ip = "
		"'10.0.1.7' ORDER BY valid_from)",
		out, sizeof(out));
	CHECK(!strcmp(out, "uid-a uid-d"), "holders of 10.0.1.7: %s", out);
	snprintf(
		cmd, sizeof(cmd),
		"SELECT COUNT(*) FROM meta_pod a JOIN meta_pod d ON a.uid = 'uid-a' AND d.uid = "
		"'uid-d' AND a.valid_to = d.valid_from AND a.valid_to > %lld AND a.valid_to < %lld",
		before_restart, after_relist);
	CHECK(live_kube__sqlnum(db, cmd) == 1, "pod a ends, pod d starts at the relist");
	snprintf(cmd, sizeof(cmd),
		 "SELECT COUNT(*) FROM meta_pod WHERE uid = 'uid-b1' AND valid_from < %lld AND "
		 "valid_to > %lld",
		 before_kill, after_relist);
	CHECK(live_kube__sqlnum(db, "SELECT COUNT(*) FROM meta_pod WHERE uid = 'uid-b1'") == 1 &&
		      live_kube__sqlnum(db, cmd) == 1,
	      "pod b: one interval across the restart");
	/* the gap in inspect's statistics */
	snprintf(cmd, sizeof(cmd), "grep -q '    kubernetes api_unavailable: ' '%s/inspect.txt'",
		 r.dir);
	live_run(cmd);
	return 0;
}

/* Codes of the requests the server served since seq: 200s and 401s. */
static void request_codes(long since, int *ok, int *unauthorized)
{
	char cmd[1024], buf[1 << 16];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "python3 '%s' --dir '%s' requests --since %ld | python3 -c \"import json,sys; "
		 "r=json.load(sys.stdin)['requests']; print(sum(x['code']==200 for x in r), "
		 "sum(x['code']==401 for x in r))\"",
		 getenv("FR_KUBEAPI_CTL"), live_kube_srv, since);
	p = popen(cmd, "r");
	CHECK(p, "popen");
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	CHECK(pclose(p) == 0 && sscanf(buf, "%d %d", ok, unauthorized) == 2, "%s: %s", cmd, buf);
}

/* Wait (bounded: 10 s) until the server holds n open watches. */
static void wait_watches(int n)
{
	char out[4096];
	const char *w;

	for (int i = 0; i < 200; i++) {
		live_kube__ctl(out, sizeof(out), "stats");
		w = strstr(out, "\"watches\": ");
		if (w && atoi(w + 11) >= n)
			return;
		usleep(50000);
	}
	CHECK(0, "the recorder did not open %d watches: %s", n, out);
}

static int scenario_token(const char *recorder)
{
	const char *args[9];
	char tok[512], ca[512], db[512], line[2048], out[4096];
	struct live_recorder r;
	int ok, unauthorized;
	long seq;

	live_kube__server_start("");
	live_kube__add_base_objects();
	live_kube__args(args, tok, ca, sizeof(tok));
	live_recorder__start(&r, recorder, args);
	live_kube__wait_stderr(&r, "listed pods", line, sizeof(line));
	live_kube__ctl(out, sizeof(out), "stats");
	seq = atol(strstr(out, "\"requests\": ") ? strstr(out, "\"requests\": ") + 12 : "0");
	/* a new token in the file, the old one refused from now on */
	live_kube__ctl(NULL, 0, "rotate --revoke-old");
	wait_watches(7);			   /* every kind watched: each one gets the 410 */
	live_kube__ctl(NULL, 0, "fault gone-mid"); /* every watch: 410, relist */
	live_kube__wait_stderr_not(&r, "listed pods", "401", line, sizeof(line));
	live_kube__ctl(NULL, 0, "add pod shop after --node node-a --ip 10.0.1.50 --uid uid-after");
	wait_watches(7); /* watching again after the relists, so the cut hits all */
	live_kube__ctl(NULL, 0, "fault kill-watches"); /* every watch resumed */
	live_kube__ctl(NULL, 0, "add pod shop later --node node-a --ip 10.0.1.51 --uid uid-later");
	sleep(2);
	live_recorder__stop(&r);
	request_codes(seq, &ok, &unauthorized);
	live_kube__server_stop();
	live_replay(r.dir, db, sizeof(db));
	printf("after the rotation: %d requests answered 200, %d 401; denied %lld, relist %lld\n",
	       ok, unauthorized, live_kube__stat(db, "denied", "seen"),
	       live_kube__stat(db, "relist", "seen"));
	CHECK(unauthorized == 0, "%d requests with the revoked token", unauthorized);
	/* 7 relists, 7 watches after them, 7 resumed after the cut */
	CHECK(ok >= 21, "%d requests answered", ok);
	CHECK(live_kube__stat(db, "denied", "seen") == 0, "denials");
	CHECK(live_kube__sqlnum(db, "SELECT COUNT(*) FROM meta_pod WHERE uid IN ('uid-after', "
				    "'uid-later')") == 2,
	      "the pods added after the rotation");
	return 0;
}

static int scenario_bad_start(const char *recorder)
{
	const char *args[16];
	char tok[512], ca[512], db[512], line[2048];
	struct live_cgroup_child child;
	struct live_recorder r;
	struct kernel_count k = {0};
	uint64_t calls = 0;

	CHECK(live_cgroup_child__start(&child, getppid_child) == 0, "no cgroup v2");
	live_kube__server_start("");
	live_kube__add_base_objects();
	live_kube__ctl(NULL, 0, "fault unauthorized on");
	child_args(args, tok, ca, sizeof(tok), "syscalls,proc", child.dir);
	live_recorder__start(&r, recorder, args);
	live_kube__wait_stderr(&r, "401 Unauthorized", line, sizeof(line));
	CHECK(strstr(line,
		     "401 Unauthorized on list replicasets: the API server refused the token"),
	      "401 message: %s", line);
	/* kernel recording goes on without the API */
	live_cgroup_child__run(&child, &calls, sizeof(calls));
	/* then a list broken in the middle of its JSON, then a good one */
	live_kube__ctl(NULL, 0, "fault malformed list pods 1");
	live_kube__ctl(NULL, 0, "fault unauthorized off");
	live_kube__wait_stderr(&r, "list pods: the answer is not a list", line, sizeof(line));
	live_kube__wait_stderr(&r, "listed pods", line, sizeof(line));
	live_recorder__stop(&r);
	live_kube__server_stop();
	k.pid = (uint32_t)child.pid;
	live_read_dir(r.dir, count_kernel, &k);
	live_replay(r.dir, db, sizeof(db));
	printf("getppid calls %llu, recorded %llu without the API; denied %lld, malformed %lld, "
	       "kernel loss %llu\n",
	       (unsigned long long)calls, (unsigned long long)k.getppid,
	       live_kube__stat(db, "denied", "seen"), live_kube__stat(db, "malformed", "lost"),
	       (unsigned long long)k.kernel_lost);
	CHECK(k.getppid == calls && calls == SLOW_CALLS, "recorded %llu of %llu",
	      (unsigned long long)k.getppid, (unsigned long long)calls);
	CHECK(k.kernel_lost == 0, "kernel loss %llu", (unsigned long long)k.kernel_lost);
	CHECK(live_kube__stat(db, "denied", "seen") >= 1, "denials");
	CHECK(live_kube__stat(db, "malformed", "lost") == 1, "the broken list");
	CHECK(live_kube__sqlnum(db, "SELECT COUNT(DISTINCT uid) FROM meta_pod") == 2,
	      "pods once listed");
	return 0;
}

int live_scenario_kube_faults(const char *recorder, const char *scenario)
{
	if (!strcmp(scenario, "kube_slow"))
		return scenario_slow(recorder);
	if (!strcmp(scenario, "kube_restart"))
		return scenario_restart(recorder);
	if (!strcmp(scenario, "kube_token"))
		return scenario_token(recorder);
	if (!strcmp(scenario, "kube_bad_start"))
		return scenario_bad_start(recorder);
	return -1;
}
