/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The metric files of a `flightrec metrics` run (docs/METRICS_FILE.md):
 * the built-in families written as files (queries/metrics/NAME.yaml) and the
 * user's --file ones. Names are unique across them and the .sql families.
 */
#ifndef FR_ANALYZER_CMD_METRICS_FILE_H
#define FR_ANALYZER_CMD_METRICS_FILE_H

#include "analyzer/usermetric/usermetric.h"

#define FR_MFILE_MAX 16 /* --file options */

struct fr_mfiles {
	struct fr_um_file builtin; /* one metric each, in name order */
	struct fr_um_file user[FR_MFILE_MAX];
	int nuser;
};

/* Read the built-in metric files and the user's `files[0..n)`; refuse a
 * user metric named as a built-in family or another metric. Free with
 * fr_mfiles__free, after an error too. Return: 0, -EINVAL or -errno
 * (printed). */
int fr_mfiles__load(struct fr_mfiles *s, const char *const *files, int n);

/* Whether every name of `families` (comma separated; NULL: all) is a
 * family. Return: 0 or -EINVAL (printed). */
int fr_mfiles__check_families(const struct fr_mfiles *s, const char *families);

void fr_mfiles__free(struct fr_mfiles *s);

#endif /* FR_ANALYZER_CMD_METRICS_FILE_H */
