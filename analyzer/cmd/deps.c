/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/deps.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/cmd/metrics.h"
#include "analyzer/cmd/metrics_hubble.h"
#include "analyzer/db/db.h"
#include "analyzer/db/sqlembed.h"
#include "analyzer/out/table.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: flightrec deps DB [--level pod|workload|service|namespace]\n"
	"                 [--format dot|mermaid|json|table] [--source kernel|hubble|both]\n"
	"  kernel: TCP connections (L4 edges); hubble: Hubble's L7 flows (HTTP, gRPC,\n"
	"  DNS, Kafka edges per endpoint, dashed); default both.\n";

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

static void l7_label(json_t *e, char *buf, size_t cap)
{
	snprintf(buf, cap,
		 "%s/%" JSON_INTEGER_FORMAT " %s: %" JSON_INTEGER_FORMAT
		 " req, %.3f/s, %.1f%% err, "
		 "p50 %.2f ms, p99 %.2f ms",
		 sval(e, "protocol"), ival(e, "port"), sval(e, "endpoint"), ival(e, "requests"),
		 json_number_value(json_object_get(e, "requests_per_s")),
		 100 * json_number_value(json_object_get(e, "error_rate")),
		 (double)ival(e, "latency_p50_ns") / 1e6, (double)ival(e, "latency_p99_ns") / 1e6);
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

static void add_ends(json_t *ids, json_t *edges)
{
	json_t *e;
	size_t i;

	json_array_foreach(edges, i, e)
	{
		json_object_set_new(ids, sval(e, "src"), json_null());
		json_object_set_new(ids, sval(e, "dst"), json_null());
	}
}

/* Graph nodes in order of first appearance in the (sorted) edges, L4
 * then L7. */
static json_t *node_ids(json_t *edges, json_t *l7)
{
	json_t *ids = json_object();

	add_ends(ids, edges);
	add_ends(ids, l7);
	return ids;
}

static void print_dot(json_t *edges, json_t *l7, const char *level)
{
	json_t *ids = node_ids(edges, l7), *e, *v;
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
	json_array_foreach(l7, i, e)
	{
		l7_label(e, label, sizeof(label));
		putchar('\t');
		dot_quoted(stdout, sval(e, "src"));
		printf(" -> ");
		dot_quoted(stdout, sval(e, "dst"));
		printf(" [style=dashed, label=");
		dot_quoted(stdout, label);
		printf("%s];\n", ival(e, "errors") ? ", color=red" : "");
	}
	printf("}\n");
	json_decref(ids);
}

static void print_mermaid(json_t *edges, json_t *l7)
{
	json_t *ids = node_ids(edges, l7), *e, *v;
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
	json_array_foreach(l7, i, e)
	{
		/* a dotted arrow: an L7 edge */
		l7_label(e, label, sizeof(label));
		for (char *p = label; *p; p++)
			*p = *p == '"' ? '\'' : *p;
		printf("  n%" JSON_INTEGER_FORMAT " -.->|\"%s\"| n%" JSON_INTEGER_FORMAT "\n",
		       json_integer_value(json_object_get(ids, sval(e, "src"))), label,
		       json_integer_value(json_object_get(ids, sval(e, "dst"))));
	}
	json_decref(ids);
}

static void cell_text(json_t *v, char *buf, size_t cap)
{
	if (json_is_string(v))
		snprintf(buf, cap, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, cap, "%g", json_real_value(v));
	else
		snprintf(buf, cap, "-");
}

#define MAX_COLS 32

/* The rows of `rows` (objects with the same keys) as an aligned text
 * table under `title`. */
static void print_table(const char *title, json_t *rows)
{
	size_t i, w[MAX_COLS] = {0}, c;
	const char *k;
	json_t *r, *v;
	char cell[1024];

	printf("%s\n", title);
	json_array_foreach(rows, i, r)
	{
		c = 0;
		json_object_foreach(r, k, v)
		{
			if (c == MAX_COLS)
				break;
			cell_text(v, cell, sizeof(cell));
			w[c] = strlen(k) > w[c] ? strlen(k) : w[c];
			w[c] = strlen(cell) > w[c] ? strlen(cell) : w[c];
			c++;
		}
	}
	c = 0;
	json_object_foreach(json_array_get(rows, 0), k, v) if (c < MAX_COLS)
		printf("%s%-*s", c ? "  " : "", (int)w[c], k),
		c++;
	json_array_foreach(rows, i, r)
	{
		putchar('\n');
		c = 0;
		json_object_foreach(r, k, v)
		{
			if (c == MAX_COLS)
				break;
			cell_text(v, cell, sizeof(cell));
			printf("%s%-*s", c ? "  " : "", (int)w[c], cell);
			c++;
		}
	}
	printf(json_array_size(rows) ? "\n\n" : "(none)\n\n");
}

struct deps_args {
	const char *level, *format, *source;
};

static int option(int c, const char *arg, void *ctx)
{
	struct deps_args *a = ctx;

	if (c == 'l')
		a->level = arg;
	else if (c == 'f')
		a->format = arg;
	else if (c == 's')
		a->source = arg;
	else
		return -1;
	return 0;
}

/* The edges of report `file` at `level`; NULL on a database error. */
static json_t *edges_of(sqlite3 *db, const char *file, const char *level, int64_t span)
{
	sqlite3_stmt *st;
	json_t *rows;
	int i;

	if (fr_db__prepare(db, fr_sql__get(file), &st, file))
		return NULL;
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":level"), level, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":span_ns")))
		sqlite3_bind_int64(st, i, span);
	rows = fr_table__rows(st);
	sqlite3_finalize(st);
	return rows;
}

static int one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return 1;
	return 0;
}

int fr_cmd_deps(int argc, char **argv)
{
	static const struct option opts[] = {{"level", required_argument, NULL, 'l'},
					     {"format", required_argument, NULL, 'f'},
					     {"source", required_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	static const char *const formats[] = {"dot", "mermaid", "json", "table"};
	static const char *const sources[] = {"kernel", "hubble", "both"};
	struct deps_args a = {"workload", "dot", "both"};
	const char *level, *format;
	sqlite3 *db = NULL;
	json_t *edges = NULL, *l7 = NULL;
	int64_t from, to;
	int c, ok_level, ok_source, err;

	c = fr_cli__options(argc, argv, "h", opts, usage, option, &a);
	if (c != FR_CLI_OPERANDS)
		return c;
	level = a.level;
	format = a.format;
	ok_level = one_of(level, levels, sizeof(levels) / sizeof(levels[0]));
	ok_source = one_of(a.source, sources, 3);
	if (!ok_level || !ok_source || !one_of(format, formats, 4) || optind != argc - 1)
		return fr_cli__usage_error(
			"deps",
			!ok_level	     ? "bad --level: pod, workload, service or namespace"
			: !ok_source	     ? "bad --source: kernel, hubble or both"
			: optind != argc - 1 ? "expected one DB argument"
					     : "bad --format: dot, mermaid, json or table",
			usage);
	err = fr_db__open_ro(argv[optind], &db);
	if (!err && strcmp(a.source, "hubble")) {
		edges = edges_of(db, "reports/deps.sql", level, 0);
		err = edges ? 0 : -1;
	}
	if (!err && strcmp(a.source, "kernel")) {
		err = fr_mhubble__register(db);
		if (!err)
			err = fr_metrics__recording_window(db, &from, &to);
		if (!err) {
			l7 = edges_of(db, "reports/deps_hubble.sql", level, to - from);
			err = l7 ? 0 : -1;
		}
	}
	if (!err && !strcmp(format, "json")) {
		json_t *doc = json_pack("{s:s}", "level", level);

		if (edges)
			json_object_set(doc, "edges", edges);
		if (l7)
			json_object_set(doc, "l7_edges", l7);
		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else if (!err && !strcmp(format, "table")) {
		if (edges)
			print_table("L4 edges (kernel TCP connections)", edges);
		if (l7)
			print_table("L7 edges (Hubble flows)", l7);
	} else if (!err && !strcmp(format, "dot")) {
		print_dot(edges, l7, level);
	} else if (!err) {
		print_mermaid(edges, l7);
	}
	json_decref(edges);
	json_decref(l7);
	fr_db__close(db);
	return err ? 1 : 0;
}
