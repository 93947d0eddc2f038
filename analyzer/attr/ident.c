/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Every table is copied by one loader from a description of its columns
 * (struct copy) into rows of one shape, so that one growth, one check of
 * the value types and one free serve them all.
 */
#include "analyzer/attr/ident.h"
#include "analyzer/db/db.h"
#include "analyzer/replay/slab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copied row; which fields a table fills, its struct copy says. */
struct row {
	char *key, *uid; /* ip (meta_pod_ip) or uid (pod_latest); a pod uid, NULL for NULL */
	int key_len, uid_len;
	int64_t a, b; /* valid_from, valid_to (meta_pod_ip); pk (proc_attr) */
};

struct table {
	struct fr_slab rows; /* struct row, in the order of the copy's ORDER BY */
	int odd;	     /* a value not of its declared type (then the rows are not used) */
};

/* How a table is copied: its SELECT, and the column of each field (-1: none). */
struct copy {
	const char *sql;
	const char *what; /* names it in SQLite errors */
	const char *odd;  /* why its content is refused */
	int8_t key, uid, a, b;
	uint8_t uid_null; /* the uid may be NULL */
	uint8_t unique_a; /* a ascends strictly */
};

/* In the order of the FR_IDENT_* bits. */
enum { T_POD_IP, T_PROC, T_PODS, T_N };

_Static_assert(FR_IDENT_POD_IP == 1 << T_POD_IP && FR_IDENT_PROC == 1 << T_PROC &&
		       FR_IDENT_PODS == 1 << T_PODS,
	       "FR_IDENT_* bits follow the tables");

static const struct copy copies[T_N] = {
	[T_POD_IP] = {.sql = "SELECT ip, uid, valid_from, valid_to FROM meta_pod_ip"
			     " ORDER BY ip, valid_from, rowid",
		      .what = "pod_ip_at",
		      .odd = "meta_pod_ip holds a value of an unexpected type",
		      .key = 0,
		      .uid = 1,
		      .a = 2,
		      .b = 3},
	[T_PROC] = {.sql = "SELECT pk, uid FROM proc_attr ORDER BY pk",
		    .what = "proc_attr",
		    .odd = "proc_attr holds a pk or uid of an unexpected type, or a pk twice",
		    .key = -1,
		    .uid = 1,
		    .a = 0,
		    .b = -1,
		    .uid_null = 1,
		    .unique_a = 1},
	[T_PODS] = {.sql = "SELECT uid FROM pod_latest ORDER BY uid",
		    .what = "pod_latest",
		    .odd = "pod_latest holds a uid that is not text",
		    .key = 0,
		    .uid = -1,
		    .a = -1,
		    .b = -1},
};

struct fr_ident {
	struct table t[T_N];
};

/* Rows are never released: the slab is an array. */
static inline struct row *row_at(const struct table *t, size_t i)
{
	return (struct row *)t->rows.items + i;
}

void fr_ident__free(struct fr_ident *x)
{
	if (!x)
		return;
	for (int i = 0; i < T_N; i++) {
		for (size_t r = 0; r < x->t[i].rows.n; r++) {
			free(row_at(&x->t[i], r)->key);
			free(row_at(&x->t[i], r)->uid);
		}
		fr_slab__free(&x->t[i].rows);
	}
	free(x);
}

static int col_is(sqlite3_stmt *st, int col, int type, int or_null)
{
	const int t = col < 0 ? type : sqlite3_column_type(st, col);

	return t == type || (or_null && t == SQLITE_NULL);
}

/* Whether the row in `st` has the types the copy declares (and a new a). */
static int row_ok(const struct copy *c, sqlite3_stmt *st, const struct table *t)
{
	return col_is(st, c->key, SQLITE_TEXT, 0) && col_is(st, c->uid, SQLITE_TEXT, c->uid_null) &&
	       col_is(st, c->a, SQLITE_INTEGER, 0) && col_is(st, c->b, SQLITE_INTEGER, 0) &&
	       !(c->unique_a && t->rows.n &&
		 sqlite3_column_int64(st, c->a) == row_at(t, t->rows.n - 1)->a);
}

static char *dup_text(sqlite3_stmt *st, int col, int *len)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	char *d;

	*len = sqlite3_column_bytes(st, col);
	d = malloc((size_t)*len + 1);
	if (d && s)
		memcpy(d, s, (size_t)*len);
	if (d)
		d[*len] = 0;
	return d;
}

static int add_row(const struct copy *c, sqlite3_stmt *st, struct table *t)
{
	struct row *r;
	size_t i;

	if (fr_slab__alloc(&t->rows, &i))
		return -ENOMEM;
	r = row_at(t, i);
	if (c->a >= 0)
		r->a = sqlite3_column_int64(st, c->a);
	if (c->b >= 0)
		r->b = sqlite3_column_int64(st, c->b);
	if (c->key >= 0 && !(r->key = dup_text(st, c->key, &r->key_len)))
		return -ENOMEM;
	if (c->uid >= 0 && sqlite3_column_type(st, c->uid) != SQLITE_NULL &&
	    !(r->uid = dup_text(st, c->uid, &r->uid_len)))
		return -ENOMEM;
	return 0;
}

/* Copy a table; one of odd content is refused when `strict`, else marked. */
static int load_table(sqlite3 *db, const struct copy *c, int strict, struct table *t)
{
	sqlite3_stmt *st;
	int rc, err;

	err = fr_db__prepare(db, c->sql, &st, c->what);
	if (err)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!row_ok(c, st, t)) {
			t->odd = 1;
			break;
		}
		err = add_row(c, st, t);
		if (err)
			break;
	}
	if (!err && t->odd && strict) {
		fprintf(stderr, "flightrec: %s\n", c->odd);
		err = -EPROTO;
	} else if (!err && !t->odd && rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec: %s: %s\n", c->what, sqlite3_errmsg(db));
		err = -EIO;
	}
	sqlite3_finalize(st);
	return err;
}

int fr_ident__load(sqlite3 *db, unsigned what, int strict, struct fr_ident **out)
{
	struct fr_ident *x = calloc(1, sizeof(*x));
	int err = x ? 0 : -ENOMEM;

	*out = NULL;
	for (int i = 0; i < T_N && !err; i++) {
		x->t[i].rows.size = sizeof(struct row);
		if (what & 1u << i)
			err = load_table(db, &copies[i], strict || i != T_POD_IP, &x->t[i]);
	}
	if (err) {
		fr_ident__free(x);
		return err;
	}
	*out = x;
	return 0;
}

/* SQLite's BINARY collation. */
static int bincmp(const char *a, int na, const char *b, int nb)
{
	const int c = memcmp(a, b, (size_t)(na < nb ? na : nb));

	return c ? c : (na > nb) - (na < nb);
}

const char *fr_ident__pod_at_ip(const struct fr_ident *x, const char *ip, int len, int64_t ts,
				int *uid_len)
{
	const struct table *t = &x->t[T_POD_IP];
	size_t lo = 0, hi = t->rows.n;

	/* hi: one past the last row with (ip, valid_from) <= (ip, ts) */
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const struct row *r = row_at(t, mid);
		const int c = bincmp(r->key, r->key_len, ip, len);

		if (c < 0 || (c == 0 && r->a <= ts))
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The index scan backwards: valid_from DESC, then rowid DESC. */
	while (lo > 0) {
		const struct row *r = row_at(t, --lo);

		if (bincmp(r->key, r->key_len, ip, len) != 0)
			break;
		if (r->b > ts) {
			*uid_len = r->uid_len;
			return r->uid;
		}
	}
	return NULL;
}

const char *fr_ident__proc_pod(const struct fr_ident *x, int64_t pk, int *len)
{
	const struct table *t = &x->t[T_PROC];
	size_t lo = 0, hi = t->rows.n;

	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;

		if (row_at(t, mid)->a < pk)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->rows.n && row_at(t, lo)->a == pk && row_at(t, lo)->uid) {
		*len = row_at(t, lo)->uid_len;
		return row_at(t, lo)->uid;
	}
	return NULL;
}

int64_t fr_ident__pod_index(const struct fr_ident *x, const char *uid, int len)
{
	const struct table *t = &x->t[T_PODS];
	size_t lo = 0, hi = t->rows.n;

	if (!uid)
		return -1;
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const int c = bincmp(row_at(t, mid)->key, row_at(t, mid)->key_len, uid, len);

		if (!c)
			return (int64_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const char *fr_ident__pod_uid(const struct fr_ident *x, int64_t i, int *len)
{
	const struct row *r = row_at(&x->t[T_PODS], (size_t)i);

	*len = r->key_len;
	return r->key;
}

static const char slow_sql[] =
	"SELECT i.uid FROM meta_pod_ip i WHERE i.ip = ?1 AND i.valid_from <= ?2"
	" AND i.valid_to > ?2 ORDER BY i.valid_from DESC LIMIT 1";

/*
 * The SQL a lookup stands for, for arguments of unexpected types. Prepared
 * per call on purpose: a statement cached in the function's user data would
 * make sqlite3_close() fail with SQLITE_BUSY, so the connection (and the
 * user data) would never be freed.
 */
static void run_slow(sqlite3_context *ctx, const char *sql, sqlite3_value **argv, int nargs)
{
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
		return;
	}
	for (int i = 0; i < nargs; i++)
		sqlite3_bind_value(st, i + 1, argv[i]);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
	else if (rc != SQLITE_DONE)
		sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
	sqlite3_finalize(st);
}

static void pod_ip_at(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct fr_ident *x = sqlite3_user_data(ctx);
	const char *uid;
	int len;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL)
		return; /* = and <= with NULL match nothing */
	if (x->t[T_POD_IP].odd || sqlite3_value_type(argv[0]) != SQLITE_TEXT ||
	    sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
		run_slow(ctx, slow_sql, argv, 2);
		return;
	}
	uid = fr_ident__pod_at_ip(x, (const char *)sqlite3_value_text(argv[0]),
				  sqlite3_value_bytes(argv[0]), sqlite3_value_int64(argv[1]), &len);
	if (uid)
		sqlite3_result_text(ctx, uid, len, SQLITE_STATIC);
}

static void ident_destroy(void *p)
{
	fr_ident__free(p);
}

int fr_ident__register(sqlite3 *db)
{
	struct fr_ident *x;
	int err = fr_ident__load(db, FR_IDENT_POD_IP, 0, &x);

	if (err)
		return err;
	/* Not DETERMINISTIC: its answer depends on table content. On failure
	 * SQLite frees the user data itself. */
	if (sqlite3_create_function_v2(db, "pod_ip_at", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, x,
				       pod_ip_at, NULL, NULL, ident_destroy) != SQLITE_OK) {
		fprintf(stderr, "flightrec: pod_ip_at: %s\n", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}
