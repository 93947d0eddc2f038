/* SPDX-License-Identifier: BSD-2-Clause */
/* The test API server (tests/kubeapi) from the live tests: see live_kubeapi.h. */
#include "live_kubeapi.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char live_kube_srv[256], live_kube_url[256];

/* Run ctl.py --dir live_kube_srv with the arguments; its answer (JSON) in out. */
void live_kube__ctl(char *out, size_t cap, const char *fmt, ...)
{
	const char *py = getenv("FR_KUBEAPI_CTL");
	char args[2048], cmd[4096], sink[256];
	size_t n = 0;
	va_list ap;
	FILE *p;

	CHECK(py && *py, "FR_KUBEAPI_CTL (tests/kubeapi/ctl.py) is not set");
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "python3 '%s' --dir '%s' %s", py, live_kube_srv, args);
	if (!out) {
		out = sink;
		cap = sizeof(sink);
	}
	p = popen(cmd, "r");
	CHECK(p, "popen %s", cmd);
	while (n + 1 < cap && fgets(out + n, (int)(cap - n), p))
		n += strlen(out + n);
	while (fgets(sink, sizeof(sink), p))
		;
	CHECK(pclose(p) == 0, "%s failed: %s", cmd, out);
}

/* ports.json of the running server, into buf. */
static void read_ports(char *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/ports.json", live_kube_srv);
	f = fopen(path, "r");
	CHECK(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
}

/* An integer field of ports.json ("pid", "api"). */
static long ports_field(const char *key)
{
	char ports[1024], pat[64], *v;

	read_ports(ports, sizeof(ports));
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	v = strstr(ports, pat);
	CHECK(v, "no %s in ports.json: %s", key, ports);
	return atol(v + strlen(pat));
}

void live_kube__server_launch(const char *extra)
{
	char cmd[1024], ports[1024], *u;
	const char *py = getenv("FR_KUBEAPI_CTL");

	CHECK(py && *py, "FR_KUBEAPI_CTL is not set");
	snprintf(cmd, sizeof(cmd), "python3 '%s' --dir '%s' start %s >'%s/start.out'", py,
		 live_kube_srv, extra, live_kube_srv);
	live_run(cmd);
	read_ports(ports, sizeof(ports));
	u = strstr(ports, "\"url\": \"");
	CHECK(u, "no url in ports.json: %s", ports);
	snprintf(live_kube_url, sizeof(live_kube_url), "%.*s", (int)strcspn(u + 8, "\""), u + 8);
}

void live_kube__server_start(const char *extra)
{
	live_mkdtemp(live_kube_srv, sizeof(live_kube_srv));
	live_kube__server_launch(extra);
}

pid_t live_kube__server_pid(void)
{
	return (pid_t)ports_field("pid");
}

int live_kube__server_port(void)
{
	return (int)ports_field("api");
}

void live_kube__server_stop(void)
{
	live_kube__ctl(NULL, 0, "stop");
}

/* The recorder's arguments for the server; tok: the token file. */
void live_kube__args(const char **a, char *tok, char *ca, size_t cap)
{
	snprintf(tok, cap, "%s/token", live_kube_srv);
	snprintf(ca, cap, "%s/ca.crt", live_kube_srv);
	a[0] = "--families";
	a[1] = "proc";
	a[2] = "--kube-api";
	a[3] = live_kube_url;
	a[4] = "--kube-token-file";
	a[5] = tok;
	a[6] = "--kube-ca";
	a[7] = ca;
	a[8] = NULL;
}

/* First line of `sqlite3 db sql`, into out. */
const char *live_kube__sql1(const char *db, const char *sql, char *out, size_t cap)
{
	char cmd[4096];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\"", db, sql);
	p = popen(cmd, "r");
	CHECK(p, "popen");
	out[0] = '\0';
	if (fgets(out, (int)cap, p))
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	CHECK(pclose(p) == 0, "%s failed", cmd);
	return out;
}

long long live_kube__sqlnum(const char *db, const char *sql)
{
	char out[256];

	return atoll(live_kube__sql1(db, sql, out, sizeof(out)));
}

/* Read the recorder's stderr until a line holds needle; the line in out;
 * a line with avoid (NULL: none) first fails the test. */
void live_kube__wait_stderr_not(struct live_recorder *r, const char *needle, const char *avoid,
				char *out, size_t cap)
{
	size_t n = 0;

	for (;;) {
		ssize_t got = read(r->stderr_fd, out + n, 1);

		CHECK(got == 1, "recorder stderr ended before '%s'", needle);
		if (out[n] == '\n') {
			out[n] = '\0';
			fprintf(stderr, "recorder: %s\n", out);
			if (strstr(out, needle))
				return;
			CHECK(!avoid || !strstr(out, avoid), "'%s' before '%s'", avoid, needle);
			n = 0;
		} else if (n + 2 < cap) {
			n++;
		}
	}
}

void live_kube__wait_stderr(struct live_recorder *r, const char *needle, char *out, size_t cap)
{
	live_kube__wait_stderr_not(r, needle, NULL, out, cap);
}

/* The statistics of source kubernetes for reason, summed: seen or lost. */
long long live_kube__stat(const char *db, const char *reason, const char *col)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT COALESCE(SUM(%s), 0) FROM ev_recorder_stats WHERE source = 'kubernetes' "
		 "AND reason = '%s'",
		 col, reason);
	return live_kube__sqlnum(db, sql);
}

void live_kube__add_base_objects(void)
{
	live_kube__ctl(NULL, 0, "add namespace shop");
	live_kube__ctl(NULL, 0, "add node node-a --ip 192.168.10.11");
	live_kube__ctl(NULL, 0, "add Deployment shop cart");
	live_kube__ctl(NULL, 0, "add ReplicaSet shop cart-5f6d7 --owner Deployment/cart");
	live_kube__ctl(NULL, 0,
		       "add pod shop cart-5f6d7-aaaaa --node node-a --ip 10.0.1.7 --label app=cart "
		       "--owner ReplicaSet/cart-5f6d7 --uid uid-a");
	live_kube__ctl(NULL, 0,
		       "add pod shop cart-5f6d7-bbbbb --node node-a --ip 10.0.1.8 --label app=cart "
		       "--owner ReplicaSet/cart-5f6d7 --uid uid-b1");
	live_kube__ctl(NULL, 0,
		       "add service shop cart --selector app=cart --port http:80:8080 "
		       "--cluster-ip 10.96.0.11");
	live_kube__ctl(
		NULL, 0,
		"add endpointslice shop cart-abc --service cart --port http:8080 "
		"--endpoint 10.0.1.7,ready=true,pod=cart-5f6d7-aaaaa,pod_uid=uid-a,node=node-a");
}
