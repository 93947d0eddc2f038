/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `flightrec pin DIR WINDOW [--name N]` and `flightrec unpin DIR (--name N
 * | WINDOW)`: pins of a ring directory (format/ringctl/pins.h), through the
 * running recorder's control socket, or in DIR/pins.json when none runs.
 */
#ifndef FR_ANALYZER_CMD_PIN_H
#define FR_ANALYZER_CMD_PIN_H

/* Return: process exit code (0 done, 1 refused or failed, 2 usage). */
int fr_cmd_pin(int argc, char **argv);
int fr_cmd_unpin(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_PIN_H */
