/* SPDX-License-Identifier: BSD-2-Clause */
/* `flightrec verify PATH...`: exit 0 only when every block checks. */
#ifndef FR_ANALYZER_CMD_VERIFY_H
#define FR_ANALYZER_CMD_VERIFY_H

/* Return: process exit code (0 all good, 1 damage found, 2 usage). */
int fr_cmd_verify(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_VERIFY_H */
