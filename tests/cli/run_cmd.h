/* SPDX-License-Identifier: BSD-2-Clause */
/* Run a program as a user would and keep what it printed. */
#ifndef FR_TESTS_RUN_CMD_H
#define FR_TESTS_RUN_CMD_H

struct cmd_result {
	int status; /* exit code; 128 + signal when killed */
	char out[1 << 16];
	char err[1 << 14];
};

/* Run argv (argv[0] is the path), stdin from /dev/null; output beyond
 * the buffers is cut. Asserts that the program could be started. */
void cmd_run(const char *const *argv, struct cmd_result *res);

#endif /* FR_TESTS_RUN_CMD_H */
