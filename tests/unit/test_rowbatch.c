/* SPDX-License-Identifier: BSD-2-Clause */
/* Row batches: every value type, order kept across buffers, the tail
 * flushed, with the writer thread and without. */
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
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_caller_thread),
					   cmocka_unit_test(test_writer_thread)};

	return cmocka_run_group_tests_name("rowbatch", tests, NULL, NULL);
}
