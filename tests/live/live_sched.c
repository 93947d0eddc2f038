/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live: ebpf_process_runtime_ns against the kernel's own CPU time. Three
 * processes start after the recorder attached and exit before it stops:
 * one that sleeps 1 ms a thousand times, one that spins half a second, and
 * one whose threads do both. Truth is the kernel's accounting of each,
 * read twice: by the process itself as its last act (sent through a pipe;
 * it misses the exit path that follows), and by the parent from the zombie
 * before reaping it (the process CPU clock: every thread's
 * se.sum_exec_runtime, the leader's up to its final switch). The family,
 * replayed and read per pid (`metrics --by pid`), must equal the zombie's
 * figure: exactly for the single-threaded ones, within 1 % either way for
 * the threads (the process clock keeps a dead thread's time as of its
 * release, a few microseconds before its last switch, which the recorder
 * does count; under load the recorder was once 0.03 % below it).
 *
 * A fourth process spins from before the recorder starts until after it
 * stops, so that its stints at both ends are cut by the recording: its
 * figure must lie between its CPU clock read just after the recorder
 * attached and just before it stopped, and the clock read before the
 * recorder started and after it exited.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live_util.h"

#define SLEEPS	      1000
#define SLEEP_NS      1000000L
#define SPIN_NS	      500000000ull
#define MIXED_THREADS 4

enum { SLEEPY, BUSY, MIXED, NKINDS };

static const char *const kind_names[NKINDS] = {"sleepy", "busy", "mixed"};

struct child {
	pid_t pid;
	int pipe_fd;
	uint64_t self_ns;  /* what the process read of itself, last */
	uint64_t final_ns; /* the zombie's CPU clock */
	uint64_t fr_ns;	   /* ebpf_process_runtime_ns for its pid */
};

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* First field of a schedstat file: se.sum_exec_runtime in ns. */
static uint64_t schedstat_ns(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void spin_thread_cpu(uint64_t ns)
{
	struct timespec ts;

	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	while (ts_ns(&ts) < ns);
}

static void sleep_often(int n)
{
	const struct timespec d = {.tv_nsec = SLEEP_NS};

	for (int i = 0; i < n; i++)
		nanosleep(&d, NULL);
}

static uint64_t mixed_total; /* the threads' own figures, summed */

static void *mixed_thread(void *arg)
{
	const long i = (long)arg;

	if (i % 2)
		spin_thread_cpu(SPIN_NS / 4);
	else
		sleep_often(SLEEPS / 2);
	__atomic_add_fetch(&mixed_total, schedstat_ns("/proc/thread-self/schedstat"),
			   __ATOMIC_RELAXED);
	return NULL;
}

/* The child's work, then its own figure on `fd`. Never returns. */
static _Noreturn void child_run(int kind, int fd)
{
	uint64_t self;

	if (kind == SLEEPY) {
		sleep_often(SLEEPS);
	} else if (kind == BUSY) {
		spin_thread_cpu(SPIN_NS);
	} else {
		pthread_t t[MIXED_THREADS];

		for (long i = 0; i < MIXED_THREADS; i++)
			if (pthread_create(&t[i], NULL, mixed_thread, (void *)i))
				_exit(3);
		for (int i = 0; i < MIXED_THREADS; i++)
			pthread_join(t[i], NULL);
		sleep_often(SLEEPS / 10);
	}
	self = schedstat_ns("/proc/thread-self/schedstat") + mixed_total;
	_exit(write(fd, &self, sizeof(self)) == (ssize_t)sizeof(self) ? 0 : 4);
}

/* CPU clock of a live process: its threads' sums as of their last update. */
static uint64_t process_cpu_ns(pid_t pid)
{
	struct timespec ts;
	clockid_t clk;

	CHECK(clock_getcpuclockid(pid, &clk) == 0 && clock_gettime(clk, &ts) == 0,
	      "no CPU clock for %d", (int)pid);
	return ts_ns(&ts);
}

static void child_start(struct child *c, int kind)
{
	int p[2];

	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	c->pid = fork();
	CHECK(c->pid >= 0, "fork: %s", strerror(errno));
	if (c->pid == 0) {
		close(p[0]);
		child_run(kind, p[1]);
	}
	close(p[1]);
	c->pipe_fd = p[0];
}

/* The zombie's process CPU clock, once its last switch is behind it. */
static uint64_t zombie_cpu_ns(pid_t pid)
{
	uint64_t prev = 0, now = 0;
	struct timespec ts;
	clockid_t clk;

	CHECK(clock_getcpuclockid(pid, &clk) == 0, "no CPU clock for %d", (int)pid);
	for (int i = 0; i < 1000; i++) {
		CHECK(clock_gettime(clk, &ts) == 0, "CPU clock of %d: %s", (int)pid,
		      strerror(errno));
		now = ts_ns(&ts);
		if (i && now == prev)
			break;
		prev = now;
		usleep(1000); /* it may still be on its way to the final switch */
	}
	return now;
}

static void child_finish(struct child *c, const char *name)
{
	siginfo_t si = {0};
	int status;

	CHECK(read(c->pipe_fd, &c->self_ns, sizeof(c->self_ns)) == (ssize_t)sizeof(c->self_ns),
	      "%s: no figure from the child", name);
	close(c->pipe_fd);
	CHECK(waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOWAIT) == 0, "waitid: %s",
	      strerror(errno));
	c->final_ns = zombie_cpu_ns(c->pid);
	CHECK(waitpid(c->pid, &status, 0) == c->pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0,
	      "%s child failed (status %d)", name, status);
}

/* Sum the family's rows per pid label (`flightrec metrics --by pid --format csv`). */
static void read_runtime(const char *fr, const char *db, struct child *kids, int nkids)
{
	char cmd[1024], line[1024];
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "'%s' metrics '%s' --format csv --by pid --family ebpf_process_runtime_ns", fr,
		 db);
	f = popen(cmd, "r");
	CHECK(f != NULL, "popen: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		const char *pid = strstr(line, ",pid=");
		const char *value = strrchr(line, ',');

		if (strncmp(line, "ebpf_process_runtime_ns,", 24) || !pid || !value)
			continue;
		for (int k = 0; k < nkids; k++)
			if (atoi(pid + 5) == kids[k].pid)
				kids[k].fr_ns += strtoull(value + 1, NULL, 10);
	}
	CHECK(pclose(f) == 0, "flightrec metrics failed");
}

/* mode: "aggregate", "stream", or "raw_tp" (aggregate through the raw_tp twins). */
int live_scenario_sched(const char *recorder, const char *mode)
{
	const char *args[8] = {"--families", "proc,sched", NULL};
	struct child kids[NKINDS + 1] = {0}, *spin = &kids[NKINDS];
	uint64_t outer[2], inner[2];
	struct live_recorder r;
	char db[300];
	int n = 2;

	if (!strcmp(mode, "stream")) {
		args[n++] = "--mode";
		args[n++] = "sched=stream";
	} else if (!strcmp(mode, "raw_tp")) {
		args[n++] = "--attach";
		args[n++] = "raw_tp";
	}
	args[n] = NULL;
	spin->pid = fork();
	CHECK(spin->pid >= 0, "fork: %s", strerror(errno));
	if (spin->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failing check exits the test */
		for (;;)
			;
	}
	outer[0] = process_cpu_ns(spin->pid);
	live_recorder__start(&r, recorder, args);
	inner[0] = process_cpu_ns(spin->pid);
	for (int k = 0; k < NKINDS; k++)
		child_start(&kids[k], k);
	for (int k = 0; k < NKINDS; k++)
		child_finish(&kids[k], kind_names[k]);
	inner[1] = process_cpu_ns(spin->pid);
	live_recorder__stop(&r);
	outer[1] = process_cpu_ns(spin->pid);
	kill(spin->pid, SIGKILL);
	waitpid(spin->pid, NULL, 0);

	read_runtime(live_replay(r.dir, db, sizeof(db)), db, kids, NKINDS + 1);
	for (int k = 0; k < NKINDS; k++) {
		const struct child *c = &kids[k];

		printf("sched %s: %s pid %d: read by itself %llu ns, zombie %llu ns (exit path "
		       "%lld ns), flightrec %llu ns (%+.3f %%)\n",
		       mode, kind_names[k], (int)c->pid, (unsigned long long)c->self_ns,
		       (unsigned long long)c->final_ns, (long long)(c->final_ns - c->self_ns),
		       (unsigned long long)c->fr_ns,
		       100.0 * ((double)c->fr_ns - (double)c->final_ns) / (double)c->final_ns);
	}
	printf("sched %s: spinning through pid %d: %llu ns between attach and stop, %llu ns "
	       "around the recorder; flightrec %llu ns\n",
	       mode, (int)spin->pid, (unsigned long long)(inner[1] - inner[0]),
	       (unsigned long long)(outer[1] - outer[0]), (unsigned long long)spin->fr_ns);
	for (int k = 0; k < NKINDS; k++) {
		const struct child *c = &kids[k];
		const uint64_t tol = k == MIXED ? c->final_ns / 100 : 0;

		CHECK(c->self_ns > 0 && c->final_ns >= c->self_ns, "%s: truth %llu < self %llu",
		      kind_names[k], (unsigned long long)c->final_ns,
		      (unsigned long long)c->self_ns);
		/* the threads: within 1 % either way (once, under load 5, 0.03 %
		 * under the zombie's clock; not explained yet, see issue 11's note) */
		CHECK(c->fr_ns + tol >= c->final_ns && c->fr_ns <= c->final_ns + tol,
		      "%s: flightrec %llu ns, kernel %llu ns", kind_names[k],
		      (unsigned long long)c->fr_ns, (unsigned long long)c->final_ns);
	}
	CHECK(spin->fr_ns >= inner[1] - inner[0] && spin->fr_ns <= outer[1] - outer[0],
	      "spinning process: flightrec %llu ns, not within [%llu, %llu]",
	      (unsigned long long)spin->fr_ns, (unsigned long long)(inner[1] - inner[0]),
	      (unsigned long long)(outer[1] - outer[0]));
	return 0;
}
