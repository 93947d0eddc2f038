/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/drops.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/db/db.h"
#include "analyzer/db/sqlembed.h"
#include "analyzer/out/table.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: flightrec drops DB [--by reason|workload|node|minute|policy]\n"
	"                 [--format table|json]\n"
	"  Kernel drops, retransmits and resets, then Hubble's drops (drop_reason_desc)\n"
	"  and policy denials with the denying policies; --by policy: Hubble only.\n";

static const char *const bys[] = {"reason", "workload", "node", "minute", "policy"};

static json_t *run(sqlite3 *db, const char *file, const char *by)
{
	sqlite3_stmt *st;
	json_t *rows;
	int i;

	if (fr_db__prepare(db, fr_sql__get(file), &st, file))
		return NULL;
	if ((i = sqlite3_bind_parameter_index(st, ":by")))
		sqlite3_bind_text(st, i, by, -1, SQLITE_STATIC);
	rows = fr_table__rows(st);
	sqlite3_finalize(st);
	return rows;
}

static void print_table(json_t *rows, json_t *totals, const char *by)
{
	const int drops_only = !strcmp(by, "reason");
	size_t i, w = strlen(by);
	json_t *r;

	json_array_foreach(rows, i, r)
	{
		const size_t n = strlen(json_string_value(json_object_get(r, "key")));

		w = n > w ? n : w;
	}
	printf("%-*s  %10s", (int)w, by, "drops");
	if (!drops_only)
		printf("  %11s  %10s", "retransmits", "resets");
	putchar('\n');
	json_array_foreach(rows, i, r)
	{
		printf("%-*s  %10" JSON_INTEGER_FORMAT, (int)w,
		       json_string_value(json_object_get(r, "key")),
		       json_integer_value(json_object_get(r, "drops")));
		if (!drops_only)
			printf("  %11" JSON_INTEGER_FORMAT "  %10" JSON_INTEGER_FORMAT,
			       json_integer_value(json_object_get(r, "retransmits")),
			       json_integer_value(json_object_get(r, "resets")));
		putchar('\n');
	}
	printf("%-*s  %10" JSON_INTEGER_FORMAT "  %11" JSON_INTEGER_FORMAT
	       "  %10" JSON_INTEGER_FORMAT "\n",
	       (int)w, "total", json_integer_value(json_object_get(totals, "drops")),
	       json_integer_value(json_object_get(totals, "retransmits")),
	       json_integer_value(json_object_get(totals, "resets")));
}

/* Hubble's rows: key, drops, policy_denied, denied_by. */
static void print_hubble(json_t *rows, json_t *totals, const char *by)
{
	size_t i, w = strlen(by);
	json_t *r;

	json_array_foreach(rows, i, r)
	{
		const size_t n = strlen(json_string_value(json_object_get(r, "key")));

		w = n > w ? n : w;
	}
	printf("\nHubble drops\n%-*s  %10s  %13s  %s\n", (int)w, by, "drops", "policy_denied",
	       "denied_by");
	json_array_foreach(rows, i, r)
		printf("%-*s  %10" JSON_INTEGER_FORMAT "  %13" JSON_INTEGER_FORMAT "  %s\n", (int)w,
		       json_string_value(json_object_get(r, "key")),
		       json_integer_value(json_object_get(r, "drops")),
		       json_integer_value(json_object_get(r, "policy_denied")),
		       json_string_value(json_object_get(r, "denied_by")));
	printf("%-*s  %10" JSON_INTEGER_FORMAT "  %13" JSON_INTEGER_FORMAT "\n", (int)w, "total",
	       json_integer_value(json_object_get(totals, "drops")),
	       json_integer_value(json_object_get(totals, "policy_denied")));
}

/* The first row of report `file`, the totals. */
static json_t *totals_of(sqlite3 *db, const char *file, const char *by)
{
	json_t *t = run(db, file, by), *row = json_incref(json_array_get(t, 0));

	json_decref(t);
	return row;
}

struct drops_args {
	enum fr_table_format fmt;
	const char *by;
	int bad; /* an unknown option or format: said after every option is read */
};

static int option(int c, const char *arg, void *ctx)
{
	struct drops_args *a = ctx;

	if (c == 'b')
		a->by = arg;
	else if (c != 'f' || fr_table__format(arg, &a->fmt) || a->fmt == FR_TABLE_CSV)
		a->bad = 1;
	return 0;
}

int fr_cmd_drops(int argc, char **argv)
{
	static const struct option opts[] = {{"by", required_argument, NULL, 'b'},
					     {"format", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct drops_args a = {FR_TABLE_TEXT, "reason", 0};
	const char *by;
	json_t *rows = NULL, *totals = NULL, *hrows = NULL, *htotals = NULL;
	sqlite3 *db = NULL;
	int c, ok_by = 0, err = 0;

	c = fr_cli__options(argc, argv, "h", opts, usage, option, &a);
	if (c != FR_CLI_OPERANDS)
		return c;
	by = a.by;
	for (size_t i = 0; i < sizeof(bys) / sizeof(bys[0]); i++)
		ok_by |= !strcmp(by, bys[i]);
	if (a.bad || !ok_by || optind != argc - 1)
		return fr_cli__usage_error(
			"drops",
			!ok_by		     ? "bad --by: reason, workload, node, minute or policy"
			: optind != argc - 1 ? "expected one DB argument"
					     : "bad option or --format (table or json)",
			usage);
	err = fr_db__open_ro(argv[optind], &db);
	if (!err && strcmp(by, "policy")) {
		rows = run(db, "reports/drops.sql", by);
		totals = totals_of(db, "reports/drops_totals.sql", by);
		err = rows && totals ? 0 : -1;
	}
	if (!err) {
		hrows = run(db, "reports/drops_hubble.sql", by);
		htotals = totals_of(db, "reports/drops_hubble_totals.sql", by);
		err = hrows && htotals ? 0 : -1;
	}
	if (!err && a.fmt == FR_TABLE_JSON) {
		json_t *doc = json_pack("{s:s}", "by", by);

		if (rows) {
			json_object_set(doc, "rows", rows);
			json_object_set(doc, "totals", totals);
		}
		json_object_set(doc, "hubble_rows", hrows);
		json_object_set(doc, "hubble_totals", htotals);

		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else if (!err) {
		if (rows)
			print_table(rows, totals, by);
		print_hubble(hrows, htotals, by);
	}
	json_decref(rows);
	json_decref(totals);
	json_decref(hrows);
	json_decref(htotals);
	fr_db__close(db);
	return err ? 1 : 0;
}
