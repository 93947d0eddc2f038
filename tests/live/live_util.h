/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers for the live recorder tests: run flightrec-record around a
 * workload and read back what it wrote with the format reader.
 */
#ifndef FR_TESTS_LIVE_UTIL_H
#define FR_TESTS_LIVE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/types.h>

#include "format/kinds.h"
#include "format/reader.h"

#define SKIP_CODE 77

/* Fail the test with a message; never returns. */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			live_fail();                                                               \
		}                                                                                  \
	} while (0)

struct live_recorder {
	pid_t pid;
	int stderr_fd;
	char dir[256];
};

/* Print the recorder's stderr (if any) and exit 1. */
_Noreturn void live_fail(void);

/*
 * Exit 77 with a reason unless this process may load BPF programs: the
 * skip is decided by a capability probe, never by a failure later on.
 */
void live_require_bpf(void);

/* Fresh temporary directory under /tmp. */
void live_mkdtemp(char *out, size_t cap);

/*
 * Start `recorder` with --dir and the NULL-terminated extra arguments,
 * and return once it reports that it is recording (it has attached).
 */
void live_recorder__start(struct live_recorder *r, const char *recorder, const char *const *args);

/* SIGINT, wait, and check it exited 0. */
void live_recorder__stop(struct live_recorder *r);

/* Wait for a recorder started with --duration to exit by itself; check 0. */
void live_recorder__wait(struct live_recorder *r);

/* Send a signal (SIGHUP to rotate). */
void live_recorder__signal(struct live_recorder *r, int sig);

/*
 * Call `fn` for every record of every segment in `dir` (in sequence order),
 * with `ev` decoded for schema kinds (NULL for opaque ones). Checks every
 * segment reads without error. Return: number of segments.
 */
typedef void (*live_record_fn)(const struct fr_record *rec, const struct fr_event *ev, void *ctx);
int live_read_dir(const char *dir, live_record_fn fn, void *ctx);

/* Number of segments in `dir` that are sealed (read through their index). */
int live_count_sealed(const char *dir);

/* Field of a decoded event by name; fails the test when the kind lacks it. */
uint64_t live_field(const struct fr_event *ev, const char *name);
int64_t live_field_s64(const struct fr_event *ev, const char *name);

/* Byte field as a NUL-terminated string in `buf`. */
const char *live_field_str(const struct fr_event *ev, const char *name, char *buf, size_t cap);

/* Run a shell command; fail the test unless it exits 0. */
void live_run(const char *cmd);

/*
 * Replay the segments of `dir` into `dir`/replay.db (path in `db`) with the
 * analyzer named by FR_ANALYZER (set by CMake). Return: the analyzer's path.
 */
const char *live_replay(const char *dir, char *db, size_t cap);

/*
 * Run `fr metrics DB --format csv --family FAMILIES` and call `fn` with each
 * line (header included), which it may modify; fail the test unless the
 * analyzer exits 0.
 */
typedef void (*live_row_fn)(void *ctx, char *line);
void live_metrics_csv(const char *fr, const char *db, const char *families, live_row_fn fn,
		      void *ctx);

/* Call `fn` with each line shell command `cmd` prints; fail the test
 * unless it exits 0. */
void live_run_lines(const char *cmd, live_row_fn fn, void *ctx);

/* The same for `fr query DB --name NAME --format csv`. */
void live_query_csv(const char *fr, const char *db, const char *name, live_row_fn fn, void *ctx);

/*
 * In a forked child: accept one connection on `lfd`, read `bytes`, answer
 * one byte, read until EOF, close; exit 0, or 1 when any of it fails.
 */
_Noreturn void live_serve_once(int lfd, uint64_t bytes);

/* A TCP socket listening on 127.0.0.1 at a port of the kernel's choice, its
 * address in `a`; `flags` are socket(2) type flags (SOCK_CLOEXEC). */
int live_listen_loopback(struct sockaddr_in *a, int flags);

/*
 * A fresh cgroup v2 directory for one workload (its processes and their
 * children can then be recorded alone with --cgroup). Return 0, or
 * SKIP_CODE (with the reason printed) when no writable v2 hierarchy exists.
 */
int live_cgroup__create(char *dir, size_t cap);

/* Move process `pid` into the cgroup `dir`. */
void live_cgroup__join(const char *dir, pid_t pid);

/*
 * A workload child alone in a fresh cgroup: started (blocked) by
 * live_cgroup_child__start, released by live_cgroup_child__run once the
 * recorder (with --cgroup dir) runs; `fn` does the work, writes its report
 * (what it did, its truth) to `out` and exits 0.
 */
typedef void (*live_child_fn)(int out); /* must not return: it exits */
struct live_cgroup_child {
	pid_t pid;
	int go, out;
	char dir[256];
};

/* Return 0, or SKIP_CODE when no cgroup v2 hierarchy is writable. */
int live_cgroup_child__start(struct live_cgroup_child *c, live_child_fn fn);

/* Release the child, read its `len`-byte report, wait for exit 0, remove the cgroup. */
void live_cgroup_child__run(struct live_cgroup_child *c, void *report, size_t len);

/*
 * Sum of the values of `flightrec metrics DB --family FAMILY --format csv`
 * (the analyzer from FR_ANALYZER) over rows whose labels contain `label`
 * (NULL: all) and whose le is `le` (NULL: counter rows, which have none).
 */
uint64_t live_metric_sum(const char *db, const char *family, const char *label, const char *le);

/*
 * `flightrec query DB SQL` (the analyzer `fr`) whose one row's first `n`
 * columns are integers, into out[]; fails the test otherwise.
 */
void live_query_row(const char *fr, const char *db, const char *sql, long long *out, int n);

/* live_kfam.c: the data bytes a connection's ends acknowledged (conn.data_acked,
 * which kube_ebpf_acknowledged_bytes sums), without SYN and FIN. Return 0. */
int live_scenario_kfam(const char *recorder);

/* Scenarios in live_more.c: oom, all, rotate, ... Return the exit code. */
int live_scenario_more(const char *recorder, const char *scenario);

/* live_net.c: TCP under iptables-made loss in a private netns. Return 0. */
int live_scenario_loss(const char *recorder);

/* live_net.c: an IPv4 client of a dual-stack listener is written as IPv4. Return 0. */
int live_scenario_dualstack(const char *recorder);

/* live_net.c: closes of a connection older than the recording say so. Return 0. */
int live_scenario_preexisting(const char *recorder);

/* live_conn.c: half-close, simultaneous close, reset after close and
 * TIME_WAIT reuse each make one conn row per end. Return 0. */
int live_scenario_conn(const char *recorder);

/* live_syscalls.c: "noreturn", "noreturn_stream". Return the exit code, -1: not one. */
int live_scenario_syscalls(const char *recorder, const char *scenario);

/* live_counters.c: "faults[_stream]", "ctxsw[_stream]". Return the exit code, -1: not one. */
int live_scenario_counters(const char *recorder, const char *scenario);

/* live_netcount.c: net_retrans(_early), net_synack, net_packets, net_rtt_owner. Return
 * the exit code. */
int live_scenario_netcount(const char *recorder, const char *scenario);

/* kube_*: the kubernetes source (live_kube.c); -1 for another scenario. */
int live_scenario_kube(const char *recorder, const char *scenario);

/* live_kube_faults.c: kube_slow, kube_restart, kube_token, kube_bad_start;
 * -1 for another scenario. */
int live_scenario_kube_faults(const char *recorder, const char *scenario);

/* live_e2e.c: recorder, replay and metrics agree with a known workload. Return 0. */
int live_scenario_e2e(const char *recorder);

/* live_file.c: file bytes per kind of descriptor against the workload and
 * /proc/PID/io; the scenario's name says the mode (stream), whether the
 * syscalls programs account files (hosted) and the attach type (raw_tp). */
int live_scenario_file_kinds(const char *recorder, const char *scenario);

/*
 * live_sched.c: ebpf_process_runtime_ns equals the kernel's CPU time of
 * sleepy, busy and multi-threaded processes. mode: "aggregate", "stream"
 * or "raw_tp". Return 0.
 */
int live_scenario_sched(const char *recorder, const char *mode);

/* live_ident.c: records of short-lived processes keep their identity, in
 * aggregate (default) or stream modes. Return 0. */
int live_scenario_ident(const char *recorder, bool stream);

/* live_khost.c: metrics --by comm and --by cgroup equal what two programs
 * did in a cgroup of their own. Return 0, or SKIP_CODE without cgroup v2. */
int live_scenario_by_comm(const char *recorder);

/* live_usermetric.c: the example metric files over a live recording of a
 * workload that counts what it did (FR_SRC: the source tree). Return 0,
 * or SKIP_CODE without cgroup v2 or promtool. */
int live_scenario_usermetric(const char *recorder);

#endif /* FR_TESTS_LIVE_UTIL_H */
