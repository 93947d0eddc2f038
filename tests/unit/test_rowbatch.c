/* SPDX-License-Identifier: BSD-2-Clause */
/* Row batches: every value type, order kept across buffers, the tail
 * flushed, with the writer thread and without; buffers whose columns are
 * NULL in every row (more sets of them than statements kept); rowids
 * left to SQLite and checked. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "analyzer/replay/rowbatch.h"
#include "analyzer/replay/rowwriter.h"

#define ROWS 5000 /* several buffers and a tail */

static void load_and_check(int threaded)
{
	struct fr_rowwriter *w = NULL;
	struct fr_rowbatch b;
	sqlite3 *db;
	sqlite3_stmt *st;
	char text[32];
	int n = 0;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (i INTEGER, s TEXT, o INTEGER, b BLOB)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(fr_rowbatch__register(db), 0);
	if (threaded)
		assert_int_equal(fr_rowwriter__new(&w), 0);
	assert_int_equal(fr_rowbatch__init(&b, db, w, "t", 4), 0);
	for (int i = 0; i < ROWS; i++) {
		char *dst;

		snprintf(text, sizeof(text), "row %d", i);
		fr_rowbatch__int(&b, i);
		if (i % 7) {
			dst = fr_rowbatch__text_reserve(&b, sizeof(text));
			assert_non_null(dst);
			memcpy(dst, text, strlen(text));
			fr_rowbatch__text_commit(&b, strlen(text));
		} else {
			fr_rowbatch__text(&b, "", 0); /* empty, not NULL */
		}
		fr_rowbatch__int_or_null(&b, i % 3);
		fr_rowbatch__blob(&b, text, 3);
		assert_int_equal(fr_rowbatch__end_row(&b), 0);
	}
	assert_int_equal(fr_rowbatch__flush(&b), 0);
	if (w)
		assert_int_equal(fr_rowwriter__sync(w), 0);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT rowid, i, s, typeof(s), o, typeof(b), length(b) "
				   "FROM t ORDER BY rowid",
				   -1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(text, sizeof(text), "row %d", n);
		assert_int_equal(sqlite3_column_int64(st, 0), n + 1);
		assert_int_equal(sqlite3_column_int64(st, 1), n);
		assert_string_equal(sqlite3_column_text(st, 2), n % 7 ? text : "");
		assert_string_equal(sqlite3_column_text(st, 3), "text");
		if (n % 3)
			assert_int_equal(sqlite3_column_int64(st, 4), n % 3);
		else
			assert_int_equal(sqlite3_column_type(st, 4), SQLITE_NULL);
		assert_string_equal(sqlite3_column_text(st, 5), "blob");
		assert_int_equal(sqlite3_column_int(st, 6), 3);
		n++;
	}
	assert_int_equal(n, ROWS);
	sqlite3_finalize(st);
	fr_rowwriter__free(w);
	fr_rowbatch__free(&b);
	sqlite3_close(db);
}

#define BUF 1024 /* rows of one buffer (rowbatch.c) */

/* Batch k of 20 (BUF rows): column c (1..4) has a value in row r when
 * bit c - 1 of k % 16 is set, and column 2 in row 5 of the last four:
 * sixteen sets of NULL columns (more than the statements kept), then
 * earlier ones again. */
#define BATCHES 20

static int given(int k, int r, int c)
{
	return ((k % 16) >> (c - 1) & 1) || (k >= 16 && r == 5 && c == 2);
}

static void null_columns(int threaded)
{
	struct fr_rowwriter *w = NULL;
	struct fr_rowbatch b;
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = 0;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE t (i INTEGER, a INTEGER, b TEXT, c INTEGER, "
				      "d INTEGER)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(fr_rowbatch__register(db), 0);
	if (threaded)
		assert_int_equal(fr_rowwriter__new(&w), 0);
	assert_int_equal(fr_rowbatch__init(&b, db, w, "t", 5), 0);
	for (int k = 0; k < BATCHES; k++) {
		for (int r = 0; r < BUF; r++) {
			fr_rowbatch__int(&b, k * BUF + r);
			for (int c = 1; c <= 4; c++) {
				if (!given(k, r, c))
					fr_rowbatch__null(&b);
				else if (c == 2)
					fr_rowbatch__text(&b, "x", 1);
				else
					fr_rowbatch__int(&b, c * 100000 + r);
			}
			assert_int_equal(fr_rowbatch__end_row(&b), 0);
		}
	}
	assert_int_equal(fr_rowbatch__flush(&b), 0);
	if (w)
		assert_int_equal(fr_rowwriter__sync(w), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM t ORDER BY rowid", -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const int k = n / BUF, r = n % BUF;

		assert_int_equal(sqlite3_column_int(st, 0), n);
		for (int c = 1; c <= 4; c++) {
			assert_int_equal(sqlite3_column_type(st, c), !given(k, r, c) ? SQLITE_NULL
								     : c == 2	     ? SQLITE_TEXT
									      : SQLITE_INTEGER);
			if (given(k, r, c) && c != 2)
				assert_int_equal(sqlite3_column_int(st, c), c * 100000 + r);
		}
		n++;
	}
	assert_int_equal(n, BATCHES * BUF);
	sqlite3_finalize(st);
	fr_rowwriter__free(w);
	fr_rowbatch__free(&b);
	sqlite3_close(db);
}

/* Rows numbered from 1 + start into a table holding rows 1..have; with
 * auto_rowid. Return: what the last end_row, flush and sync said. */
static int numbered(int have, int start, int gap, int *rows)
{
	struct fr_rowwriter *w = NULL;
	struct fr_rowbatch b;
	sqlite3 *db;
	sqlite3_stmt *st;
	int err = 0;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	for (int i = 1; i <= have; i++)
		assert_int_equal(
			sqlite3_exec(db, "INSERT INTO t(v) VALUES ('old')", NULL, NULL, NULL),
			SQLITE_OK);
	assert_int_equal(fr_rowbatch__register(db), 0);
	assert_int_equal(fr_rowwriter__new(&w), 0);
	assert_int_equal(fr_rowbatch__init(&b, db, w, "t", 2), 0);
	assert_int_equal(fr_rowbatch__auto_rowid(&b), 0);
	for (int i = 1; i <= 3000 && !err; i++) {
		fr_rowbatch__int(&b, start + i + (gap && i > 2000));
		fr_rowbatch__text(&b, "new", 3);
		err = fr_rowbatch__end_row(&b);
	}
	if (!err)
		err = fr_rowbatch__flush(&b);
	if (!err)
		err = fr_rowwriter__sync(w);
	assert_int_equal(
		sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE id = rowid", -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	*rows = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	fr_rowwriter__free(w);
	fr_rowbatch__free(&b);
	sqlite3_close(db);
	return err;
}

static void test_auto_rowid(void **state)
{
	int rows;

	(void)state;
	assert_int_equal(numbered(0, 0, 0, &rows), 0); /* a new table: 1, 2, ... */
	assert_int_equal(rows, 3000);
	assert_int_equal(numbered(5, 5, 0, &rows), 0); /* on from the largest */
	assert_int_equal(rows, 3005);
	assert_int_equal(numbered(5, 0, 0, &rows), -EIO); /* SQLite gave 6, not 1 */
	assert_int_equal(numbered(0, 0, 1, &rows), -EIO); /* a gap in the given ids */
}

static void test_null_columns(void **state)
{
	(void)state;
	null_columns(0);
	null_columns(1);
}

static void test_caller_thread(void **state)
{
	(void)state;
	load_and_check(0);
}

static void test_writer_thread(void **state)
{
	(void)state;
	load_and_check(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caller_thread), cmocka_unit_test(test_writer_thread),
		cmocka_unit_test(test_null_columns), cmocka_unit_test(test_auto_rowid)};

	return cmocka_run_group_tests_name("rowbatch", tests, NULL, NULL);
}
