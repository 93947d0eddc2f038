/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Families against the kernel's own per-process counters. A child in its
 * own cgroup (recorded alone with --cgroup) reads its counters before and
 * after a workload and reports the difference; the segments and the
 * replayed family must give the same number within 1 %:
 *  - page faults: fresh anonymous pages touched, minflt + majflt of
 *    /proc/self/stat;
 *  - context switches: short sleeps, voluntary_ctxt_switches +
 *    nonvoluntary_ctxt_switches of /proc/self/status.
 */
#define _GNU_SOURCE /* sched_setaffinity */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <time.h>
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

/* voluntary + nonvoluntary context switches of this (single-threaded) process */
static int64_t own_switches(void)
{
	unsigned long long v = 0, n = 0;
	char line[256];
	int found = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		found += sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1;
		found += sscanf(line, "nonvoluntary_ctxt_switches: %llu", &n) == 1;
	}
	fclose(f);
	return found == 2 ? (int64_t)(v + n) : -1;
}

static _Noreturn void sleeper(int out)
{
	const struct timespec nap = {.tv_nsec = 100000};
	int64_t before, after, delta;

	if ((before = own_switches()) < 0)
		_exit(2);
	for (int i = 0; i < 2000; i++)
		nanosleep(&nap, NULL);
	if ((after = own_switches()) < 0)
		_exit(4);
	delta = after - before;
	if (write(out, &delta, sizeof(delta)) != sizeof(delta))
		_exit(5);
	_exit(0);
}

/* time this (single-threaded) process waited on a run queue: schedstat's second field */
static int64_t own_run_delay(void)
{
	unsigned long long run, delay;
	FILE *f = fopen("/proc/self/schedstat", "re");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &run, &delay);
	fclose(f);
	return n == 2 ? (int64_t)delay : -1;
}

static int pin_to_cpu0(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

/* Sleeps 2000 times on CPU 0, where a spinner (not recorded) runs: each wakeup waits. */
static _Noreturn void waiter(int out)
{
	const struct timespec nap = {.tv_nsec = 100000};
	int64_t before, after, delta;

	if (pin_to_cpu0() || (before = own_run_delay()) < 0)
		_exit(3);
	for (int i = 0; i < 2000; i++)
		nanosleep(&nap, NULL);
	if ((after = own_run_delay()) < 0)
		_exit(4);
	delta = after - before;
	if (write(out, &delta, sizeof(delta)) != sizeof(delta))
		_exit(5);
	_exit(0);
}

struct counter_ctx {
	uint32_t child;
	unsigned want_agg, want_stream; /* kinds that carry the figure */
	const char *agg_fields[2];	/* summed in the aggregate kind */
	const char *stream_pid;		/* the stream kind's field naming the process */
	const char *stream_value;	/* summed in the stream kind; NULL: 1 per record */
	uint64_t counted, foreign;
};

static void counter_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct counter_ctx *c = arg;

	(void)rec;
	if (!ev || (ev->kind != c->want_agg && ev->kind != c->want_stream))
		return;
	if (ev->kind == c->want_stream) {
		if (live_field(ev, c->stream_pid) == c->child)
			c->counted += c->stream_value ? live_field(ev, c->stream_value) : 1;
		/* sched_switch: the other side of a switch is another task, or 0 */
		else if (ev->kind != FR_KIND_SCHED_SWITCH)
			c->foreign++;
		return;
	}
	if (live_field(ev, "pid") != c->child) {
		c->foreign++;
		return;
	}
	for (int i = 0; i < 2 && c->agg_fields[i]; i++)
		c->counted += live_field(ev, c->agg_fields[i]);
}

/* |a - b| <= 1 % of b */
static int within_1pct(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;

	return d * 100 <= b;
}

/* One family against one kernel counter. */
struct counter_case {
	const char *scenario, *family_flag, *mode;
	live_child_fn child;
	unsigned agg_kind, stream_kind;
	const char *agg_fields[2];
	const char *stream_pid, *stream_value; /* see struct counter_ctx */
	const char *metric, *metric_le;	       /* le: NULL for a counter, "sum" */
	const char *truth_name;
	int64_t min_truth;
	bool spin_cpu0; /* a process outside the cgroup spins on CPU 0 meanwhile */
};

#define FAULTS(name, m)                                                                            \
	{                                                                                          \
		.scenario = name, .family_flag = "mem", .mode = m, .child = toucher,               \
		.agg_kind = FR_KIND_MEM_AGG, .stream_kind = FR_KIND_PAGE_FAULT,                    \
		.agg_fields = {"user_faults", "kernel_faults"}, .stream_pid = "pid",               \
		.metric = "ebpf_page_faults", .truth_name = "minflt+majflt",                       \
		.min_truth = TOUCH_BYTES / 65536                                                   \
	}
#define CTXSW(name, m)                                                                             \
	{                                                                                          \
		.scenario = name, .family_flag = "sched", .mode = m, .child = sleeper,             \
		.agg_kind = FR_KIND_SCHED_AGG, .stream_kind = FR_KIND_SCHED_SWITCH,                \
		.agg_fields = {"switches", NULL}, .stream_pid = "prev_pid",                        \
		.metric = "ebpf_context_switches",                                                 \
		.truth_name = "voluntary+nonvoluntary switches", .min_truth = 1000                 \
	}
/*
 * The run-queue wait after each wakeup, behind a spinner on the same CPU.
 * Not in CTest yet: here flightrec (sched_wakeup to sched_switch, as
 * runqlat measures) reads 2 to 4 times schedstat's run_delay, mostly ~7 us
 * more per wakeup; which of the two definitions the family should follow
 * is open (issue 11 note). Run by hand: live_recorder REC runq[_stream].
 */
#define RUNQ(name, m)                                                                              \
	{                                                                                          \
		.scenario = name, .family_flag = "sched", .mode = m, .child = waiter,              \
		.agg_kind = FR_KIND_SCHED_AGG, .stream_kind = FR_KIND_SCHED_SWITCH,                \
		.agg_fields = {"runq_total_ns", NULL}, .stream_pid = "next_pid",                   \
		.stream_value = "runq_latency_ns", .metric = "ebpf_runqueue_latency_ns",           \
		.metric_le = "sum", .truth_name = "schedstat run_delay ns", .min_truth = 1000000,  \
		.spin_cpu0 = true                                                                  \
	}

static const struct counter_case cases[] = {
	FAULTS("faults", "mem=aggregate"), FAULTS("faults_stream", "mem=stream"),
	CTXSW("ctxsw", "sched=aggregate"), CTXSW("ctxsw_stream", "sched=stream"),
	RUNQ("runq", "sched=aggregate"),   RUNQ("runq_stream", "sched=stream"),
};

static int run_case(const char *recorder, const struct counter_case *k)
{
	const char *args[] = {"--families", k->family_flag, "--mode", k->mode,
			      "--cgroup",   NULL,	    NULL};
	struct counter_ctx c = {.want_agg = k->agg_kind,
				.want_stream = k->stream_kind,
				.agg_fields = {k->agg_fields[0], k->agg_fields[1]},
				.stream_pid = k->stream_pid,
				.stream_value = k->stream_value};
	struct live_cgroup_child child;
	struct live_recorder r;
	char db[300];
	uint64_t family;
	pid_t spinner = 0;
	int64_t truth;
	int rc;

	if ((rc = live_cgroup_child__start(&child, k->child)))
		return rc;
	if (k->spin_cpu0) {
		spinner = fork();
		CHECK(spinner >= 0, "fork: %s", strerror(errno));
		if (spinner == 0) {
			if (pin_to_cpu0())
				_exit(1);
			for (;;)
				;
		}
	}
	args[5] = child.dir;
	live_recorder__start(&r, recorder, args);
	live_cgroup_child__run(&child, &truth, sizeof(truth));
	live_recorder__stop(&r);
	if (spinner > 0) {
		kill(spinner, SIGKILL);
		waitpid(spinner, NULL, 0);
	}
	c.child = (uint32_t)child.pid;
	live_read_dir(r.dir, counter_visit, &c);
	live_replay(r.dir, db, sizeof(db));
	family =
		live_metric_sum(db, k->metric, NULL, k->metric_le); /* only the child is recorded */
	printf("%s: kernel %s %lld; recorded %llu, %s %llu, other pids %llu\n", k->scenario,
	       k->truth_name, (long long)truth, (unsigned long long)c.counted, k->metric,
	       (unsigned long long)family, (unsigned long long)c.foreign);
	CHECK(truth >= k->min_truth, "child made only %lld", (long long)truth);
	CHECK(within_1pct(c.counted, (uint64_t)truth), "recorded %llu, kernel %lld",
	      (unsigned long long)c.counted, (long long)truth);
	CHECK(within_1pct(family, (uint64_t)truth), "%s %llu, kernel %lld", k->metric,
	      (unsigned long long)family, (long long)truth);
	CHECK(c.foreign == 0, "%llu records of other processes", (unsigned long long)c.foreign);
	return 0;
}

int live_scenario_counters(const char *recorder, const char *scenario)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(scenario, cases[i].scenario))
			return run_case(recorder, &cases[i]);
	return -1;
}
