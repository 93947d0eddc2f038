/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `flightrec drops DB [--by reason|workload|node|minute] [--format
 * table|json]`: kernel drops by reason name, retransmits and resets, by
 * workload, node or minute (queries/reports/drops.sql).
 */
#ifndef FR_ANALYZER_CMD_DROPS_H
#define FR_ANALYZER_CMD_DROPS_H

/* Return: process exit code. */
int fr_cmd_drops(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_DROPS_H */
