/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/rowbatch.h"
#include "analyzer/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Measured on the bench fixture: gains flatten out past ~64 rows, and the
 * statement must stay under SQLite's 32766 parameters for wide tables. */
#define ROWS_PER_STMT 64

enum { V_NULL, V_INT, V_TEXT };

struct fr_rowbatch_val {
	int64_t i; /* V_TEXT: offset in the text arena */
	uint32_t len;
	uint8_t type;
};

static int prepare_rows(struct fr_rowbatch *b, uint32_t rows, sqlite3_stmt **st)
{
	const size_t row_len = 2 + 2 * (size_t)b->ncols + 1;
	const size_t cap = 32 + strlen(b->table) + rows * row_len;
	char *sql = malloc(cap);
	size_t off;
	int err;

	if (!sql)
		return -ENOMEM;
	off = (size_t)snprintf(sql, cap, "INSERT INTO %s VALUES ", b->table);
	for (uint32_t r = 0; r < rows; r++) {
		sql[off++] = r ? ',' : ' ';
		sql[off++] = '(';
		for (uint32_t c = 0; c < b->ncols; c++) {
			if (c)
				sql[off++] = ',';
			sql[off++] = '?';
		}
		sql[off++] = ')';
	}
	sql[off] = 0;
	err = fr_db__prepare(b->db, sql, st, b->table);
	free(sql);
	return err;
}

int fr_rowbatch__init(struct fr_rowbatch *b, sqlite3 *db, const char *table, uint32_t ncols)
{
	int err;

	memset(b, 0, sizeof(*b));
	b->db = db;
	b->ncols = ncols;
	b->per_stmt = ROWS_PER_STMT;
	b->table = strdup(table);
	b->vals = calloc((size_t)ncols * b->per_stmt, sizeof(*b->vals));
	if (!b->table || !b->vals)
		return -ENOMEM;
	err = prepare_rows(b, b->per_stmt, &b->full);
	if (!err)
		err = prepare_rows(b, 1, &b->one);
	return err;
}

static struct fr_rowbatch_val *next_val(struct fr_rowbatch *b)
{
	return &b->vals[(size_t)b->nrows * b->ncols + b->col++];
}

void fr_rowbatch__int(struct fr_rowbatch *b, int64_t v)
{
	struct fr_rowbatch_val *x = next_val(b);

	x->type = V_INT;
	x->i = v;
}

void fr_rowbatch__null(struct fr_rowbatch *b)
{
	next_val(b)->type = V_NULL;
}

void fr_rowbatch__int_or_null(struct fr_rowbatch *b, int64_t v)
{
	if (v)
		fr_rowbatch__int(b, v);
	else
		fr_rowbatch__null(b);
}

char *fr_rowbatch__text_reserve(struct fr_rowbatch *b, size_t max)
{
	if (!b->text || b->text_len + max > b->text_cap) {
		size_t cap = b->text_cap ? b->text_cap : 4096;
		char *t;

		while (cap < b->text_len + max)
			cap *= 2;
		t = realloc(b->text, cap);
		if (!t) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->text = t;
		b->text_cap = cap;
	}
	return b->text + b->text_len;
}

void fr_rowbatch__text_commit(struct fr_rowbatch *b, size_t len)
{
	struct fr_rowbatch_val *x = next_val(b);

	x->type = V_TEXT;
	x->i = (int64_t)b->text_len;
	x->len = (uint32_t)len;
	b->text_len += len;
}

void fr_rowbatch__text(struct fr_rowbatch *b, const void *p, size_t len)
{
	char *dst = fr_rowbatch__text_reserve(b, len);

	if (!dst) {
		b->col++;
		return;
	}
	if (len)
		memcpy(dst, p, len);
	fr_rowbatch__text_commit(b, len);
}

static int bind_rows(struct fr_rowbatch *b, sqlite3_stmt *st, uint32_t first, uint32_t rows)
{
	const struct fr_rowbatch_val *x = &b->vals[(size_t)first * b->ncols];
	const int n = (int)(rows * b->ncols);
	int rc;

	for (int i = 0; i < n; i++, x++) {
		switch (x->type) {
		case V_INT:
			sqlite3_bind_int64(st, i + 1, x->i);
			break;
		case V_TEXT:
			sqlite3_bind_text(st, i + 1, b->text + x->i, (int)x->len, SQLITE_STATIC);
			break;
		default:
			sqlite3_bind_null(st, i + 1);
			break;
		}
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec: replay: insert %s: %s\n", b->table,
			sqlite3_errmsg(b->db));
		return -EIO;
	}
	return 0;
}

int fr_rowbatch__flush(struct fr_rowbatch *b)
{
	int err = 0;

	if (b->nrows == b->per_stmt)
		err = bind_rows(b, b->full, 0, b->nrows);
	else
		for (uint32_t r = 0; r < b->nrows && !err; r++)
			err = bind_rows(b, b->one, r, 1);
	b->nrows = 0;
	b->text_len = 0;
	return err;
}

int fr_rowbatch__end_row(struct fr_rowbatch *b)
{
	b->col = 0;
	if (b->err) {
		const int err = b->err;

		b->err = 0;
		return err;
	}
	if (++b->nrows < b->per_stmt)
		return 0;
	return fr_rowbatch__flush(b);
}

void fr_rowbatch__free(struct fr_rowbatch *b)
{
	sqlite3_finalize(b->full);
	sqlite3_finalize(b->one);
	free(b->vals);
	free(b->text);
	free(b->table);
	memset(b, 0, sizeof(*b));
}
