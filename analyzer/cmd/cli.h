/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the commands share on their command line: options parsed one way
 * (-h/--help prints the usage on stdout and exits 0, a usage error prints
 * it on stderr and exits 2), and the segment summaries of the PATH
 * operands of inspect and verify.
 */
#ifndef FR_ANALYZER_CMD_CLI_H
#define FR_ANALYZER_CMD_CLI_H

#include <getopt.h>

#include "analyzer/out/summary.h"

/* fr_cli__options: the options are parsed, the operands start at optind. */
#define FR_CLI_OPERANDS -1

/*
 * getopt_long over argv. -h (every command's --help) prints `usage` on
 * stdout; every other option, an unknown one as '?', goes to `opt`, which
 * returns 0 to go on, or -1 for a usage error (after printing why, unless
 * getopt did).
 * Return: FR_CLI_OPERANDS, or the exit code: 0 after --help, 2 after a
 * usage error (the usage printed on stderr).
 */
int fr_cli__options(int argc, char **argv, const char *shortopts, const struct option *opts,
		    const char *usage, int (*opt)(int c, const char *arg, void *ctx), void *ctx);

/* An `opt` for a command whose one option is a flag: sets *(int *)flag. */
int fr_cli__flag(int c, const char *arg, void *flag);

/* "flightrec CMD: why" (`why` NULL: nothing) and the usage on stderr.
 * Return: 2, the exit code of a usage error. */
int fr_cli__usage_error(const char *cmd, const char *why, const char *usage);

/*
 * Summarize every segment of the PATH operands (argv[optind..]) in order
 * and hand each to `each` with what fr_seg_summary__read returned.
 * Return: 0, or the exit code (2 usage, 1 error) when the operands name no
 * segment or memory runs out (printed, but for memory).
 */
int fr_cli__summaries(int argc, char **argv, const char *cmd, const char *usage,
		      void (*each)(const struct fr_seg_summary *s, int err, void *ctx), void *ctx);

#endif /* FR_ANALYZER_CMD_CLI_H */
