/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The recorder's options, from the command line and from config files.
 * A config file line "name = value" (or a bare "name" for a flag) is the
 * long option --name=value: both go through one function, so a bad value
 * gets the same reason and the same refusal in either place. Errors in a
 * file name the file and the line. No function here exits or prints but
 * fr_options__parse(), which is the command line's boundary.
 */
#ifndef FR_RECORDER_OPTIONS_H
#define FR_RECORDER_OPTIONS_H

#include <stddef.h>

#include "config.h"

/* Exit status of every usage error (argp's, sysexits.h EX_USAGE). */
#define FR_EXIT_USAGE 64

/* Largest config file read: far above any real one, so a wrong path
 * (a log, a device) is refused instead of parsed. */
#define FR_CONFIG_FILE_MAX (1u << 20)

/*
 * Parse argv into cfg (initialized by fr_config__init). Prints usage
 * errors. Return: 0; FR_EXIT_USAGE after a usage error (the caller exits
 * with it); argp exits by itself for --help, --usage and --version.
 */
int fr_options__parse(int argc, char **argv, struct fr_config *cfg);

/*
 * Apply one long option by name ("duration", "dir", ...) with its value
 * (NULL for a bare flag). Return: 0, -EINVAL with the reason in msg
 * ("bad --duration 'abc' (...)"), or -ENOMEM.
 */
int fr_options__apply(struct fr_config *cfg, const char *name, const char *value, char *msg,
		      size_t msg_len);

/*
 * Apply the text of a config file named `path` (for messages). Stops at
 * the first error. Return: 0, or -EINVAL/-ENOMEM with "PATH:LINE: reason"
 * in msg.
 */
int fr_options__apply_text(struct fr_config *cfg, const char *path, const char *text, size_t len,
			   char *msg, size_t msg_len);

/* Read and apply a config file (a regular file of at most
 * FR_CONFIG_FILE_MAX bytes). Return: 0 or -errno with "PATH: reason" or
 * "PATH:LINE: reason" in msg. */
int fr_options__apply_file(struct fr_config *cfg, const char *path, char *msg, size_t msg_len);

#endif /* FR_RECORDER_OPTIONS_H */
