/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kube_e2e: the recorder with the kernel families and --kube=on against the
 * test API server (tests/kubeapi), while "pods" really talk: programs
 * (ke2e_pod.c, named frontend, cart, db, outside) in cgroups named as the
 * kubelet and containerd name them (kubepods-besteffort-pod<uid>.slice/
 * cri-containerd-<container id>.scope, the ids the server's pod objects
 * carry), on the pods' addresses (127.A.B.0/24 after the test's pid, on
 * the loopback of a network namespace of the test's own). frontend (Deployment) calls cart
 * (Deployment, behind a Service and an EndpointSlice), cart calls db
 * (StatefulSet); frontend calls an address that is no pod, and a client
 * that is no pod calls frontend. Midway the cart pod is deleted (its
 * program exits) and a new cart pod, with a new uid, gets its address.
 * Traffic starts only once the recorder wrote the pods' META records
 * (segments rotated with SIGHUP and read until they hold them).
 *
 * Truth: what the programs did, connection by connection (bytes written
 * and read, each socket's life bounded by their clocks). After replay:
 * `deps --level workload` edges, every kube_ebpf family, the reused
 * address's connections on each side of the change, and
 * `metrics --by comm` (connect and accept4 calls per program).
 */
#define _GNU_SOURCE /* unshare, setns */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live_kubeapi.h"
#include "live_util.h"

#define NS	"shop"
#define OUTSIDE (-1) /* an end that is no pod */
#define MAXCONN 32

enum { FE, CART1, CART2, DB, NPODS };

struct pod {
	const char *name, *owner, *comm, *workload;
	int host, port; /* 127.A.B.host, the port it serves */
	char uid[40], cid[80], cg[1024];
};

static struct pod pods[NPODS] = {
	[FE] = {"frontend-5d8f7c6b9-fe001", "ReplicaSet/frontend-5d8f7c6b9", "frontend", "frontend",
		1, 80},
	[CART1] = {"cart-7c9d5b8f4-ca001", "ReplicaSet/cart-7c9d5b8f4", "cart", "cart", 2, 8080},
	[CART2] = {"cart-7c9d5b8f4-ca002", "ReplicaSet/cart-7c9d5b8f4", "cart", "cart", 2, 8080},
	[DB] = {"db-0", "StatefulSet/db", "db", "db", 3, 5432},
};

#define OUT_CLIENT_HOST 101 /* the outside client's address */
#define OUT_SERVER_HOST 102 /* the external server's address */
#define OUT_PORT	9000

/* A running program: its pipes. */
struct worker {
	pid_t pid;
	FILE *in, *out;
	char cg[1024];
};

/* One connection as the programs saw it. */
struct conn {
	int cli, srv; /* pod index or OUTSIDE */
	int port;
	long long q, r;
	long long lo, hi; /* bounds of the server socket's life, ns */
};

struct e2e {
	unsigned tag; /* our pid: 127.A.B.x apart from another run's (a recorder sees all) */
	char node[64], links[256], base[256];
	int netns;
	struct worker w[NPODS], out;
	struct conn c[MAXCONN];
	int n;
};

static void ip_of(const struct e2e *e, int host, char *out, size_t cap)
{
	snprintf(out, cap, "127.%u.%u.%d", 100 + e->tag / 256 % 150, e->tag % 256, host);
}

/* ---- the programs ---- */

static void make_links(struct e2e *e)
{
	static const char *const comms[] = {"frontend", "cart", "db", "outside"};
	char self[512], target[600], link[700];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	CHECK(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(target, sizeof(target), "%s/fr_ke2e_pod", self);
	CHECK(!access(target, X_OK), "%s: %s", target, strerror(errno));
	live_mkdtemp(e->links, sizeof(e->links));
	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		snprintf(link, sizeof(link), "%s/%s", e->links, comms[i]);
		CHECK(!symlink(target, link), "symlink %s: %s", link, strerror(errno));
	}
}

/* Fork, move into cgroup cg, enter the namespace, exec links/comm. */
static void worker_start(struct e2e *e, struct worker *w, const char *comm, const char *cg)
{
	int in[2], out[2], go[2];
	char path[600], b;

	CHECK(!pipe2(in, O_CLOEXEC) && !pipe2(out, O_CLOEXEC) && !pipe2(go, O_CLOEXEC), "pipe: %s",
	      strerror(errno));
	w->pid = fork();
	CHECK(w->pid >= 0, "fork: %s", strerror(errno));
	if (!w->pid) {
		if (read(go[0], &b, 1) != 1 || setns(e->netns, CLONE_NEWNET) ||
		    dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(126);
		snprintf(path, sizeof(path), "%s/%s", e->links, comm);
		execl(path, comm, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(go[0]);
	snprintf(w->cg, sizeof(w->cg), "%s", cg);
	live_cgroup__join(cg, w->pid);
	CHECK(write(go[1], "g", 1) == 1, "release %s", comm);
	close(go[1]);
	w->in = fdopen(in[1], "w");
	w->out = fdopen(out[0], "r");
	CHECK(w->in && w->out, "fdopen");
}

static void worker_say(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void worker_say(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(w->in, fmt, ap);
	va_end(ap);
	CHECK(fflush(w->in) == 0, "to worker %d: %s", (int)w->pid, strerror(errno));
}

static void worker_line(struct worker *w, char *line, size_t cap)
{
	CHECK(fgets(line, (int)cap, w->out), "worker %d ended", (int)w->pid);
}

static void worker_stop(struct worker *w)
{
	int status;

	worker_say(w, "quit\n");
	CHECK(waitpid(w->pid, &status, 0) == w->pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "worker %d status 0x%x", (int)w->pid, status);
	fclose(w->in);
	fclose(w->out);
	w->pid = 0;
}

static struct worker *worker_of(struct e2e *e, int who)
{
	return who == OUTSIDE ? &e->out : &e->w[who];
}

static void serve(struct e2e *e, int who)
{
	char ip[32], line[256];
	struct worker *w = worker_of(e, who);

	ip_of(e, who == OUTSIDE ? OUT_SERVER_HOST : pods[who].host, ip, sizeof(ip));
	worker_say(w, "listen %s %d\n", ip, who == OUTSIDE ? OUT_PORT : pods[who].port);
	worker_line(w, line, sizeof(line));
	CHECK(!strcmp(line, "listening\n"), "listen: %s", line);
}

/* One connection from cli to srv: q bytes, r back, the server holding hold ms. */
static void exchange(struct e2e *e, int cli, int srv, long long q, long long r, int hold)
{
	char sip[32], dip[32], line[256], peer[32];
	struct conn *c = &e->c[e->n++];
	unsigned sport, pport;
	long long t0, got, qq, t_acc, t_fin, t_closed;

	CHECK(e->n <= MAXCONN, "too many connections");
	ip_of(e, cli == OUTSIDE ? OUT_CLIENT_HOST : pods[cli].host, sip, sizeof(sip));
	ip_of(e, srv == OUTSIDE ? OUT_SERVER_HOST : pods[srv].host, dip, sizeof(dip));
	*c = (struct conn){cli, srv, srv == OUTSIDE ? OUT_PORT : pods[srv].port, q, r, 0, 0};
	worker_say(worker_of(e, cli), "connect %s %s %d %lld %lld %d\n", sip, dip, c->port, q, r,
		   hold);
	worker_line(worker_of(e, cli), line, sizeof(line));
	CHECK(sscanf(line, "conn %u %lld %lld", &sport, &t0, &got) == 3 && got == r, "client: %s",
	      line);
	worker_line(worker_of(e, srv), line, sizeof(line));
	CHECK(sscanf(line, "served %31s %u %lld %lld %lld %lld", peer, &pport, &qq, &t_acc, &t_fin,
		     &t_closed) == 6 &&
		      !strcmp(peer, sip) && pport == sport && qq == q,
	      "server: %s (client %s:%u)", line, sip, sport);
	c->lo = t_fin - t_acc;
	c->hi = t_closed - t0;
}

/* ---- objects, cgroups ---- */

static void add_pod(struct e2e *e, int i)
{
	struct pod *p = &pods[i];
	char ip[32], out[8192], uid_[40], dir[600], *s;

	ip_of(e, p->host, ip, sizeof(ip));
	snprintf(p->uid, sizeof(p->uid), "%08x-e2e0-4000-8000-%012d", (unsigned)getpid(), i + 1);
	live_kube__ctl(out, sizeof(out),
		       "add pod " NS " %s --node %s --ip %s --label app=%s --owner %s --uid %s "
		       "--container %s",
		       p->name, e->node, ip, p->workload, p->owner, p->uid, p->comm);
	s = strstr(out, "containerd://");
	CHECK(s && strspn(s + 13, "0123456789abcdef") == 64, "no container id: %s", out);
	snprintf(p->cid, sizeof(p->cid), "%.64s", s + 13);
	/* the systemd driver's names: '-' of the uid written '_' */
	snprintf(uid_, sizeof(uid_), "%s", p->uid);
	for (s = uid_; *s; s++)
		*s = *s == '-' ? '_' : *s;
	snprintf(dir, sizeof(dir), "%s/kubepods.slice", e->base);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/kubepods.slice/kubepods-besteffort.slice", e->base);
	mkdir(dir, 0755);
	snprintf(p->cg, sizeof(p->cg), "%s/kubepods-besteffort-pod%s.slice", dir, uid_);
	CHECK(!mkdir(p->cg, 0755), "mkdir %s: %s", p->cg, strerror(errno));
	CHECK(snprintf(dir, sizeof(dir), "%s/cri-containerd-%s.scope", p->cg, p->cid) <
		      (int)sizeof(dir),
	      "cgroup path too long");
	CHECK(!mkdir(dir, 0755), "mkdir %s: %s", dir, strerror(errno));
	snprintf(p->cg, sizeof(p->cg), "%s", dir);
}

static void remove_cgroups(struct e2e *e)
{
	char path[800];

	for (int i = 0; i < NPODS; i++) {
		rmdir(pods[i].cg);
		if (snprintf(path, sizeof(path), "%s", pods[i].cg) >= (int)sizeof(path))
			continue;
		*strrchr(path, '/') = '\0';
		rmdir(path);
	}
	snprintf(path, sizeof(path), "%s/kubepods.slice/kubepods-besteffort.slice", e->base);
	rmdir(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	snprintf(path, sizeof(path), "%s/outside", e->base);
	rmdir(path);
	rmdir(e->base);
}

static void slice_for(struct e2e *e, int i)
{
	char ip[32];

	ip_of(e, pods[i].host, ip, sizeof(ip));
	live_kube__ctl(NULL, 0,
		       "add endpointslice " NS " cart-e2e --service cart --port http:8080 "
		       "--endpoint %s,ready=true,pod=%s,pod_uid=%s,node=%s",
		       ip, pods[i].name, pods[i].uid, e->node);
}

static void add_objects(struct e2e *e)
{
	live_kube__ctl(NULL, 0, "add namespace " NS);
	live_kube__ctl(NULL, 0, "add node %s --ip 192.168.77.1", e->node);
	live_kube__ctl(NULL, 0, "add Deployment " NS " frontend");
	live_kube__ctl(NULL, 0,
		       "add ReplicaSet " NS " frontend-5d8f7c6b9 --owner Deployment/frontend");
	live_kube__ctl(NULL, 0, "add Deployment " NS " cart");
	live_kube__ctl(NULL, 0, "add ReplicaSet " NS " cart-7c9d5b8f4 --owner Deployment/cart");
	live_kube__ctl(NULL, 0, "add StatefulSet " NS " db");
	add_pod(e, FE);
	add_pod(e, CART1);
	add_pod(e, DB);
	live_kube__ctl(NULL, 0,
		       "add service " NS " cart --selector app=cart --port http:80:8080 "
		       "--cluster-ip 10.96.77.8");
	slice_for(e, CART1);
}

/* ---- waiting for the recorder's META records ---- */

struct meta_scan {
	const char *needle;
	int found;
};

static void scan_meta(const struct fr_record *rec, struct meta_scan *m)
{
	if ((rec->kind == FR_KIND_META_SNAPSHOT || rec->kind == FR_KIND_META_CHANGE) &&
	    memmem(rec->payload, rec->len, m->needle, strlen(m->needle)))
		m->found = 1;
}

static void scan_segments(const char *dir, struct meta_scan *m)
{
	char pat[300];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/seg-*.frseg", dir);
	if (glob(pat, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc && !m->found; i++) {
		struct fr_reader *rd = NULL;
		struct fr_record rec;

		if (fr_reader__open(g.gl_pathv[i], &rd, NULL))
			continue;
		/* the active segment may end in a record being written */
		while (!m->found && fr_reader__next(rd, &rec) == 1)
			scan_meta(&rec, m);
		fr_reader__close(rd);
	}
	globfree(&g);
}

/* Rotate (SIGHUP) until a segment holds a META record with needle. */
static void wait_meta(struct live_recorder *r, const char *needle)
{
	struct meta_scan m = {needle, 0};

	for (int tries = 0; tries < 100 && !m.found; tries++) {
		const int sealed = live_count_sealed(r->dir);

		live_recorder__signal(r, SIGHUP);
		for (int i = 0; i < 500 && live_count_sealed(r->dir) == sealed; i++)
			usleep(10000);
		CHECK(live_count_sealed(r->dir) > sealed, "no segment sealed after SIGHUP");
		scan_segments(r->dir, &m);
	}
	CHECK(m.found, "the recorder wrote no META record with %s", needle);
	printf("kube_e2e: the recorder has %s\n", needle);
}

/* ---- the traffic ---- */

static void phase1(struct e2e *e)
{
	/* outside -> frontend, frontend -> cart, cart -> db, frontend -> outside */
	exchange(e, OUTSIDE, FE, 300, 5000, 0);
	exchange(e, OUTSIDE, FE, 1200, 700, 40);
	exchange(e, FE, CART1, 512, 4096, 0);
	exchange(e, FE, CART1, 9000, 120000, 40);
	exchange(e, FE, CART1, 64, 64, 0);
	exchange(e, CART1, DB, 200, 30000, 0);
	exchange(e, CART1, DB, 777, 1, 150);
	exchange(e, FE, OUTSIDE, 100, 2000, 0);
	exchange(e, FE, OUTSIDE, 150, 3000, 0);
}

static void phase2(struct e2e *e)
{
	static const int holds[4] = {0, 0, 40, 150};

	for (int i = 0; i < 4; i++)
		exchange(e, FE, CART2, 1000 + 333 * i, 2500 + 1111 * i, holds[i]);
	for (int i = 0; i < 3; i++)
		exchange(e, CART2, DB, 50 + 70 * i, 8000 + 4321 * i, 0);
}

/* cart-1's pod is deleted (its program exits) and cart-2 takes its address. */
static void replace_cart(struct e2e *e, struct live_recorder *r)
{
	worker_stop(&e->w[CART1]);
	live_kube__ctl(NULL, 0, "delete pods " NS " %s", pods[CART1].name);
	add_pod(e, CART2);
	slice_for(e, CART2);
	worker_start(e, &e->w[CART2], "cart", pods[CART2].cg);
	serve(e, CART2);
	wait_meta(r, pods[CART2].uid);
}

/* ---- the checks ---- */

/* An expected row (or deps edge) and what flightrec said: lo <= got <= hi. */
struct want {
	char key[320];
	double lo, hi, got;
	int seen;
};

struct wants {
	struct want w[160];
	int n;
	int extra; /* rows without an expectation */
};

static struct want *want_at(struct wants *t, const char *key, int add)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->w[i].key, key))
			return &t->w[i];
	if (!add)
		return NULL;
	CHECK(t->n < (int)(sizeof(t->w) / sizeof(t->w[0])), "too many expectations");
	snprintf(t->w[t->n].key, sizeof(t->w[0].key), "%s", key);
	return &t->w[t->n++];
}

static void expect(struct wants *t, double lo, double hi, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void expect(struct wants *t, double lo, double hi, const char *fmt, ...)
{
	char key[320];
	struct want *w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	w = want_at(t, key, 1);
	w->lo += lo;
	w->hi += hi;
}

static void got(struct wants *t, const char *key, double v)
{
	struct want *w = want_at(t, key, 0);

	if (!w) {
		printf("kube_e2e: unexpected %s = %g\n", key, v);
		t->extra++;
		return;
	}
	w->got += v;
	w->seen = 1;
}

static void check_wants(struct wants *t, const char *what)
{
	int bad = t->extra;

	for (int i = 0; i < t->n; i++) {
		const struct want *w = &t->w[i];
		const int ok = w->seen && w->got >= w->lo - 1e-9 && w->got <= w->hi + 1e-9;

		if (w->lo == w->hi)
			printf("kube_e2e: %s %s: %g, the workload %g%s\n", what, w->key, w->got,
			       w->lo, ok ? "" : "  <-- WRONG");
		else
			printf("kube_e2e: %s %s: %g, the workload %g..%g%s\n", what, w->key, w->got,
			       w->lo, w->hi, ok ? "" : "  <-- WRONG");
		bad += !ok;
	}
	CHECK(!bad, "%d %s values differ from the workload's (%d unexpected)", bad, what, t->extra);
}

static const char *pod_labels(int i, char *out, size_t cap)
{
	snprintf(out, cap, "namespace=" NS ";name=%s", pods[i].name);
	return out;
}

/* What the kube_ebpf families must say, from the connections. */
static void family_wants(const struct e2e *e, struct wants *t)
{
	static const double le[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
	char a[160], b[160];

	for (int i = 0; i < e->n; i++) {
		const struct conn *c = &e->c[i];

		if (c->cli != OUTSIDE) {
			pod_labels(c->cli, a, sizeof(a));
			expect(t, 1, 1, "kube_ebpf_requests_sent|%s|", a);
			expect(t, (double)c->q, (double)c->q, "kube_ebpf_transmitted_bytes|%s|", a);
		}
		if (c->srv == OUTSIDE)
			continue;
		pod_labels(c->srv, b, sizeof(b));
		expect(t, 1, 1, "kube_ebpf_requests_received|%s;port=%d|", b, c->port);
		expect(t, (double)c->r, (double)c->r, "kube_ebpf_acknowledged_bytes|%s;port=%d|", b,
		       c->port);
		/* surely in a bucket when its longest life fits, maybe when its shortest */
		for (size_t k = 0; k < sizeof(le) / sizeof(le[0]); k++)
			expect(t, (double)c->hi / 1e9 <= le[k], (double)c->lo / 1e9 <= le[k],
			       "kube_ebpf_request_duration_seconds|%s;port=%d|%g", b, c->port,
			       le[k]);
		expect(t, 1, 1, "kube_ebpf_request_duration_seconds|%s;port=%d|+Inf", b, c->port);
		expect(t, (double)c->lo / 1e9, (double)c->hi / 1e9,
		       "kube_ebpf_request_duration_seconds|%s;port=%d|sum", b, c->port);
		if (c->cli != OUTSIDE)
			expect(t, 1, 1,
			       "kube_ebpf_request_exchanged|source_namespace=" NS
			       ";source_name=%s;destination_namespace=" NS
			       ";destination_name=%s;destination_port=%d|",
			       pods[c->cli].name, pods[c->srv].name, c->port);
	}
}

/* csv: family,type,time_ns,labels,le,value (no comma in these labels) */
static void take_row(void *ctx, char *line)
{
	char *f[6], key[320];
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	for (char *p = line; n < 6; n++) {
		f[n] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (n < 5 || !strcmp(f[0], "family"))
		return;
	snprintf(key, sizeof(key), "%s|%s|%s", f[0], f[3], f[4]);
	got(ctx, key, strtod(f[5], NULL));
}

static void check_families(const struct e2e *e, const char *fr, const char *db)
{
	static struct wants t;

	family_wants(e, &t);
	live_metrics_csv(fr, db,
			 "kube_ebpf_requests_sent,kube_ebpf_transmitted_bytes,"
			 "kube_ebpf_requests_received,kube_ebpf_acknowledged_bytes,"
			 "kube_ebpf_request_exchanged,kube_ebpf_request_duration_seconds",
			 take_row, &t);
	check_wants(&t, "family");
}

/* An end of a deps edge at the workload level. */
static void edge_end(const struct e2e *e, int who, int host, char *out, size_t cap)
{
	if (who == OUTSIDE)
		ip_of(e, host, out, cap);
	else
		snprintf(out, cap, NS "/%s", pods[who].workload);
}

static void check_deps(const struct e2e *e, const char *fr, const char *db)
{
	static struct wants t;
	char cmd[1024], src[64], dst[64], prefix[32], key[320];
	json_error_t jerr;
	json_t *doc, *edge;
	size_t i;
	FILE *p;

	for (int k = 0; k < e->n; k++) {
		const struct conn *c = &e->c[k];

		edge_end(e, c->cli, OUT_CLIENT_HOST, src, sizeof(src));
		edge_end(e, c->srv, OUT_SERVER_HOST, dst, sizeof(dst));
		expect(&t, 1, 1, "%s -> %s:%d connections", src, dst, c->port);
		expect(&t, (double)c->q, (double)c->q, "%s -> %s:%d bytes_sent", src, dst, c->port);
		expect(&t, (double)c->r, (double)c->r, "%s -> %s:%d bytes_received", src, dst,
		       c->port);
		expect(&t, 0, 0, "%s -> %s:%d failed", src, dst, c->port);
		expect(&t, 0, 0, "%s -> %s:%d resets", src, dst, c->port);
	}
	snprintf(cmd, sizeof(cmd), "'%s' deps '%s' --level workload --format json", fr, db);
	p = popen(cmd, "r");
	CHECK(p, "popen %s", cmd);
	doc = json_loadf(p, 0, &jerr);
	CHECK(pclose(p) == 0 && doc, "%s: %s", cmd, jerr.text);
	ip_of(e, 0, prefix, sizeof(prefix));
	prefix[strlen(prefix) - 1] = '\0'; /* 127.A.B. */
	json_array_foreach(json_object_get(doc, "edges"), i, edge)
	{
		static const char *const cols[] = {"connections", "bytes_sent", "bytes_received",
						   "failed", "resets"};
		const char *s = json_string_value(json_object_get(edge, "src"));
		const char *d = json_string_value(json_object_get(edge, "dst"));

		CHECK(s && d, "an edge without src or dst");
		/* only this test's workloads and addresses: the host has more */
		if (strncmp(s, NS "/", strlen(NS) + 1) && strncmp(s, prefix, strlen(prefix)) &&
		    strncmp(d, NS "/", strlen(NS) + 1) && strncmp(d, prefix, strlen(prefix)))
			continue;
		for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
			snprintf(key, sizeof(key), "%s -> %s:%lld %s", s, d,
				 (long long)json_integer_value(json_object_get(edge, "port")),
				 cols[k]);
			got(&t, key, (double)json_integer_value(json_object_get(edge, cols[k])));
		}
	}
	json_decref(doc);
	check_wants(&t, "deps");
}

/* metrics --by comm: connect and accept4 calls of each program. */
static void check_comm(const struct e2e *e, const char *fr, const char *db)
{
	static struct wants t;
	static const char *const comms[] = {"frontend", "cart", "db", "outside"};
	char cmd[1024], line[1024];
	FILE *p;

	for (int k = 0; k < e->n; k++) {
		const struct conn *c = &e->c[k];

		expect(&t, 1, 1, "comm=%s;syscall=connect",
		       c->cli == OUTSIDE ? "outside" : pods[c->cli].comm);
		expect(&t, 1, 1, "comm=%s;syscall=accept4",
		       c->srv == OUTSIDE ? "outside" : pods[c->srv].comm);
	}
	/* cart-1 exited in its next accept4, which its exit ended */
	expect(&t, 1, 1, "comm=cart;syscall=accept4");
	snprintf(cmd, sizeof(cmd),
		 "'%s' metrics '%s' --format csv --family ebpf_syscall_count --by comm", fr, db);
	p = popen(cmd, "r");
	CHECK(p, "popen %s", cmd);
	while (fgets(line, sizeof(line), p)) {
		char *labels = strchr(line, ','), *v = strrchr(line, ',');

		for (int k = 0; k < 2 && labels; k++)
			labels = strchr(labels + 1, ',');
		if (!labels || !v || strncmp(line, "ebpf_syscall_count,", 19))
			continue;
		labels++;
		*strchr(labels, ',') = '\0';
		for (size_t k = 0; k < sizeof(comms) / sizeof(comms[0]); k++) {
			char c1[64], c2[64];

			snprintf(c1, sizeof(c1), "comm=%s;syscall=connect", comms[k]);
			snprintf(c2, sizeof(c2), "comm=%s;syscall=accept4", comms[k]);
			if (!strcmp(labels, c1) || !strcmp(labels, c2))
				got(&t, labels, strtod(v + 1, NULL));
		}
	}
	CHECK(pclose(p) == 0, "%s failed", cmd);
	check_wants(&t, "--by comm");
}

/* The reused address: each connection's two rows name the same pods, and
 * the EndpointSlice pointed at cart-1, then cart-2. */
static void check_reuse(const struct e2e *e, const char *db)
{
	char sql[1024], ip[32], out[256], want[256];
	long long n[2];

	ip_of(e, pods[CART1].host, ip, sizeof(ip));
	for (int k = 0; k < 2; k++) {
		const int pod = k ? CART2 : CART1;
		long long truth = 0;

		for (int i = 0; i < e->n; i++)
			truth += e->c[i].srv == pod;
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM conn c JOIN conn s ON c.is_client = 1 AND "
			 "s.is_client = 0 AND c.daddr = '%s' AND s.saddr = c.daddr AND s.sport = "
			 "c.dport AND s.daddr = c.saddr AND s.dport = c.sport AND abs(s.open_ts - "
			 "c.open_ts) < 1000000000 AND c.server_uid = '%s' AND s.server_uid = "
			 "c.server_uid AND s.client_uid = c.client_uid",
			 ip, pods[pod].uid);
		n[k] = live_kube__sqlnum(db, sql);
		printf("kube_e2e: %s served %lld connections at %s; both ends name it on %lld\n",
		       pods[pod].name, truth, ip, n[k]);
		CHECK(n[k] == truth, "connections of %s", pods[pod].name);
	}
	live_kube__sql1(db,
			"SELECT group_concat(pod_uid || '@' || ip, ' ') FROM (SELECT pod_uid, ip "
			"FROM meta_endpoint WHERE slice = 'cart-e2e' ORDER BY valid_from)",
			out, sizeof(out));
	snprintf(want, sizeof(want), "%s@%s %s@%s", pods[CART1].uid, ip, pods[CART2].uid, ip);
	printf("kube_e2e: endpoints of cart: %s\n", out);
	CHECK(!strcmp(out, want), "endpoints of cart: %s, not %s", out, want);
}

static void setup_netns(struct e2e *e)
{
	const int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	CHECK(orig >= 0 && unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s",
	      strerror(errno));
	e->netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	CHECK(e->netns >= 0, "open the new namespace: %s", strerror(errno));
	live_run("ip link set lo up");
	CHECK(setns(orig, CLONE_NEWNET) == 0, "back to the first namespace: %s", strerror(errno));
	close(orig);
}

int live_scenario_kube_e2e(const char *recorder)
{
	static struct e2e e;
	const char *args[16];
	char tok[512], ca[512], db[512], cmd[2048], outside_cg[300];
	struct live_recorder r;
	const char *fr;
	int rc;

	live_require_bpf();
	if ((rc = live_cgroup__create(e.base, sizeof(e.base))))
		return rc;
	e.tag = (unsigned)getpid();
	CHECK(!gethostname(e.node, sizeof(e.node) - 1), "gethostname");
	make_links(&e);
	setup_netns(&e);
	snprintf(cmd, sizeof(cmd), "-- --exit-with %d", (int)getpid());
	live_kube__server_start(cmd);
	add_objects(&e);

	snprintf(tok, sizeof(tok), "%s/token", live_kube_srv);
	snprintf(ca, sizeof(ca), "%s/ca.crt", live_kube_srv);
	{
		const char *a[] = {"--families",
				   "proc,syscalls,net",
				   "--kube",
				   "on",
				   "--kube-api",
				   live_kube_url,
				   "--kube-token-file",
				   tok,
				   "--kube-ca",
				   ca,
				   "--kube-node",
				   e.node,
				   NULL};

		memcpy(args, a, sizeof(a));
	}
	live_recorder__start(&r, recorder, args);
	for (int i = 0; i < NPODS; i++)
		if (i != CART2)
			worker_start(&e, &e.w[i], pods[i].comm, pods[i].cg);
	snprintf(outside_cg, sizeof(outside_cg), "%s/outside", e.base);
	CHECK(!mkdir(outside_cg, 0755), "mkdir %s: %s", outside_cg, strerror(errno));
	worker_start(&e, &e.out, "outside", outside_cg);
	serve(&e, FE);
	serve(&e, CART1);
	serve(&e, DB);
	serve(&e, OUTSIDE);
	for (int i = 0; i < NPODS; i++)
		if (i != CART2)
			wait_meta(&r, pods[i].uid);
	phase1(&e);
	replace_cart(&e, &r);
	phase2(&e);
	live_recorder__stop(&r);
	worker_stop(&e.w[FE]);
	worker_stop(&e.w[CART2]);
	worker_stop(&e.w[DB]);
	worker_stop(&e.out);
	live_kube__server_stop();
	remove_cgroups(&e);

	fr = live_replay(r.dir, db, sizeof(db));
	for (int i = 0; i < e.n; i++)
		printf("kube_e2e: connection %d: %s -> %s:%d, %lld bytes, %lld back, the server's "
		       "socket lived %.3f..%.3f ms\n",
		       i, e.c[i].cli == OUTSIDE ? "outside" : pods[e.c[i].cli].name,
		       e.c[i].srv == OUTSIDE ? "outside" : pods[e.c[i].srv].name, e.c[i].port,
		       e.c[i].q, e.c[i].r, (double)e.c[i].lo / 1e6, (double)e.c[i].hi / 1e6);
	check_deps(&e, fr, db);
	check_families(&e, fr, db);
	check_reuse(&e, db);
	check_comm(&e, fr, db);
	return 0;
}
