/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Page faults against the kernel's own count: a child in its own cgroup
 * (recorded alone with --cgroup) touches fresh anonymous pages and reads
 * its minflt + majflt from /proc/self/stat before and after; the segments
 * and ebpf_page_faults must give the same number within 1 %.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "live_util.h"

#define TOUCH_BYTES (64u << 20)

/* minflt + majflt of this process (fields 10 and 12 of /proc/self/stat). */
static int64_t own_faults(void)
{
	unsigned long long minflt, majflt;
	char buf[1024], *p;
	ssize_t n;
	FILE *f = fopen("/proc/self/stat", "re");

	if (!f)
		return -1;
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu", &minflt, &majflt) != 2)
		return -1;
	return (int64_t)(minflt + majflt);
}

static _Noreturn void toucher(int out)
{
	int64_t before, after, delta;
	long page = sysconf(_SC_PAGESIZE);
	char *m;

	if ((before = own_faults()) < 0)
		_exit(2);
	m = mmap(NULL, TOUCH_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		_exit(3);
	madvise(m, TOUCH_BYTES, MADV_NOHUGEPAGE); /* one fault per page, not per 2 MiB */
	for (size_t off = 0; off < TOUCH_BYTES; off += (size_t)page)
		m[off] = 1;
	munmap(m, TOUCH_BYTES);
	if ((after = own_faults()) < 0)
		_exit(4);
	delta = after - before;
	if (write(out, &delta, sizeof(delta)) != sizeof(delta))
		_exit(5);
	_exit(0);
}

struct fault_ctx {
	uint32_t child;
	uint64_t faults, foreign;
};

static void fault_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct fault_ctx *c = arg;

	(void)rec;
	if (!ev || (ev->kind != FR_KIND_PAGE_FAULT && ev->kind != FR_KIND_MEM_AGG))
		return;
	if (live_field(ev, "pid") != c->child) {
		c->foreign++;
		return;
	}
	if (ev->kind == FR_KIND_PAGE_FAULT)
		c->faults++;
	else
		c->faults += live_field(ev, "user_faults") + live_field(ev, "kernel_faults");
}

/* |a - b| <= 1 % of b */
static int within_1pct(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;

	return d * 100 <= b;
}

static int scenario_faults(const char *recorder, const char *mode)
{
	const char *args[] = {"--families", "mem", "--mode", mode, "--cgroup", NULL, NULL};
	struct live_cgroup_child child;
	struct fault_ctx c = {0};
	struct live_recorder r;
	uint64_t family;
	int64_t truth;
	char db[300];
	int rc;

	if ((rc = live_cgroup_child__start(&child, toucher)))
		return rc;
	args[5] = child.dir;
	live_recorder__start(&r, recorder, args);
	live_cgroup_child__run(&child, &truth, sizeof(truth));
	live_recorder__stop(&r);
	c.child = (uint32_t)child.pid;
	live_read_dir(r.dir, fault_visit, &c);
	live_replay(r.dir, db, sizeof(db));
	family = live_metric_sum(db, "ebpf_page_faults", NULL, NULL);
	printf("faults (%s): /proc/self/stat minflt+majflt %lld; recorded %llu, "
	       "ebpf_page_faults %llu, other pids %llu\n",
	       mode, (long long)truth, (unsigned long long)c.faults, (unsigned long long)family,
	       (unsigned long long)c.foreign);
	CHECK(truth >= (int64_t)(TOUCH_BYTES / 65536), "child made only %lld faults",
	      (long long)truth);
	CHECK(within_1pct(c.faults, (uint64_t)truth), "recorded %llu, kernel %lld",
	      (unsigned long long)c.faults, (long long)truth);
	CHECK(within_1pct(family, (uint64_t)truth), "ebpf_page_faults %llu, kernel %lld",
	      (unsigned long long)family, (long long)truth);
	CHECK(c.foreign == 0, "%llu records of processes outside the cgroup",
	      (unsigned long long)c.foreign);
	return 0;
}

int live_scenario_mem(const char *recorder, const char *scenario)
{
	if (!strcmp(scenario, "faults"))
		return scenario_faults(recorder, "mem=aggregate");
	if (!strcmp(scenario, "faults_stream"))
		return scenario_faults(recorder, "mem=stream");
	return -1;
}
