/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `flightrec query DB "SQL"`, `--list`, `--name NAME [--param K=V]...`:
 * read-only SQL over a replay database, and the canned queries of
 * queries/canned/ (each with "-- name:" and "-- help:" header lines).
 * Parameters bind as integers when they are integers, as ns since the epoch
 * when they are RFC 3339 times, else as text.
 */
#ifndef FR_ANALYZER_CMD_QUERY_H
#define FR_ANALYZER_CMD_QUERY_H

/* Return: process exit code. */
int fr_cmd_query(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_QUERY_H */
