/* SPDX-License-Identifier: BSD-2-Clause */
/* Connection attribution (analyzer/attr/connattr.h) against the SQL that defined
 * it before it moved to C: conn ends and pods, kube_pair and conn_pair, with
 * connections spooled out of order, some long after their window was
 * written, the last first; a reused IP; a process whose pod is not its
 * address's; a spool with a gap is an error. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "analyzer/attr/connattr.h"
#include "analyzer/db/db.h"
#include "analyzer/replay/rowbatch.h"
#include "analyzer/replay/rowwriter.h"

#define CONNS 20000 /* more than two spool windows */

static const char tables_sql[] =
	"CREATE TABLE pod_latest (uid TEXT);"
	"INSERT INTO pod_latest VALUES ('pod-a'), ('pod-b'), ('pod-c');"
	"CREATE TABLE proc_attr (pk INTEGER, uid TEXT);"
	/* the process's pod wins over its address's (10.0.0.1: pod-a) */
	"INSERT INTO proc_attr VALUES (1, 'pod-c'), (2, NULL);"
	/* 10.0.0.2 is pod-b, then pod-c; 10.0.0.9 a pod that is gone */
	"INSERT INTO meta_pod_ip VALUES ('10.0.0.1', 'pod-a', 0, 5000),"
	" ('10.0.0.2', 'pod-b', 0, 1000), ('10.0.0.2', 'pod-c', 1000, 5000),"
	" ('10.0.0.9', 'gone', 0, 5000);";

/* The definition replaced by connattr.c (post_load.sql before): rows where
 * conn differs from it. */
static const char *const oracle_sql[] = {
	"SELECT count(*) FROM conn WHERE is_client IS NOT CASE active WHEN 0 THEN 0"
	" WHEN 1 THEN 1 ELSE sport > dport END",
	"WITH u AS (SELECT cid, (SELECT uid FROM proc_attr p WHERE p.pk = c.pk) AS local,"
	" (SELECT i.uid FROM meta_pod_ip i WHERE i.ip = c.saddr AND i.valid_from <= c.open_ts"
	"  AND i.valid_to > c.open_ts ORDER BY i.valid_from DESC LIMIT 1) AS s,"
	" (SELECT i.uid FROM meta_pod_ip i WHERE i.ip = c.daddr AND i.valid_from <= c.open_ts"
	"  AND i.valid_to > c.open_ts ORDER BY i.valid_from DESC LIMIT 1) AS d FROM conn c)"
	" SELECT count(*) FROM conn c JOIN u USING (cid) WHERE"
	" c.client_uid IS NOT CASE WHEN c.is_client THEN COALESCE(local, s) ELSE d END"
	" OR c.server_uid IS NOT CASE WHEN c.is_client THEN d ELSE COALESCE(local, s) END",
	"WITH want AS (SELECT DISTINCT client_uid, server_uid, server_port FROM conn_attr"
	" WHERE client_uid IN (SELECT uid FROM pod_latest)"
	" AND server_uid IN (SELECT uid FROM pod_latest)),"
	" got AS (SELECT client_uid, server_uid, server_port FROM kube_pair)"
	" SELECT (SELECT count(*) FROM (SELECT * FROM want EXCEPT SELECT * FROM got))"
	" + (SELECT count(*) FROM (SELECT * FROM got EXCEPT SELECT * FROM want))"
	" + (SELECT count(*) - count(DISTINCT client_uid || '/' || server_uid || '/'"
	"  || server_port) FROM kube_pair)",
	"WITH want AS (SELECT c.cid, c.node, p.pair, c.is_client, c.active, c.err, c.open_ts,"
	" c.close_ts, c.bytes_acked, c.duration_ns FROM conn_attr c JOIN kube_pair p"
	" ON p.client_uid = c.client_uid AND p.server_uid = c.server_uid"
	" AND p.server_port IS c.server_port)"
	" SELECT (SELECT count(*) FROM (SELECT * FROM want EXCEPT SELECT * FROM conn_pair))"
	" + (SELECT count(*) FROM (SELECT * FROM conn_pair EXCEPT SELECT * FROM want))",
	/* the values as spooled */
	"SELECT count(*) FROM conn WHERE node <> 1 + cid % 2 OR pk IS NOT nullif(cid % 3, 0)"
	" OR sock_id <> cid * 7 OR open_ts <> cid % 2000 OR close_ts <> open_ts + 5"
	" OR saddr <> '10.0.0.1' OR daddr <> CASE WHEN cid % 5 THEN '10.0.0.2' ELSE '10.0.0.9'"
	" END OR sport <> 40000 + cid % 7 OR dport <> 80"
	" OR connect_latency_ns IS NOT CASE WHEN active = 1 THEN cid * 10 END"
	" OR err IS NOT CASE WHEN active = 1 THEN 0 END"
	" OR bytes_acked IS NOT CASE WHEN cid % 3 = 0 THEN cid END"
	" OR bytes_received IS NOT CASE WHEN cid % 3 = 0 THEN cid + 1 END"
	" OR duration_ns IS NOT CASE WHEN cid % 3 = 0 THEN 5 END",
};

static int64_t one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static struct fr_conn conn_of(int64_t cid)
{
	struct fr_conn c = {0};

	c.cid = cid;
	c.node = 1 + (uint32_t)(cid % 2);
	c.pk = cid % 3;
	c.sock_id = cid * 7;
	c.active = cid % 4 == 0 ? -1 : cid % 2;
	c.open_ts = cid % 2000; /* both sides of the reuse of 10.0.0.2 at 1000 */
	c.close_ts = c.open_ts + 5;
	c.sport = 40000 + cid % 7;
	c.dport = 80;
	c.has_connect = c.active == 1;
	c.latency = cid * 10;
	c.has_close = cid % 3 == 0;
	c.bytes_acked = cid;
	c.bytes_received = cid + 1;
	c.duration = 5;
	c.salen = c.dalen = 4;
	memcpy(c.sa, (uint8_t[]){10, 0, 0, 1}, 4);
	memcpy(c.da, (uint8_t[]){10, 0, 0, (uint8_t)(cid % 5 ? 2 : 9)}, 4);
	return c;
}

struct fixture {
	char dir[64], path[96];
	sqlite3 *db;
	struct fr_rowwriter *w;
	struct fr_connattr *a;
};

/* A database file in a temp dir, or in memory (the spool goes to TMPDIR). */
static void open_fixture(struct fixture *f, int in_memory)
{
	f->dir[0] = 0;
	snprintf(f->path, sizeof(f->path), ":memory:");
	if (!in_memory) {
		snprintf(f->dir, sizeof(f->dir), "/tmp/fr-connattr-XXXXXX");
		assert_non_null(mkdtemp(f->dir));
		snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	}
	assert_int_equal(fr_db__create(f->path, &f->db), 0);
	assert_int_equal(fr_db__exec(f->db, tables_sql, "tables"), 0);
	assert_int_equal(fr_rowbatch__register(f->db), 0);
	assert_int_equal(fr_rowwriter__new(&f->w), 0);
	assert_int_equal(fr_connattr__new(f->db, f->w, &f->a), 0);
}

static void close_fixture(struct fixture *f)
{
	fr_rowwriter__free(f->w);
	fr_connattr__free(f->a);
	fr_db__close(f->db);
	if (f->dir[0]) { /* the spool was unlinked at once: only the database is left */
		assert_int_equal(unlink(f->path), 0);
		assert_int_equal(rmdir(f->dir), 0);
	}
}

static void add(struct fixture *f, int64_t cid)
{
	const struct fr_conn c = conn_of(cid);

	assert_int_equal(fr_connattr__add(f->a, &c), 0);
}

/* Build, then conn against the SQL definition, and the cases happen. */
static void build_and_check(struct fixture *f, int64_t n)
{
	assert_int_equal(fr_connattr__build(f->a), 0);
	assert_int_equal(fr_rowwriter__sync(f->w), 0);
	assert_int_equal(fr_connattr__verify(f->a), 0);
	assert_int_equal(one(f->db, "SELECT count(*) FROM conn"), n);
	assert_int_equal(one(f->db, "SELECT max(cid) FROM conn"), n);
	for (size_t i = 0; i < sizeof(oracle_sql) / sizeof(oracle_sql[0]); i++)
		assert_int_equal(one(f->db, oracle_sql[i]), 0);
	/* both pods of the reused IP, the process's pod, pairs, unresolved ends */
	assert_true(one(f->db, "SELECT count(*) FROM conn WHERE server_uid = 'pod-b'") > n / 100);
	assert_true(one(f->db, "SELECT count(*) FROM conn WHERE server_uid = 'pod-c' AND "
			       "is_client") > n / 100);
	assert_true(one(f->db, "SELECT count(*) FROM conn WHERE client_uid = 'pod-c' AND pk = 1 "
			       "AND is_client") > n / 100);
	assert_true(one(f->db, "SELECT count(*) FROM conn WHERE client_uid = 'gone'") > n / 100);
	assert_true(one(f->db, "SELECT count(*) FROM conn_pair") > n / 2);
	assert_true(one(f->db, "SELECT count(*) FROM kube_pair") >= 4);
}

static void test_same_as_sql(void **state)
{
	struct fixture f;

	(void)state;
	open_fixture(&f, 0);
	/* ends out of order: every 997th long after its window was written */
	for (int64_t cid = 1; cid <= CONNS; cid++)
		if (cid % 997)
			add(&f, cid);
	for (int64_t cid = 997; cid <= CONNS; cid += 997)
		add(&f, cid);
	build_and_check(&f, CONNS);
	close_fixture(&f);
}

/* The last connection ends first (windows skipped), the spool of a
 * database in memory. */
static void test_far_ahead_in_memory(void **state)
{
	struct fixture f;

	(void)state;
	open_fixture(&f, 1);
	add(&f, CONNS);
	for (int64_t cid = 1; cid < CONNS; cid++)
		add(&f, cid);
	build_and_check(&f, CONNS);
	close_fixture(&f);
}

static void test_bad_spool(void **state)
{
	struct fixture f;
	struct fr_conn c = conn_of(0);

	(void)state;
	open_fixture(&f, 0);
	assert_int_equal(fr_connattr__add(f.a, &c), -EINVAL);
	c.cid = INT64_MAX;
	assert_int_equal(fr_connattr__add(f.a, &c), -EINVAL);
	add(&f, 1);
	add(&f, 2);
	add(&f, 4);
	assert_int_equal(fr_connattr__build(f.a), -EIO); /* 3 never ended */
	assert_int_equal(fr_rowwriter__sync(f.w), 0);
	close_fixture(&f);
	/* as many records as ids, but one twice and one missing */
	open_fixture(&f, 0);
	add(&f, 1);
	add(&f, 2);
	add(&f, 2);
	add(&f, 4);
	assert_int_equal(fr_connattr__build(f.a), -EIO);
	assert_int_equal(fr_rowwriter__sync(f.w), 0);
	close_fixture(&f);
}

/* conn must hold exactly what was spooled: a row already there shifts the
 * cids SQLite assigns, and verify says so. */
static void test_verify_catches_shifted_cids(void **state)
{
	struct fixture f;

	(void)state;
	open_fixture(&f, 0);
	assert_int_equal(fr_db__exec(f.db,
				     "INSERT INTO conn (cid, node, active, is_client, open_ts, "
				     "close_ts) VALUES (100, 1, 1, 1, 0, 0)",
				     "conn"),
			 0);
	for (int64_t cid = 1; cid <= 3; cid++)
		add(&f, cid);
	assert_int_equal(fr_connattr__build(f.a), 0);
	assert_int_equal(fr_rowwriter__sync(f.w), 0);
	assert_int_equal(fr_connattr__verify(f.a), -EPROTO);
	close_fixture(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_same_as_sql),
					   cmocka_unit_test(test_far_ahead_in_memory),
					   cmocka_unit_test(test_bad_spool),
					   cmocka_unit_test(test_verify_catches_shifted_cids)};

	return cmocka_run_group_tests_name("connattr", tests, NULL, NULL);
}
