/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flightrec: the analyzer. Needs no root, no BPF, no cluster. Each command
 * lives in its own module; this file only dispatches.
 */
#include "analyzer/cmd/bundle.h"
#include "analyzer/cmd/deps.h"
#include "analyzer/cmd/drops.h"
#include "analyzer/cmd/flows.h"
#include "analyzer/cmd/inspect.h"
#include "analyzer/cmd/metrics.h"
#include "analyzer/cmd/query.h"
#include "analyzer/cmd/replay.h"
#include "analyzer/cmd/verify.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{"inspect", fr_cmd_inspect, "show what segments, ring directories or bundles hold"},
	{"verify", fr_cmd_verify, "check every block; exit 0 only when all are good"},
	{"replay", fr_cmd_replay, "load segments into a SQLite database"},
	{"metrics", fr_cmd_metrics, "metric families of a replay database (prom, json, csv)"},
	{"deps", fr_cmd_deps, "service dependency graph (dot, mermaid, json)"},
	{"drops", fr_cmd_drops, "kernel drops, retransmits and resets by reason, workload, ..."},
	{"flows", fr_cmd_flows, "recorded Hubble flows (table, or jsonpb as hubble observe)"},
	{"query", fr_cmd_query, "SQL over a replay database; canned queries (--list)"},
	{"bundle", fr_cmd_bundle, "cut a time window of rings into one tar.zst for a bug report"},
};

static void print_usage(FILE *f)
{
	fprintf(f, "usage: flightrec COMMAND [OPTIONS] ARGS...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n`flightrec COMMAND --help` for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "flightrec: unknown command '%s'\n\n", argv[1]);
	print_usage(stderr);
	return 2;
}
