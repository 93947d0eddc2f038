/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/db/db.h"
#include "analyzer/db/sqlembed.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void log2_bucket(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3_int64 v;

	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	v = sqlite3_value_int64(argv[0]);
	sqlite3_result_int(ctx, v < 2 ? 0 : 63 - __builtin_clzll((uint64_t)v));
}

struct hist_acc {
	uint64_t b[64];
	int n;
};

/* hist_sum(text): element-wise sum of JSON arrays of bucket counts. Parsing
 * by hand is many times faster than json_each over every aggregate row. */
static void hist_sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct hist_acc *acc = sqlite3_aggregate_context(ctx, sizeof(*acc));
	const unsigned char *p = sqlite3_value_text(argv[0]);
	int i = 0;

	if (!acc || !p)
		return;
	while (*p && i < 64) {
		uint64_t v = 0;
		int digits = 0;

		while (*p && (*p < '0' || *p > '9'))
			p++;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (uint64_t)(*p++ - '0');
			digits++;
		}
		if (!digits)
			break;
		acc->b[i++] += v;
	}
	if (i > acc->n)
		acc->n = i;
}

static void hist_sum_final(sqlite3_context *ctx)
{
	struct hist_acc *acc = sqlite3_aggregate_context(ctx, 0);
	char buf[64 * 21 + 3];
	size_t off = 0;

	buf[off++] = '[';
	for (int i = 0; acc && i < acc->n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%llu", i ? "," : "",
					(unsigned long long)acc->b[i]);
	buf[off++] = ']';
	sqlite3_result_text(ctx, buf, (int)off, SQLITE_TRANSIENT);
}

static int register_functions(sqlite3 *db)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

	if (sqlite3_create_function(db, "log2_bucket", 1, flags, NULL, log2_bucket, NULL, NULL) !=
		    SQLITE_OK ||
	    sqlite3_create_function(db, "hist_sum", 1, flags, NULL, NULL, hist_sum_step,
				    hist_sum_final) != SQLITE_OK)
		return -EIO;
	return 0;
}

int fr_db__exec(sqlite3 *db, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "flightrec: %s: %s\n", what, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

int fr_db__exec_embedded(sqlite3 *db, const char *name)
{
	const char *sql = fr_sql__get(name);

	if (!sql) {
		fprintf(stderr, "flightrec: embedded query %s missing from this build\n", name);
		return -ENOENT;
	}
	return fr_db__exec(db, sql, name);
}

int fr_db__prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *what)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		fprintf(stderr, "flightrec: %s: %s\n", what, sqlite3_errmsg(db));
		*st = NULL;
		return -EINVAL;
	}
	return 0;
}

int fr_db__check_columns(sqlite3 *db, const char *table, const char **want, int nwant)
{
	char sql[160];
	sqlite3_stmt *st;
	int i = 0, ok = 1;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	if (fr_db__prepare(db, sql, &st, table))
		return -EPROTO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 1);

		if (i >= nwant || strcmp(col, want[i]))
			ok = 0;
		i++;
	}
	sqlite3_finalize(st);
	if (!ok || i != nwant) {
		fprintf(stderr,
			"flightrec: replay: table %s in queries/schema.sql does not match "
			"format/kinds.c (column %d)\n",
			table, i);
		return -EPROTO;
	}
	return 0;
}

static int user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

/* ATTACH would open (and with a URI, create) other files: a read-only
 * database must not become a way to reach them. */
static int deny_attach(void *ctx, int action, const char *a, const char *b, const char *c,
		       const char *d)
{
	return action == SQLITE_ATTACH ? SQLITE_DENY : SQLITE_OK;
}

int fr_db__open_ro(const char *path, sqlite3 **out)
{
	struct stat sb;
	sqlite3 *db = NULL;
	int version = -1, err;

	*out = NULL;
	if (stat(path, &sb)) {
		err = -errno;
		fprintf(stderr, "flightrec: %s: %s\n", path, strerror(errno));
		return err;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "flightrec: %s: %s\n", path, db ? sqlite3_errmsg(db) : "no memory");
		sqlite3_close(db);
		return -EIO;
	}
	if (user_version(db, &version) || version != FR_DB_SCHEMA_VERSION) {
		fprintf(stderr,
			"flightrec: %s: not a flightrec replay database (schema version %d, "
			"expected %d)\n",
			path, version, FR_DB_SCHEMA_VERSION);
		sqlite3_close(db);
		return -EINVAL;
	}
	sqlite3_set_authorizer(db, deny_attach, NULL);
	err = register_functions(db);
	if (err) {
		sqlite3_close(db);
		return err;
	}
	*out = db;
	return 0;
}

int fr_db__create(const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;
	int err;

	*out = NULL;
	/* Memory statistics take a global mutex on every allocation; replay never
	 * reads them. Only possible before SQLite initializes: ignore MISUSE. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* one thread per connection: no SQLite mutexes on the hot path */
	if (sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		fprintf(stderr, "flightrec: cannot create %s: %s\n", path,
			db ? sqlite3_errmsg(db) : "no memory");
		sqlite3_close(db);
		return -EIO;
	}
	/* A failed replay deletes the file, so no journal is needed; page size
	 * must be set before the first table. */
	err = fr_db__exec(db,
			  "PRAGMA page_size=65536; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
			  "PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-65536;"
			  "PRAGMA temp_store=MEMORY;",
			  "tune database");
	if (!err)
		err = register_functions(db);
	if (!err)
		err = fr_db__exec_embedded(db, "schema.sql");
	if (err) {
		sqlite3_close(db);
		return err;
	}
	*out = db;
	return 0;
}

void fr_db__close(sqlite3 *db)
{
	sqlite3_close(db);
}
