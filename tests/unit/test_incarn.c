/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which process incarnation a record belongs to (analyzer/replay/incarn.h):
 * the rule on its own, then through `flightrec replay` of a hand-written
 * segment with what the recorder writes around short-lived processes
 * (aggregates flushed after the exit, a reused pid inside one interval,
 * the last context switch after the exit record, a child forked between a
 * flush's stamp and its map switch) and a process older than the
 * recording. The reader returns records in time order, whatever order
 * they were written in.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/replay/incarn.h"
#include "format/writer.h"
#include "replay_helpers.h"
#include "seg_helpers.h"

#define S    1000000000LL /* one second in ns */
#define BOOT 1000000000ull
#define WALL 1768478400000000000ull

static void test_pick_rule(void **state)
{
	struct fr_incarn_past p = {0};
	const struct fr_incarn a = {.pk = 1, .start = 0, .end = 2 * S / 10};
	const struct fr_incarn b = {.pk = 2, .start = 3 * S / 10, .end = 9 * S / 10};
	const struct fr_incarn live = {.pk = 3, .start = 95 * S / 100, .end = INT64_MAX};
	int64_t pk = 0;

	(void)state;
	assert_int_equal(fr_incarn_past__add(&p, 1, 100, &a), 0);
	/* an aggregate over [0, 1 s] after the exit: the ended incarnation */
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, NULL, 0, S, 0, &pk), 0);
	assert_int_equal(pk, 1);
	/* another node or pid: none */
	assert_int_equal(fr_incarn_past__pick(&p, 2, 100, NULL, 0, S, 0, &pk), -ENOENT);
	assert_int_equal(fr_incarn_past__pick(&p, 1, 101, NULL, 0, S, 0, &pk), -ENOENT);
	/* the pid reused inside the interval: the one alive longer in it */
	assert_int_equal(fr_incarn_past__add(&p, 1, 100, &b), 0);
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, NULL, 0, S, 0, &pk), 0);
	assert_int_equal(pk, 2);
	/* a third, alive, overlapping least: still the second */
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, &live, 0, S, 0, &pk), 0);
	assert_int_equal(pk, 2);
	/* an event at 0.1 s belongs to the first; one at 0.97 s to the live one */
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, &live, S / 10, S / 10, 0, &pk), 0);
	assert_int_equal(pk, 1);
	assert_int_equal(
		fr_incarn_past__pick(&p, 1, 100, &live, 97 * S / 100, 97 * S / 100, 0, &pk), 1);
	/* after the last exit: nothing of its own calls, but the kernel's tail */
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, NULL, 92 * S / 100, 92 * S / 100, 0, &pk),
			 -ENOENT);
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, NULL, 92 * S / 100, 92 * S / 100,
					      FR_INCARN_TAIL_NS, &pk),
			 0);
	assert_int_equal(pk, 2);
	/* started after the span (beyond the stamp's slack): not a candidate */
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, &live, 0, S / 2, 0, &pk), 0);
	assert_int_equal(pk, 2);
	/* hostile times saturate */
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, &live, INT64_MIN, INT64_MAX,
					      FR_INCARN_TAIL_NS, &pk),
			 1);
	/* forgetting: other nodes and what ended before the bound */
	fr_incarn_past__prune(&p, 1, S / 4);
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, NULL, 0, S / 10, 0, &pk), -ENOENT);
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, NULL, 0, S, 0, &pk), 0);
	assert_int_equal(pk, 2);
	fr_incarn_past__prune(&p, 2, 0);
	assert_int_equal(fr_incarn_past__pick(&p, 1, 100, NULL, 0, S, 0, &pk), -ENOENT);
	/* many entries: the front is reused, the chains stay right */
	for (int i = 0; i < 5000; i++) {
		const struct fr_incarn c = {.pk = 10 + i, .start = i * S, .end = i * S + S / 2};

		assert_int_equal(fr_incarn_past__add(&p, 1, (uint32_t)(i % 7), &c), 0);
		fr_incarn_past__prune(&p, 1, (i - 100) * S);
	}
	assert_int_equal(
		fr_incarn_past__pick(&p, 1, 4999 % 7, NULL, 4999 * S, 4999 * S + S, 0, &pk), 0);
	assert_int_equal(pk, 10 + 4999);
	assert_int_equal(
		fr_incarn_past__pick(&p, 1, 4950 % 7, NULL, 4950 * S, 4950 * S + S / 4, 0, &pk), 0);
	assert_int_equal(pk, 10 + 4950);
	assert_int_equal(fr_incarn_past__pick(&p, 1, 0, NULL, 10 * S, 10 * S, 0, &pk), -ENOENT);
	fr_incarn_past__free(&p);
}

static struct fr_value u(uint64_t x)
{
	return (struct fr_value){.u = x};
}

static struct fr_value b(const char *s)
{
	return (struct fr_value){.p = (const uint8_t *)s, .len = (uint32_t)strlen(s)};
}

static void put(struct fr_writer *w, unsigned kind, uint64_t at, const struct fr_value *v, int n)
{
	assert_int_equal(fr_writer__append_event(w, kind, BOOT + at, v, (size_t)n), 0);
}

static void fork_exec(struct fr_writer *w, uint64_t pid, uint64_t at, const char *comm)
{
	put(w, FR_KIND_PROC_FORK, at, (struct fr_value[]){u(1), u(pid), u(pid), u(7), b("sh")}, 5);
	put(w, FR_KIND_PROC_EXEC, at + 1000,
	    (struct fr_value[]){u(pid), u(pid), u(1), u(0), u(7), b(comm), b("/bin/job")}, 7);
}

static void exit_(struct fr_writer *w, uint64_t pid, uint64_t at)
{
	put(w, FR_KIND_PROC_EXIT, at,
	    (struct fr_value[]){u(pid), u(pid), u(1), u(7), u(0), u(1), b("x")}, 7);
}

/* A syscall_agg row (nr 39) of `count` calls flushed at `at` over 1 s. */
static void agg(struct fr_writer *w, uint64_t pid, uint64_t at, uint64_t count)
{
	put(w, FR_KIND_SYSCALL_AGG, at,
	    (struct fr_value[]){u(pid), u(39), u(count), u(0), u(count), u(S), {.len = 0}}, 7);
}

static void sched_agg(struct fr_writer *w, uint64_t pid, uint64_t at)
{
	put(w, FR_KIND_SCHED_AGG, at,
	    (struct fr_value[]){u(pid), u(10), u(1), u(0), u(0), u(0), u(S), {.len = 0}}, 8);
}

static void syscall_(struct fr_writer *w, uint64_t pid, uint64_t at)
{
	put(w, FR_KIND_SYSCALL, at, (struct fr_value[]){u(pid), u(pid), u(39), u(5), u(0), u(0)},
	    6);
}

static void write_segment(const char *path)
{
	static const struct fr_writer_opts o = {.host = "n1",
						.boot_id = "b",
						.kernel = "k",
						.boot_ns = BOOT,
						.wall_ns = WALL,
						.fsync_ms = -1};
	static const char snap[] =
		"{\"source\":\"host\",\"node\":\"n1\",\"processes\":[{\"pid\":600,"
		"\"comm\":\"olddaemon\",\"exe\":\"/usr/sbin/olddaemon\"}]}";
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, &o, &w), 0);
	assert_int_equal(fr_writer__append(w, FR_KIND_META_SNAPSHOT, BOOT, snap, strlen(snap)), 0);
	/* 200: exits at 0.3 s, its calls flushed at 1 s */
	fork_exec(w, 200, S / 10, "short");
	exit_(w, 200, 3 * S / 10);
	/* 300: one incarnation 0.1 s long, then the pid again for 0.65 s */
	fork_exec(w, 300, S / 10, "first");
	exit_(w, 300, 2 * S / 10);
	fork_exec(w, 300, 25 * S / 100, "second");
	exit_(w, 300, 9 * S / 10);
	agg(w, 200, S, 5);
	agg(w, 300, S, 7);
	agg(w, 600, S, 11);
	agg(w, 800, S, 13); /* no such process: a row of its own */
	/* 400: exits at 1.99 s; its last switch is booked in [2 s, 3 s] */
	fork_exec(w, 400, 12 * S / 10, "tail");
	exit_(w, 400, 199 * S / 100);
	/* 500: forked 0.5 ms after a flush stamp (before the maps switched) */
	agg(w, 500, 2 * S, 3);
	fork_exec(w, 500, 2 * S + S / 2000, "adopted");
	sched_agg(w, 400, 3 * S);
	/* a call of pid 400 after its exit is another process (fork unseen) */
	syscall_(w, 400, 35 * S / 10);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
}

static int64_t one(sqlite3 *db, const char *sql)
{
	return test_sql_int(db, sql);
}

static void test_replay_short_lived(void **state)
{
	sqlite3 *db;
	char *dir = test_replay_segment(write_segment, &db);

	(void)state;
	assert_int_equal(one(db, "SELECT count(*) FROM proc WHERE pid = 200"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_syscall_agg a JOIN proc p USING (pk) "
				 "WHERE a.pid = 200 AND p.comm = 'short' AND a.count = 5"),
			 1);
	assert_int_equal(one(db, "SELECT count(*) FROM proc WHERE pid = 300"), 2);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_syscall_agg a JOIN proc p USING (pk) "
				 "WHERE a.pid = 300 AND p.comm = 'second'"),
			 1);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_sched_agg a JOIN proc p USING (pk) "
				 "WHERE a.pid = 400 AND p.comm = 'tail'"),
			 1);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_syscall a JOIN proc p USING (pk) "
				 "WHERE a.pid = 400 AND p.comm IS NULL"),
			 1);
	assert_int_equal(one(db, "SELECT count(*) FROM proc WHERE pid = 500"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_syscall_agg a JOIN proc p USING (pk) "
				 "WHERE a.pid = 500 AND p.comm = 'adopted' AND p.parent_pk > 0"),
			 1);
	assert_true(one(db, "SELECT start_ts FROM proc WHERE pid = 500") ==
		    (int64_t)(WALL + 2 * S + S / 2000));
	/* older than the recording: named from the host's process table */
	assert_int_equal(one(db, "SELECT count(*) FROM ev_syscall_agg a JOIN proc p USING (pk) "
				 "WHERE a.pid = 600 AND p.comm = 'olddaemon' AND "
				 "p.exe = '/usr/sbin/olddaemon'"),
			 1);
	assert_int_equal(one(db, "SELECT count(*) FROM proc WHERE pid = 800 AND comm IS NULL"), 1);
	sqlite3_close(db);
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_pick_rule),
					   cmocka_unit_test(test_replay_short_lived)};

	return cmocka_run_group_tests_name("incarn", tests, NULL, NULL);
}
