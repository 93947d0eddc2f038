/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Calls that never come back through sys_exit with their number: exit and
 * exit_group do not return, rt_sigreturn returns with the interrupted
 * context's registers. A driver process in its own cgroup (recorded alone
 * with --cgroup) runs 100 /bin/true, takes signals and ends threads,
 * counting what it did; the segments and `flightrec metrics` must give the
 * same numbers.
 * stream_stage: stream records are staged per CPU (fr_abi.h fr_stage); a
 * few calls then a pause must reach the segments within an interval or two,
 * not at stop, and across many generation flips no call may be lost or
 * booked twice.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "format/host.h"
#include "live_util.h"

#define NR_TRUE	   100 /* children exec'ing /bin/true: one exit_group each */
#define NR_RAISES  50  /* SIGUSR1 to itself: one handler run each */
#define NR_THREADS 3   /* threads that return: one exit each */

struct driver_truth {
	pid_t pid;
	uint64_t handled; /* signal handler runs: one rt_sigreturn each */
	uint64_t children;
};

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static void *thread_main(void *arg)
{
	return arg;
}

/* The driver: reports its truth on `out`, then exits (exit_group). */
static _Noreturn void driver(int out)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	struct driver_truth t = {.pid = getpid()};
	pthread_t th;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) || sigaction(SIGUSR1, &sa, NULL))
		_exit(2);
	for (int i = 0; i < NR_TRUE; i++) {
		pid_t c = fork();
		int status;

		if (c == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		while (c > 0 && waitpid(c, &status, 0) < 0 && errno == EINTR)
			;
		t.children += c > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	for (int i = 0; i < NR_RAISES; i++)
		raise(SIGUSR1);
	for (int i = 0; i < NR_THREADS; i++)
		if (pthread_create(&th, NULL, thread_main, NULL) || pthread_join(th, NULL))
			_exit(3);
	t.handled = handled;
	if (write(out, &t, sizeof(t)) != sizeof(t))
		_exit(4);
	_exit(0);
}

struct noreturn_ctx {
	uint32_t driver;
	uint64_t exit_group, exit_calls, rt_sigreturn, foreign_rt_sigreturn, timed;
};

static void noreturn_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct noreturn_ctx *c = arg;
	uint64_t n, nr;

	(void)rec;
	if (!ev || (ev->kind != FR_KIND_SYSCALL && ev->kind != FR_KIND_SYSCALL_AGG))
		return;
	nr = live_field(ev, "nr");
	if (nr != SYS_exit_group && nr != SYS_exit && nr != SYS_rt_sigreturn)
		return;
	if (ev->kind == FR_KIND_SYSCALL) {
		n = 1;
		CHECK(live_field(ev, "flags") == FR_SYSCALL_FLAG_NO_RETURN, "nr %llu without flag",
		      (unsigned long long)nr);
	} else {
		n = live_field(ev, "count");
		for (int b = 0; b < FR_HIST_BUCKETS; b++)
			c->timed += ev->hist[0][b];
	}
	if (nr == SYS_exit_group)
		c->exit_group += n;
	else if (live_field(ev, "pid") != c->driver)
		c->foreign_rt_sigreturn += n; /* exit or rt_sigreturn of a child: none expected */
	else if (nr == SYS_exit)
		c->exit_calls += n;
	else
		c->rt_sigreturn += n;
}

static int scenario_noreturn(const char *recorder, const char *mode)
{
	const char *args[] = {"--families", "syscalls", "--mode", mode, "--cgroup", NULL, NULL};
	struct live_cgroup_child child;
	struct noreturn_ctx c = {0};
	struct driver_truth t;
	char db[300], label[64];
	struct live_recorder r;
	int rc;

	if ((rc = live_cgroup_child__start(&child, driver)))
		return rc;
	args[5] = child.dir;
	live_recorder__start(&r, recorder, args);
	live_cgroup_child__run(&child, &t, sizeof(t));
	live_recorder__stop(&r);
	c.driver = (uint32_t)child.pid;
	live_read_dir(r.dir, noreturn_visit, &c);
	printf("noreturn (%s): driver %d: %llu children, %llu handler runs, %d threads; recorded "
	       "exit_group %llu, rt_sigreturn %llu, exit %llu, timed %llu\n",
	       mode, child.pid, (unsigned long long)t.children, (unsigned long long)t.handled,
	       NR_THREADS, (unsigned long long)c.exit_group, (unsigned long long)c.rt_sigreturn,
	       (unsigned long long)c.exit_calls, (unsigned long long)c.timed);
	CHECK(t.children == NR_TRUE, "driver ran %llu children", (unsigned long long)t.children);
	CHECK(t.handled >= NR_RAISES, "driver ran %llu handlers", (unsigned long long)t.handled);
	/* each child once, the driver once */
	CHECK(c.exit_group == t.children + 1, "exit_group %llu, truth %llu",
	      (unsigned long long)c.exit_group, (unsigned long long)t.children + 1);
	CHECK(c.rt_sigreturn == t.handled, "rt_sigreturn %llu, truth %llu",
	      (unsigned long long)c.rt_sigreturn, (unsigned long long)t.handled);
	CHECK(c.exit_calls == NR_THREADS, "exit %llu, truth %d", (unsigned long long)c.exit_calls,
	      NR_THREADS);
	CHECK(c.foreign_rt_sigreturn == 0, "%llu exit/rt_sigreturn outside the driver",
	      (unsigned long long)c.foreign_rt_sigreturn);
	CHECK(c.timed == 0, "%llu calls that do not return are in a latency histogram",
	      (unsigned long long)c.timed);

	/* the same figures through replay and the metric families */
	live_replay(r.dir, db, sizeof(db));
	snprintf(label, sizeof(label), "syscall=exit_group");
	CHECK(live_metric_sum(db, "ebpf_syscall_count", label, NULL) == t.children + 1,
	      "ebpf_syscall_count{%s} != %llu", label, (unsigned long long)t.children + 1);
	snprintf(label, sizeof(label), "syscall=rt_sigreturn");
	CHECK(live_metric_sum(db, "ebpf_syscall_count", label, NULL) == t.handled,
	      "ebpf_syscall_count{%s} != %llu", label, (unsigned long long)t.handled);
	CHECK(live_metric_sum(db, "ebpf_syscall_latency_ns", label, "+Inf") == 0,
	      "rt_sigreturn in ebpf_syscall_latency_ns");
	return 0;
}

/* rounds of a few calls, each followed by a pause: all of them together
 * stay under one stage (85 records), so only the flips can bring them out */
#define STAGE_ROUNDS 8
#define STAGE_CALLS  5
#define STAGE_PAUSE  100000000u /* ns: 10 intervals */
#define STAGE_MARGIN 60000000u	/* ns: 6 intervals, room for a late tick */
#define STAGE_BURST  200000	/* then a burst that fills stages many times over */

struct stage_ctx {
	uint32_t self;
	uint64_t calls, burst_start_ns;
	uint64_t early;		    /* syscall records older than the burst by the margin */
	uint64_t seen_before_burst; /* records the recorder had taken in by then */
};

static void stage_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct stage_ctx *c = arg;
	char src[64];

	(void)rec;
	if (!ev)
		return;
	if (ev->kind == FR_KIND_RECORDER_STATS &&
	    !strcmp(live_field_str(ev, "source", src, sizeof(src)), "syscalls") &&
	    live_field(ev, "last_ns") <= c->burst_start_ns)
		c->seen_before_burst += live_field(ev, "seen");
	if (ev->kind != FR_KIND_SYSCALL)
		return;
	if (ev->ts_ns + STAGE_MARGIN < c->burst_start_ns)
		c->early++;
	if (live_field(ev, "pid") == c->self && live_field(ev, "nr") == SYS_getppid)
		c->calls++;
}

static int scenario_stream_stage(const char *recorder)
{
	char pid_arg[32];
	const char *args[] = {"--families",	 "syscalls", "--mode",
			      "syscalls=stream", "--pid",    pid_arg,
			      "--interval",	 "10ms",     NULL};
	struct stage_ctx c = {.self = (uint32_t)getpid()};
	const struct timespec pause = {.tv_nsec = STAGE_PAUSE};
	struct live_recorder r;

	snprintf(pid_arg, sizeof(pid_arg), "%u", c.self);
	live_recorder__start(&r, recorder, args);
	for (int i = 0; i < STAGE_ROUNDS; i++) {
		for (int k = 0; k < STAGE_CALLS; k++)
			syscall(SYS_getppid);
		nanosleep(&pause, NULL);
	}
	c.burst_start_ns = fr_clock__boot_ns();
	for (int k = 0; k < STAGE_BURST; k++)
		syscall(SYS_getppid);
	live_recorder__stop(&r);
	live_read_dir(r.dir, stage_visit, &c);
	printf("stream_stage: made %d getppid in %d paced rounds and %d in a burst; recorded %llu; "
	       "%llu syscall records were made over %u ms before the burst, and the recorder had "
	       "taken in %llu before it\n",
	       STAGE_ROUNDS * STAGE_CALLS, STAGE_ROUNDS, STAGE_BURST, (unsigned long long)c.calls,
	       (unsigned long long)c.early, STAGE_MARGIN / 1000000,
	       (unsigned long long)c.seen_before_burst);
	CHECK(c.calls == STAGE_ROUNDS * STAGE_CALLS + STAGE_BURST, "recorded %llu getppid, made %d",
	      (unsigned long long)c.calls, STAGE_ROUNDS * STAGE_CALLS + STAGE_BURST);
	CHECK(c.early >= STAGE_ROUNDS * STAGE_CALLS, "only %llu records before the burst",
	      (unsigned long long)c.early);
	/* staged records of a quiet CPU come out at the next flips, not at stop */
	CHECK(c.seen_before_burst >= c.early,
	      "the recorder had taken in %llu records before the burst, %llu were older",
	      (unsigned long long)c.seen_before_burst, (unsigned long long)c.early);
	return 0;
}

int live_scenario_syscalls(const char *recorder, const char *scenario)
{
	if (!strcmp(scenario, "stream_stage"))
		return scenario_stream_stage(recorder);
	if (!strcmp(scenario, "noreturn"))
		return scenario_noreturn(recorder, "syscalls=aggregate");
	if (!strcmp(scenario, "noreturn_stream"))
		return scenario_noreturn(recorder, "syscalls=stream");
	return -1;
}
