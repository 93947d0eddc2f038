/* SPDX-License-Identifier: BSD-2-Clause */
/* For the C tests here: a failed check, and the sample flows of
 * fixtures/hubble as protobuf. */
#ifndef FR_TESTS_HUBBLE_SAMPLES_H
#define FR_TESTS_HUBBLE_SAMPLES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Prints where and why when c is false, and counts it in the test's own
 * `static int fails`. */
#define CHECK(c, ...)                                                                              \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fails++;                                                                   \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

/* Calls fn(buf, len, path, arg) with each line of dir/ *.jsonl that
 * parses as a GetFlowsResponse, encoded by protobuf-c (field number
 * order). Return: how many (0: no file). */
size_t samples_each(const char *dir,
		    void (*fn)(const uint8_t *buf, size_t len, const char *path, void *arg),
		    void *arg);

#endif /* FR_TESTS_HUBBLE_SAMPLES_H */
