/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `flightrec deps DB [--level pod|workload|service|namespace]
 * [--format dot|mermaid|json]`: the dependency graph of
 * queries/reports/deps.sql, every IP resolved to the pod that held it when
 * the connection opened.
 */
#ifndef FR_ANALYZER_CMD_DEPS_H
#define FR_ANALYZER_CMD_DEPS_H

/* Return: process exit code. */
int fr_cmd_deps(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_DEPS_H */
