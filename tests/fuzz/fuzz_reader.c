/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the whole segment reader on arbitrary bytes, plus the
 * parsers behind the checksums (column transform, event codec), which the
 * fuzzer could not reach through a file because it cannot forge CRC-32C.
 * Input byte 0 selects the target. Never crashes, never loops: asserts only
 * the contracts (record bounds, error codes).
 */
#define _GNU_SOURCE
#include "format/columns.h"
#include "format/kinds.h"
#include "format/reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_file(const uint8_t *data, size_t size)
{
	const int fd = memfd_create("seg", 0);
	struct fr_reader *r;
	struct fr_record rec;
	struct fr_event ev;
	char path[64];
	int err, guard = 0;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (fr_reader__open(path, &r, NULL) == 0) {
		while ((err = fr_reader__next(r, &rec)) != 0) {
			if (err < 0) {
				if (err != -EBADMSG && err != -ENOMEM)
					abort();
				if (++guard > 100000)
					abort(); /* the reader must make progress */
				continue;
			}
			if (rec.len > size)
				abort();
			fr_event__decode(rec.kind, rec.payload, rec.len, &ev);
		}
		fr_reader__seek(r, 0);
		fr_reader__next(r, &rec);
		fr_reader__close(r);
	}
	close(fd);
}

static void fuzz_columns(const uint8_t *data, size_t size)
{
	uint8_t *out;
	uint32_t n;
	int rows;

	if (size < 4)
		return;
	memcpy(&n, data, 4);
	n %= 4096;
	out = malloc(size + 1);
	if (!out)
		abort();
	rows = fr_columns__decode(data + 4, size - 4, n, out, size);
	if (rows > (int)size)
		abort();
	free(out);
}

static void fuzz_event(const uint8_t *data, size_t size)
{
	struct fr_event ev;

	if (size < 1)
		return;
	fr_event__decode(data[0], data + 1, size - 1, &ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_file(data + 1, size - 1);
		break;
	case 1:
		fuzz_columns(data + 1, size - 1);
		break;
	default:
		fuzz_event(data + 1, size - 1);
		break;
	}
	return 0;
}
