/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live end to end: the recorder (filtered to this process) around known
 * syscalls and file I/O, then `flightrec replay` and `flightrec metrics`,
 * whose families must give back what the test did. This is what catches a
 * value the recorder writes one way and the analyzer reads another: the
 * analyzer's own tests only see the fixture generator's records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "live_util.h"
#include "workloads.h"

#define E2E_GETPPID    20000
#define E2E_BAD_CLOSES 300
#define E2E_BLOCKS     16
#define E2E_BLOCK      65536

struct e2e_metrics {
	uint64_t write_bytes, read_bytes, opens, getppid, getppid_hist, close_errors;
	uint64_t sleep_le_2e32, sleep_le_2e33; /* cumulative nanosleep buckets */
};

/* One CSV row of `flightrec metrics --format csv`: family,type,time_ns,labels,le,value. */
static void take_row(void *ctx, char *line)
{
	struct e2e_metrics *m = ctx;
	char *family = strtok(line, ","), *type = strtok(NULL, ","), *time = strtok(NULL, ",");
	char *labels = strtok(NULL, ","), *rest = strtok(NULL, "\n"), *le = "", *value;
	uint64_t v;

	if (!family || !type || !time || !labels || !rest)
		return;
	/* le is empty for counters: the field then starts with the separator */
	value = strchr(rest, ',');
	if (value) {
		*value++ = '\0';
		le = rest;
	} else {
		value = rest;
	}
	v = strtoull(value, NULL, 10);
	if (!strcmp(family, "ebpf_file_write_bytes"))
		m->write_bytes += v;
	else if (!strcmp(family, "ebpf_file_read_bytes"))
		m->read_bytes += v;
	else if (!strcmp(family, "ebpf_file_open_count"))
		m->opens += v;
	else if (!strcmp(family, "ebpf_syscall_count") && strstr(labels, "syscall=getppid"))
		m->getppid += v;
	else if (!strcmp(family, "ebpf_syscall_errors") && strstr(labels, "syscall=close"))
		m->close_errors += v;
	else if (!strcmp(family, "ebpf_syscall_latency_ns") && strstr(labels, "syscall=getppid") &&
		 !strcmp(le, "+Inf"))
		m->getppid_hist += v;
	else if (!strcmp(family, "ebpf_syscall_latency_ns") &&
		 strstr(labels, "syscall=clock_nanosleep") && !strcmp(le, "4294967295"))
		m->sleep_le_2e32 += v;
	else if (!strcmp(family, "ebpf_syscall_latency_ns") &&
		 strstr(labels, "syscall=clock_nanosleep") && !strcmp(le, "8589934591"))
		m->sleep_le_2e33 += v;
}

static void read_metrics(const char *fr, const char *db, struct e2e_metrics *m)
{
	live_metrics_csv(fr, db,
			 "ebpf_file_write_bytes,ebpf_file_read_bytes,ebpf_file_open_count,"
			 "ebpf_syscall_count,ebpf_syscall_errors,ebpf_syscall_latency_ns",
			 take_row, m);
}

int live_scenario_e2e(const char *recorder)
{
	char pid_arg[16], path[300], db[300], buf[E2E_BLOCK];
	const char *const args[] = {"--pid", pid_arg, "--families", "syscalls,file", NULL};
	struct e2e_metrics m = {0};
	struct live_recorder r;
	struct file_result w;
	uint64_t again = 0;
	ssize_t n;
	int fd;

	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)getpid());
	live_recorder__start(&r, recorder, args);
	/* nothing printed until the recorder stops: our own writes count */
	snprintf(path, sizeof(path), "%s/e2e.dat", r.dir);
	CHECK(!workload_file(path, E2E_BLOCKS, E2E_BLOCK, &w), "file workload failed");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		again += (uint64_t)n;
	close(fd);
	workload_getppid(E2E_GETPPID);
	for (int i = 0; i < E2E_BAD_CLOSES; i++)
		CHECK(syscall(SYS_close, -1) == -1 && errno == EBADF, "close(-1) did not fail");
#if defined(__x86_64__)
	/* 32-bit getpid (ia32 number 20 = writev on x86_64): no file write */
	for (int i = 0; i < 300; i++) {
		long r;

		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
		CHECK(r == (long)getpid(), "ia32 getpid returned %ld", r);
	}
#endif
	/* one call longer than 2^32 ns: lands in [2^32, 2^33), not in a clamped last bucket */
	CHECK(nanosleep(&(struct timespec){.tv_sec = 4, .tv_nsec = 500000000}, NULL) == 0,
	      "nanosleep");
	live_recorder__stop(&r);

	read_metrics(live_replay(r.dir, db, sizeof(db)), db, &m);
	printf("e2e: did %llu getppid, %d failing close, wrote %llu, read %llu + %llu; metrics: "
	       "getppid %llu (histogram %llu), close errors %llu, write bytes %llu, read bytes "
	       "%llu, opens %llu\n",
	       (unsigned long long)E2E_GETPPID, E2E_BAD_CLOSES, (unsigned long long)w.written,
	       (unsigned long long)w.read, (unsigned long long)again, (unsigned long long)m.getppid,
	       (unsigned long long)m.getppid_hist, (unsigned long long)m.close_errors,
	       (unsigned long long)m.write_bytes, (unsigned long long)m.read_bytes,
	       (unsigned long long)m.opens);
	CHECK(m.getppid == E2E_GETPPID && m.getppid_hist == E2E_GETPPID, "getppid %llu / %llu",
	      (unsigned long long)m.getppid, (unsigned long long)m.getppid_hist);
	CHECK(m.close_errors == E2E_BAD_CLOSES, "close errors %llu",
	      (unsigned long long)m.close_errors);
	/*
	 * plus at most the recorder's start-up lines, which the harness reads
	 * and echoes with a prefix while the recorder is already attached
	 */
	CHECK(m.write_bytes >= w.written && m.write_bytes <= w.written + 4096,
	      "write bytes %llu, wrote %llu", (unsigned long long)m.write_bytes,
	      (unsigned long long)w.written);
	CHECK(m.read_bytes >= w.read + again && m.read_bytes <= w.read + again + 4096,
	      "read bytes %llu, read %llu", (unsigned long long)m.read_bytes,
	      (unsigned long long)(w.read + again));
	CHECK(m.opens >= 3, "opens %llu", (unsigned long long)m.opens);
	CHECK(m.sleep_le_2e33 == m.sleep_le_2e32 + 1,
	      "nanosleep of 4.5 s: %llu calls <= 2^32 ns, "
	      "%llu <= 2^33 ns",
	      (unsigned long long)m.sleep_le_2e32, (unsigned long long)m.sleep_le_2e33);
	return 0;
}
