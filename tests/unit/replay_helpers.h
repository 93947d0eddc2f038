/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers of the tests that replay a hand-written segment (test_replay.c,
 * test_replay_meta.c, test_incarn.c). */
#ifndef FR_TESTS_REPLAY_HELPERS_H
#define FR_TESTS_REPLAY_HELPERS_H

#include <sqlite3.h>
#include <stdint.h>

#include "format/writer.h"

/* Node n1's writer: its boot clock at 1 s is 2026-01-15T12:00:00Z. */
extern const struct fr_writer_opts test_writer_opts;

/* First column of the first row of `sql`, -1 when there is no row. */
int64_t test_sql_int(sqlite3 *db, const char *sql);

/*
 * Write a segment with `write` (its path as argument), run `flightrec
 * replay` on it, open the database in *db. Return: the temporary directory
 * holding both (test_rmdir() it).
 */
char *test_replay_segment(void (*write)(const char *path), sqlite3 **db);

#endif /* FR_TESTS_REPLAY_HELPERS_H */
