/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/replay/rowbatch.h"
#include "analyzer/db/db.h"
#include "analyzer/replay/rowwriter.h"
#include "format/grow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows per INSERT step; with a writer also per hand-over between threads,
 * which must be rare. Measured on the bench fixture. */
#define ROWS_PER_BUF 1024

/*
 * fr_rows: an eponymous virtual table whose rows are one buffer, passed as
 * a pointer: "INSERT INTO t SELECT c0, ... FROM fr_rows WHERE buf = ?"
 * inserts a whole buffer in one step, with no parameter binding per value.
 */
#define VT_COLS 96 /* widest table: hubble_flow */
#define VT_PTR	"fr_rowbatch_buf"

struct vt_cursor {
	sqlite3_vtab_cursor base;
	const struct fr_rowbatch_buf *f;
	const int64_t *vals; /* of the current row */
	const uint8_t *types;
	uint32_t row, ncols;
};

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
		      char **errmsg)
{
	char sql[16 + VT_COLS * 5 + 16];
	size_t off = (size_t)snprintf(sql, sizeof(sql), "CREATE TABLE x(");
	int rc;

	(void)aux, (void)argc, (void)argv, (void)errmsg;
	for (int i = 0; i < VT_COLS; i++)
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, "c%d,", i);
	snprintf(sql + off, sizeof(sql) - off, "buf HIDDEN)");
	rc = sqlite3_declare_vtab(db, sql);
	if (rc != SQLITE_OK)
		return rc;
	*out = sqlite3_malloc(sizeof(**out));
	if (!*out)
		return SQLITE_NOMEM;
	memset(*out, 0, sizeof(**out));
	return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* Only a scan with buf = ? is possible. */
static int vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	(void)vt;
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];

		if (c->iColumn == VT_COLS && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
			info->aConstraintUsage[i].argvIndex = 1;
			info->aConstraintUsage[i].omit = 1;
			info->estimatedCost = 1;
			return SQLITE_OK;
		}
	}
	return SQLITE_CONSTRAINT;
}

static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct vt_cursor *c = sqlite3_malloc(sizeof(*c));

	(void)vt;
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int vt_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int vt_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	struct vt_cursor *c = (struct vt_cursor *)cur;

	(void)idx, (void)idx_str;
	c->f = argc ? sqlite3_value_pointer(argv[0], VT_PTR) : NULL;
	c->row = 0;
	if (c->f) {
		c->ncols = c->f->owner->ncols;
		c->vals = c->f->vals;
		c->types = c->f->types;
	}
	return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *cur)
{
	struct vt_cursor *c = (struct vt_cursor *)cur;

	c->row++;
	c->vals += c->ncols;
	c->types += c->ncols;
	return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *cur)
{
	const struct vt_cursor *c = (const struct vt_cursor *)cur;

	return !c->f || c->row >= c->f->nrows;
}

static int vt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct vt_cursor *c = (const struct vt_cursor *)cur;
	int64_t v;

	if ((uint32_t)col >= c->ncols)
		return SQLITE_OK; /* NULL */
	v = c->vals[col];
	switch (c->types[col]) {
	case V_INT:
		sqlite3_result_int64(ctx, v);
		break;
	case V_TEXT:
		sqlite3_result_text(ctx, c->f->text + ((uint64_t)v >> 32), (int)(uint32_t)v,
				    SQLITE_STATIC);
		break;
	case V_BLOB:
		sqlite3_result_blob(ctx, c->f->text + ((uint64_t)v >> 32), (int)(uint32_t)v,
				    SQLITE_STATIC);
		break;
	case V_REAL: {
		double d;

		memcpy(&d, &v, sizeof(d));
		sqlite3_result_double(ctx, d);
		break;
	}
	default:
		break;
	}
	return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid)
{
	*rowid = ((const struct vt_cursor *)cur)->row;
	return SQLITE_OK;
}

static const sqlite3_module vt_module = {
	.xConnect = vt_connect,
	.xBestIndex = vt_best_index,
	.xDisconnect = vt_disconnect,
	.xOpen = vt_open,
	.xClose = vt_close,
	.xFilter = vt_filter,
	.xNext = vt_next,
	.xEof = vt_eof,
	.xColumn = vt_column,
	.xRowid = vt_rowid,
};

/* The INSERT of one buffer's rows with NULL for the columns not in mask
 * (no VColumn per row for those: most of SQLite's cost per value). With
 * mask NULL: every column. Return: 0, -EINVAL or -EIO (printed). */
static int prepare_insert(struct fr_rowbatch *b, const uint64_t *mask, sqlite3_stmt **st)
{
	char sql[256 + VT_COLS * 5];
	size_t off;

	if (b->ncols > VT_COLS)
		return -EINVAL;
	off = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s SELECT ", b->table);
	for (uint32_t i = 0; i < b->ncols; i++) {
		const char *sep = i ? "," : "";

		if ((!mask || mask[i / 64] >> (i % 64) & 1) && !(i == 0 && b->auto_rowid))
			off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%sc%u", sep, i);
		else
			off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%sNULL", sep);
	}
	snprintf(sql + off, sizeof(sql) - off, " FROM fr_rows WHERE buf = ?");
	return fr_db__prepare(b->db, sql, st, b->table) ? -EIO : 0;
}

/* The columns with a value in some row of f. */
static void given_columns(const struct fr_rowbatch_buf *f, uint32_t ncols, uint64_t mask[2])
{
	uint64_t acc[(VT_COLS + 7) / 8] = {0}, w;
	const size_t words = ncols / 8;

	for (uint32_t r = 0; r < f->nrows; r++) {
		const uint8_t *t = f->types + (size_t)r * ncols;

		for (size_t k = 0; k < words; k++) {
			memcpy(&w, t + 8 * k, sizeof(w));
			acc[k] |= w;
		}
		for (uint32_t i = (uint32_t)words * 8; i < ncols; i++)
			acc[words] |= (uint64_t)t[i] << (8 * (i % 8));
	}
	mask[0] = mask[1] = 0;
	for (uint32_t i = 0; i < ncols; i++)
		if (acc[i / 8] >> (8 * (i % 8)) & 0xff) /* V_NULL is 0 */
			mask[i / 64] |= 1ull << (i % 64);
}

/* The INSERT for f: without its all-NULL columns when there are some. */
static sqlite3_stmt *stmt_for(struct fr_rowbatch *b, const struct fr_rowbatch_buf *f)
{
	struct fr_rowbatch_stmt *s, *old = &b->stmts[0];
	uint64_t mask[2];

	given_columns(f, b->ncols, mask);
	if (mask[0] == (b->ncols >= 64 ? ~0ull : (1ull << b->ncols) - 1) &&
	    mask[1] == (b->ncols <= 64 ? 0 : (1ull << (b->ncols - 64)) - 1))
		return b->scan;
	if (!mask[0] && !mask[1])
		return b->scan;
	for (int i = 0; i < FR_ROWBATCH_STMTS; i++) {
		s = &b->stmts[i];
		if (s->st && s->mask[0] == mask[0] && s->mask[1] == mask[1]) {
			s->used = ++b->tick;
			return s->st;
		}
		if (s->used < old->used)
			old = s;
	}
	sqlite3_finalize(old->st);
	memset(old, 0, sizeof(*old));
	if (prepare_insert(b, mask, &old->st))
		return b->scan; /* printed; the full insert still works */
	old->mask[0] = mask[0];
	old->mask[1] = mask[1];
	old->used = ++b->tick;
	return old->st;
}

int fr_rowbatch__register(sqlite3 *db)
{
	return sqlite3_create_module(db, "fr_rows", &vt_module, NULL) == SQLITE_OK ? 0 : -EIO;
}

int fr_rowbatch__init(struct fr_rowbatch *b, sqlite3 *db, struct fr_rowwriter *writer,
		      const char *table, uint32_t ncols)
{
	memset(b, 0, sizeof(*b));
	b->db = db;
	b->writer = writer;
	b->ncols = ncols;
	b->per_buf = ROWS_PER_BUF;
	b->table = strdup(table);
	if (!b->table)
		return -ENOMEM;
	for (int i = 0; i < 2; i++) {
		b->buf[i].owner = b;
		b->buf[i].vals = calloc((size_t)ncols * b->per_buf, sizeof(*b->buf[i].vals));
		b->buf[i].types = calloc((size_t)ncols * b->per_buf, sizeof(*b->buf[i].types));
		if (!b->buf[i].vals || !b->buf[i].types)
			return -ENOMEM;
	}
	b->cur = &b->buf[0];
	b->rv = b->cur->vals;
	b->rt = b->cur->types;
	return prepare_insert(b, NULL, &b->scan);
}

void fr_rowbatch__real(struct fr_rowbatch *b, double v)
{
	int64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	fr_rowbatch__put(b, V_REAL, bits);
}

char *fr_rowbatch__text_reserve(struct fr_rowbatch *b, size_t max)
{
	struct fr_rowbatch_buf *f = b->cur;
	int err;

	if (f->text_len + max > UINT32_MAX) { /* offsets are 32-bit */
		b->err = -E2BIG;
		return NULL;
	}
	/* one byte at least: a text never allocated would return NULL */
	err = fr_grow((void **)&f->text, &f->text_cap, f->text_len + (max ? max : 1), 1, 4096);
	if (err) {
		b->err = err;
		return NULL;
	}
	return f->text + f->text_len;
}

void fr_rowbatch__text_commit(struct fr_rowbatch *b, size_t len)
{
	fr_rowbatch__put(b, V_TEXT, (int64_t)((uint64_t)b->cur->text_len << 32 | (uint32_t)len));
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
		b->rt[b->col - 1] = V_BLOB;
}

void fr_rowbatch__blob_commit(struct fr_rowbatch *b, size_t len)
{
	fr_rowbatch__text_commit(b, len);
	b->rt[b->col - 1] = V_BLOB;
}

void fr_rowbatch__text_or_null(struct fr_rowbatch *b, const char *s)
{
	if (s && *s)
		fr_rowbatch__text(b, s, strlen(s));
	else
		fr_rowbatch__null(b);
}

char *fr_rowbatch__json_quote(char *p, const char *s, size_t n)
{
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20) {
			p += snprintf(p, 7, "\\u%04x", c);
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	return p;
}

void fr_rowbatch__json_array(struct fr_rowbatch *b, size_t n,
			     const char *(*at)(const void *arg, size_t i, size_t *len),
			     const void *arg)
{
	size_t max = 2, len;
	char *dst, *p;

	if (!n) {
		fr_rowbatch__null(b);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		at(arg, i, &len);
		max += len * 6 + 3;
	}
	dst = fr_rowbatch__text_reserve(b, max);
	if (!dst) {
		b->col++; /* the row fails at its end (b->err) */
		return;
	}
	p = dst;
	*p++ = '[';
	for (size_t i = 0; i < n; i++) {
		const char *s = at(arg, i, &len);

		if (i)
			*p++ = ',';
		p = fr_rowbatch__json_quote(p, s, len);
	}
	*p++ = ']';
	fr_rowbatch__text_commit(b, (size_t)(p - dst));
}

static const char *cstr_at(const void *arg, size_t i, size_t *len)
{
	const char *s = ((char *const *)arg)[i];

	*len = strlen(s);
	return s;
}

void fr_rowbatch__json_strings(struct fr_rowbatch *b, size_t n, char *const *v)
{
	fr_rowbatch__json_array(b, n, cstr_at, v);
}

/* With auto_rowid: the rowids SQLite gave f's rows are the ones in their
 * first column (consecutive, and the last one SQLite gave is the last). */
static int check_rowids(const struct fr_rowbatch *b, const struct fr_rowbatch_buf *f)
{
	const int64_t first = f->vals[0];

	for (uint32_t r = 0; r < f->nrows; r++)
		if (f->types[(size_t)r * b->ncols] != V_INT ||
		    f->vals[(size_t)r * b->ncols] != first + r)
			goto bad;
	if (sqlite3_last_insert_rowid(b->db) == first + f->nrows - 1)
		return 0;
bad:
	fprintf(stderr, "flightrec: replay: insert %s: rows not numbered from the table's last\n",
		b->table);
	return -EIO;
}

/* Insert every row of a buffer; a job of the writer thread. */
static int insert_buf(void *arg)
{
	const struct fr_rowbatch_buf *f = arg;
	struct fr_rowbatch *b = f->owner;
	sqlite3_stmt *st = stmt_for(b, f);
	int rc;

	sqlite3_bind_pointer(st, 1, (void *)f, VT_PTR, NULL);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec: replay: insert %s: %s\n", b->table,
			sqlite3_errmsg(b->db));
		return -EIO;
	}
	return b->auto_rowid ? check_rowids(b, f) : 0;
}

int fr_rowbatch__auto_rowid(struct fr_rowbatch *b)
{
	b->auto_rowid = 1;
	sqlite3_finalize(b->scan);
	b->scan = NULL;
	return prepare_insert(b, NULL, &b->scan);
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
	b->rv = f->vals;
	b->rt = f->types;
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
	if (++b->cur->nrows < b->per_buf) {
		b->rv += b->ncols;
		b->rt += b->ncols;
		return 0;
	}
	return fr_rowbatch__flush(b);
}

void fr_rowbatch__free(struct fr_rowbatch *b)
{
	sqlite3_finalize(b->scan);
	for (int i = 0; i < FR_ROWBATCH_STMTS; i++)
		sqlite3_finalize(b->stmts[i].st);
	for (int i = 0; i < 2; i++) {
		free(b->buf[i].vals);
		free(b->buf[i].types);
		free(b->buf[i].text);
	}
	free(b->table);
	memset(b, 0, sizeof(*b));
}
