/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `flightrec metrics DB [--window FROM..TO] [--step 10s] [--by LABELS]
 * [--format prom|json|csv] [--family NAMES]`: every metric family of
 * queries/metrics/ over a replay database, as one sample per series for the
 * window, or a series per step. Counter samples with --step are the
 * increase over that step (they add up to the window total); gauge samples
 * are the value at the step's end.
 */
#ifndef FR_ANALYZER_CMD_METRICS_H
#define FR_ANALYZER_CMD_METRICS_H

#include <sqlite3.h>
#include <stdint.h>

/* Return: process exit code. */
int fr_cmd_metrics(int argc, char **argv);

/*
 * The recording's window [from, to) from replay_info, used when a side of
 * --window is open. Return: 0 or -EIO.
 */
int fr_metrics__recording_window(sqlite3 *db, int64_t *from, int64_t *to);

#endif /* FR_ANALYZER_CMD_METRICS_H */
