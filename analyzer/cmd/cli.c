/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/cli.h"
#include "analyzer/segset.h"

#include <stdio.h>
#include <stdlib.h>

int fr_cli__options(int argc, char **argv, const char *shortopts, const struct option *opts,
		    const char *usage, int (*opt)(int c, const char *arg, void *ctx), void *ctx)
{
	int c;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		if (opt(c, optarg, ctx))
			return fr_cli__usage_error(NULL, NULL, usage);
	}
	return FR_CLI_OPERANDS;
}

int fr_cli__flag(int c, const char *arg, void *flag)
{
	if (c == '?')
		return -1;
	*(int *)flag = 1;
	return 0;
}

int fr_cli__usage_error(const char *cmd, const char *why, const char *usage)
{
	if (why)
		fprintf(stderr, "flightrec %s: %s\n", cmd, why);
	fputs(usage, stderr);
	return 2;
}

int fr_cli__summaries(int argc, char **argv, const char *cmd, const char *usage,
		      void (*each)(const struct fr_seg_summary *s, int err, void *ctx), void *ctx)
{
	struct fr_seg_summary *s; /* large: kind counts and kept errors */
	struct fr_segset set;
	int rc = fr_segset__from_operands(&set, argc, argv, optind, cmd, usage);

	if (rc)
		return rc;
	s = malloc(sizeof(*s));
	for (size_t i = 0; s && i < set.n; i++) {
		const int err = fr_seg_summary__read(s, set.paths[i]);

		each(s, err, ctx);
	}
	rc = s ? 0 : 1;
	free(s);
	fr_segset__free(&set);
	return rc;
}
