/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the analyzer's metadata replay (analyzer/replay/meta.c) on
 * arbitrary metadata records, as a hostile or broken recorder could write
 * them. Each input line is one record: first byte 'S' for a snapshot,
 * anything else for a change, then the JSON. Asserts the contracts: 0 or
 * -EBADMSG (or -EIO), and no interval that ends before it starts.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/db/db.h"
#include "analyzer/replay/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const interval_tables[] = {
	"meta_pod",	   "meta_pod_ip",	 "meta_pod_container", "meta_service",
	"meta_service_ip", "meta_process",	 "meta_node",	       "meta_node_ip",
	"meta_namespace",  "meta_endpointslice", "meta_endpoint",
};

static int64_t scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		abort();
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	sqlite3_stmt *ins;
	sqlite3 *db;
	int64_t seq = 0;
	char sql[160];
	int err;

	if (size < 1 || fr_db__create(":memory:", &db))
		return 0;
	if (fr_db__exec(db,
			"INSERT INTO nodes VALUES (1, 'node-a');"
			"INSERT INTO segments (segment, node, path) VALUES (1, 1, 'fuzz.frseg');",
			"fuzz") ||
	    fr_db__prepare(db, "INSERT INTO meta_record VALUES (?, 1, 1, ?, ?, ?)", &ins, "fuzz"))
		abort();
	p++; /* byte 0: --ignore-errors or not */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;

		if (stop > p) {
			sqlite3_bind_int64(ins, 1, 1000 + seq / 2); /* pairs share a time */
			sqlite3_bind_int64(ins, 2, seq++);
			sqlite3_bind_text(ins, 3, *p == 'S' ? "meta_snapshot" : "meta_change", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, p + 1, (int)(stop - p - 1), SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE)
				abort();
			sqlite3_reset(ins);
		}
		p = stop + 1;
	}
	sqlite3_finalize(ins);
	err = fr_meta__build(db, data[0] & 1);
	if (err && err != -EBADMSG && err != -EIO)
		abort();
	for (size_t i = 0; !err && i < sizeof(interval_tables) / sizeof(interval_tables[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE valid_to < valid_from",
			 interval_tables[i]);
		if (scalar(db, sql) != 0)
			abort();
	}
	fr_db__close(db);
	return 0;
}
