/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `flightrec replay` on a hand-written segment: clock conversion through
 * CLOCK_SYNC, process incarnations across pid reuse, socket incarnations
 * across sock_id reuse, socket messages with and without their connection's
 * tuple, what a socket does after its close, metadata intervals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/cmd/replay.h"
#include "format/writer.h"
#include "replay_helpers.h"
#include "seg_helpers.h"

#define BOOT   1000000000ull
#define WALL   1768478400000000000ull
#define WALL_S "1768478400000000000"
#define SHIFT  5000ull /* the second clock sync moves wall time by this */

static struct fr_value u(uint64_t x)
{
	return (struct fr_value){.u = x};
}

static struct fr_value b(const void *p, uint32_t len)
{
	return (struct fr_value){.p = p, .len = len};
}

static void write_segment(const char *path)
{
	static const uint8_t a1[4] = {10, 0, 0, 1}, a2[4] = {10, 0, 0, 2}, a3[4] = {10, 0, 0, 3};
	static const char snap[] =
		"{\"source\":\"host\",\"node\":\"n1\",\"processes\":[{\"pid\":100,"
		"\"comm\":\"app\",\"container_id\":\"containerd://c1\"}]}";
	static const char pods[] =
		"{\"source\":\"kubernetes\",\"pods\":[{\"uid\":\"u1\",\"namespace\":\"ns\","
		"\"name\":\"p1\",\"ips\":[\"10.0.0.2\"],\"workload\":\"w\","
		"\"containers\":[{\"id\":\"c1\",\"name\":\"app\"}]}]}";
	static const char del[] =
		"{\"op\":\"delete\",\"type\":\"pod\",\"object\":{\"uid\":\"u1\"}}";
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, &test_writer_opts, &w), 0);
	assert_int_equal(fr_writer__append(w, FR_KIND_META_SNAPSHOT, BOOT, snap, strlen(snap)), 0);
	assert_int_equal(fr_writer__append(w, FR_KIND_META_SNAPSHOT, BOOT, pods, strlen(pods)), 0);
	/* pid 100: fork, syscall, exit; then the pid is reused */
	assert_int_equal(fr_writer__append_event(
				 w, FR_KIND_PROC_FORK, BOOT + 10,
				 (struct fr_value[]){u(1), u(100), u(100), u(7), b("sh", 2)}, 5),
			 0);
	assert_int_equal(fr_writer__append_event(
				 w, FR_KIND_SYSCALL, BOOT + 20,
				 (struct fr_value[]){u(100), u(100), u(0), u(50), u(0), u(0)}, 6),
			 0);
	assert_int_equal(fr_writer__append_event(w, FR_KIND_PROC_EXIT, BOOT + 30,
						 (struct fr_value[]){u(100), u(100), u(1), u(7),
								     u(0), u(20), b("sh", 2)},
						 7),
			 0);
	assert_int_equal(
		fr_writer__append_event(w, FR_KIND_CLOCK_SYNC, BOOT + 40,
					(struct fr_value[]){u(BOOT + 40), u(WALL + 40 + SHIFT)}, 2),
		0);
	assert_int_equal(fr_writer__append_event(
				 w, FR_KIND_SYSCALL, BOOT + 50,
				 (struct fr_value[]){u(100), u(100), u(0), u(60), u(0), u(0)}, 6),
			 0);
	/* sock 9: connect, close, connect again */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fr_writer__append_event(
					 w, FR_KIND_TCP_CONNECT, BOOT + 60 + 20 * (uint64_t)i,
					 (struct fr_value[]){u(100), u(2), b(a1, 4), b(a2, 4),
							     u(4000), u(80), u(9), u(1000), u(0)},
					 9),
				 0);
		if (!i)
			assert_int_equal(fr_writer__append_event(
						 w, FR_KIND_TCP_CLOSE, BOOT + 70,
						 (struct fr_value[]){
							 u(100), u(2), b(a1, 4), b(a2, 4), u(4000),
							 u(80), u(9), u(10), u(5), u(6), u(0), u(0),
							 u(0), u(0), u(0), u(0), u(0), u(0)},
						 18),
					 0);
	}
	/* messages on sock 9: the connection's tuple, then another peer */
	for (int i = 0; i < 2; i++)
		assert_int_equal(
			fr_writer__append_event(w, FR_KIND_SOCK_MSG, BOOT + 85 + (uint64_t)i,
						(struct fr_value[]){u(100), u(2), b(a1, 4),
								    b(i ? a3 : a2, 4), u(4000),
								    u(i ? 53 : 80), u(9), u(6),
								    u(0), u(100), u(1), u(1)},
						12),
			0);
	assert_int_equal(fr_writer__append(w, FR_KIND_META_CHANGE, BOOT + 90, del, strlen(del)), 0);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
}

static int64_t one(sqlite3 *db, const char *sql)
{
	return test_sql_int(db, sql);
}

static char *replay_segment(void (*write)(const char *path), sqlite3 **db)
{
	return test_replay_segment(write, db);
}

static void test_replay_semantics(void **state)
{
	sqlite3 *db;
	char *dir = replay_segment(write_segment, &db);

	/* wall = boot - BOOT + WALL, then shifted by the second clock sync */
	assert_true(one(db, "SELECT min(ts) FROM ev_syscall") == (int64_t)(WALL + 20));
	assert_true(one(db, "SELECT max(ts) FROM ev_syscall") == (int64_t)(WALL + 50 + SHIFT));
	/* the reused pid is a second incarnation */
	assert_int_equal(one(db, "SELECT count(DISTINCT pk) FROM ev_syscall"), 2);
	assert_int_equal(one(db, "SELECT count(*) FROM proc WHERE pid = 100"), 2);
	assert_int_equal(one(db, "SELECT exit_code FROM proc WHERE pid = 100 ORDER BY pk LIMIT 1"),
			 0);
	/* the first incarnation gets its pod through host and pod metadata */
	assert_int_equal(one(db, "SELECT count(*) FROM proc_attr WHERE pod = 'p1'"), 2);
	/* the reused socket is a second connection; the first is closed */
	assert_int_equal(one(db, "SELECT count(*) FROM conn WHERE sock_id = 9"), 2);
	assert_int_equal(one(db, "SELECT count(*) FROM conn WHERE bytes_acked = 5"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM conn_attr WHERE server_uid = 'u1'"), 2);
	/* a message keeps its own tuple where it is not its connection's */
	assert_int_equal(one(db, "SELECT count(*) FROM ev_sock_msg WHERE sock_id = 9 AND "
				 "saddr = '10.0.0.1' AND sport = 4000 AND cid = 2 AND bytes = 100"),
			 2);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_sock_msg WHERE daddr = '10.0.0.2' AND "
				 "dport = 80 AND ts = " WALL_S " + 85 + 5000"),
			 1);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_sock_msg WHERE daddr = '10.0.0.3' AND "
				 "dport = 53 AND ts = " WALL_S " + 86 + 5000"),
			 1);
	assert_int_equal(one(db, "SELECT count(*) FROM sock_tuple WHERE kind = 'sock_msg'"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_tcp_connect WHERE sock_id = 9 AND "
				 "saddr = '10.0.0.1' AND daddr = '10.0.0.2' AND dport = 80"),
			 2);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_tcp_close WHERE sock_id = 9 AND "
				 "sport = 4000 AND bytes_acked = 5 AND cid = 1"),
			 1);
	assert_int_equal(one(db, "SELECT count(*) FROM sock_tuple WHERE kind <> 'sock_msg'"), 0);
	/* the pod was deleted: its interval closes at the change's time */
	assert_true(one(db, "SELECT valid_to FROM meta_pod WHERE uid = 'u1'") ==
		    (int64_t)(WALL + 90 + SHIFT));
	assert_int_equal(one(db, "SELECT count(*) FROM meta_process WHERE container_id = 'c1'"), 1);
	sqlite3_close(db);
	test_rmdir(dir);
}

/* Conventions of the recorder's records that the fixture generator never writes. */
static void write_recorder_segment(const char *path)
{
	static const uint8_t a1[4] = {10, 0, 0, 1}, a2[4] = {10, 0, 0, 2};
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, &test_writer_opts, &w), 0);
	/* closes of sockets opened before the recording: origin unknown (2), and
	 * accepted (0); the first is the server side by its ports */
	for (uint64_t i = 0; i < 2; i++)
		assert_int_equal(
			fr_writer__append_event(
				w, FR_KIND_TCP_CLOSE, BOOT + 10 + i,
				(struct fr_value[]){
					u(100), u(2), b(a1, 4), b(a2, 4), u(80), u(51000 + i),
					u(20 + i), u(1), u(2), u(3), u(4), u(5), u(6), u(0),
					u(i ? FR_TCP_ORIGIN_ACCEPTED : FR_TCP_ORIGIN_UNKNOWN), u(0),
					u(0), u(0)},
				18),
			0);
	/* a reset answering a packet no socket wanted: sock_id 0, pid 0 */
	assert_int_equal(fr_writer__append_event(w, FR_KIND_TCP_RESET, BOOT + 20,
						 (struct fr_value[]){u(0), u(2), b(a1, 4), b(a2, 4),
								     u(7777), u(45000), u(0), u(0)},
						 8),
			 0);
	/* switches with an unrecorded side (pid 0) and an unknown run-queue wait */
	assert_int_equal(fr_writer__append_event(
				 w, FR_KIND_SCHED_SWITCH, BOOT + 30,
				 (struct fr_value[]){u(0), u(0), u(0), u(100), u(0), u(0)}, 6),
			 0);
	assert_int_equal(fr_writer__append_event(
				 w, FR_KIND_SCHED_SWITCH, BOOT + 40,
				 (struct fr_value[]){u(0), u(100), u(1), u(0), u(0), u(500)}, 6),
			 0);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
}

static void test_replay_recorder_conventions(void **state)
{
	sqlite3 *db;
	char *dir = replay_segment(write_recorder_segment, &db);

	/* unknown origin stays unknown; the ephemeral port names the client */
	assert_int_equal(one(db, "SELECT active FROM conn WHERE sock_id = 20"), -1);
	assert_int_equal(one(db, "SELECT is_client FROM conn_attr WHERE cid = "
				 "(SELECT cid FROM conn WHERE sock_id = 20)"),
			 0);
	assert_int_equal(one(db, "SELECT server_port FROM conn_attr WHERE cid = "
				 "(SELECT cid FROM conn WHERE sock_id = 20)"),
			 80);
	assert_int_equal(one(db, "SELECT active FROM conn WHERE sock_id = 21"), 0);
	/* no socket, no connection: the reset keeps its own tuple */
	assert_int_equal(one(db, "SELECT count(*) FROM conn"), 2);
	assert_int_equal(one(db, "SELECT count(*) FROM ev_tcp_reset WHERE sock_id IS NULL AND "
				 "sport = 7777 AND dport = 45000"),
			 1);
	/* only the recorded side counts: one switch out of pid 100, no run-queue wait */
	assert_int_equal(one(db, "SELECT sum(switches) FROM roll_sched_out"), 1);
	assert_int_equal(one(db, "SELECT sum(runtime_ns) FROM roll_sched_out"), 500);
	assert_int_equal(one(db, "SELECT count(*) FROM roll_runq"), 0);
	sqlite3_close(db);
	test_rmdir(dir);
}

/* A record of a socket kind: pid 100, IPv4 10.0.0.1:sport -> daddr:dport on
 * `sock`, then the kind's own fields. */
static void sock_event(struct fr_writer *w, uint16_t kind, uint64_t ts, uint64_t sock,
		       uint64_t sport, const uint8_t *daddr, uint64_t dport,
		       const struct fr_value *own, unsigned nown)
{
	static const uint8_t a1[4] = {10, 0, 0, 1};
	struct fr_value v[24] = {u(100), u(2), b(a1, 4), b(daddr, 4), u(sport), u(dport), u(sock)};

	assert_true(7 + nown <= 24);
	if (nown)
		memcpy(v + 7, own, nown * sizeof(*own));
	assert_int_equal(fr_writer__append_event(w, kind, BOOT + ts, v, 7 + nown), 0);
}

#define CLOSE_FIELDS(origin)                                                                       \
	(struct fr_value[]){u(10), u(7),      u(3), u(4), u(4), u(50),                             \
			    u(0),  u(origin), u(0), u(0), u(0)},                                   \
		11
#define MSG_FIELDS(proto, received, bytes)                                                         \
	(struct fr_value[]){u(proto), u(received), u(bytes), u(1), u(1)}, 5

/*
 * The recorder closes a connection at its CLOSE, but the socket lives on:
 * a half-closed client reads the reply after the FIN closed it, and a close
 * with unread data sends its reset after the CLOSE. Neither is a new
 * connection; an open, a second close or another tuple is.
 */
static void write_after_close_segment(const char *path)
{
	static const uint8_t a2[4] = {10, 0, 0, 2}, a3[4] = {10, 0, 0, 3};
	const struct fr_value connected[] = {u(1000), u(0)};
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, &test_writer_opts, &w), 0);
	/* sock 30: send, shutdown; the server's FIN closes it; the reply is read
	 * after; then the same 4-tuple again (a TIME_WAIT reused) */
	for (uint64_t i = 0; i < 2; i++) {
		sock_event(w, FR_KIND_TCP_CONNECT, 10 + 10 * i, 30, 4001, a2, 80, connected, 2);
		sock_event(w, FR_KIND_SOCK_MSG, 11 + 10 * i, 30, 4001, a2, 80, MSG_FIELDS(6, 0, 5));
		sock_event(w, FR_KIND_TCP_CLOSE, 12 + 10 * i, 30, 4001, a2, 80,
			   CLOSE_FIELDS(FR_TCP_ORIGIN_CONNECTED));
		sock_event(w, FR_KIND_SOCK_MSG, 13 + 10 * i, 30, 4001, a2, 80, MSG_FIELDS(6, 1, 2));
	}
	/* sock 31: accepted, closed with data unread, the reset after the close */
	sock_event(w, FR_KIND_TCP_ACCEPT, 40, 31, 80, a2, 4002, NULL, 0);
	sock_event(w, FR_KIND_TCP_CLOSE, 41, 31, 80, a2, 4002,
		   CLOSE_FIELDS(FR_TCP_ORIGIN_ACCEPTED));
	sock_event(w, FR_KIND_TCP_RESET, 42, 31, 80, a2, 4002, (struct fr_value[]){u(0)}, 1);
	/* sock 32: two closes and no open between (a lost connect): two connections */
	for (uint64_t i = 0; i < 2; i++)
		sock_event(w, FR_KIND_TCP_CLOSE, 50 + i, 32, 4003, a2, 80,
			   CLOSE_FIELDS(FR_TCP_ORIGIN_CONNECTED));
	/* sock 33: after the close, another tuple is another socket */
	sock_event(w, FR_KIND_TCP_CLOSE, 60, 33, 4004, a2, 80,
		   CLOSE_FIELDS(FR_TCP_ORIGIN_CONNECTED));
	sock_event(w, FR_KIND_SOCK_MSG, 61, 33, 5353, a3, 53, MSG_FIELDS(17, 0, 40));
	/* sock 34: a read a minute after the close is not the closed connection's */
	sock_event(w, FR_KIND_TCP_CLOSE, 70, 34, 4005, a2, 80,
		   CLOSE_FIELDS(FR_TCP_ORIGIN_CONNECTED));
	sock_event(w, FR_KIND_SOCK_MSG, 71 + 60000000000ull, 34, 4005, a2, 80, MSG_FIELDS(6, 1, 2));
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
}

static void test_replay_after_close(void **state)
{
	/* each query's count */
	static const struct {
		const char *sql;
		int64_t want;
	} expect[] = {
		{"SELECT count(*) FROM conn", 9},
		/* one connection per connect, each with its send and its late read */
		{"SELECT count(*) FROM conn WHERE sock_id = 30 AND active = 1 AND bytes_acked = 7 "
		 "AND close_ts < 9223372036854775807",
		 2},
		{"SELECT count(*) FROM (SELECT cid FROM sock_msg m JOIN conn c USING (cid) WHERE "
		 "c.sock_id = 30 GROUP BY cid HAVING sum(m.received = 0) = 1 AND "
		 "sum(m.bytes * m.received) = 2)",
		 2},
		/* the reset is the accepted connection's */
		{"SELECT count(*) FROM conn WHERE sock_id = 31 AND active = 0", 1},
		{"SELECT count(*) FROM tcp_reset r JOIN conn c USING (cid) WHERE c.sock_id = 31",
		 1},
		{"SELECT count(*) FROM conn WHERE sock_id = 32 AND active = 1", 2},
		/* the datagram socket on a freed address, and the read a minute
		 * late: connections of unknown origin */
		{"SELECT count(*) FROM conn WHERE sock_id = 33", 2},
		{"SELECT count(*) FROM conn WHERE active = -1 AND (sock_id = 33 AND sport = 5353 "
		 "OR sock_id = 34)",
		 2},
		{"SELECT count(*) FROM conn WHERE active = -1", 2},
		{"SELECT count(*) FROM sock_msg m JOIN conn c USING (cid) WHERE m.bytes = 40 AND "
		 "c.sport = 5353",
		 1},
		/* every event on its connection's tuple */
		{"SELECT count(*) FROM sock_tuple", 0},
	};
	sqlite3 *db;
	char *dir = replay_segment(write_after_close_segment, &db);

	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		const int64_t got = one(db, expect[i].sql);

		if (got != expect[i].want)
			fail_msg("%s: %lld, not %lld", expect[i].sql, (long long)got,
				 (long long)expect[i].want);
	}
	sqlite3_close(db);
	test_rmdir(dir);
}

/* Groups of closes of distinct sockets on one client port, then a read on
 * the first socket of each group. */
static void write_tail_segment(const char *path)
{
	static const uint8_t a2[4] = {10, 0, 0, 2};
	/* ended incarnations kept: expired after 60 s, at most 65536 */
	static const struct {
		uint64_t first_sock, n, ts;
	} groups[] = {{1000, 600, 0},
		      {2000, 600, 61000000000ull},
		      {3000, 1000, 62000000000ull},
		      {10000, 65536, 63000000000ull}};
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, &test_writer_opts, &w), 0);
	for (unsigned g = 0; g < 4; g++)
		for (uint64_t i = 0; i < groups[g].n; i++)
			sock_event(w, FR_KIND_TCP_CLOSE, groups[g].ts + i, groups[g].first_sock + i,
				   4000, a2, 80, CLOSE_FIELDS(FR_TCP_ORIGIN_CONNECTED));
	/* 1000 expired (60 s), 2000 and 3000 (the ring grew while wrapped) were
	 * dropped for the 65536 after them, 10000 is still kept */
	for (unsigned g = 0; g < 4; g++)
		sock_event(w, FR_KIND_SOCK_MSG, 63500000000ull + g, groups[g].first_sock, 4000, a2,
			   80, MSG_FIELDS(6, 1, 2));
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
}

static void test_replay_after_close_bounded(void **state)
{
	sqlite3 *db;
	char *dir = replay_segment(write_tail_segment, &db);

	assert_int_equal(one(db, "SELECT count(*) FROM conn WHERE active = 1"),
			 600 + 600 + 1000 + 65536);
	assert_int_equal(one(db, "SELECT count(*) FROM conn WHERE active = -1"), 3);
	assert_int_equal(one(db, "SELECT sum(sock_id) FROM conn WHERE active = -1"), 6000);
	assert_int_equal(one(db, "SELECT count(*) FROM sock_msg m JOIN conn c USING (cid) "
				 "WHERE c.sock_id = 10000 AND c.active = 1"),
			 1);
	sqlite3_close(db);
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_replay_semantics),
					   cmocka_unit_test(test_replay_recorder_conventions),
					   cmocka_unit_test(test_replay_after_close),
					   cmocka_unit_test(test_replay_after_close_bounded)};

	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
