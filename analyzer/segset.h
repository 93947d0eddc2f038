/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Expands command-line inputs into segment file paths: a file is taken as
 * is, a directory (a ring) contributes its *.frseg files in name order
 * (format/ring.h lists them), a bundle (analyzer/bundle/bread.h) is
 * checked whole and contributes its segments, read from a private
 * directory that fr_segset__free removes.
 */
#ifndef FR_ANALYZER_SEGSET_H
#define FR_ANALYZER_SEGSET_H

#include <stddef.h>

struct fr_segset {
	char **paths; /* owned */
	size_t n;
	char **bundle_dirs; /* owned: removed with their files by free */
	size_t nbundles;
};

/*
 * Return: 0, -ENOENT (with the missing input printed to stderr), -ENOTDIR
 * for something that is neither file nor directory, -EBADMSG for a bundle
 * refused (why printed), -ENOMEM.
 * A directory without segments is not an error; it adds nothing.
 */
int fr_segset__collect(struct fr_segset *set, char *const *inputs, int ninputs);

/*
 * The PATH... operands of a command (argv[first..argc)): usage when there
 * are none, an error when they name nothing readable or no segment.
 * Return: 0 with `set` filled, or the exit code (2 usage, 1 error) after
 * printing why.
 */
int fr_segset__from_operands(struct fr_segset *set, int argc, char **argv, int first,
			     const char *cmd, const char *usage);

void fr_segset__free(struct fr_segset *set);

#endif /* FR_ANALYZER_SEGSET_H */
