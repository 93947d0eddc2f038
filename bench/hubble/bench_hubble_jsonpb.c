/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fr-bench-hubble-jsonpb: --hubble-jsonpb ingest on one core and bytes per
 * flow on disk.
 *
 * --lines distinct flows made from the sample lines of fixtures/hubble as
 * templates (vary_real: times with jitter, pod replicas and their IPs,
 * ports, latencies, DNS names, URL ids, uuids; --repeat-samples: the
 * samples in turn, 50 us apart, as before) are written to
 * WORK/flows.jsonl; the jsonpb input (parse + filter + re-encode) reads
 * them as stdin twice: into a null sink, then into a segment writer as
 * the recorder opens it with Hubble on (2 MiB blocks, zstd 3; --rate N
 * flushes a block every N flows, the 1 s flush at N flows/s). The same
 * file is compressed with `gzip -6` and `zstd -3` in the same run.
 * Targets (issue 13): >= 100 k flows/s with no loss; on disk <= 1/10 of
 * the raw lines and smaller than zstd -3 of them. Exit 1 on loss or error, not on a
 * missed target (the figures say it).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/writer.h"
#include "hubble_filter.h"
#include "hubble_jsonpb.h"
#include "hubble_sink.h"

struct fr_hubble_sink {
	struct fr_writer *w; /* NULL: the null sink */
	uint64_t records, bytes;
	uint64_t flush_every; /* --rate: a block at least every second's flows */
	int err;
};

int fr_hubble_sink__offer(struct fr_hubble_sink *s, enum fr_kind kind, const void *payload,
			  size_t len, const Flow__Flow *flow, uint64_t recv_boot_ns)
{
	(void)flow;
	s->records++;
	s->bytes += len;
	if (s->w) {
		int rc = fr_writer__append(s->w, kind, recv_boot_ns, payload, len);

		if (rc >= 0 && s->flush_every && s->records % s->flush_every == 0)
			rc = fr_writer__flush(s->w); /* the writer's flush_ms at that rate */
		if (rc < 0)
			return s->err = rc;
	}
	return 0;
}

void fr_hubble_sink__lost(struct fr_hubble_sink *s, const char *reason, uint64_t n,
			  uint64_t first_ns, uint64_t last_ns)
{
	(void)reason, (void)first_ns, (void)last_ns;
	s->err = s->err ? s->err : -EBADMSG;
	(void)n;
}

static const char *const samples[] = {
	"cilium-docs__hubble-exporter-drops.jsonl",
	"hubble-otel__basic-sample-10-flows.jsonl",
	"hubble-otel__basic-sample-400-tcp-flows.first100.jsonl",
	"hubble-otel__basic-sample-5-dns-flows.jsonl",
	"hubble-otel__basic-sample-5-http-flows.jsonl",
};

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* splitmix64: the same lines on every run */
static uint64_t rnd(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rnd01(uint64_t *st)
{
	return (double)(rnd(st) >> 11) / 9007199254740992.0;
}

/* Sets key to s in obj when obj has it (a top-level or flow time). */
static void set_time(json_t *obj, uint64_t t)
{
	time_t sec = (time_t)(t / 1000000000ull);
	struct tm tm;
	char buf[64];

	if (!json_is_object(obj) || !json_object_get(obj, "time"))
		return;
	gmtime_r(&sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(t % 1000000000ull));
	json_object_set_new(obj, "time", json_string(buf));
}

/* --repeat-samples: the templates in turn, 50 us apart, ports varied. */
static void vary_repeat(json_t *line, size_t i)
{
	json_t *flow = json_object_get(line, "flow");
	json_t *l4 = json_object_get(flow, "l4");
	uint64_t t = 1700000000ull * 1000000000ull + (uint64_t)i * 50000ull;
	const char *proto;
	json_t *v;

	set_time(line, t);
	set_time(flow, t);
	json_object_foreach(l4, proto, v)
	{
		if (json_object_get(v, "source_port"))
			json_object_set_new(v, "source_port",
					    json_integer(32768 + (json_int_t)((i * 7919) % 28000)));
	}
}

static void uuid(uint64_t *st, char out[37])
{
	uint64_t a = rnd(st), b = rnd(st);

	a = (a & ~0xf000ull) | 0x4000ull;			 /* version 4 */
	b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* variant */
	snprintf(out, 37, "%08llx-%04llx-%04llx-%04llx-%012llx", (unsigned long long)(a >> 32),
		 (unsigned long long)(a >> 16 & 0xffff), (unsigned long long)(a & 0xffff),
		 (unsigned long long)(b >> 48), (unsigned long long)(b & 0xffffffffffffull));
}

static uint64_t hash_str(const char *s, uint64_t h)
{
	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

/* A pod of the workload of the template's pod: its replica r of 3, with
 * a suffix of the kind a ReplicaSet or DaemonSet gives; IPs alike. */
static void vary_pod(json_t *ep, json_t *ip, const char *ipkey, unsigned r)
{
	static const char cs[] = "bcdfghjklmnpqrstvwxz2456789";
	const char *pod = json_string_value(json_object_get(ep, "pod_name"));
	const char *addr = json_string_value(json_object_get(ip, ipkey));
	char buf[256];

	if (pod && strrchr(pod, '-') && strlen(strrchr(pod, '-')) == 6 && strlen(pod) < 200) {
		size_t base = (size_t)(strrchr(pod, '-') - pod);
		uint64_t h = hash_str(pod, 1469598103934665603ull + r);

		memcpy(buf, pod, base + 1);
		for (int k = 0; k < 5; k++, h /= 27)
			buf[base + 1 + k] = cs[h % 27];
		buf[base + 6] = '\0';
		json_object_set_new(ep, "pod_name", json_string(buf));
	}
	if (pod && addr && !strncmp(addr, "10.", 3) && strrchr(addr, '.') && strlen(addr) < 200) {
		size_t base = (size_t)(strrchr(addr, '.') - addr);

		snprintf(buf, sizeof(buf), "%.*s.%u", (int)base, addr,
			 (unsigned)(hash_str(addr, 7 + r) % 250 + 2));
		json_object_set_new(ip, ipkey, json_string(buf));
	}
}

/* Replaces the first old in s (a string member key of obj) by new. */
static void replace_in(json_t *obj, const char *key, const char *old, const char *new)
{
	const char *s = json_string_value(json_object_get(obj, key)), *at;
	size_t n;
	char *buf;

	if (!s || !old[0] || !(at = strstr(s, old)))
		return;
	n = strlen(s) + strlen(new) + 1;
	buf = malloc(n);
	if (!buf)
		return;
	memcpy(buf, s, (size_t)(at - s));
	strcpy(buf + (at - s), new);
	strcat(buf, at + strlen(old));
	json_object_set_new(obj, key, json_string(buf));
	free(buf);
}

static void vary_l7(json_t *flow, uint64_t *st)
{
	static const char *const svc[] = {"reviews",  "ratings",  "details",  "productpage",
					  "kube-dns", "istiod",	  "payments", "checkout",
					  "cart",     "frontend", "redis",    "postgres"};
	static const char *const ns[] = {"default", "bookinfo", "istio-system", "kube-system",
					 "shop"};
	static const char *const suffix[] = {"svc.cluster.local.", "cluster.local.", ""};
	json_t *l7 = json_object_get(flow, "l7"), *dns = json_object_get(l7, "dns");
	json_t *http = json_object_get(l7, "http"), *h;
	char buf[512], id[37];
	size_t k;

	if (json_object_get(l7, "latency_ns")) {
		/* log-normal around 2 ms: most fast, a tail of seconds */
		double u1 = rnd01(st) + 1e-12, u2 = rnd01(st);
		double ln = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
		long long ns_ = (long long)(2e6 * exp(1.5 * ln));
		const char *was = json_string_value(json_object_get(l7, "latency_ns"));
		char old[32], new[32];

		/* 64-bit integers are strings in jsonpb */
		snprintf(old, sizeof(old), " %lldms", (was ? atoll(was) : 0) / 1000000);
		snprintf(new, sizeof(new), " %lldms", ns_ / 1000000);
		snprintf(buf, sizeof(buf), "%lld", ns_);
		json_object_set_new(l7, "latency_ns", json_string(buf));
		replace_in(flow, "Summary", old, new);
	}
	if (json_is_object(dns) && json_string_value(json_object_get(dns, "query"))) {
		char old[256];

		snprintf(old, sizeof(old), "%s", json_string_value(json_object_get(dns, "query")));
		snprintf(buf, sizeof(buf), "%s.%s.%s", svc[rnd(st) % 12], ns[rnd(st) % 5],
			 suffix[rnd(st) % 3]);
		if (buf[strlen(buf) - 1] != '.')
			strcat(buf, "svc.cluster.local.");
		json_object_set_new(dns, "query", json_string(buf));
		replace_in(flow, "Summary", old, buf);
	}
	if (json_is_object(http)) {
		const char *url = json_string_value(json_object_get(http, "url"));

		if (url && strlen(url) < 200) {
			char old[256];
			const char *path = strstr(url, "://");

			snprintf(old, sizeof(old), "%s", url);
			path = path ? strchr(path + 3, '/') : NULL;
			/* an id in the path or the query: /metrics?id=N, /details/N */
			snprintf(buf, sizeof(buf), "%.*s/%s/%llu", (int)(path ? path - url : 0),
				 url, svc[rnd(st) % 12], (unsigned long long)(rnd(st) % 100000));
			json_object_set_new(http, "url", json_string(buf));
			replace_in(flow, "Summary", old, buf);
		}
		json_array_foreach(json_object_get(http, "headers"), k, h)
		{
			if (!strcasecmp(json_string_value(json_object_get(h, "key")) ?: "",
					"X-Request-Id")) {
				uuid(st, id);
				json_object_set_new(h, "value", json_string(id));
			}
		}
	}
}

#define NODE "gke-prod-pool-1-6114bb84-zr1l"

/* The default: a distinct flow from a template, as one busy node would
 * give (times ~200 us apart with jitter, pods and IPs of 3 replicas per
 * workload, fresh ephemeral ports, L7 latencies, DNS names, URL ids,
 * request ids and a flow uuid). */
static void vary_real(json_t *line, uint64_t *t, uint64_t *st)
{
	json_t *flow = json_object_get(line, "flow"), *ip = json_object_get(flow, "IP");
	json_t *l4 = json_object_get(flow, "l4"), *v;
	json_int_t eph = 32768 + (json_int_t)(rnd(st) % 28232);
	const char *proto;
	char id[37];

	*t += (uint64_t)(-log(rnd01(st) + 1e-12) * 200000.0) + 1;
	set_time(line, *t);
	set_time(flow, *t);
	/* one node's Hubble server: one node name */
	json_object_set_new(line, "node_name", json_string(NODE));
	json_object_set_new(flow, "node_name", json_string(NODE));
	uuid(st, id);
	json_object_set_new(flow, "uuid", json_string(id));
	vary_pod(json_object_get(flow, "source"), ip, "source", (unsigned)(rnd(st) % 3));
	vary_pod(json_object_get(flow, "destination"), ip, "destination", (unsigned)(rnd(st) % 3));
	json_object_foreach(l4, proto, v)
	{
		static const char *const port[] = {"source_port", "destination_port"};

		for (int k = 0; k < 2; k++)
			if (json_integer_value(json_object_get(v, port[k])) >= 32768)
				json_object_set_new(v, port[k], json_integer(eph));
	}
	vary_l7(flow, st);
}

static int make_lines(const char *fixtures, const char *out, size_t n, bool repeat)
{
	json_t *src[256];
	size_t n_src = 0;
	char path[4096], *l = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t st = 13, t = 1700000000ull * 1000000000ull;
	FILE *o;

	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		snprintf(path, sizeof(path), "%s/%s", fixtures, samples[k]);
		FILE *in = fopen(path, "r");

		if (!in) {
			fprintf(stderr, "failed to open %s: %s\n", path, strerror(errno));
			return -1;
		}
		while ((len = getline(&l, &cap, in)) > 0 && n_src < 256)
			if ((src[n_src] = json_loadb(l, (size_t)len, 0, NULL)))
				n_src++;
		fclose(in);
	}
	free(l);
	o = fopen(out, "w");
	if (!o || !n_src) {
		fprintf(stderr, "failed to write %s\n", out);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *line = json_deep_copy(src[repeat ? i % n_src : rnd(&st) % n_src]);
		char *s;

		if (repeat)
			vary_repeat(line, i);
		else
			vary_real(line, &t, &st);
		s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fprintf(o, "%s\n", s);
		free(s);
		json_decref(line);
	}
	for (size_t k = 0; k < n_src; k++)
		json_decref(src[k]);
	return fclose(o) == 0 ? 0 : -1;
}

struct run {
	double cpu_s, wall_s;
	struct fr_hubble_jsonpb_stats st;
	uint64_t kept;
};

/* The input on `lines` as stdin, into sink. */
static int ingest(const char *lines, struct fr_hubble_sink *sink, struct run *r)
{
	struct fr_hubble_filter_opts fo = {0}; /* every kind: the check runs */
	struct fr_hubble_filter *f = fr_hubble_filter__new(&fo);
	struct fr_hubble_jsonpb_opts o = {.path = "-", .filter = f};
	struct fr_hubble_jsonpb *in = fr_hubble_jsonpb__new(&o);
	atomic_bool stop = false;
	int fd = open(lines, O_RDONLY), saved = dup(STDIN_FILENO), rc;
	double c0, w0;

	if (!f || !in || fd < 0 || saved < 0 || dup2(fd, STDIN_FILENO) < 0)
		return -1;
	close(fd);
	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	w0 = now_s(CLOCK_MONOTONIC);
	rc = fr_hubble_jsonpb__run(in, sink, &stop);
	r->cpu_s = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	r->wall_s = now_s(CLOCK_MONOTONIC) - w0;
	r->st = *fr_hubble_jsonpb__stats(in);
	r->kept = fr_hubble_filter__counts(f)->by[FR_HUBBLE_KEEP].n;
	dup2(saved, STDIN_FILENO);
	close(saved);
	fr_hubble_jsonpb__free(in);
	fr_hubble_filter__free(f);
	return rc;
}

static void print_run(const char *what, const struct run *r, size_t lines)
{
	printf("%-28s %8.3f s CPU %8.3f s wall  %9.0f flows/s (one core)  pb %llu json %llu "
	       "bad %llu\n",
	       what, r->cpu_s, r->wall_s, (double)lines / r->cpu_s, (unsigned long long)r->st.pb,
	       (unsigned long long)r->st.json, (unsigned long long)r->st.bad_line);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"lines", required_argument, NULL, 'n'},
					   {"fixtures", required_argument, NULL, 'f'},
					   {"work", required_argument, NULL, 'w'},
					   {"block-size", required_argument, NULL, 'b'},
					   {"level", required_argument, NULL, 'l'},
					   {"repeat-samples", no_argument, NULL, 'r'},
					   {"rate", required_argument, NULL, 'R'},
					   {NULL, 0, NULL, 0}};
	const char *fixtures = "fixtures/hubble", *work = ".";
	char lines[4096], seg[4096], gz[4096], zst[4096], cmd[20000];
	/* the recorder's writer when Hubble is on */
	struct fr_writer_opts wo = {.fsync_ms = -1,
				    .host = "bench",
				    .recorder = "fr-bench-hubble-jsonpb",
				    .block_size = FR_HUBBLE_SEGMENT_BLOCK};
	struct fr_hubble_sink null_sink = {0}, seg_sink = {0};
	struct fr_writer_stats st;
	struct run a, b;
	size_t n = 200000;
	long long raw, seg_b, gz_b, zst_b;
	int c, err = 0;
	bool repeat = false;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'n')
			n = strtoull(optarg, NULL, 10);
		else if (c == 'f')
			fixtures = optarg;
		else if (c == 'w')
			work = optarg;
		else if (c == 'b')
			wo.block_size = strtoull(optarg, NULL, 0);
		else if (c == 'l')
			wo.level = atoi(optarg);
		else if (c == 'r')
			repeat = true;
		else if (c == 'R')
			seg_sink.flush_every = strtoull(optarg, NULL, 10);
		else
			return 2;
	}
	mkdir(work, 0700);
	snprintf(lines, sizeof(lines), "%s/flows.jsonl", work);
	snprintf(seg, sizeof(seg), "%s/hubble.frseg", work);
	snprintf(gz, sizeof(gz), "%s/flows.jsonl.gz", work);
	snprintf(zst, sizeof(zst), "%s/flows.jsonl.zst", work);
	if (!n || make_lines(fixtures, lines, n, repeat) < 0)
		return 1;
	raw = file_size(lines);
	unlink(seg);
	if ((err = fr_writer__open(seg, &wo, &seg_sink.w)) < 0) {
		fprintf(stderr, "failed to open %s: %s\n", seg, strerror(-err));
		return 1;
	}
	if (ingest(lines, &null_sink, &a) < 0 || ingest(lines, &seg_sink, &b) < 0 ||
	    fr_writer__seal(seg_sink.w) < 0) {
		fprintf(stderr, "failed to ingest %s\n", lines);
		return 1;
	}
	fr_writer__stats(seg_sink.w, &st);
	fr_writer__free(seg_sink.w);
	snprintf(cmd, sizeof(cmd), "gzip -6 -c '%s' > '%s' && zstd -q -3 -f -c '%s' > '%s'", lines,
		 gz, lines, zst);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed to run gzip/zstd\n");
		return 1;
	}
	seg_b = file_size(seg);
	gz_b = file_size(gz);
	zst_b = file_size(zst);

	printf("%zu jsonpb lines (%s), %lld bytes (%.1f bytes/line)\n", n,
	       repeat ? "the samples repeated" : "distinct flows from the samples", raw,
	       (double)raw / n);
	print_run("parse+filter+encode, null", &a, n);
	print_run("... into a segment writer", &b, n);
	printf("%-28s %10llu bytes %8.1f bytes/flow  %5.1f %% of raw\n",
	       "records before compression", (unsigned long long)seg_sink.bytes,
	       (double)seg_sink.bytes / n, 100.0 * (double)seg_sink.bytes / raw);
	printf("%-28s %10lld bytes %8.1f bytes/flow  %5.1f %% of raw (blocks %zu KiB, zstd %d, "
	       "%llu blocks)\n",
	       "segment", seg_b, (double)seg_b / n, 100.0 * seg_b / raw, wo.block_size >> 10,
	       wo.level ? wo.level : 3, (unsigned long long)st.blocks);
	printf("%-28s %10lld bytes %8.1f bytes/flow  %5.1f %% of raw\n", "gzip -6 of the lines",
	       gz_b, (double)gz_b / n, 100.0 * gz_b / raw);
	printf("%-28s %10lld bytes %8.1f bytes/flow  %5.1f %% of raw\n", "zstd -3 of the lines",
	       zst_b, (double)zst_b / n, 100.0 * zst_b / raw);
	/* zero loss: every line offered, none refused or bad */
	uint64_t got = b.st.pb + b.st.json;
	bool lossless = a.st.pb + a.st.json == n && got == n && seg_sink.records == n &&
			a.kept == n && !a.st.bad_line && !b.st.bad_line && !seg_sink.err;

	printf("targets: >= 100000 flows/s: %s (%.0f); no loss: %s; disk <= raw/10: %s (%.3f); "
	       "disk < zstd -3: %s (%.2fx)\n",
	       n / b.cpu_s >= 100000 ? "met" : "MISSED", n / b.cpu_s, lossless ? "met" : "MISSED",
	       seg_b * 10 <= raw ? "met" : "MISSED", (double)seg_b / raw,
	       seg_b < zst_b ? "met" : "MISSED", (double)seg_b / zst_b);
	return lossless ? 0 : 1;
}
