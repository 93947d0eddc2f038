/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Rows for one table, buffered and inserted a buffer at a time by one
 * INSERT ... SELECT from a virtual table over the buffer: no statement step
 * and no parameter binding per row, which were most of SQLite's per-row
 * cost for narrow rows. Rows reach the table in the order they were added.
 * Text is copied into the batch, so callers' buffers may change at once.
 */
#ifndef FR_ANALYZER_REPLAY_ROWBATCH_H
#define FR_ANALYZER_REPLAY_ROWBATCH_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct fr_rowwriter;

/* Rows being filled, or inserted by the writer thread while `busy`. Values
 * are 9 bytes, not a 16-byte struct: the writer thread reads every one from
 * the other core's cache, and that transfer was most of its xColumn cost. */
struct fr_rowbatch_buf {
	struct fr_rowbatch *owner;
	int64_t *vals;	/* integer, or text offset << 32 | length */
	uint8_t *types; /* one per value */
	char *text;
	size_t text_len, text_cap;
	uint32_t nrows;
	int busy;
};

/* Inserts that take NULL for the columns NULL in every row of a buffer
 * instead of reading them (mask: the columns read). */
#define FR_ROWBATCH_STMTS 8

struct fr_rowbatch_stmt {
	uint64_t mask[2], used;
	sqlite3_stmt *st;
};

struct fr_rowbatch {
	sqlite3 *db;
	char *table;
	sqlite3_stmt *scan; /* INSERT ... SELECT of every column */
	struct fr_rowbatch_stmt stmts[FR_ROWBATCH_STMTS];
	uint64_t tick;
	struct fr_rowwriter *writer; /* NULL: rows are inserted by the caller */
	struct fr_rowbatch_buf buf[2], *cur;
	int64_t *rv; /* the values of cur's row being filled */
	uint8_t *rt; /* and their types */
	uint32_t ncols, per_buf, col;
	int auto_rowid; /* fr_rowbatch__auto_rowid */
	int err;	/* -ENOMEM or -E2BIG while adding values, returned by end_row */
};

/* Register the fr_rows virtual table on a connection, once, before
 * fr_rowbatch__init. Return: 0 or -EIO. */
int fr_rowbatch__register(sqlite3 *db);

/* Prepare the INSERT of `ncols` (<= 96) columns into `table`; with a writer, full
 * batches are inserted on its thread. Columns NULL in a whole batch are
 * not read by its INSERT. Return: 0, -errno. */
int fr_rowbatch__init(struct fr_rowbatch *b, sqlite3 *db, struct fr_rowwriter *writer,
		      const char *table, uint32_t ncols);

/* The first column is the table's INTEGER PRIMARY KEY and the rows give
 * it numbered on from the table's largest (1 in a new table), one more a
 * row: SQLite numbers them itself (not checking each given key, about a
 * sixth of a wide row's insert) and each batch checks afterwards that it
 * gave the same numbers (-EIO otherwise). Return: 0 or -EIO. */
int fr_rowbatch__auto_rowid(struct fr_rowbatch *b);

/* Value types in fr_rowbatch_buf.types. */
enum { V_NULL, V_INT, V_TEXT, V_BLOB, V_REAL };

/* The next value of the row (inline: a Hubble flow row has 67). */
static inline void fr_rowbatch__put(struct fr_rowbatch *b, uint8_t type, int64_t v)
{
	b->rt[b->col] = type;
	b->rv[b->col++] = v;
}

static inline void fr_rowbatch__int(struct fr_rowbatch *b, int64_t v)
{
	fr_rowbatch__put(b, V_INT, v);
}

static inline void fr_rowbatch__null(struct fr_rowbatch *b)
{
	fr_rowbatch__put(b, V_NULL, 0);
}

/* 0 is NULL: optional ids and counters. */
static inline void fr_rowbatch__int_or_null(struct fr_rowbatch *b, int64_t v)
{
	fr_rowbatch__put(b, v ? V_INT : V_NULL, v);
}

void fr_rowbatch__real(struct fr_rowbatch *b, double v);

void fr_rowbatch__text(struct fr_rowbatch *b, const void *p, size_t len);

void fr_rowbatch__blob(struct fr_rowbatch *b, const void *p, size_t len);

/* A C string; NULL when it is NULL or empty (proto3's absent). */
void fr_rowbatch__text_or_null(struct fr_rowbatch *b, const char *s);

/* A JSON array of the n UTF-8 strings v; NULL when n is 0. Only quotes,
 * backslashes and control bytes are escaped. */
void fr_rowbatch__json_strings(struct fr_rowbatch *b, size_t n, char *const *v);

/* The same of n strings that at(arg, i, &len) gives (not terminated). */
void fr_rowbatch__json_array(struct fr_rowbatch *b, size_t n,
			     const char *(*at)(const void *arg, size_t i, size_t *len),
			     const void *arg);

/* Writes s[0..n) at p as a JSON string (quoted, escaped as above: up to
 * 6 * n + 2 bytes). Return: the end. */
char *fr_rowbatch__json_quote(char *p, const char *s, size_t n);

/* Room for `max` bytes of text formatted in place (NULL: no memory, or
 * 4 GiB of text in the buffer; the row fails); commit the used length. */
char *fr_rowbatch__text_reserve(struct fr_rowbatch *b, size_t max);
void fr_rowbatch__text_commit(struct fr_rowbatch *b, size_t len);
void fr_rowbatch__blob_commit(struct fr_rowbatch *b, size_t len);

/* End the row (every column given); inserts when the batch is full.
 * Return: 0, -ENOMEM, -E2BIG or -EIO (printed, maybe of an earlier batch). */
int fr_rowbatch__end_row(struct fr_rowbatch *b);

/* Insert the rows buffered so far (with a writer: queue them; sync it
 * before reading the table). Return: 0 or -EIO (printed). */
int fr_rowbatch__flush(struct fr_rowbatch *b);

void fr_rowbatch__free(struct fr_rowbatch *b);

#endif /* FR_ANALYZER_REPLAY_ROWBATCH_H */
