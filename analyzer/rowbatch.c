/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/rowbatch.h"
#include "analyzer/db.h"
#include "analyzer/rowwriter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Measured on the bench fixture: gains flatten out past ~64 rows, and the
 * statement must stay under SQLite's 32766 parameters for wide tables. */
#define ROWS_PER_STMT 64
#define STMTS_PER_BUF 16 /* with a writer: fewer hand-overs between threads */

enum { V_NULL, V_INT, V_TEXT, V_BLOB };

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

int fr_rowbatch__init(struct fr_rowbatch *b, sqlite3 *db, struct fr_rowwriter *writer,
		      const char *table, uint32_t ncols)
{
	int err;

	memset(b, 0, sizeof(*b));
	b->db = db;
	b->writer = writer;
	b->ncols = ncols;
	b->per_stmt = ROWS_PER_STMT;
	b->per_buf = writer ? ROWS_PER_STMT * STMTS_PER_BUF : ROWS_PER_STMT;
	b->table = strdup(table);
	if (!b->table)
		return -ENOMEM;
	for (int i = 0; i < 2; i++) {
		b->buf[i].owner = b;
		b->buf[i].vals = calloc((size_t)ncols * b->per_buf, sizeof(*b->buf[i].vals));
		if (!b->buf[i].vals)
			return -ENOMEM;
	}
	b->cur = &b->buf[0];
	err = prepare_rows(b, b->per_stmt, &b->full);
	if (!err)
		err = prepare_rows(b, 1, &b->one);
	return err;
}

static struct fr_rowbatch_val *next_val(struct fr_rowbatch *b)
{
	return &b->cur->vals[(size_t)b->cur->nrows * b->ncols + b->col++];
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
	struct fr_rowbatch_buf *f = b->cur;

	if (!f->text || f->text_len + max > f->text_cap) {
		size_t cap = f->text_cap ? f->text_cap : 4096;
		char *t;

		while (cap < f->text_len + max)
			cap *= 2;
		t = realloc(f->text, cap);
		if (!t) {
			b->err = -ENOMEM;
			return NULL;
		}
		f->text = t;
		f->text_cap = cap;
	}
	return f->text + f->text_len;
}

void fr_rowbatch__text_commit(struct fr_rowbatch *b, size_t len)
{
	struct fr_rowbatch_val *x = next_val(b);

	x->type = V_TEXT;
	x->i = (int64_t)b->cur->text_len;
	x->len = (uint32_t)len;
	b->cur->text_len += len;
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

void fr_rowbatch__blob(struct fr_rowbatch *b, const void *p, size_t len)
{
	fr_rowbatch__text(b, p, len);
	if (!b->err)
		b->cur->vals[(size_t)b->cur->nrows * b->ncols + b->col - 1].type = V_BLOB;
}

static int insert_rows(const struct fr_rowbatch_buf *f, sqlite3_stmt *st, uint32_t first,
		       uint32_t rows)
{
	const struct fr_rowbatch *b = f->owner;
	const struct fr_rowbatch_val *x = &f->vals[(size_t)first * b->ncols];
	const int n = (int)(rows * b->ncols);
	int rc;

	for (int i = 0; i < n; i++, x++) {
		switch (x->type) {
		case V_INT:
			sqlite3_bind_int64(st, i + 1, x->i);
			break;
		case V_TEXT:
			sqlite3_bind_text(st, i + 1, f->text + x->i, (int)x->len, SQLITE_STATIC);
			break;
		case V_BLOB:
			sqlite3_bind_blob(st, i + 1, f->text + x->i, (int)x->len, SQLITE_STATIC);
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

/* Insert every row of a buffer; a job of the writer thread. */
static int insert_buf(void *arg)
{
	const struct fr_rowbatch_buf *f = arg;
	const struct fr_rowbatch *b = f->owner;
	uint32_t r = 0;
	int err = 0;

	for (; r + b->per_stmt <= f->nrows && !err; r += b->per_stmt)
		err = insert_rows(f, b->full, r, b->per_stmt);
	for (; r < f->nrows && !err; r++)
		err = insert_rows(f, b->one, r, 1);
	return err;
}

int fr_rowbatch__flush(struct fr_rowbatch *b)
{
	struct fr_rowbatch_buf *f = b->cur;
	int err;

	if (!f->nrows)
		return 0;
	if (!b->writer) {
		err = insert_buf(f);
	} else {
		/* fill the other buffer while the writer inserts this one */
		err = fr_rowwriter__submit(b->writer, insert_buf, f, &f->busy);
		b->cur = f = &b->buf[f == &b->buf[0]];
		fr_rowwriter__wait(b->writer, &f->busy);
	}
	f->nrows = 0;
	f->text_len = 0;
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
	if (++b->cur->nrows < b->per_buf)
		return 0;
	return fr_rowbatch__flush(b);
}

void fr_rowbatch__free(struct fr_rowbatch *b)
{
	sqlite3_finalize(b->full);
	sqlite3_finalize(b->one);
	for (int i = 0; i < 2; i++) {
		free(b->buf[i].vals);
		free(b->buf[i].text);
	}
	free(b->table);
	memset(b, 0, sizeof(*b));
}
