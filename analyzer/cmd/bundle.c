/* SPDX-License-Identifier: BSD-2-Clause */
/* The bundle command line; the bundle itself is analyzer/bundle/. */
#include "analyzer/cmd/bundle.h"
#include "analyzer/bundle/bwrite.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/cmd/markers.h"
#include "analyzer/cmd/timespec.h"
#include "analyzer/segset.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FR_GIT_VERSION
#define FR_GIT_VERSION "unknown"
#endif

static const char usage[] =
	"usage: flightrec bundle DIR|SEGMENT... (--since DURATION | --from T --to T |\n"
	"                        --around MARKER [--before 5m] [--after 5m])\n"
	"                        -o OUT.tar.zst [--redact CLASS,...] [--level N]\n"
	"  Cuts the window out of ring directories (several nodes merge) into one\n"
	"  tar.zst with manifest.json (nodes, window, segments with sha256, losses,\n"
	"  redactions); it replays alone: flightrec replay OUT.tar.zst -o X.db.\n"
	"  --since 15m       the last 15 minutes; --from/--to: RFC 3339 or ns\n"
	"  --around MARKER   the window around the marker (flightrec mark) of that text\n"
	"                    (its newest when repeated; or a part of one marker's text)\n"
	"  --redact CLASS,.. ips (or ips-keep-subnets), comm-args, exe-paths, l7-urls,\n"
	"                    l7-headers, dns-names, labels, all: values become per-bundle\n"
	"                    pseudonyms (same value, same pseudonym). Kernel pointers\n"
	"                    (socket ids, drop locations) never ship raw: hidden by the\n"
	"                    recorder, or else replaced by per-bundle ids.\n"
	"  --level N         zstd level of the archive, -7..19 but not 0 (default -1, a\n"
	"                    fast one: the segments inside are compressed already)\n"
	"  The recorder may be writing: only complete blocks are taken. OUT is 0600.\n";

struct bundle_args {
	const char *out, *since, *from, *to, *redact, *around, *before, *after;
	int level;
};

static int option(int c, const char *arg, void *ctx)
{
	struct bundle_args *a = ctx;

	switch (c) {
	case 'o':
		a->out = arg;
		return 0;
	case 's':
		a->since = arg;
		return 0;
	case 'F':
		a->from = arg;
		return 0;
	case 'T':
		a->to = arg;
		return 0;
	case 'r':
		a->redact = arg;
		return 0;
	case 'A':
		a->around = arg;
		return 0;
	case 'B':
		a->before = arg;
		return 0;
	case 'E':
		a->after = arg;
		return 0;
	case 'l':
		a->level = atoi(arg);
		return a->level >= -7 && a->level <= 19 && a->level ? 0 : -1;
	default:
		return -1;
	}
}

static int window(const struct bundle_args *a, struct fr_bundle_opts *o)
{
	struct timespec now;
	int64_t d;

	if (a->since && (a->from || a->to))
		return -1;
	if (a->around)
		return a->since || a->from || a->to ? -1 : 0; /* after the inputs are known */
	if (a->before || a->after)
		return -1;
	if (a->since) {
		if (fr_duration__parse(a->since, &d))
			return -1;
		clock_gettime(CLOCK_REALTIME, &now);
		o->to = (int64_t)now.tv_sec * 1000000000ll + now.tv_nsec;
		o->from = o->to - d;
		return 0;
	}
	if (!a->from || !a->to || fr_time__parse(a->from, &o->from) ||
	    fr_time__parse(a->to, &o->to) || o->from >= o->to)
		return -1;
	return 0;
}

int fr_cmd_bundle(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"since", required_argument, NULL, 's'},
					     {"from", required_argument, NULL, 'F'},
					     {"to", required_argument, NULL, 'T'},
					     {"redact", required_argument, NULL, 'r'},
					     {"level", required_argument, NULL, 'l'},
					     {"around", required_argument, NULL, 'A'},
					     {"before", required_argument, NULL, 'B'},
					     {"after", required_argument, NULL, 'E'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct bundle_args a = {.level = -1};
	struct fr_bundle_opts o = {.margin_ns = 1000000000ll, .tool = "flightrec " FR_GIT_VERSION};
	struct fr_bundle_result res;
	struct fr_redact r;
	struct fr_segset set;
	unsigned classes = 0;
	int keep = 0, err;
	char why[128];

	err = fr_cli__options(argc, argv, "o:h", opts, usage, option, &a);
	if (err != FR_CLI_OPERANDS)
		return err;
	if (!a.out)
		return fr_cli__usage_error("bundle", "-o OUT.tar.zst is required", usage);
	if (window(&a, &o))
		return fr_cli__usage_error(
			"bundle",
			"give --since DURATION, --from T --to T with FROM before TO, or --around "
			"MARKER (with --before/--after)",
			usage);
	if (a.redact && fr_redact__parse(a.redact, &classes, &keep, why, sizeof(why)))
		return fr_cli__usage_error("bundle", why, usage);
	o.level = a.level;
	err = fr_segset__from_operands(&set, argc, argv, optind, "bundle", usage);
	if (err)
		return err;
	if (set.nbundles) {
		fr_segset__free(&set);
		fprintf(stderr, "flightrec bundle: inputs are ring directories or segments, not "
				"bundles\n");
		return 2;
	}
	if (a.around) {
		err = fr_markers__window(set.paths, set.n, a.around, a.before, a.after, "bundle",
					 &o.from, &o.to);
		if (err) {
			fr_segset__free(&set);
			return err;
		}
	}
	err = fr_redact__init(&r, classes, keep);
	if (!err)
		err = fr_bundle__write(set.paths, set.n, &o, &r, a.out, &res);
	fr_redact__free(&r);
	fr_segset__free(&set);
	if (err == -ENODATA) {
		fprintf(stderr, "flightrec bundle: no record in the window\n");
		return 1;
	}
	if (err) {
		fprintf(stderr, "flightrec bundle failed: %s\n", strerror(-err));
		return 1;
	}
	fprintf(stderr,
		"flightrec bundle: %s: %zu segments, %" PRIu64 " records, %" PRIu64
		" bytes (inputs %" PRIu64 " bytes); blocks %" PRIu64 ", %" PRIu64
		" copied as stored\n",
		a.out, res.segments, res.records, res.bundle_bytes, res.input_bytes, res.blocks,
		res.blocks_copied);
	return 0;
}
