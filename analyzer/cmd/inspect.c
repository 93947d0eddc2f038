/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/inspect.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/out/summary.h"
#include "format/ringctl/pins.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] = "usage: flightrec inspect [--json] PATH...\n"
			    "  PATH is a segment file or a ring directory of *.frseg files.\n"
			    "  Lists each segment's markers, and the pins of each directory.\n";

static void print_text(const struct fr_seg_summary *s)
{
	const struct fr_reader_stats *st = &s->st;
	char a[40], b[40];

	printf("segment %s\n", s->path);
	if (s->open_err) {
		printf("  error      offset %" PRIu64 ": %s\n", s->err[0].offset, s->err[0].msg);
		return;
	}
	printf("  host       %s\n  boot id    %s\n  kernel     %s\n  recorder   %s\n", s->info.host,
	       s->info.boot_id, s->info.kernel, s->info.recorder);
	printf("  format     v%u, seq %" PRIu64 ", %s\n", s->info.version, s->info.seq,
	       st->has_index ? "sealed (indexed)" : "not sealed (scanned)");
	if (st->records) {
		fr_format_utc(fr_seg_summary__wall(&s->info, st->ts_min), a, sizeof(a));
		fr_format_utc(fr_seg_summary__wall(&s->info, st->ts_max), b, sizeof(b));
		printf("  time       %s .. %s (%.3f s)\n", a, b,
		       (double)(st->ts_max - st->ts_min) / 1e9);
	} else {
		printf("  time       (no records)\n");
	}
	printf("  blocks     %" PRIu64 " ok, %" PRIu64 " damaged\n", st->blocks_ok, st->blocks_bad);
	printf("  records    %" PRIu64 "\n", st->records);
	printf("  bytes      file %" PRIu64 ", raw %" PRIu64 ", compressed %" PRIu64,
	       st->file_bytes, st->raw_bytes, st->comp_bytes);
	if (st->records)
		printf(" (%.2f bytes/record on disk)",
		       (double)st->file_bytes / (double)st->records);
	printf("\n");
	if (st->unordered)
		printf("  order      %" PRIu64 " records out of time order (merge limit)\n",
		       st->unordered);
	if (st->torn_bytes)
		printf("  torn tail  %" PRIu64 " bytes dropped at offset %" PRIu64 "\n",
		       st->torn_bytes, st->torn_offset);
	else
		printf("  torn tail  none\n");
	for (uint64_t i = 0; i < s->errors && i < FR_SUMMARY_MAX_ERRORS; i++)
		printf("  error      offset %" PRIu64 ": %s\n", s->err[i].offset, s->err[i].msg);
	if (s->errors > FR_SUMMARY_MAX_ERRORS)
		printf("  error      ... %" PRIu64 " more\n", s->errors - FR_SUMMARY_MAX_ERRORS);
	printf("  kinds\n");
	for (unsigned k = 0; k < FR_KIND_MAX; k++) {
		const char *name = fr_kind__name(k);

		if (s->kind_counts[k])
			printf("    %-20s %" PRIu64 "\n", name ? name : "(unknown)",
			       s->kind_counts[k]);
	}
	if (s->nstats)
		printf("  statistics (source reason: records, seen, lost, first .. last)\n");
	for (unsigned i = 0; i < s->nstats; i++) {
		const struct fr_summary_stat *t = &s->stats[i];

		fr_format_utc(fr_seg_summary__wall(&s->info, t->first_ns), a, sizeof(a));
		fr_format_utc(fr_seg_summary__wall(&s->info, t->last_ns), b, sizeof(b));
		printf("    %s %s: %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %s .. %s\n", t->source,
		       t->reason, t->records, t->seen, t->lost, a, b);
	}
	if (s->more_stats)
		printf("    ... %u more\n", s->more_stats);
	if (s->nmarkers)
		printf("  markers\n");
	for (unsigned i = 0; i < s->nmarkers; i++) {
		fr_format_utc(fr_seg_summary__wall(&s->info, s->markers[i].ts_ns), a, sizeof(a));
		printf("    %s  %s%s\n", a, s->markers[i].text, s->markers[i].cut ? "..." : "");
	}
	if (s->more_markers)
		printf("    ... %u more\n", s->more_markers);
}

static json_t *markers_json(const struct fr_seg_summary *s)
{
	json_t *arr = json_array();
	char a[40];

	for (unsigned i = 0; i < s->nmarkers; i++) {
		fr_format_utc(fr_seg_summary__wall(&s->info, s->markers[i].ts_ns), a, sizeof(a));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "time", a, "text",
						     s->markers[i].text, "cut", s->markers[i].cut));
	}
	return arr;
}

/* The pins of ring directory `dir` (text, or appended to `arr`). Return: 0 or 1. */
static int list_pins(const char *dir, json_t *arr)
{
	struct fr_pin_usage u;
	struct fr_pins p;
	char why[512], a[40], b[40];
	int err = fr_pins__init(&p, dir);

	err = err ?: fr_pins__load(&p, why, sizeof(why));
	if (err) {
		fprintf(stderr, "flightrec inspect: pins: %s\n",
			err == -ENOMEM ? "no memory" : why);
		fr_pins__free(&p);
		return 1;
	}
	if (!arr)
		printf("pins of %s (bound %llu bytes%s)\n", dir, (unsigned long long)p.max_pinned,
		       p.max_pinned ? "" : ": none");
	if (!arr && !p.n)
		printf("  none\n");
	for (size_t i = 0; i < p.n; i++) {
		const struct fr_pin *q = &p.pin[i];

		if (fr_pins__usage(&p, q, NULL, 0, &u))
			memset(&u, 0, sizeof(u));
		fr_format_utc((uint64_t)q->from_ns, a, sizeof(a));
		fr_format_utc((uint64_t)q->to_ns, b, sizeof(b));
		if (arr)
			json_array_append_new(arr,
					      json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "dir", dir,
							"name", q->name, "from", a, "to", b,
							"segments", (json_int_t)u.pin_segments,
							"bytes", (json_int_t)u.pin_bytes,
							"max_pinned", (json_int_t)p.max_pinned));
		else
			printf("  %-16s %s .. %s  %zu segments, %llu bytes\n", q->name, a, b,
			       u.pin_segments, (unsigned long long)u.pin_bytes);
	}
	fr_pins__free(&p);
	return 0;
}

/* The pins of the operands that are directories. Return: 0 or 1. */
static int pins_of_operands(int argc, char **argv, json_t *arr)
{
	struct stat sb;
	int rc = 0;

	for (int i = optind; i < argc; i++)
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			rc |= list_pins(argv[i], arr);
	return rc;
}

/* Across all inputs: the hosts seen, the overall window, the totals. */
struct totals {
	char hosts[8][256];
	unsigned nhosts, more_hosts;
	uint64_t from, to; /* wall ns */
	uint64_t segments, damaged, records, file_bytes;
};

static void totals__add(struct totals *t, const struct fr_seg_summary *s)
{
	const struct fr_reader_stats *st = &s->st;
	unsigned i;

	t->segments++;
	t->damaged += s->errors || st->blocks_bad || st->torn_bytes;
	if (s->open_err)
		return;
	for (i = 0; i < t->nhosts && strcmp(t->hosts[i], s->info.host); i++)
		;
	if (i == t->nhosts && t->nhosts < 8)
		snprintf(t->hosts[t->nhosts++], sizeof(t->hosts[0]), "%s", s->info.host);
	else if (i == t->nhosts)
		t->more_hosts++;
	if (st->records) {
		const uint64_t a = fr_seg_summary__wall(&s->info, st->ts_min);
		const uint64_t b = fr_seg_summary__wall(&s->info, st->ts_max);

		if (!t->records || a < t->from)
			t->from = a;
		if (b > t->to)
			t->to = b;
	}
	t->records += st->records;
	t->file_bytes += st->file_bytes;
}

static void totals__print(const struct totals *t)
{
	char a[40], b[40];

	printf("total\n  segments   %" PRIu64 " (%" PRIu64 " with damage or a torn tail)\n",
	       t->segments, t->damaged);
	printf("  hosts     ");
	for (unsigned i = 0; i < t->nhosts; i++)
		printf(" %s", t->hosts[i]);
	if (t->more_hosts)
		printf(" (+%u more)", t->more_hosts);
	printf("\n");
	if (t->records) {
		fr_format_utc(t->from, a, sizeof(a));
		fr_format_utc(t->to, b, sizeof(b));
		printf("  time       %s .. %s\n", a, b);
	}
	printf("  records    %" PRIu64 "\n  bytes      %" PRIu64 "\n", t->records, t->file_bytes);
}

static json_t *totals__json(const struct totals *t)
{
	json_t *o = json_object(), *hosts = json_array();
	char a[40];

	for (unsigned i = 0; i < t->nhosts; i++)
		json_array_append_new(hosts, json_string(t->hosts[i]));
	json_object_set_new(o, "hosts", hosts);
	json_object_set_new(o, "segments", json_integer((json_int_t)t->segments));
	json_object_set_new(o, "damaged_segments", json_integer((json_int_t)t->damaged));
	json_object_set_new(o, "records", json_integer((json_int_t)t->records));
	json_object_set_new(o, "file_bytes", json_integer((json_int_t)t->file_bytes));
	if (t->records) {
		fr_format_utc(t->from, a, sizeof(a));
		json_object_set_new(o, "from", json_string(a));
		fr_format_utc(t->to, a, sizeof(a));
		json_object_set_new(o, "to", json_string(a));
	}
	return o;
}

/* The statistics records per source and reason. */
static json_t *stats_json(const struct fr_seg_summary *s)
{
	json_t *arr = json_array();
	char a[40], b[40];

	for (unsigned i = 0; i < s->nstats; i++) {
		const struct fr_summary_stat *t = &s->stats[i];

		fr_format_utc(fr_seg_summary__wall(&s->info, t->first_ns), a, sizeof(a));
		fr_format_utc(fr_seg_summary__wall(&s->info, t->last_ns), b, sizeof(b));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:I,s:I,s:s,s:s}", "source",
						     t->source, "reason", t->reason, "records",
						     (json_int_t)t->records, "seen",
						     (json_int_t)t->seen, "lost",
						     (json_int_t)t->lost, "first", a, "last", b));
	}
	return arr;
}

static json_t *summary_json(const struct fr_seg_summary *s)
{
	const struct fr_reader_stats *st = &s->st;
	json_t *o = json_object(), *errs = json_array(), *kinds = json_object();
	char a[40];

	json_object_set_new(o, "path", json_string(s->path));
	for (uint64_t i = 0; i < s->errors && i < FR_SUMMARY_MAX_ERRORS; i++)
		json_array_append_new(errs,
				      json_pack("{s:I,s:s}", "offset", (json_int_t)s->err[i].offset,
						"message", s->err[i].msg));
	json_object_set_new(o, "errors", errs);
	json_object_set_new(o, "error_count", json_integer((json_int_t)s->errors));
	if (s->open_err) {
		json_decref(kinds);
		return o;
	}
	json_object_set_new(o, "host", json_string(s->info.host));
	json_object_set_new(o, "boot_id", json_string(s->info.boot_id));
	json_object_set_new(o, "kernel", json_string(s->info.kernel));
	json_object_set_new(o, "recorder", json_string(s->info.recorder));
	json_object_set_new(o, "version", json_integer(s->info.version));
	json_object_set_new(o, "seq", json_integer((json_int_t)s->info.seq));
	json_object_set_new(o, "sealed", json_boolean(st->has_index));
	if (st->records) {
		fr_format_utc(fr_seg_summary__wall(&s->info, st->ts_min), a, sizeof(a));
		json_object_set_new(o, "from", json_string(a));
		fr_format_utc(fr_seg_summary__wall(&s->info, st->ts_max), a, sizeof(a));
		json_object_set_new(o, "to", json_string(a));
	}
	json_object_set_new(o, "blocks", json_integer((json_int_t)st->blocks_ok));
	json_object_set_new(o, "blocks_damaged", json_integer((json_int_t)st->blocks_bad));
	json_object_set_new(o, "records", json_integer((json_int_t)st->records));
	json_object_set_new(o, "file_bytes", json_integer((json_int_t)st->file_bytes));
	json_object_set_new(o, "raw_bytes", json_integer((json_int_t)st->raw_bytes));
	json_object_set_new(o, "compressed_bytes", json_integer((json_int_t)st->comp_bytes));
	json_object_set_new(o, "torn_bytes", json_integer((json_int_t)st->torn_bytes));
	json_object_set_new(o, "unordered", json_integer((json_int_t)st->unordered));
	json_object_set_new(o, "torn_offset", json_integer((json_int_t)st->torn_offset));
	for (unsigned k = 0; k < FR_KIND_MAX; k++) {
		const char *name = fr_kind__name(k);
		char buf[32];

		if (!s->kind_counts[k])
			continue;
		if (!name) {
			snprintf(buf, sizeof(buf), "kind_%u", k);
			name = buf;
		}
		json_object_set_new(kinds, name, json_integer((json_int_t)s->kind_counts[k]));
	}
	json_object_set_new(o, "kinds", kinds);
	json_object_set_new(o, "statistics", stats_json(s));
	json_object_set_new(o, "markers", markers_json(s));
	return o;
}

struct inspect {
	int json;
	int rc;
	struct totals tot;
	json_t *segs;
};

static void each(const struct fr_seg_summary *s, int err, void *ctx)
{
	struct inspect *in = ctx;

	if (err)
		in->rc = 1;
	totals__add(&in->tot, s);
	if (in->json)
		json_array_append_new(in->segs, summary_json(s));
	else
		print_text(s);
}

int fr_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct inspect in = {0};
	json_t *root, *pins;
	int c;

	c = fr_cli__options(argc, argv, "jh", opts, usage, fr_cli__flag, &in.json);
	if (c != FR_CLI_OPERANDS)
		return c;
	in.segs = in.json ? json_array() : NULL;
	c = fr_cli__summaries(argc, argv, "inspect", usage, each, &in);
	if (c) {
		json_decref(in.segs);
		return c;
	}
	if (!in.json) {
		totals__print(&in.tot);
		return pins_of_operands(argc, argv, NULL) | in.rc;
	}
	pins = json_array();
	in.rc |= pins_of_operands(argc, argv, pins);
	root = json_object();
	json_object_set_new(root, "pins", pins);
	json_object_set_new(root, "segments", in.segs);
	json_object_set_new(root, "total", totals__json(&in.tot));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(root);
	return in.rc;
}
