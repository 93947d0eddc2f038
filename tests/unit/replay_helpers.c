/* SPDX-License-Identifier: BSD-2-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <unistd.h>

#include "analyzer/cmd/replay.h"
#include "replay_helpers.h"
#include "seg_helpers.h"

const struct fr_writer_opts test_writer_opts = {.host = "n1",
						.boot_id = "b",
						.kernel = "k",
						.boot_ns = 1000000000ull,
						.wall_ns = 1768478400000000000ull,
						.fsync_ms = -1};

int64_t test_sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

char *test_replay_segment(void (*write)(const char *path), sqlite3 **db)
{
	char *dir = test_tmpdir(), seg[512], db_path[512];
	char *argv[] = {"replay", "-o", db_path, seg, NULL};

	snprintf(seg, sizeof(seg), "%s/n1-0.frseg", dir);
	snprintf(db_path, sizeof(db_path), "%s/out.db", dir);
	write(seg);
	optind = 0; /* each test runs the command anew: fresh getopt state */
	assert_int_equal(fr_cmd_replay(4, argv), 0);
	assert_int_equal(sqlite3_open(db_path, db), SQLITE_OK);
	return dir;
}
