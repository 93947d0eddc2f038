/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/segset.h"
#include "analyzer/bundle/bread.h"
#include "format/ring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int push(struct fr_segset *set, const char *dir, const char *name)
{
	const size_t len = strlen(dir) + strlen(name) + 2;
	char **p = realloc(set->paths, (set->n + 1) * sizeof(*p));
	char *s = malloc(len);

	if (p)
		set->paths = p;
	if (!p || !s) {
		free(s);
		return -ENOMEM;
	}
	if (*dir)
		snprintf(s, len, "%s/%s", dir, name);
	else
		snprintf(s, len, "%s", name);
	set->paths[set->n++] = s;
	return 0;
}

static int add_dir(struct fr_segset *set, const char *dir)
{
	struct fr_ring_list l;
	int err = fr_ring__list(dir, &l);

	if (err) {
		fprintf(stderr, "flightrec: cannot read directory %s: %s\n", dir, strerror(-err));
		return err;
	}
	for (size_t i = 0; !err && i < l.n; i++)
		err = push(set, dir, l.e[i].name);
	fr_ring_list__free(&l);
	return err;
}

static int add_bundle(struct fr_segset *set, const char *path)
{
	struct fr_bundle_limits l;
	char *dir, **paths, **dirs;
	size_t n;
	int err;

	fr_bundle_limits__default(&l);
	dirs = realloc(set->bundle_dirs, (set->nbundles + 1) * sizeof(*dirs));
	if (!dirs)
		return -ENOMEM;
	set->bundle_dirs = dirs;
	err = fr_bundle__extract(path, &l, &dir, &paths, &n);
	if (err)
		return err;
	set->bundle_dirs[set->nbundles++] = dir;
	for (size_t i = 0; i < n; i++) {
		if (!err)
			err = push(set, "", paths[i]);
		free(paths[i]);
	}
	free(paths);
	return err;
}

int fr_segset__collect(struct fr_segset *set, char *const *inputs, int ninputs)
{
	memset(set, 0, sizeof(*set));
	for (int i = 0; i < ninputs; i++) {
		struct stat sb;
		int err;

		if (stat(inputs[i], &sb) < 0) {
			err = -errno;
			fprintf(stderr, "flightrec: %s: %s\n", inputs[i], strerror(errno));
			fr_segset__free(set);
			return err;
		}
		if (S_ISDIR(sb.st_mode))
			err = add_dir(set, inputs[i]);
		else if (S_ISREG(sb.st_mode) && fr_bundle__is_bundle(inputs[i]) == 1)
			err = add_bundle(set, inputs[i]);
		else if (S_ISREG(sb.st_mode))
			err = push(set, "", inputs[i]);
		else {
			fprintf(stderr, "flightrec: %s: not a file or directory\n", inputs[i]);
			err = -ENOTDIR;
		}
		if (err) {
			fr_segset__free(set);
			return err;
		}
	}
	return 0;
}

int fr_segset__from_operands(struct fr_segset *set, int argc, char **argv, int first,
			     const char *cmd, const char *usage)
{
	if (first >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (fr_segset__collect(set, argv + first, argc - first))
		return 1;
	if (!set->n) {
		fprintf(stderr, "flightrec %s: no segments (*%s) found\n", cmd, FR_RING_SUFFIX);
		return 1;
	}
	return 0;
}

void fr_segset__free(struct fr_segset *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->paths[i]);
	free(set->paths);
	set->paths = NULL;
	set->n = 0;
	for (size_t i = 0; i < set->nbundles; i++) {
		fr_bundle__remove(set->bundle_dirs[i]);
		free(set->bundle_dirs[i]);
	}
	free(set->bundle_dirs);
	set->bundle_dirs = NULL;
	set->nbundles = 0;
}
