/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kubernetes source against the test API server (tests/kubeapi) and
 * from a kubectl file: what the server's objects did (the truth: the
 * control port's answers and the faults the test injects) is what the
 * replayed meta_* tables and the statistics records say.
 *
 * kube_snapshot  --kube-snapshot: every segment starts with the file's snapshot
 * kube_api       create, delete, an IP reused by another pod, a pod restarted
 *                with a new uid; 410 mid-watch, killed watches, a malformed event
 * kube_down      the API down at start (kernel recording goes on, the gap is
 *                recorded), then up; a 403 names the missing permission
 * kube_large     20 000 pods: time to list and the recorder's peak RSS
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <glob.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "live_kubeapi.h"
#include "live_util.h"

struct snaps {
	int kube, kube_with_pods, segments_started;
	uint64_t last_seg;
};

static void count_snapshots(const struct fr_record *rec, const struct fr_event *ev, void *ctx)
{
	struct snaps *s = ctx;

	if (rec->kind != FR_KIND_META_SNAPSHOT ||
	    !memmem(rec->payload, rec->len, "\"source\":\"kubernetes\"", 21))
		return;
	s->kube++;
	s->kube_with_pods += memmem(rec->payload, rec->len, "\"pods\":[{", 9) != NULL;
}

static int scenario_snapshot(const char *recorder)
{
	const char *file = getenv("FR_KUBE_CLUSTER_JSON");
	const char *args[] = {"--families", "proc", "--kube-snapshot", file, NULL};
	struct live_recorder r;
	struct snaps s = {0};
	char db[512], out[512];
	const char *fr;
	int segs;

	CHECK(file && *file, "FR_KUBE_CLUSTER_JSON is not set");
	live_recorder__start(&r, recorder, args);
	live_recorder__signal(&r, SIGHUP);
	usleep(300000);
	live_recorder__signal(&r, SIGHUP);
	usleep(300000);
	live_recorder__stop(&r);
	segs = live_read_dir(r.dir, count_snapshots, &s);
	printf("segments %d, kubernetes snapshots %d\n", segs, s.kube);
	CHECK(segs == 3, "segments %d (2 rotations)", segs);
	CHECK(s.kube == segs && s.kube_with_pods == segs, "snapshots %d with pods %d", s.kube,
	      s.kube_with_pods);
	fr = live_replay(r.dir, db, sizeof(db));
	(void)fr;
	CHECK(live_kube__sqlnum(db, "SELECT COUNT(*) FROM meta_pod") == 5, "meta_pod rows");
	live_kube__sql1(
		db,
		"SELECT group_concat(name || '=' || workload_kind || '/' || workload, ' ') FROM "
		"(SELECT * FROM meta_pod WHERE workload IS NOT NULL ORDER BY name)",
		out, sizeof(out));
	CHECK(!strcmp(out, "cart-7d9f8b6c5-x2xkq=Deployment/cart db-0=StatefulSet/db "
			   "report-29480160-abcde=CronJob/report"),
	      "workloads: %s", out);
	/* one interval each: equal snapshots do not split them */
	CHECK(live_kube__sqlnum(db, "SELECT COUNT(*) FROM meta_pod_ip") == 3, "meta_pod_ip rows");
	return 0;
}

static int scenario_api(const char *recorder)
{
	const char *args[9];
	char tok[512], ca[512], db[512], out[1024];
	struct live_recorder r;
	struct snaps s = {0};

	live_kube__server_start("");
	live_kube__add_base_objects();
	live_kube__args(args, tok, ca, sizeof(tok));
	live_recorder__start(&r, recorder, args);
	sleep(2); /* the first lists and watches */
	/* pod a goes, pod c takes its address; pod b restarts with a new uid */
	live_kube__ctl(NULL, 0, "delete pods shop cart-5f6d7-aaaaa");
	live_kube__ctl(NULL, 0,
		       "add pod shop cart-5f6d7-ccccc --node node-a --ip 10.0.1.7 --label app=cart "
		       "--owner ReplicaSet/cart-5f6d7 --uid uid-c");
	live_kube__ctl(NULL, 0, "delete pods shop cart-5f6d7-bbbbb");
	live_kube__ctl(NULL, 0,
		       "add pod shop cart-5f6d7-bbbbb --node node-a --ip 10.0.1.9 --label app=cart "
		       "--owner ReplicaSet/cart-5f6d7 --uid uid-b2");
	sleep(1);
	live_kube__ctl(NULL, 0, "fault gone-mid"); /* every watch: 410, relist, snapshot */
	sleep(2);
	live_kube__ctl(NULL, 0, "fault kill-watches"); /* every watch cut: resumed */
	sleep(2);
	live_kube__ctl(NULL, 0, "fault malformed watch pods 1");
	live_kube__ctl(NULL, 0, "add pod shop lost --node node-a --ip 10.0.1.99 --uid uid-lost");
	live_kube__ctl(NULL, 0, "add pod shop after --node node-a --ip 10.0.1.100 --uid uid-after");
	sleep(2);
	live_recorder__stop(&r);
	live_kube__server_stop();
	live_read_dir(r.dir, count_snapshots, &s);
	live_replay(r.dir, db, sizeof(db));
	/* 10.0.1.7: pod a, then pod c, never both */
	live_kube__sql1(
		db,
		"SELECT group_concat(uid, ' ') FROM (SELECT uid FROM meta_pod_ip WHERE ip = "
		"'10.0.1.7' ORDER BY valid_from)",
		out, sizeof(out));
	CHECK(!strcmp(out, "uid-a uid-c"), "holders of 10.0.1.7: %s", out);
	CHECK(live_kube__sqlnum(
		      db, "SELECT COUNT(*) FROM meta_pod_ip a JOIN meta_pod_ip b ON a.ip = b.ip "
			  "AND a.uid < b.uid AND a.valid_from < b.valid_to AND b.valid_from < "
			  "a.valid_to") == 0,
	      "an address held by two pods at once");
	/* the restarted pod: two uids under one name, one after the other */
	live_kube__sql1(db,
			"SELECT group_concat(uid, ' ') FROM (SELECT uid FROM meta_pod WHERE name = "
			"'cart-5f6d7-bbbbb' ORDER BY valid_from)",
			out, sizeof(out));
	CHECK(!strcmp(out, "uid-b1 uid-b2"), "pod b's uids: %s", out);
	CHECK(live_kube__sqlnum(db,
				"SELECT COUNT(*) FROM meta_pod WHERE uid = 'uid-a' AND valid_to < "
				"9223372036854775807") == 1,
	      "pod a closed at its delete");
	live_kube__sql1(
		db,
		"SELECT group_concat(DISTINCT workload_kind || '/' || workload) FROM meta_pod "
		"WHERE name LIKE 'cart-%'",
		out, sizeof(out));
	CHECK(!strcmp(out, "Deployment/cart"), "workloads: %s", out);
	CHECK(live_kube__sqlnum(
		      db, "SELECT COUNT(*) FROM meta_service_ip WHERE ip = '10.96.0.11'") == 1,
	      "service address");
	/* the 7 kinds' watches: 7 relists after 410, 7 resumed after the cut */
	printf("snapshots %d, relist %lld, reconnect %lld, malformed %lld\n", s.kube,
	       live_kube__stat(db, "relist", "seen"), live_kube__stat(db, "reconnect", "seen"),
	       live_kube__stat(db, "malformed", "lost"));
	CHECK(live_kube__stat(db, "relist", "seen") == 7, "relists");
	CHECK(live_kube__stat(db, "reconnect", "seen") == 7, "reconnects");
	CHECK(live_kube__stat(db, "malformed", "lost") == 1, "malformed events");
	CHECK(s.kube >= 2, "snapshots: the first list's and the relist's (%d)", s.kube);
	/* the broken event's pod came back with the relist? no: it is lost
	 * until a snapshot; the next event is not */
	CHECK(live_kube__sqlnum(db, "SELECT COUNT(*) FROM meta_pod WHERE uid = 'uid-after'") == 1,
	      "the event after the malformed one");
	CHECK(live_kube__stat(db, "queue_full", "lost") == 0, "queue refusals");
	return 0;
}

static int scenario_down(const char *recorder)
{
	const char *args[9];
	char tok[512], ca[512], db[512], out[1024], line[2048];
	struct live_recorder r;
	long long down_first, down_last, span;

	live_kube__server_start("");
	live_kube__add_base_objects();
	live_kube__ctl(NULL, 0, "fault down");
	live_kube__args(args, tok, ca, sizeof(tok));
	live_recorder__start(&r, recorder, args);
	sleep(2); /* the outage: the recorder retries */
	live_kube__ctl(NULL, 0, "fault up");
	live_kube__wait_stderr(&r, "listed pods", line, sizeof(line));
	/* a 403 on pods: printed with what the ClusterRole lacks */
	live_kube__ctl(NULL, 0, "fault forbid pods:watch pods:list");
	live_kube__ctl(NULL, 0, "fault gone-mid");
	live_kube__wait_stderr(&r, "403 Forbidden", line, sizeof(line));
	CHECK(strstr(line, "list on pods (API group \"\") at cluster scope is not allowed") &&
		      strstr(line, "needs get, list and watch on pods"),
	      "403 message: %s", line);
	live_kube__ctl(NULL, 0, "fault allow");
	live_kube__wait_stderr(&r, "listed pods", line, sizeof(line));
	live_recorder__stop(&r);
	live_kube__server_stop();
	live_replay(r.dir, db, sizeof(db));
	down_first =
		live_kube__sqlnum(db, "SELECT MIN(first_ns) FROM ev_recorder_stats WHERE source = "
				      "'kubernetes' AND reason = 'api_unavailable'");
	down_last =
		live_kube__sqlnum(db, "SELECT MAX(last_ns) FROM ev_recorder_stats WHERE source = "
				      "'kubernetes' AND reason = 'api_unavailable'");
	span = down_last - down_first;
	printf("api_unavailable: %lld failed requests over %.2f s; denied %lld\n",
	       live_kube__stat(db, "api_unavailable", "seen"), (double)span / 1e9,
	       live_kube__stat(db, "denied", "seen"));
	CHECK(live_kube__stat(db, "api_unavailable", "seen") >= 2, "failed requests counted");
	CHECK(span >= 2000000000ll, "the outage (2 s or more) is recorded: %lld ns", span);
	CHECK(live_kube__stat(db, "denied", "seen") >= 1, "denials");
	/* the kernel recording went on meanwhile: its interval statistics */
	CHECK(live_kube__sqlnum(
		      db, "SELECT COUNT(*) FROM ev_recorder_stats WHERE source = 'proc' AND ts < "
			  "(SELECT MIN(ts) FROM meta_record WHERE json LIKE "
			  "'{_source_:_kubernetes_%')") >= 2,
	      "kernel records before the API answered");
	live_kube__sql1(
		db, "SELECT group_concat(uid, ' ') FROM (SELECT uid FROM meta_pod ORDER BY uid)",
		out, sizeof(out));
	CHECK(!strcmp(out, "uid-a uid-b1"), "pods after the outage: %s", out);
	/* the kinds retried on their own clocks: the ReplicaSets were listed
	 * before the pods all the same (the pods have no pod-template-hash) */
	live_kube__sql1(
		db, "SELECT group_concat(DISTINCT workload_kind || '/' || workload) FROM meta_pod",
		out, sizeof(out));
	CHECK(!strcmp(out, "Deployment/cart"), "workloads after the outage: %s", out);
	return 0;
}

static long vm_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	CHECK(f, "%s", path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kib = atol(line + 6);
	fclose(f);
	return kib;
}

/* Size of the segment with sequence number seq in dir. */
static long long seg_bytes(const char *dir, int seq)
{
	char pat[512];
	struct stat sb;
	glob_t g;
	long long n = -1;

	snprintf(pat, sizeof(pat), "%s/seg-%08d-*.frseg", dir, seq);
	if (!glob(pat, 0, NULL, &g) && g.gl_pathc == 1 && !stat(g.gl_pathv[0], &sb))
		n = (long long)sb.st_size;
	globfree(&g);
	return n;
}

static int scenario_large(const char *recorder)
{
	const char *args[9];
	char tok[512], ca[512], db[512], line[2048];
	struct live_recorder r;
	struct timespec t0, t1;
	long before, after;

	live_kube__server_start("-- --generate-pods 20000");
	live_kube__args(args, tok, ca, sizeof(tok));
	live_recorder__start(&r, recorder, args);
	before = vm_hwm_kib(r.pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	live_kube__wait_stderr(&r, "listed pods", line, sizeof(line));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sleep(1);
	after = vm_hwm_kib(r.pid);
	printf("20000 pods: %s; %.2f s after the start; VmHWM %ld KiB before, %ld KiB after\n",
	       line, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       before, after);
	live_recorder__signal(&r, SIGHUP); /* a segment start with 20 000 pods */
	sleep(1);
	live_recorder__stop(&r);
	live_kube__server_stop();
	live_replay(r.dir, db, sizeof(db));
	CHECK(live_kube__sqlnum(db, "SELECT COUNT(DISTINCT uid) FROM meta_pod") == 20000,
	      "pods replayed");
	printf("largest kubernetes snapshot: %lld bytes of JSON; the segment that starts with it "
	       "(after SIGHUP): %lld bytes on disk, %.1f per pod\n",
	       live_kube__sqlnum(db, "SELECT MAX(LENGTH(json)) FROM meta_record WHERE json LIKE "
				     "'{_source_:_kubernetes_%'"),
	       seg_bytes(r.dir, 1), (double)seg_bytes(r.dir, 1) / 20000.0);
	/* bounded: 64 MiB plus 1 KiB per pod held */
	CHECK(after < 64 * 1024 + 20000, "VmHWM %ld KiB", after);
	return 0;
}

/*
 * In a cluster: no --kube flag at all (auto), the API from
 * KUBERNETES_SERVICE_HOST/PORT and the service account's files at their
 * path, which a private mount namespace provides (a tmpfs over /run, where
 * /var/run points), copied from the test server's directory.
 */
static int scenario_incluster(const char *recorder)
{
	static const char sa[] = "/var/run/secrets/kubernetes.io/serviceaccount";
	const char *args[] = {"--families", "proc", NULL};
	char cmd[1024], db[512], out[1024], line[2048], port[16];
	struct live_recorder r;

	live_kube__server_start("");
	live_kube__add_base_objects();
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755")) {
		printf("SKIP: no private mount namespace for a service account: %s\n",
		       strerror(errno));
		live_kube__server_stop();
		return SKIP_CODE;
	}
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp '%s/token' '%s/ca.crt' '%s/namespace' %s/",
		 sa, live_kube_srv, live_kube_srv, live_kube_srv, sa);
	live_run(cmd);
	snprintf(port, sizeof(port), "%d", live_kube__server_port());
	setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", port, 1);
	live_recorder__start(&r, recorder, args);
	live_kube__wait_stderr(&r, "listed pods", line, sizeof(line));
	live_recorder__stop(&r);
	unsetenv("KUBERNETES_SERVICE_HOST");
	live_kube__server_stop();
	live_replay(r.dir, db, sizeof(db));
	live_kube__sql1(
		db, "SELECT group_concat(uid, ' ') FROM (SELECT uid FROM meta_pod ORDER BY uid)",
		out, sizeof(out));
	printf("in-cluster (auto, %s, %s): pods %s\n", port, sa, out);
	CHECK(!strcmp(out, "uid-a uid-b1"), "pods found in-cluster: %s", out);
	return 0;
}

int live_scenario_kube(const char *recorder, const char *scenario)
{
	if (!strcmp(scenario, "kube_snapshot"))
		return scenario_snapshot(recorder);
	if (!strcmp(scenario, "kube_api"))
		return scenario_api(recorder);
	if (!strcmp(scenario, "kube_down"))
		return scenario_down(recorder);
	if (!strcmp(scenario, "kube_large"))
		return scenario_large(recorder);
	if (!strcmp(scenario, "kube_e2e"))
		return live_scenario_kube_e2e(recorder);
	if (!strcmp(scenario, "kube_incluster"))
		return scenario_incluster(recorder);
	return live_scenario_kube_faults(recorder, scenario);
}
