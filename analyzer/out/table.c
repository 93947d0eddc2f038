/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/out/table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int fr_table__format(const char *s, enum fr_table_format *fmt)
{
	if (!strcmp(s, "table") || !strcmp(s, "text"))
		*fmt = FR_TABLE_TEXT;
	else if (!strcmp(s, "json"))
		*fmt = FR_TABLE_JSON;
	else if (!strcmp(s, "csv"))
		*fmt = FR_TABLE_CSV;
	else
		return -EINVAL;
	return 0;
}

static json_t *cell(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_NULL:
		return json_null();
	case SQLITE_BLOB:
		return json_sprintf("<%d bytes>", sqlite3_column_bytes(st, i));
	default:
		return json_string((const char *)sqlite3_column_text(st, i));
	}
}

json_t *fr_table__rows(sqlite3_stmt *st)
{
	json_t *rows = json_array();
	const int n = sqlite3_column_count(st);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();

		for (int i = 0; i < n; i++)
			json_object_set_new(row, sqlite3_column_name(st, i), cell(st, i));
		json_array_append_new(rows, row);
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec: %s\n", sqlite3_errmsg(sqlite3_db_handle(st)));
		json_decref(rows);
		return NULL;
	}
	return rows;
}

/* Text of a cell as printed in text and CSV output (new string). */
static char *cell_text(json_t *v)
{
	if (json_is_null(v))
		return strdup("");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
}

void fr_table__csv_cell(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int fr_table__print(sqlite3_stmt *st, enum fr_table_format fmt, FILE *f)
{
	const int n = sqlite3_column_count(st);
	json_t *rows = fr_table__rows(st), *row;
	size_t *width = calloc((size_t)n + 1, sizeof(*width)), r;

	if (!rows || !width) {
		json_decref(rows);
		free(width);
		return -EIO;
	}
	if (fmt == FR_TABLE_JSON) {
		json_dumpf(rows, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
		fputc('\n', f);
		goto out;
	}
	for (int i = 0; i < n; i++)
		width[i] = strlen(sqlite3_column_name(st, i));
	json_array_foreach(rows, r, row)
	{
		for (int i = 0; i < n; i++) {
			char *s = cell_text(json_object_get(row, sqlite3_column_name(st, i)));
			const size_t len = strlen(s);

			width[i] = len > width[i] ? len : width[i];
			free(s);
		}
	}
	for (int i = 0; i < n; i++) {
		if (fmt == FR_TABLE_CSV)
			fprintf(f, "%s", i ? "," : ""),
				fr_table__csv_cell(f, sqlite3_column_name(st, i));
		else
			fprintf(f, "%s%-*s", i ? "  " : "", (int)width[i],
				sqlite3_column_name(st, i));
	}
	fputc('\n', f);
	json_array_foreach(rows, r, row)
	{
		for (int i = 0; i < n; i++) {
			json_t *v = json_object_get(row, sqlite3_column_name(st, i));
			char *s = cell_text(v);

			if (fmt == FR_TABLE_CSV)
				fprintf(f, "%s", i ? "," : ""), fr_table__csv_cell(f, s);
			else if (json_is_number(v))
				fprintf(f, "%s%*s", i ? "  " : "", (int)width[i], s);
			else
				fprintf(f, "%s%-*s", i ? "  " : "", (int)width[i], s);
			free(s);
		}
		fputc('\n', f);
	}
out:
	json_decref(rows);
	free(width);
	return ferror(f) ? -EIO : 0;
}
