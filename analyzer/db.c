/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/db.h"
#include "analyzer/sqlembed.h"

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

static int register_functions(sqlite3 *db)
{
	return sqlite3_create_function(db, "log2_bucket", 1,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				       log2_bucket, NULL, NULL) == SQLITE_OK
		       ? 0
		       : -EIO;
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
