/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `flightrec replay INPUT... -o out.db`: streams segments (files or ring
 * directories) into a new SQLite database (queries/schema.sql). The file
 * is written as OUT.tmp and renamed only when complete, so a failed replay
 * never leaves a partial database behind under the requested name.
 */
#ifndef FR_ANALYZER_CMD_REPLAY_H
#define FR_ANALYZER_CMD_REPLAY_H

/* Return: process exit code (0 ok, 1 error, 2 usage). */
int fr_cmd_replay(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_REPLAY_H */
