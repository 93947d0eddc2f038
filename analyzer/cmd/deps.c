/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/deps.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/db/db.h"
#include "analyzer/db/sqlembed.h"
#include "analyzer/out/table.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char usage[] = "usage: flightrec deps DB [--level pod|workload|service|namespace]\n"
			    "                 [--format dot|mermaid|json]\n";

static const char *const levels[] = {"pod", "workload", "service", "namespace"};

static json_int_t ival(json_t *e, const char *k)
{
	return json_integer_value(json_object_get(e, k));
}

static const char *sval(json_t *e, const char *k)
{
	const char *s = json_string_value(json_object_get(e, k));

	return s ? s : "";
}

static void edge_label(json_t *e, char *buf, size_t cap)
{
	snprintf(buf, cap,
		 "%s/%" JSON_INTEGER_FORMAT " %" JSON_INTEGER_FORMAT " conns, %" JSON_INTEGER_FORMAT
		 " B out, %" JSON_INTEGER_FORMAT
		 " B in, p50 %.2f ms, p99 %.2f ms, %" JSON_INTEGER_FORMAT
		 " resets, %" JSON_INTEGER_FORMAT " retrans, %" JSON_INTEGER_FORMAT " drops",
		 sval(e, "protocol"), ival(e, "port"), ival(e, "connections"),
		 ival(e, "bytes_sent"), ival(e, "bytes_received"),
		 (double)ival(e, "latency_p50_ns") / 1e6, (double)ival(e, "latency_p99_ns") / 1e6,
		 ival(e, "resets"), ival(e, "retransmits"), ival(e, "drops"));
}

static void dot_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Graph nodes in order of first appearance in the (sorted) edges. */
static json_t *node_ids(json_t *edges)
{
	json_t *ids = json_object(), *e;
	size_t i;

	json_array_foreach(edges, i, e)
	{
		json_object_set_new(ids, sval(e, "src"), json_null());
		json_object_set_new(ids, sval(e, "dst"), json_null());
	}
	return ids;
}

static void print_dot(json_t *edges, const char *level)
{
	json_t *ids = node_ids(edges), *e, *v;
	const char *name;
	char label[512];
	size_t i;

	printf("digraph flightrec {\n\trankdir=LR;\n\tlabel=\"flightrec deps (%s)\";\n"
	       "\tnode [shape=box, fontname=\"Helvetica\"];\n\tedge [fontname=\"Helvetica\", "
	       "fontsize=9];\n",
	       level);
	json_object_foreach(ids, name, v)
	{
		putchar('\t');
		dot_quoted(stdout, name);
		printf(";\n");
	}
	json_array_foreach(edges, i, e)
	{
		edge_label(e, label, sizeof(label));
		putchar('\t');
		dot_quoted(stdout, sval(e, "src"));
		printf(" -> ");
		dot_quoted(stdout, sval(e, "dst"));
		printf(" [label=");
		dot_quoted(stdout, label);
		printf("%s];\n", ival(e, "drops") || ival(e, "resets") ? ", color=red" : "");
	}
	printf("}\n");
	json_decref(ids);
}

static void print_mermaid(json_t *edges)
{
	json_t *ids = node_ids(edges), *e, *v;
	const char *name;
	char label[512];
	size_t i, n = 0;

	printf("flowchart LR\n");
	json_object_foreach(ids, name, v)
	{
		json_object_set_new(ids, name, json_integer((json_int_t)n));
		/* Mermaid labels cannot hold a double quote: use its entity */
		printf("  n%zu[\"", n++);
		for (const char *p = name; *p; p++)
			fputs(*p == '"' ? "#quot;" : (char[2]){*p, 0}, stdout);
		printf("\"]\n");
	}
	json_array_foreach(edges, i, e)
	{
		edge_label(e, label, sizeof(label));
		printf("  n%" JSON_INTEGER_FORMAT " -->|\"%s\"| n%" JSON_INTEGER_FORMAT "\n",
		       json_integer_value(json_object_get(ids, sval(e, "src"))), label,
		       json_integer_value(json_object_get(ids, sval(e, "dst"))));
	}
	json_decref(ids);
}

struct deps_args {
	const char *level, *format;
};

static int option(int c, const char *arg, void *ctx)
{
	struct deps_args *a = ctx;

	if (c == 'l')
		a->level = arg;
	else if (c == 'f')
		a->format = arg;
	else
		return -1;
	return 0;
}

int fr_cmd_deps(int argc, char **argv)
{
	static const struct option opts[] = {{"level", required_argument, NULL, 'l'},
					     {"format", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct deps_args a = {"workload", "dot"};
	const char *level, *format;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	json_t *edges = NULL;
	int c, ok_level = 0, err;

	c = fr_cli__options(argc, argv, "h", opts, usage, option, &a);
	if (c != FR_CLI_OPERANDS)
		return c;
	level = a.level;
	format = a.format;
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		ok_level |= !strcmp(level, levels[i]);
	if (!ok_level ||
	    (strcmp(format, "dot") && strcmp(format, "mermaid") && strcmp(format, "json")) ||
	    optind != argc - 1)
		return fr_cli__usage_error(
			"deps",
			!ok_level	     ? "bad --level: pod, workload, service or namespace"
			: optind != argc - 1 ? "expected one DB argument"
					     : "bad --format: dot, mermaid or json",
			usage);
	err = fr_db__open_ro(argv[optind], &db);
	if (!err)
		err = fr_db__prepare(db, fr_sql__get("reports/deps.sql"), &st, "deps");
	if (!err) {
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":level"), level, -1,
				  SQLITE_STATIC);
		edges = fr_table__rows(st);
		err = edges ? 0 : -1;
	}
	if (!err && !strcmp(format, "json")) {
		json_t *doc = json_pack("{s:s,s:O}", "level", level, "edges", edges);

		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else if (!err && !strcmp(format, "dot")) {
		print_dot(edges, level);
	} else if (!err) {
		print_mermaid(edges);
	}
	json_decref(edges);
	sqlite3_finalize(st);
	fr_db__close(db);
	return err ? 1 : 0;
}
