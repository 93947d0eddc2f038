/* SPDX-License-Identifier: BSD-2-Clause */
/* pod_ip_at() and proc_uid() against the SQL they replace in post_load.sql,
 * with tied valid_from, gaps, NULLs and arguments of odd types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "analyzer/podip.h"

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

static void test_same_as_sql(void **state)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, setup_sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(fr_podip__register(db), 0);
	assert_int_equal(
		sqlite3_prepare_v2(
			db,
			"SELECT count(*), sum(pod_ip_at(ip, ts) IS NOT (SELECT i.uid FROM "
			"meta_pod_ip i"
			" WHERE i.ip = probe.ip AND i.valid_from <= probe.ts AND i.valid_to > "
			"probe.ts"
			" ORDER BY i.valid_from DESC LIMIT 1)), sum(pod_ip_at(ip, ts) IS NOT NULL),"
			" sum(proc_uid(pk) IS NOT (SELECT pa.uid FROM probe q LEFT JOIN proc_attr "
			"pa"
			" ON pa.pk = q.pk WHERE q.rowid = probe.rowid)), sum(proc_uid(pk) IS NOT "
			"NULL)"
			" FROM probe",
			-1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int(st, 0) > 3000);
	assert_int_equal(sqlite3_column_int(st, 1), 0);
	assert_true(sqlite3_column_int(st, 2) > 500); /* the probes do hit */
	assert_int_equal(sqlite3_column_int(st, 3), 0);
	assert_true(sqlite3_column_int(st, 4) > 100);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_same_as_sql)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
