/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Built-in families written as metric files (queries/metrics/NAME.yaml,
 * embedded next to the .sql families): one metric each, named as its file,
 * read at every start of `flightrec metrics` and run in name order with the
 * others (docs/METRICS_FILE.md says which and why).
 */
#include "analyzer/db/sqlembed.h"
#include "analyzer/usermetric/usermetric.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "metrics/"
#define SUFFIX ".yaml"

/* "metrics/NAME.yaml": NAME's length, else 0. */
static size_t builtin_name_len(const char *path)
{
	const size_t n = strlen(path), p = strlen(PREFIX), s = strlen(SUFFIX);

	if (n <= p + s || strncmp(path, PREFIX, p) || strcmp(path + n - s, SUFFIX))
		return 0;
	return n - p - s;
}

int fr_um__builtins(struct fr_um_file *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "queries/" PREFIX "*" SUFFIX);
	for (size_t i = 0; i < fr_sql_nfiles; i++) {
		const char *path = fr_sql_files[i].name;
		const size_t nl = builtin_name_len(path);
		struct fr_um_metric *m;
		struct fr_um_file one;
		int err;

		if (!nl)
			continue;
		/* the marks of the metric keep `path`: static, as the text */
		err = fr_um__parse_buf(path, fr_sql_files[i].text, strlen(fr_sql_files[i].text),
				       &one);
		if (!err && (one.n != 1 || strlen(one.m[0].fam.name) != nl ||
			     strncmp(one.m[0].fam.name, path + strlen(PREFIX), nl))) {
			fprintf(stderr,
				"flightrec: %s: a built-in metric file holds one metric, "
				"named as the file\n",
				path);
			err = -EINVAL;
		}
		if (!err && !(m = fr_um__file_room(out)))
			err = -ENOMEM;
		if (!err) {
			*m = one.m[0];
			out->n++;
		}
		fr_um__free_file(&one);
		if (err) {
			fr_um__free_file(out);
			return err;
		}
	}
	return 0;
}
