/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live tests: run flightrec-record around real workloads on this machine
 * and check what it wrote by reading the segments back.
 *
 * usage: live_recorder RECORDER_BINARY SCENARIO
 * Exit 0 pass, 1 fail, 77 skipped (BPF not permitted here).
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_util.h"
#include "workloads.h"

static const char *recorder;

/* ---- helpers over decoded records ---- */

struct stats_sum {
	const char *source;
	uint64_t seen, lost;
	unsigned rows;
};

static void sum_stats(const struct fr_event *ev, struct stats_sum *s)
{
	char src[64];

	if (ev->kind != FR_KIND_RECORDER_STATS ||
	    strcmp(live_field_str(ev, "source", src, sizeof(src)), s->source))
		return;
	s->seen += live_field(ev, "seen");
	s->lost += live_field(ev, "lost");
	s->rows++;
}

/* ---- TCP on loopback ---- */

struct tcp_ctx {
	uint32_t self;
	uint16_t port;
	unsigned connects, accepts, active_closes, passive_closes;
	uint64_t acked, received, sent_msgs, recv_msgs;
};

static void tcp_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct tcp_ctx *c = arg;

	if (!ev)
		return;
	switch (ev->kind) {
	case FR_KIND_TCP_CONNECT:
		if (live_field(ev, "dport") == c->port && !live_field_s64(ev, "err")) {
			CHECK(live_field(ev, "pid") == c->self, "connect pid %llu",
			      (unsigned long long)live_field(ev, "pid"));
			c->connects++;
		}
		break;
	case FR_KIND_TCP_ACCEPT:
		c->accepts += live_field(ev, "sport") == c->port;
		break;
	case FR_KIND_TCP_CLOSE:
		if (live_field(ev, "active") && live_field(ev, "dport") == c->port) {
			c->active_closes++;
			c->acked += live_field(ev, "bytes_acked");
		} else if (!live_field(ev, "active") && live_field(ev, "sport") == c->port) {
			c->passive_closes++;
			c->received += live_field(ev, "bytes_received");
		}
		break;
	case FR_KIND_SOCK_MSG:
		if (live_field(ev, "pid") != c->self)
			break;
		if (!live_field(ev, "received") && live_field(ev, "dport") == c->port)
			c->sent_msgs += live_field_s64(ev, "bytes");
		else if (live_field(ev, "received") && live_field(ev, "sport") == c->port)
			c->recv_msgs += live_field_s64(ev, "bytes");
		break;
	}
}

static bool within_1pct(uint64_t got, uint64_t want)
{
	uint64_t diff = got > want ? got - want : want - got;

	return diff * 100 <= want;
}

static void scenario_tcp(void)
{
	const char *const args[] = {"--families", "net", NULL};
	struct tcp_ctx c = {.self = (uint32_t)getpid()};
	struct live_recorder r;
	struct tcp_result w;

	live_recorder__start(&r, recorder, args);
	CHECK(!workload_tcp_loopback(20, &w), "tcp workload failed");
	live_recorder__stop(&r);
	c.port = w.port;
	live_read_dir(r.dir, tcp_visit, &c);
	printf("tcp: made %u connections, sent %llu bytes; recorded %u connects, %u accepts, "
	       "%u+%u closes, acked %llu, received %llu, send msgs %llu, recv msgs %llu\n",
	       w.connections, (unsigned long long)w.bytes, c.connects, c.accepts, c.active_closes,
	       c.passive_closes, (unsigned long long)c.acked, (unsigned long long)c.received,
	       (unsigned long long)c.sent_msgs, (unsigned long long)c.recv_msgs);
	CHECK(c.connects == w.connections, "connects %u != %u", c.connects, w.connections);
	CHECK(c.accepts == w.connections, "accepts %u != %u", c.accepts, w.connections);
	CHECK(c.active_closes == w.connections, "active closes %u", c.active_closes);
	CHECK(c.passive_closes == w.connections, "passive closes %u", c.passive_closes);
	CHECK(within_1pct(c.acked, w.bytes), "bytes_acked %llu vs %llu",
	      (unsigned long long)c.acked, (unsigned long long)w.bytes);
	CHECK(within_1pct(c.received, w.bytes), "bytes_received %llu",
	      (unsigned long long)c.received);
	CHECK(within_1pct(c.sent_msgs, w.bytes), "sent %llu", (unsigned long long)c.sent_msgs);
	CHECK(within_1pct(c.recv_msgs, w.bytes), "received %llu", (unsigned long long)c.recv_msgs);
}

/* ---- file I/O ---- */

struct file_ctx {
	uint32_t self;
	const char *path;
	int fd;
	unsigned opens;
	uint64_t agg_written, agg_read, stream_written;
};

static void file_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct file_ctx *c = arg;
	char name[512];

	if (!ev || (ev->kind != FR_KIND_FILE_OPEN && ev->kind != FR_KIND_FILE_IO &&
		    ev->kind != FR_KIND_FILE_IO_AGG))
		return;
	if (live_field(ev, "pid") != c->self)
		return;
	if (ev->kind == FR_KIND_FILE_OPEN &&
	    !strcmp(live_field_str(ev, "filename", name, sizeof(name)), c->path) &&
	    live_field_s64(ev, "ret") >= 0)
		c->opens++;
	if (ev->kind == FR_KIND_FILE_IO_AGG && live_field(ev, "op") == 2)
		c->agg_written += live_field(ev, "bytes");
	if (ev->kind == FR_KIND_FILE_IO_AGG && live_field(ev, "op") == 1)
		c->agg_read += live_field(ev, "bytes");
	if (ev->kind == FR_KIND_FILE_IO && live_field(ev, "op") == 2 &&
	    live_field(ev, "fd") == (uint64_t)c->fd && live_field_s64(ev, "ret") > 0)
		c->stream_written += live_field_s64(ev, "ret");
}

/* hosted: with the syscalls family on, whose programs then account files */
static void scenario_file(bool stream, bool hosted)
{
	const char *const args[] = {"--families", hosted ? "syscalls,file" : "file", "--mode",
				    stream ? "file=stream" : "file=aggregate", NULL};
	struct file_ctx c = {.self = (uint32_t)getpid()};
	struct live_recorder r;
	struct file_result w;
	char path[300];

	live_recorder__start(&r, recorder, args);
	snprintf(path, sizeof(path), "%s/workload.dat", r.dir);
	CHECK(!workload_file(path, 64, 65536, &w), "file workload failed");
	live_recorder__stop(&r);
	c.path = path;
	c.fd = w.fd;
	live_read_dir(r.dir, file_visit, &c);
	printf("file (%s%s): wrote %llu, read %llu; recorded opens %u, written %llu (agg) %llu "
	       "(stream), read %llu\n",
	       stream ? "stream" : "aggregate", hosted ? ", in the syscalls programs" : "",
	       (unsigned long long)w.written, (unsigned long long)w.read, c.opens,
	       (unsigned long long)c.agg_written, (unsigned long long)c.stream_written,
	       (unsigned long long)c.agg_read);
	CHECK(c.opens >= 2, "opens of %s: %u", path, c.opens);
	if (stream) {
		CHECK(c.stream_written == w.written, "stream written %llu",
		      (unsigned long long)c.stream_written);
	} else {
		/* the test's own output may add a little */
		CHECK(c.agg_written >= w.written && c.agg_written < w.written + 65536,
		      "agg written %llu", (unsigned long long)c.agg_written);
		CHECK(c.agg_read >= w.read, "agg read %llu", (unsigned long long)c.agg_read);
	}
}

/* ---- syscalls ---- */

struct syscall_ctx {
	uint32_t self;
	uint64_t calls, hist_total, agg_records, foreign, torn;
	struct stats_sum stats;
};

static void syscall_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct syscall_ctx *c = arg;

	if (!ev)
		return;
	sum_stats(ev, &c->stats);
	if (ev->kind != FR_KIND_SYSCALL && ev->kind != FR_KIND_SYSCALL_AGG)
		return;
	if (live_field(ev, "pid") != c->self) {
		c->foreign++;
		return;
	}
	if (live_field(ev, "nr") != SYS_getppid)
		return;
	if (ev->kind == FR_KIND_SYSCALL) {
		c->calls++;
		return;
	}
	uint64_t in_hist = 0;

	c->agg_records++;
	c->calls += live_field(ev, "count");
	for (int b = 0; b < FR_HIST_BUCKETS; b++)
		in_hist += ev->hist[0][b];
	c->hist_total += in_hist;
	/* a record read while a program was still adding to it */
	if (in_hist != live_field(ev, "count"))
		c->torn++;
}

static void scenario_syscalls(const char *mode, bool filter)
{
	char pid_arg[32];
	const char *args[9] = {"--families", "syscalls", "--mode", mode, NULL};
	struct syscall_ctx c = {.self = (uint32_t)getpid(), .stats.source = "syscalls"};
	const uint64_t n = 500000;
	struct live_recorder r;

	if (filter) {
		/* flushes every 10 ms race the loop: none may lose or tear a count */
		snprintf(pid_arg, sizeof(pid_arg), "%u", c.self);
		args[4] = "--pid";
		args[5] = pid_arg;
		args[6] = "--interval";
		args[7] = "10ms";
	}
	live_recorder__start(&r, recorder, args);
	workload_getppid(n);
	live_recorder__stop(&r);
	live_read_dir(r.dir, syscall_visit, &c);
	printf("syscalls (%s%s): made %llu getppid; recorded %llu in %llu aggregate records "
	       "(%llu torn), stats seen %llu lost %llu, foreign %llu\n",
	       mode, filter ? ", --pid, --interval 10ms" : "", (unsigned long long)n,
	       (unsigned long long)c.calls, (unsigned long long)c.agg_records,
	       (unsigned long long)c.torn, (unsigned long long)c.stats.seen,
	       (unsigned long long)c.stats.lost, (unsigned long long)c.foreign);
	CHECK(c.calls >= n, "recorded %llu < %llu", (unsigned long long)c.calls,
	      (unsigned long long)n);
	CHECK(c.stats.rows > 0, "no statistics records for syscalls");
	if (!strcmp(mode, "syscalls=stream"))
		CHECK(c.stats.lost == 0, "lost %llu", (unsigned long long)c.stats.lost);
	else
		CHECK(c.hist_total == c.calls && c.agg_records > 0, "histogram total %llu",
		      (unsigned long long)c.hist_total);
	CHECK(c.torn == 0, "%llu aggregate records whose histogram disagrees with their count",
	      (unsigned long long)c.torn);
	if (filter) {
		CHECK(c.foreign == 0, "%llu records of other processes",
		      (unsigned long long)c.foreign);
		/* only this thread's calls pass the filter: every one, once */
		CHECK(c.calls == n, "recorded %llu getppid, made %llu", (unsigned long long)c.calls,
		      (unsigned long long)n);
	}
}

/* ---- kernel drops ---- */

struct drop_ctx {
	uint16_t udp_port, tcp_port;
	uint64_t no_socket; /* reason value from the segment's name table */
	bool have_name;
	unsigned names, udp_drops, tcp_drops, refused, resets_sent;
};

static void drop_names_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct drop_ctx *c = arg;
	char name[128];

	if (!ev || ev->kind != FR_KIND_DROP_REASON_NAME)
		return;
	c->names++;
	if (!strcmp(live_field_str(ev, "name", name, sizeof(name)), "NO_SOCKET")) {
		c->no_socket = live_field(ev, "reason");
		c->have_name = true;
	}
}

static void drop_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct drop_ctx *c = arg;

	if (!ev)
		return;
	if (ev->kind == FR_KIND_SKB_DROP && live_field(ev, "reason") == c->no_socket) {
		c->udp_drops +=
			live_field(ev, "protocol") == 17 && live_field(ev, "dport") == c->udp_port;
		c->tcp_drops +=
			live_field(ev, "protocol") == 6 && live_field(ev, "dport") == c->tcp_port;
	}
	if (ev->kind == FR_KIND_TCP_CONNECT && live_field(ev, "dport") == c->tcp_port &&
	    live_field_s64(ev, "err") == ECONNREFUSED)
		c->refused++;
	if (ev->kind == FR_KIND_TCP_RESET && !live_field(ev, "received") &&
	    live_field(ev, "sport") == c->tcp_port)
		c->resets_sent++;
}

static void scenario_drop(void)
{
	const char *const args[] = {"--families", "net,drop", NULL};
	struct drop_ctx c = {0};
	struct live_recorder r;

	live_recorder__start(&r, recorder, args);
	CHECK(!workload_udp_to_closed_port(&c.udp_port), "udp workload failed");
	CHECK(!workload_tcp_to_closed_port(&c.tcp_port), "tcp refused workload failed");
	live_recorder__stop(&r);
	live_read_dir(r.dir, drop_names_visit, &c);
	CHECK(c.have_name, "no NO_SOCKET in %u drop reason names", c.names);
	live_read_dir(r.dir, drop_visit, &c);
	printf("drop: %u reason names, NO_SOCKET=%llu; udp drops %u, tcp drops %u, refused "
	       "connects %u, resets sent %u\n",
	       c.names, (unsigned long long)c.no_socket, c.udp_drops, c.tcp_drops, c.refused,
	       c.resets_sent);
	CHECK(c.udp_drops >= 1, "no NO_SOCKET drop for UDP port %u", c.udp_port);
	CHECK(c.tcp_drops >= 1, "no NO_SOCKET drop for TCP port %u", c.tcp_port);
	CHECK(c.refused >= 1, "no refused connect to port %u", c.tcp_port);
	CHECK(c.resets_sent >= 1, "no reset sent from port %u", c.tcp_port);
}

/* ---- process exec and exit ---- */

struct proc_ctx {
	uint32_t self, child;
	unsigned forks, execs, exits, meta_adds;
	int64_t exit_code;
	char filename[256];
};

static void proc_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct proc_ctx *c = arg;
	char needle[64];

	if (!ev) {
		snprintf(needle, sizeof(needle), "\"pid\":%u,", c->child);
		if (rec->kind == FR_KIND_META_CHANGE &&
		    memmem(rec->payload, rec->len, needle, strlen(needle)) &&
		    memmem(rec->payload, rec->len, "\"op\":\"add\"", 10))
			c->meta_adds++;
		return;
	}
	if (ev->kind == FR_KIND_PROC_FORK && live_field(ev, "parent_pid") == c->self &&
	    live_field(ev, "child_pid") == c->child)
		c->forks++;
	if (ev->kind == FR_KIND_PROC_EXEC && live_field(ev, "pid") == c->child) {
		c->execs++;
		live_field_str(ev, "filename", c->filename, sizeof(c->filename));
	}
	if (ev->kind == FR_KIND_PROC_EXIT && live_field(ev, "pid") == c->child) {
		c->exits++;
		c->exit_code = live_field_s64(ev, "exit_code");
	}
}

static void check_exec(const char *dir, pid_t child)
{
	struct proc_ctx c = {.self = (uint32_t)getpid(), .child = (uint32_t)child};

	live_read_dir(dir, proc_visit, &c);
	printf("proc: child %u: forks %u, execs %u (%s), exits %u (code %lld), meta adds %u\n",
	       c.child, c.forks, c.execs, c.filename, c.exits, (long long)c.exit_code, c.meta_adds);
	CHECK(c.forks == 1 && c.execs == 1 && c.exits == 1, "lifecycle records missing");
	CHECK(!strcmp(c.filename, "/bin/sh"), "exec filename %s", c.filename);
	CHECK(c.exit_code == 7 << 8, "exit code %lld", (long long)c.exit_code);
	CHECK(c.meta_adds == 1, "meta_change add records %u", c.meta_adds);
}

static void scenario_exec(const char *attach)
{
	const char *const args[] = {"--families", "proc", "--attach", attach, NULL};
	struct live_recorder r;
	pid_t child;

	live_recorder__start(&r, recorder, args);
	child = workload_exec_exit(7);
	CHECK(child > 0, "exec workload failed");
	live_recorder__stop(&r);
	check_exec(r.dir, child);
}

int main(int argc, char **argv)
{
	const char *scenario;

	if (argc != 3) {
		fprintf(stderr, "usage: %s RECORDER SCENARIO\n", argv[0]);
		return 2;
	}
	recorder = argv[1];
	scenario = argv[2];
	live_require_bpf();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(scenario, "probe"))
		return 0; /* for scripts: exit 77 with the reason, or 0 */
	if (!strcmp(scenario, "tcp"))
		scenario_tcp();
	else if (!strcmp(scenario, "file"))
		scenario_file(false, false);
	else if (!strcmp(scenario, "file_stream"))
		scenario_file(true, false);
	else if (!strcmp(scenario, "file_hosted"))
		scenario_file(false, true);
	else if (!strcmp(scenario, "file_stream_hosted"))
		scenario_file(true, true);
	else if (!strcmp(scenario, "syscalls"))
		scenario_syscalls("syscalls=aggregate", false);
	else if (!strcmp(scenario, "syscalls_stream"))
		scenario_syscalls("syscalls=stream", false);
	else if (!strcmp(scenario, "pid_filter"))
		scenario_syscalls("syscalls=aggregate", true);
	else if (!strcmp(scenario, "drop"))
		scenario_drop();
	else if (!strcmp(scenario, "exec"))
		scenario_exec("auto");
	else if (!strcmp(scenario, "exec_raw_tp"))
		scenario_exec("raw_tp");
	else
		return live_scenario_more(recorder, scenario);
	printf("PASS %s\n", scenario);
	return 0;
}
