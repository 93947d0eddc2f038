/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/verify.h"
#include "analyzer/segset.h"
#include "analyzer/out/summary.h"

#include <getopt.h>
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

int fr_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"allow-torn", no_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct fr_seg_summary *s;
	struct fr_segset set;
	int allow_torn = 0, c;
	size_t bad = 0;

	while ((c = getopt_long(argc, argv, "th", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			allow_torn = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	c = fr_segset__from_operands(&set, argc, argv, optind, "verify", usage);
	if (c)
		return c;
	s = malloc(sizeof(*s));
	if (!s) {
		fr_segset__free(&set);
		return 1;
	}
	for (size_t i = 0; i < set.n; i++) {
		fr_seg_summary__read(s, set.paths[i]);
		bad += !report(s, allow_torn);
	}
	printf("%zu of %zu segments damaged\n", bad, set.n);
	free(s);
	fr_segset__free(&set);
	return bad ? 1 : 0;
}
