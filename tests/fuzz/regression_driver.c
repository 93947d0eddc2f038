/* SPDX-License-Identifier: BSD-2-Clause */
/* Runs every file given (or every file in the directories given) through the
 * fuzz target once, so the corpus is a plain test without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, err = 0;

	for (int i = 1; i < argc; i++) {
		struct stat sb;
		struct dirent **ents;
		int n;

		if (stat(argv[i], &sb) < 0) {
			fprintf(stderr, "missing %s\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(sb.st_mode)) {
			err |= run_file(argv[i]);
			files++;
			continue;
		}
		n = scandir(argv[i], &ents, NULL, alphasort);
		for (int k = 0; k < n; k++) {
			char path[4096];

			if (ents[k]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i], ents[k]->d_name);
				err |= run_file(path);
				files++;
			}
			free(ents[k]);
		}
		free(ents);
	}
	printf("%d inputs ran through the fuzz target\n", files);
	return err || !files;
}
