/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Format benchmark: writes N synthetic kernel events of a realistic mix to a
 * segment and reads them back, printing events/s, bytes/event and peak RSS.
 *
 * The mix (per 100 events): 70 syscall (stream mode), 10 sched_switch,
 * 8 file_io, 5 sock_msg, 4 page_fault, 2 mem_alloc, 1 tcp_rtt. 64 processes
 * with a skewed activity (a few pids make most calls), 12 syscall numbers
 * of which read/write/futex/epoll_wait dominate, log-normal-ish latencies,
 * timestamps increasing by ~300 ns on average (about 3.3 M events/s), 24
 * TCP connections; return values depend on the call (see syscall_ret()).
 * Events come from a pre-generated pool of 256 K events (26 MiB) that
 * is replayed with a time offset, so generation cost stays out of the
 * measurement.
 */
#include "format/host.h"
#include "format/kinds.h"
#include "format/reader.h"
#include "format/writer.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define POOL	   (1u << 18)
#define MAX_VALUES 12
_Static_assert(FR_F_SYSCALL__COUNT <= MAX_VALUES && FR_F_SCHED_SWITCH__COUNT <= MAX_VALUES &&
		       FR_F_FILE_IO__COUNT <= MAX_VALUES && FR_F_SOCK_MSG__COUNT <= MAX_VALUES &&
		       FR_F_PAGE_FAULT__COUNT <= MAX_VALUES &&
		       FR_F_MEM_ALLOC__COUNT <= MAX_VALUES && FR_F_TCP_RTT__COUNT <= MAX_VALUES,
	       "a kind of the mix has more fields than an event holds");

struct pool_event {
	uint16_t kind;
	uint8_t nvals;
	uint64_t dts;
	uint64_t v[MAX_VALUES];
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Skewed pick in [0, n): the low indexes win most of the time. */
static uint64_t skewed(uint64_t n)
{
	const uint64_t a = next_rand() % n, b = next_rand() % n;

	return a < b ? a : b;
}

/* Roughly log-normal: exp2 of a sum of uniforms. */
static uint64_t latency_ns(unsigned base_log2)
{
	const unsigned e = base_log2 + (unsigned)(next_rand() % 4 + next_rand() % 4);

	return (1ull << e) + next_rand() % (1ull << e);
}

/* Return values follow the call: futex mostly 0 or EAGAIN, epoll_wait a few
 * ready fds, read/write whole pages or short counts, openat a small fd. */
static uint64_t syscall_ret(uint64_t nr)
{
	const uint64_t r = next_rand() % 100;

	switch (nr) {
	case 0:
	case 1:
		return r < 60 ? 4096 : r < 70 ? 0 : next_rand() % 4096;
	case 202:
		return r < 90 ? 0 : (uint64_t)-11;
	case 232:
	case 7:
		return r < 70 ? 1 : next_rand() % 5;
	case 257:
		return 3 + next_rand() % 16;
	case 44:
	case 45:
		return r < 20 ? (uint64_t)-11 : 64 + next_rand() % 1400;
	default:
		return r < 98 ? 0 : (uint64_t)-4;
	}
}

static const uint8_t addr_a[4] = {10, 0, 1, 7}, addr_b[4] = {10, 0, 2, 9};

static void gen_event(struct pool_event *e)
{
	static const uint16_t nrs[12] = {0, 1, 202, 232, 0, 1, 202, 7, 3, 257, 44, 45};
	const uint64_t pick = next_rand() % 100, pid = 1000 + skewed(64);

	memset(e, 0, sizeof(*e));
	e->dts = next_rand() % 600;
	if (pick < 70) {
		const uint64_t nr = nrs[skewed(12)];

		e->kind = FR_KIND_SYSCALL;
		e->nvals = FR_F_SYSCALL__COUNT; /* fields not set stay 0 */
		e->v[0] = pid;
		e->v[1] = next_rand() % 8 ? pid : pid + 1 + next_rand() % 4;
		e->v[2] = nr;
		e->v[3] = latency_ns(nr == 202 || nr == 232 ? 12 : 8);
		e->v[4] = syscall_ret(nr);
		e->v[5] = 0; /* flags */
	} else if (pick < 80) {
		e->kind = FR_KIND_SCHED_SWITCH;
		e->nvals = FR_F_SCHED_SWITCH__COUNT; /* fields not set stay 0 */
		e->v[0] = next_rand() % 2;
		e->v[1] = pid;
		e->v[2] = next_rand() % 3 ? 1 : 0;
		e->v[3] = 1000 + skewed(64);
		e->v[4] = latency_ns(10);
		e->v[5] = latency_ns(14);
	} else if (pick < 88) {
		e->kind = FR_KIND_FILE_IO;
		e->nvals = FR_F_FILE_IO__COUNT; /* fields not set stay 0 */
		e->v[0] = pid;
		e->v[1] = pid;
		e->v[2] = next_rand() % 2;
		e->v[3] = 3 + skewed(8);
		e->v[4] = next_rand() % 4 ? 4096 : next_rand() % 65536;
		e->v[5] = latency_ns(9);
		e->v[FR_F_FILE_IO_FD_KIND] = FR_FD_KIND_REGULAR;
	} else if (pick < 93) {
		const uint64_t conn = skewed(24);

		e->kind = FR_KIND_SOCK_MSG;
		e->nvals = FR_F_SOCK_MSG__COUNT; /* fields not set stay 0 */
		e->v[0] = pid;
		e->v[1] = 2;
		e->v[2] = 0; /* addresses are filled at write time */
		e->v[4] = 40000 + conn;
		e->v[5] = conn % 3 ? 8080 : 5432;
		e->v[6] = 0xffff000000000000ull | conn;
		e->v[7] = 6;
		e->v[8] = next_rand() % 2;
		e->v[9] = 64 + next_rand() % 1400;
		e->v[10] = e->v[8] ? 1 : 1 + e->v[9] / 1448; /* segments booked, ACKs the */
		e->v[11] = e->v[8] ? 1 + e->v[9] / 1448 : 1; /* other way */
	} else if (pick < 97) {
		e->kind = FR_KIND_PAGE_FAULT;
		e->nvals = FR_F_PAGE_FAULT__COUNT; /* fields not set stay 0 */
		e->v[0] = pid;
		e->v[1] = pid;
		e->v[2] = next_rand() % 10 != 0;
		e->v[3] = 0x7f0000000000ull + (next_rand() % (1u << 20)) * 4096;
		e->v[4] = 6;
	} else if (pick < 99) {
		e->kind = FR_KIND_MEM_ALLOC;
		e->nvals = FR_F_MEM_ALLOC__COUNT; /* fields not set stay 0 */
		e->v[0] = pid;
		e->v[1] = next_rand() % 2;
		e->v[2] = 64ull << (next_rand() % 8);
		e->v[3] = 1;
	} else {
		const uint64_t conn = skewed(24);

		e->kind = FR_KIND_TCP_RTT;
		e->nvals = FR_F_TCP_RTT__COUNT; /* fields not set stay 0 */
		e->v[0] = 0;
		e->v[1] = 2;
		e->v[4] = 40000 + conn;
		e->v[5] = conn % 3 ? 8080 : 5432;
		e->v[6] = 0xffff000000000000ull | conn;
		e->v[7] = 50 + next_rand() % 200;
		e->v[8] = 10 + next_rand() % 50;
	}
}

static double now_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_segment(const char *path, uint64_t n, const struct pool_event *pool,
			 const struct fr_writer_opts *o)
{
	struct fr_value vals[MAX_VALUES];
	struct fr_writer *w;
	uint64_t ts = 1000000000ull;
	int err;

	err = fr_writer__open(path, o, &w);
	if (err) {
		fprintf(stderr, "bench: cannot create %s: %s\n", path, strerror(-err));
		return err;
	}
	for (uint64_t i = 0; i < n && !err; i++) {
		const struct pool_event *e = &pool[i % POOL];

		ts += e->dts;
		for (unsigned k = 0; k < e->nvals; k++) {
			vals[k].u = e->v[k];
			vals[k].p = NULL;
			vals[k].len = 0;
		}
		if (e->kind == FR_KIND_SOCK_MSG || e->kind == FR_KIND_TCP_RTT) {
			vals[2].p = addr_a;
			vals[2].len = 4;
			vals[3].p = addr_b;
			vals[3].len = 4;
		}
		err = fr_writer__append_event(w, e->kind, ts, vals, e->nvals);
	}
	if (!err)
		err = fr_writer__seal(w);
	fr_writer__free(w);
	if (err)
		fprintf(stderr, "bench: writing %s failed: %s\n", path, strerror(-err));
	return err;
}

static int read_segment(const char *path, int decode, uint64_t *count, uint64_t *check)
{
	struct fr_reader *r;
	struct fr_record rec;
	struct fr_event ev;
	struct fr_diag d;
	int err;

	err = fr_reader__open(path, &r, &d);
	if (err) {
		fprintf(stderr, "bench: %s: %s\n", path, d.msg);
		return err;
	}
	*count = 0;
	while ((err = fr_reader__next(r, &rec)) > 0) {
		(*count)++;
		*check += rec.ts_ns;
		if (decode) {
			err = fr_event__decode(rec.kind, rec.payload, rec.len, &ev);
			if (err)
				break;
			*check += ev.f[0].u;
		}
	}
	if (err < 0)
		fprintf(stderr, "bench: reading %s failed: %s\n", path, fr_reader__diag(r)->msg);
	fr_reader__close(r);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"events", required_argument, NULL, 'n'},
					     {"out", required_argument, NULL, 'o'},
					     {"level", required_argument, NULL, 'l'},
					     {"block-size", required_argument, NULL, 'b'},
					     {"keep", no_argument, NULL, 'k'},
					     {NULL, 0, NULL, 0}};
	struct fr_writer_opts o = {.fsync_ms = -1, .host = "bench", .recorder = "fr-bench-format"};
	const char *out = "bench.frseg";
	uint64_t n = 10000000, got = 0, check = 0;
	double t0, c0, wall_w, cpu_w, wall_r, cpu_r, wall_d, cpu_d;
	struct pool_event *pool;
	struct rusage ru;
	int c, keep = 0, err;
	char *end;

	while ((c = getopt_long(argc, argv, "n:o:l:b:k", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (errno || *end || !n) {
				fprintf(stderr, "bench: --events wants a positive count\n");
				return 2;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'l':
			o.level = atoi(optarg);
			break;
		case 'b':
			o.block_size = strtoull(optarg, NULL, 10);
			break;
		case 'k':
			keep = 1;
			break;
		default:
			fprintf(stderr,
				"usage: fr-bench-format [--events N] [--out PATH] [--level L] "
				"[--block-size BYTES] [--keep]\n");
			return 2;
		}
	}
	pool = malloc(POOL * sizeof(*pool));
	if (!pool)
		return 1;
	for (unsigned i = 0; i < POOL; i++)
		gen_event(&pool[i]);
	unlink(out);

	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	err = write_segment(out, n, pool, &o);
	wall_w = now_s(CLOCK_MONOTONIC) - t0;
	cpu_w = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	free(pool);
	if (err)
		return 1;
	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	err = read_segment(out, 0, &got, &check);
	wall_r = now_s(CLOCK_MONOTONIC) - t0;
	cpu_r = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	if (err || got != n) {
		fprintf(stderr, "bench: read back %" PRIu64 " of %" PRIu64 " events\n", got, n);
		return 1;
	}
	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	err = read_segment(out, 1, &got, &check);
	wall_d = now_s(CLOCK_MONOTONIC) - t0;
	cpu_d = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	if (err || got != n)
		return 1;

	FILE *f = fopen(out, "rb");
	long size = 0;

	if (f && !fseek(f, 0, SEEK_END))
		size = ftell(f);
	if (f)
		fclose(f);
	getrusage(RUSAGE_SELF, &ru);
	printf("events            %" PRIu64 "\n", n);
	/* per CPU second too: a loaded machine stretches wall time, not CPU time */
	printf("write             %.2f M events/s wall, %.2f M per CPU second (wall %.2f s)\n",
	       (double)n / wall_w / 1e6, (double)n / cpu_w / 1e6, wall_w);
	printf("read              %.2f M events/s wall, %.2f M per CPU second (records only)\n",
	       (double)n / wall_r / 1e6, (double)n / cpu_r / 1e6);
	printf("read+decode       %.2f M events/s wall, %.2f M per CPU second (every field)\n",
	       (double)n / wall_d / 1e6, (double)n / cpu_d / 1e6);
	printf("bytes/event       %.2f on disk (%ld bytes)\n", (double)size / (double)n, size);
	printf("peak RSS          %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	printf("checksum          %" PRIu64 "\n", check);
	if (!keep)
		unlink(out);
	return 0;
}
