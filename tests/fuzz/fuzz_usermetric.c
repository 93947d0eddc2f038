/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the metric-file parser (analyzer/usermetric/parse.c,
 * parse_sel.c) and compiler (compile.c) on arbitrary file text, as a user's
 * --file. Asserts the contracts: parsing returns 0 or -EINVAL (-ENOMEM);
 * every metric of a file that parsed compiles (0) or is refused (-EINVAL,
 * -E2BIG); and the SQL of one that compiled is accepted by SQLite over the
 * schema and the views of a `metrics` run, and runs to the end.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyzer/cmd/metrics_hubble.h"
#include "analyzer/cmd/metrics_kube.h"
#include "analyzer/db/db.h"
#include "analyzer/usermetric/usermetric.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct fr_family *cur; /* le_bucket() reads its bounds */

/* The window functions of analyzer/cmd/metrics.c: a window of one ns. */
static void one_ns(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_int64(ctx, 1);
}

static sqlite3 *metrics_db(void)
{
	static const char *const fns[] = {"step_end", "rollup_minute", "raw_ts"};
	sqlite3 *db;

	if (fr_db__create(":memory:", &db))
		abort();
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (sqlite3_create_function(db, fns[i], 1, SQLITE_UTF8, NULL, one_ns, NULL, NULL))
			abort();
	if (sqlite3_create_function(db, "window_from", 0, SQLITE_UTF8, NULL, one_ns, NULL, NULL) ||
	    sqlite3_create_function(db, "window_to", 0, SQLITE_UTF8, NULL, one_ns, NULL, NULL) ||
	    fr_db__exec_embedded(db, "post_load.sql") ||
	    fr_db__exec_embedded(db, "metric_views.sql") || fr_mkube__register(db, &cur) ||
	    fr_mhubble__register(db) || fr_um__register(db))
		abort();
	return db;
}

static void run(sqlite3 *db, struct fr_um_metric *m)
{
	char *sql = NULL;
	sqlite3_stmt *st;
	int err = fr_um__compile(db, m, 0, 1, &sql), rc;

	if (err == -EINVAL || err == -E2BIG || err == -ENOMEM)
		return;
	if (err || !sql)
		abort();
	cur = &m->fam;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "fuzz_usermetric: %s: %s\n", sqlite3_errmsg(db), sql);
		abort();
	}
	fr_um__bind(m, st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "fuzz_usermetric: %s: %s\n", sqlite3_errmsg(db), sql);
		abort();
	}
	sqlite3_finalize(st);
	fr_um__folded();
	free(sql);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sqlite3 *db;
	struct fr_um_file f;
	int err;

	if (!db)
		db = metrics_db();
	err = fr_um__parse_buf("fuzz.yaml", (const char *)data, size, &f);
	if (err && err != -EINVAL && err != -ENOMEM)
		abort();
	for (int i = 0; !err && i < f.n; i++)
		run(db, &f.m[i]);
	fr_um__free_file(&f);
	return 0;
}
