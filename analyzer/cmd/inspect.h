/* SPDX-License-Identifier: BSD-2-Clause */
/* `flightrec inspect PATH...`: what segments and ring directories hold. */
#ifndef FR_ANALYZER_CMD_INSPECT_H
#define FR_ANALYZER_CMD_INSPECT_H

/* Return: process exit code. */
int fr_cmd_inspect(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_INSPECT_H */
