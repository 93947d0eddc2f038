/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the bundle reader (analyzer/bundle/bread.c) on arbitrary
 * files, as a hostile bundle attached to a bug report could be. Asserts the
 * contracts: 0 with every listed segment inside the reader's own directory,
 * or an error with that directory gone; small bounds so a bomb stops fast.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/bundle/bread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fr_bundle_limits l = {
		.max_entry = 8u << 20, .max_total = 16u << 20, .max_ratio = 100};
	char path[] = "/tmp/fuzz-bundle-XXXXXX", *dir, **paths;
	const int fd = mkstemp(path);
	struct stat sb;
	size_t n;
	int err;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (setenv("TMPDIR", "/tmp", 1))
		abort();
	err = fr_bundle__extract(path, &l, &dir, &paths, &n);
	unlink(path);
	if (err) {
		if (err != -EBADMSG && err != -ENOMEM && err != -ENOTSUP && err != -EIO)
			abort();
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		/* every file the reader made lies in its directory, a regular file */
		if (strncmp(paths[i], dir, strlen(dir)) ||
		    strchr(paths[i] + strlen(dir) + 1, '/') || lstat(paths[i], &sb) ||
		    !S_ISREG(sb.st_mode))
			abort();
		free(paths[i]);
	}
	free(paths);
	fr_bundle__remove(dir);
	if (!stat(dir, &sb))
		abort();
	free(dir);
	return 0;
}
