/* SPDX-License-Identifier: BSD-2-Clause */
/* pod_ip_at(), fr_ident__pod_at_ip() and fr_ident__proc_pod() against the
 * SQL they replace, with tied valid_from, gaps, NULLs and arguments of odd types. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "analyzer/attr/ident.h"

static const char setup_sql[] =
	"CREATE TABLE meta_pod_ip (ip TEXT NOT NULL, uid TEXT NOT NULL,"
	" valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);"
	"CREATE TABLE proc_attr (pk INT, uid);"
	"CREATE TABLE probe (ip, ts, pk);"
	"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 400)"
	" INSERT INTO meta_pod_ip SELECT '10.0.0.' || (i % 7), 'uid' || i, (i * 37) % 50,"
	" (i * 37) % 50 + (i * 13) % 30 FROM n;"
	"INSERT INTO meta_pod_ip VALUES ('10.0.0', 'short', 0, 100), ('10.0.0.10', 'long', 0, 100);"
	"CREATE INDEX meta_pod_ip_by_ip ON meta_pod_ip (ip, valid_from);"
	"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 60)"
	" INSERT INTO proc_attr SELECT i * 3, CASE WHEN i % 5 THEN 'u' || i END FROM n;"
	"CREATE UNIQUE INDEX proc_attr_by_pk ON proc_attr (pk);"
	"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
	" INSERT INTO probe SELECT '10.0.0.' || (i % 12), (i * 7) % 90 - 5, i % 200 - 10 FROM n;"
	"INSERT INTO probe VALUES (NULL, 5, NULL), ('10.0.0.1', NULL, 3.0), (10, 5, '3'),"
	" ('10.0.0.1', 5.5, 'x'), ('10.0.0.1', '7', 6), ('10.0.0', 1, 9), (X'31', 3, 4.5);";

static sqlite3 *setup(void)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, setup_sql, NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static void test_pod_ip_at_same_as_sql(void **state)
{
	sqlite3 *db = setup();
	sqlite3_stmt *st;

	(void)state;
	assert_int_equal(fr_ident__register(db), 0);
	assert_int_equal(sqlite3_prepare_v2(
				 db,
				 "SELECT count(*), sum(pod_ip_at(ip, ts) IS NOT (SELECT i.uid FROM "
				 "meta_pod_ip i WHERE i.ip = probe.ip AND i.valid_from <= probe.ts"
				 " AND i.valid_to > probe.ts ORDER BY i.valid_from DESC LIMIT 1)),"
				 " sum(pod_ip_at(ip, ts) IS NOT NULL) FROM probe",
				 -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int(st, 0) > 3000);
	assert_int_equal(sqlite3_column_int(st, 1), 0);
	assert_true(sqlite3_column_int(st, 2) > 500); /* the probes do hit */
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* A C answer and the SQL one for the probe row now in `st` (column 3). */
static void expect_same(const char *got, int len, sqlite3_stmt *st, int *hits)
{
	const char *want = (const char *)sqlite3_column_text(st, 3);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_int_equal(len, sqlite3_column_bytes(st, 3));
	assert_memory_equal(got, want, (size_t)len);
	(*hits)++;
}

static void test_c_lookups_same_as_sql(void **state)
{
	sqlite3 *db = setup();
	struct fr_ident *x;
	sqlite3_stmt *st;
	int n = 0, ip_hits = 0, pk_hits = 0, len = 0;

	(void)state;
	assert_int_equal(fr_ident__load(db, FR_IDENT_POD_IP | FR_IDENT_PROC, 1, &x), 0);
	/* the probes of the types replay passes: text ip, integer ts and pk */
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT ip, ts, pk, (SELECT i.uid FROM meta_pod_ip i WHERE i.ip "
				   "= probe.ip AND i.valid_from <= probe.ts AND i.valid_to > "
				   "probe.ts ORDER BY i.valid_from DESC LIMIT 1) FROM probe WHERE "
				   "typeof(ip) = 'text' AND typeof(ts) = 'integer'",
				   -1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *uid = fr_ident__pod_at_ip(x, (const char *)sqlite3_column_text(st, 0),
						      sqlite3_column_bytes(st, 0),
						      sqlite3_column_int64(st, 1), &len);

		expect_same(uid, len, st, &ip_hits);
		n++;
	}
	sqlite3_finalize(st);
	assert_true(n > 3000);
	assert_true(ip_hits > 500);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT NULL, NULL, q.pk, pa.uid FROM probe q LEFT JOIN "
				   "proc_attr pa ON pa.pk = q.pk WHERE typeof(q.pk) = "
				   "'integer'",
				   -1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *uid = fr_ident__proc_pod(x, sqlite3_column_int64(st, 2), &len);

		expect_same(uid, len, st, &pk_hits);
	}
	sqlite3_finalize(st);
	assert_true(pk_hits > 100);
	fr_ident__free(x);
	sqlite3_close(db);
}

/* A table of unexpected content is an error, never a wrong answer. */
static void test_odd_tables_refused(void **state)
{
	sqlite3 *db = setup();
	struct fr_ident *x = NULL;

	(void)state;
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO meta_pod_ip VALUES ('10.9.9.9', X'00', 1, 2);"
				      "INSERT INTO proc_attr VALUES ('seven', 'u');",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(fr_ident__load(db, FR_IDENT_POD_IP, 1, &x), -EPROTO);
	assert_null(x);
	/* proc_attr is refused strict or not */
	assert_int_equal(fr_ident__load(db, FR_IDENT_PROC, 0, &x), -EPROTO);
	assert_null(x);
	/* not strict: pod_ip_at() asks SQL instead */
	assert_int_equal(fr_ident__load(db, FR_IDENT_POD_IP, 0, &x), 0);
	fr_ident__free(x);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_pod_ip_at_same_as_sql),
					   cmocka_unit_test(test_c_lookups_same_as_sql),
					   cmocka_unit_test(test_odd_tables_refused)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
