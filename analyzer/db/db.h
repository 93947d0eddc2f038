/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SQLite helpers shared by the analyzer commands: open a replay database
 * (checking it is one), run embedded SQL, prepare with a readable error.
 * Every connection gets the SQL functions log2_bucket(v), the index of the
 * log2 histogram bucket of v as FR_FIELD_HIST uses it (bucket k holds
 * [2^k, 2^(k+1)); bucket 0 also holds 0), and the aggregate hist_sum(h),
 * the element-wise sum of histogram columns (JSON arrays of counts).
 */
#ifndef FR_ANALYZER_DB_DB_H
#define FR_ANALYZER_DB_DB_H

#include <sqlite3.h>

#define FR_DB_SCHEMA_VERSION 6

/*
 * Open an existing replay database read-only (ATTACH denied). Prints "flightrec: PATH: why"
 * and returns -ENOENT (missing), -EINVAL (not a flightrec database of this
 * schema version) or -EIO.
 */
int fr_db__open_ro(const char *path, sqlite3 **out);

/* Create a new database at `path` (must not exist), tuned for bulk load,
 * with queries/schema.sql applied. Return: 0 or -errno (printed). */
int fr_db__create(const char *path, sqlite3 **out);

/* Execute SQL (several statements). `what` names it in the error. */
int fr_db__exec(sqlite3 *db, const char *sql, const char *what);

/* Execute an embedded queries/ file by name. */
int fr_db__exec_embedded(sqlite3 *db, const char *name);

/* Prepare one statement; prints the SQLite message with `what`. */
int fr_db__prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *what);

/* Check that `table` has exactly the columns `want`, in order.
 * Return: 0 or -EPROTO (printed: queries/schema.sql and format/kinds.c
 * disagree). */
int fr_db__check_columns(sqlite3 *db, const char *table, const char **want, int nwant);

/* Accepts NULL. */
void fr_db__close(sqlite3 *db);

#endif /* FR_ANALYZER_DB_DB_H */
