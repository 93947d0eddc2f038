/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/verify.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/out/summary.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static const char usage[] =
	"usage: flightrec verify [--allow-torn] PATH...\n"
	"  Checks every block of every segment. Exit 0 only when all check.\n"
	"  --allow-torn  accept a torn tail (the active segment of a crashed recorder)\n";

/* Return 1 when the segment is good. */
static int report(const struct fr_seg_summary *s, int allow_torn)
{
	const struct fr_reader_stats *st = &s->st;
	int ok = !s->errors && !st->blocks_bad && (allow_torn || !st->torn_bytes);

	if (ok) {
		printf("OK   %s: %" PRIu64 " blocks, %" PRIu64 " records%s\n", s->path,
		       st->blocks_ok, st->records, st->has_index ? ", index checked" : "");
		return 1;
	}
	printf("FAIL %s\n", s->path);
	for (uint64_t i = 0; i < s->errors && i < FR_SUMMARY_MAX_ERRORS; i++)
		printf("     offset %" PRIu64 ": %s\n", s->err[i].offset, s->err[i].msg);
	if (s->errors > FR_SUMMARY_MAX_ERRORS)
		printf("     ... %" PRIu64 " more errors\n", s->errors - FR_SUMMARY_MAX_ERRORS);
	if (st->torn_bytes)
		printf("     offset %" PRIu64 ": torn tail, %" PRIu64 " bytes dropped\n",
		       st->torn_offset, st->torn_bytes);
	if (!s->open_err)
		printf("     readable: %" PRIu64 " blocks, %" PRIu64
		       " records; damaged blocks: %" PRIu64 "\n",
		       st->blocks_ok, st->records, st->blocks_bad);
	return 0;
}

struct verify {
	int allow_torn;
	size_t n, bad;
};

static void each(const struct fr_seg_summary *s, int err, void *ctx)
{
	struct verify *v = ctx;

	v->n++;
	v->bad += !report(s, v->allow_torn);
}

int fr_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"allow-torn", no_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct verify v = {0};
	int c;

	c = fr_cli__options(argc, argv, "th", opts, usage, fr_cli__flag, &v.allow_torn);
	if (c != FR_CLI_OPERANDS)
		return c;
	c = fr_cli__summaries(argc, argv, "verify", usage, each, &v);
	if (c)
		return c;
	printf("%zu of %zu segments damaged\n", v.bad, v.n);
	return v.bad ? 1 : 0;
}
