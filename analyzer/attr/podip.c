/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/attr/podip.h"
#include "analyzer/db/db.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct podip_row {
	char *ip, *uid;
	int ip_len, uid_len;
	sqlite3_int64 from, to;
};

struct fr_podip {
	struct podip_row *rows; /* ORDER BY ip, valid_from, rowid */
	size_t n;
	int exotic; /* a value not of its declared type: always ask SQL */
};

static const char slow_sql[] =
	"SELECT i.uid FROM meta_pod_ip i WHERE i.ip = ?1 AND i.valid_from <= ?2"
	" AND i.valid_to > ?2 ORDER BY i.valid_from DESC LIMIT 1";

void fr_podip__free(struct fr_podip *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->rows[i].ip);
		free(t->rows[i].uid);
	}
	free(t->rows);
	free(t);
}

/* SQLite's BINARY collation. */
static int bincmp(const char *a, int na, const char *b, int nb)
{
	const int c = memcmp(a, b, (size_t)(na < nb ? na : nb));

	return c ? c : (na > nb) - (na < nb);
}

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

const char *fr_podip__at(const struct fr_podip *t, const char *ip, int len, int64_t ts,
			 int *uid_len)
{
	size_t lo = 0, hi = t->n;

	/* hi: one past the last row with (ip, valid_from) <= (ip, ts) */
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const struct podip_row *r = &t->rows[mid];
		const int c = bincmp(r->ip, r->ip_len, ip, len);

		if (c < 0 || (c == 0 && r->from <= ts))
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The index scan backwards: valid_from DESC, then rowid DESC. */
	while (lo > 0) {
		const struct podip_row *r = &t->rows[--lo];

		if (bincmp(r->ip, r->ip_len, ip, len) != 0)
			break;
		if (r->to > ts) {
			*uid_len = r->uid_len;
			return r->uid;
		}
	}
	return NULL;
}

static void pod_ip_at(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct fr_podip *t = sqlite3_user_data(ctx);
	const char *uid;
	int len;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL)
		return; /* = and <= with NULL match nothing */
	if (t->exotic || sqlite3_value_type(argv[0]) != SQLITE_TEXT ||
	    sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
		run_slow(ctx, slow_sql, argv, 2);
		return;
	}
	uid = fr_podip__at(t, (const char *)sqlite3_value_text(argv[0]),
			   sqlite3_value_bytes(argv[0]), sqlite3_value_int64(argv[1]), &len);
	if (uid)
		sqlite3_result_text(ctx, uid, len, SQLITE_STATIC);
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

static int load(sqlite3 *db, struct fr_podip *t)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, err;

	err = fr_db__prepare(db,
			     "SELECT ip, uid, valid_from, valid_to FROM meta_pod_ip"
			     " ORDER BY ip, valid_from, rowid",
			     &st, "pod_ip_at");
	if (err)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct podip_row *r;

		if (t->n == cap) {
			void *p = realloc(t->rows, (cap ? cap * 2 : 64) * sizeof(*t->rows));

			if (!p) {
				sqlite3_finalize(st);
				return -ENOMEM;
			}
			t->rows = p;
			cap = cap ? cap * 2 : 64;
		}
		if (sqlite3_column_type(st, 0) != SQLITE_TEXT ||
		    sqlite3_column_type(st, 1) != SQLITE_TEXT ||
		    sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 3) != SQLITE_INTEGER)
			t->exotic = 1;
		r = &t->rows[t->n++];
		*r = (struct podip_row){0};
		r->ip = dup_text(st, 0, &r->ip_len);
		r->uid = dup_text(st, 1, &r->uid_len);
		r->from = sqlite3_column_int64(st, 2);
		r->to = sqlite3_column_int64(st, 3);
		if (!r->ip || !r->uid) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec: pod_ip_at: %s\n", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

int fr_podip__load(sqlite3 *db, int strict, struct fr_podip **out)
{
	struct fr_podip *t = calloc(1, sizeof(*t));
	int err;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	err = load(db, t);
	if (!err && strict && t->exotic) {
		fprintf(stderr, "flightrec: meta_pod_ip holds a value of an unexpected type\n");
		err = -EPROTO;
	}
	if (err) {
		fr_podip__free(t);
		return err;
	}
	*out = t;
	return 0;
}

struct fr_procuid {
	size_t n;
	int64_t *pk; /* ascending */
	char **uid;  /* NULL for a NULL uid */
	int *len;
};

void fr_procuid__free(struct fr_procuid *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->uid[i]);
	free(t->pk);
	free(t->uid);
	free(t->len);
	free(t);
}

static int procuid_grow(struct fr_procuid *t, size_t *cap)
{
	const size_t nc = *cap ? *cap * 2 : 64;
	void *a = realloc(t->pk, nc * sizeof(*t->pk));

	if (a)
		t->pk = a;
	a = a ? realloc(t->uid, nc * sizeof(*t->uid)) : NULL;
	if (a)
		t->uid = a;
	a = a ? realloc(t->len, nc * sizeof(*t->len)) : NULL;
	if (!a)
		return -ENOMEM;
	t->len = a;
	*cap = nc;
	return 0;
}

static int procuid_load(sqlite3 *db, struct fr_procuid *t)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, err;

	err = fr_db__prepare(db, "SELECT pk, uid FROM proc_attr ORDER BY pk", &st, "proc_attr");
	if (err)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (t->n == cap && (err = procuid_grow(t, &cap)))
			break;
		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
		    (sqlite3_column_type(st, 1) != SQLITE_TEXT &&
		     sqlite3_column_type(st, 1) != SQLITE_NULL) ||
		    (t->n && sqlite3_column_int64(st, 0) == t->pk[t->n - 1])) {
			fprintf(stderr, "flightrec: proc_attr holds a pk or uid of an unexpected "
					"type, or a pk twice\n");
			err = -EPROTO;
			break;
		}
		t->pk[t->n] = sqlite3_column_int64(st, 0);
		t->uid[t->n] = NULL;
		t->len[t->n] = 0;
		t->n++;
		if (sqlite3_column_type(st, 1) == SQLITE_TEXT &&
		    !(t->uid[t->n - 1] = dup_text(st, 1, &t->len[t->n - 1]))) {
			err = -ENOMEM;
			break;
		}
	}
	if (!err && rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec: proc_attr: %s\n", sqlite3_errmsg(db));
		err = -EIO;
	}
	sqlite3_finalize(st);
	return err;
}

int fr_procuid__load(sqlite3 *db, struct fr_procuid **out)
{
	struct fr_procuid *t = calloc(1, sizeof(*t));
	int err;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	err = procuid_load(db, t);
	if (err) {
		fr_procuid__free(t);
		return err;
	}
	*out = t;
	return 0;
}

const char *fr_procuid__get(const struct fr_procuid *t, int64_t pk, int *len)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;

		if (t->pk[mid] < pk)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && t->pk[lo] == pk && t->uid[lo]) {
		*len = t->len[lo];
		return t->uid[lo];
	}
	return NULL;
}

static void podip_destroy(void *p)
{
	fr_podip__free(p);
}

int fr_podip__register(sqlite3 *db)
{
	struct fr_podip *t;
	int err = fr_podip__load(db, 0, &t);

	if (err)
		return err;
	/* Not DETERMINISTIC: its answer depends on table content. On failure
	 * SQLite frees the user data itself. */
	if (sqlite3_create_function_v2(db, "pod_ip_at", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, t,
				       pod_ip_at, NULL, NULL, podip_destroy) != SQLITE_OK) {
		fprintf(stderr, "flightrec: pod_ip_at: %s\n", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

struct fr_pods {
	char **uid; /* BINARY order */
	int *len;
	size_t n;
};

void fr_pods__free(struct fr_pods *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->uid[i]);
	free(p->uid);
	free(p->len);
	free(p);
}

static int pods_load(sqlite3 *db, struct fr_pods *p)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, err;

	err = fr_db__prepare(db, "SELECT uid FROM pod_latest ORDER BY uid", &st, "pod_latest");
	if (err)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_TEXT) {
			fprintf(stderr, "flightrec: pod_latest holds a uid that is not text\n");
			err = -EPROTO;
			break;
		}
		if (p->n == cap) {
			const size_t nc = cap ? cap * 2 : 64;
			char **u = realloc(p->uid, nc * sizeof(*u));
			int *l = u ? realloc(p->len, nc * sizeof(*l)) : NULL;

			if (u)
				p->uid = u;
			if (!l) {
				err = -ENOMEM;
				break;
			}
			p->len = l;
			cap = nc;
		}
		p->uid[p->n] = dup_text(st, 0, &p->len[p->n]);
		if (!p->uid[p->n]) {
			err = -ENOMEM;
			break;
		}
		p->n++;
	}
	if (!err && rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec: pod_latest: %s\n", sqlite3_errmsg(db));
		err = -EIO;
	}
	sqlite3_finalize(st);
	return err;
}

int fr_pods__load(sqlite3 *db, struct fr_pods **out)
{
	struct fr_pods *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	err = pods_load(db, p);
	if (err) {
		fr_pods__free(p);
		return err;
	}
	*out = p;
	return 0;
}

int64_t fr_pods__find(const struct fr_pods *p, const char *uid, int len)
{
	size_t lo = 0, hi = p->n;

	if (!uid)
		return -1;
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const int c = bincmp(p->uid[mid], p->len[mid], uid, len);

		if (!c)
			return (int64_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const char *fr_pods__uid(const struct fr_pods *p, int64_t i, int *len)
{
	*len = p->len[i];
	return p->uid[i];
}
