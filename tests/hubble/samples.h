/* SPDX-License-Identifier: BSD-2-Clause */
/* The sample flows of fixtures/hubble as protobuf, for the C tests here. */
#ifndef FR_TESTS_HUBBLE_SAMPLES_H
#define FR_TESTS_HUBBLE_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

/* Calls fn(buf, len, path, arg) with each line of dir/ *.jsonl that
 * parses as a GetFlowsResponse, encoded by protobuf-c (field number
 * order). Return: how many (0: no file). */
size_t samples_each(const char *dir,
		    void (*fn)(const uint8_t *buf, size_t len, const char *path, void *arg),
		    void *arg);

#endif /* FR_TESTS_HUBBLE_SAMPLES_H */
