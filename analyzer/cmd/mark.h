/* SPDX-License-Identifier: BSD-2-Clause */
/* `flightrec mark DIR TEXT`: a marker into the running recorder's stream. */
#ifndef FR_ANALYZER_CMD_MARK_H
#define FR_ANALYZER_CMD_MARK_H

/* Return: process exit code (0 written, 1 no recorder or refused, 2 usage). */
int fr_cmd_mark(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_MARK_H */
