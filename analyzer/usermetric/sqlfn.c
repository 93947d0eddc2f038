/* SPDX-License-Identifier: BSD-2-Clause */
/* SQL functions of user metrics (usermetric.h). */
#define _GNU_SOURCE /* strerrorname_np */
#include "analyzer/usermetric/usermetric.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* regexp(re, text): POSIX extended, compiled once per statement (the
 * pattern is a bound parameter: SQLite keeps the aux data). */
static void free_re(void *p)
{
	regfree(p);
	free(p);
}

static void regexp_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	regex_t *re = sqlite3_get_auxdata(ctx, 0);
	const char *s = (const char *)sqlite3_value_text(argv[1]);

	(void)argc;
	if (!re) {
		const char *pat = (const char *)sqlite3_value_text(argv[0]);

		re = malloc(sizeof(*re));
		if (!re || !pat || regcomp(re, pat, REG_EXTENDED | REG_NOSUB)) {
			free(re);
			sqlite3_result_error(ctx, "bad regular expression", -1);
			return;
		}
		sqlite3_set_auxdata(ctx, 0, re, free_re);
		if (!(re = sqlite3_get_auxdata(ctx, 0))) { /* not kept: compiled again next row */
			re = malloc(sizeof(*re));
			if (!re || regcomp(re, pat, REG_EXTENDED | REG_NOSUB)) {
				free(re);
				sqlite3_result_error_nomem(ctx);
				return;
			}
			sqlite3_result_int(ctx, s && !regexec(re, s, 0, NULL, 0));
			free_re(re);
			return;
		}
	}
	sqlite3_result_int(ctx, s && !regexec(re, s, 0, NULL, 0));
}

/* errno_name(ret): EAGAIN for -11, '' for a value that is no error. */
static void errno_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const sqlite3_int64 r = sqlite3_value_int64(argv[0]);
	const char *n;
	char buf[32];

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || r >= 0 || r < -4095) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	n = strerrorname_np((int)-r);
	if (!n) {
		snprintf(buf, sizeof(buf), "errno_%lld", (long long)-r);
		n = buf;
	}
	sqlite3_result_text(ctx, n, -1, SQLITE_TRANSIENT);
}

/* The names a recording wrote for numbers of one node (syscalls, drop
 * reasons), the first of each, loaded at the first call. */
struct names {
	int loaded;
	const char *table; /* static: ev_syscall_name, ev_drop_reason_name */
	const char *col;
	const char *fallback; /* prefix of a number without a name */
	size_t n;
	struct name {
		sqlite3_int64 node, k;
		char *name;
	} * v;
};

static int cmp_name(const void *a, const void *b)
{
	const struct name *x = a, *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

static int load_names(sqlite3 *db, struct names *t)
{
	char sql[256];
	sqlite3_stmt *st;
	size_t cap = 0;

	t->loaded = 1;
	snprintf(sql, sizeof(sql),
		 "SELECT node, %s, name FROM %s WHERE rowid IN (SELECT min(rowid) FROM %s "
		 "GROUP BY node, %s)",
		 t->col, t->table, t->table, t->col);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0; /* no such table: numbers only */
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 2);

		if (t->n == cap) {
			struct name *v = realloc(t->v, (cap = cap ? 2 * cap : 256) * sizeof(*v));

			if (!v)
				break;
			t->v = v;
		}
		t->v[t->n] = (struct name){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					   strdup(s ? s : "")};
		if (t->v[t->n].name)
			t->n++;
	}
	sqlite3_finalize(st);
	if (t->n) /* no names: v is NULL, which qsort may not take */
		qsort(t->v, t->n, sizeof(*t->v), cmp_name);
	return 0;
}

static void name_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct names *t = sqlite3_user_data(ctx);
	struct name key = {sqlite3_value_int64(argv[0]), sqlite3_value_int64(argv[1]), NULL};
	const struct name *hit;
	char buf[48];

	(void)argc;
	if (!t->loaded)
		load_names(sqlite3_context_db_handle(ctx), t);
	hit = t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_name) : NULL;
	if (hit && *hit->name) {
		sqlite3_result_text(ctx, hit->name, -1, SQLITE_TRANSIENT);
		return;
	}
	snprintf(buf, sizeof(buf), "%s%lld", t->fallback, (long long)key.k);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void free_names(void *p)
{
	struct names *t = p;

	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	free(t);
}

static long folded;

/* um_fold(rank, max): 1 for a label set past the limit; counts them. */
static void fold_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const sqlite3_int64 rank = sqlite3_value_int64(argv[0]), max = sqlite3_value_int64(argv[1]);

	(void)argc;
	if (rank > max && rank - max > folded)
		folded = (long)(rank - max);
	sqlite3_result_int(ctx, rank > max);
}

long fr_um__folded(void)
{
	const long n = folded;

	folded = 0;
	return n;
}

static int add_names(sqlite3 *db, const char *fn, const char *table, const char *col,
		     const char *fallback)
{
	struct names *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->table = table;
	t->col = col;
	t->fallback = fallback;
	/* on failure SQLite calls free_names itself */
	return sqlite3_create_function_v2(db, fn, 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, t, name_fn,
					  NULL, NULL, free_names) == SQLITE_OK
		       ? 0
		       : -EIO;
}

int fr_um__register(sqlite3 *db)
{
	const int det = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

	if (sqlite3_create_function(db, "regexp", 2, det, NULL, regexp_fn, NULL, NULL) ||
	    sqlite3_create_function(db, "errno_name", 1, det, NULL, errno_name, NULL, NULL) ||
	    sqlite3_create_function(db, "um_fold", 2, SQLITE_UTF8, NULL, fold_fn, NULL, NULL))
		return -EIO;
	if (add_names(db, "syscall_name", "ev_syscall_name", "nr", "sys_") ||
	    add_names(db, "drop_reason_name", "ev_drop_reason_name", "reason", "reason_"))
		return -EIO;
	return 0;
}
