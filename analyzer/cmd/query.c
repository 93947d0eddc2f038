/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/query.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/db/db.h"
#include "analyzer/db/sqlembed.h"
#include "analyzer/out/table.h"
#include "analyzer/cmd/timespec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANNED	   "canned/"
#define MAX_PARAMS 16

static const char usage[] =
	"usage: flightrec query DB \"SQL\" [--format table|json|csv]\n"
	"       flightrec query DB --list\n"
	"       flightrec query DB --name NAME [--param K=V]... [--format ...]\n";

/* Header value of a canned query ("-- key: value" line), copied. */
static void header(const char *sql, const char *key, char *dst, size_t cap)
{
	char pat[32];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "-- %s: ", key);
	dst[0] = 0;
	p = strstr(sql, pat);
	if (!p)
		return;
	p += strlen(pat);
	n = strcspn(p, "\n");
	snprintf(dst, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

static const char *canned(const char *name)
{
	char nm[128];

	for (size_t i = 0; i < fr_sql_nfiles; i++) {
		if (strncmp(fr_sql_files[i].name, CANNED, strlen(CANNED)))
			continue;
		header(fr_sql_files[i].text, "name", nm, sizeof(nm));
		if (!strcmp(nm, name))
			return fr_sql_files[i].text;
	}
	return NULL;
}

static void list(void)
{
	char nm[128], help[256];

	for (size_t i = 0; i < fr_sql_nfiles; i++) {
		if (strncmp(fr_sql_files[i].name, CANNED, strlen(CANNED)))
			continue;
		header(fr_sql_files[i].text, "name", nm, sizeof(nm));
		header(fr_sql_files[i].text, "help", help, sizeof(help));
		printf("%-20s %s\n", nm, help);
	}
}

static int bind_param(sqlite3_stmt *st, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char name[128];
	int64_t v;
	int idx;

	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(name) - 1) {
		fprintf(stderr, "flightrec query: bad --param '%s': expected NAME=VALUE\n", kv);
		return -1;
	}
	snprintf(name, sizeof(name), ":%.*s", (int)(eq - kv), kv);
	idx = sqlite3_bind_parameter_index(st, name);
	if (!idx) {
		fprintf(stderr, "flightrec query: the query has no parameter %s\n", name);
		return -1;
	}
	if (!fr_time__parse(eq + 1, &v))
		sqlite3_bind_int64(st, idx, v);
	else
		sqlite3_bind_text(st, idx, eq + 1, -1, SQLITE_STATIC);
	return 0;
}

struct query_args {
	enum fr_table_format fmt;
	const char *name, *params[MAX_PARAMS];
	int nparams, list;
};

static int option(int c, const char *arg, void *ctx)
{
	struct query_args *a = ctx;

	switch (c) {
	case 'l':
		a->list = 1;
		return 0;
	case 'n':
		a->name = arg;
		return 0;
	case 'p':
		if (a->nparams == MAX_PARAMS)
			return -1;
		a->params[a->nparams++] = arg;
		return 0;
	case 'f':
		return fr_table__format(arg, &a->fmt) ? -1 : 0;
	default:
		return -1;
	}
}

int fr_cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{"list", no_argument, NULL, 'l'},	 {"name", required_argument, NULL, 'n'},
		{"param", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},	 {NULL, 0, NULL, 0}};
	struct query_args a = {.fmt = FR_TABLE_TEXT};
	const char *sql = NULL, *tail = NULL;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int c, err = 0;

	c = fr_cli__options(argc, argv, "h", opts, usage, option, &a);
	if (c != FR_CLI_OPERANDS)
		return c;
	if (!a.list && !a.name && optind == argc - 2)
		sql = argv[optind + 1];
	else if ((a.list || a.name) && optind == argc - 1)
		sql = a.name ? canned(a.name) : NULL;
	else
		return fr_cli__usage_error("query", NULL, usage);
	if (a.name && !sql) {
		fprintf(stderr, "flightrec query: no canned query '%s' (see --list)\n", a.name);
		return 2;
	}
	if (a.list) {
		list();
		return 0;
	}
	err = fr_db__open_ro(argv[optind], &db);
	if (!err && sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) {
		fprintf(stderr, "flightrec query: %s\n", sqlite3_errmsg(db));
		err = -1;
	}
	while (!err && tail && isspace((unsigned char)*tail))
		tail++;
	if (!err && (!st || (tail && *tail))) {
		fprintf(stderr, "flightrec query: give exactly one SQL statement\n");
		err = -1;
	}
	/* read-only is not enough: VACUUM INTO writes a new file from one */
	if (!err && !sqlite3_stmt_readonly(st)) {
		fprintf(stderr, "flightrec query: the statement would write; queries only read\n");
		err = -1;
	}
	for (int i = 0; !err && i < a.nparams; i++)
		err = bind_param(st, a.params[i]);
	if (!err)
		err = fr_table__print(st, a.fmt, stdout);
	sqlite3_finalize(st);
	fr_db__close(db);
	return err ? 1 : 0;
}
