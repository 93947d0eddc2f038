/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Result rows of a prepared statement as an aligned text table, CSV or a
 * JSON array of objects (column name -> value). Shared by the report and
 * query commands.
 */
#ifndef FR_ANALYZER_OUT_TABLE_H
#define FR_ANALYZER_OUT_TABLE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>

enum fr_table_format { FR_TABLE_TEXT, FR_TABLE_JSON, FR_TABLE_CSV };

/* Parse "table"/"text", "json", "csv". Return: 0 or -EINVAL. */
int fr_table__format(const char *s, enum fr_table_format *fmt);

/* Step `st` to the end and return its rows as a new JSON array; NULL on
 * a database error (printed). */
json_t *fr_table__rows(sqlite3_stmt *st);

/* Step `st` to the end, printing rows. Return: 0 or -EIO. */
int fr_table__print(sqlite3_stmt *st, enum fr_table_format fmt, FILE *f);

/* One CSV field, quoted when it holds a comma, quote or newline. */
void fr_table__csv_cell(FILE *f, const char *s);

#endif /* FR_ANALYZER_OUT_TABLE_H */
