/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/query.h"
#include "analyzer/db/db.h"
#include "analyzer/db/sqlembed.h"
#include "analyzer/out/table.h"
#include "analyzer/cmd/timespec.h"

#include <ctype.h>
#include <getopt.h>
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

int fr_cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{"list", no_argument, NULL, 'l'},	 {"name", required_argument, NULL, 'n'},
		{"param", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},	 {NULL, 0, NULL, 0}};
	enum fr_table_format fmt = FR_TABLE_TEXT;
	const char *name = NULL, *sql = NULL, *params[MAX_PARAMS], *tail = NULL;
	int c, nparams = 0, do_list = 0, err = 0;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1 && !err) {
		switch (c) {
		case 'l':
			do_list = 1;
			break;
		case 'n':
			name = optarg;
			break;
		case 'p':
			if (nparams == MAX_PARAMS)
				err = -1;
			else
				params[nparams++] = optarg;
			break;
		case 'f':
			err = fr_table__format(optarg, &fmt);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			err = -1;
		}
	}
	if (!err && !do_list && !name && optind == argc - 2)
		sql = argv[optind + 1];
	else if (!err && (do_list || name) && optind == argc - 1)
		sql = name ? canned(name) : NULL;
	else
		err = -1;
	if (!err && name && !sql) {
		fprintf(stderr, "flightrec query: no canned query '%s' (see --list)\n", name);
		return 2;
	}
	if (err) {
		fputs(usage, stderr);
		return 2;
	}
	if (do_list) {
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
	for (int i = 0; !err && i < nparams; i++)
		err = bind_param(st, params[i]);
	if (!err)
		err = fr_table__print(st, fmt, stdout);
	sqlite3_finalize(st);
	fr_db__close(db);
	return err ? 1 : 0;
}
