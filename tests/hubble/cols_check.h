/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The differential check of a flow's columns (format/hubble/flow_cols.h),
 * shared by fuzz_hubble and unit.hubble_cols: whatever bytes
 * fr_hubble_cols__from_wire takes, fr_hubble__decode takes too (unless an
 * endpoint's own bytes do not decode: then neither does the response),
 * and fr_hubble_cols__from_msg of its message gives the same columns; the
 * endpoints are where it says, the decoded message's ones.
 */
#ifndef FR_TESTS_HUBBLE_COLS_CHECK_H
#define FR_TESTS_HUBBLE_COLS_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Return: 1 from_wire took buf and both agree, 0 from_wire left it (or
 * no memory), -1 they disagree (why says how). */
int cols_check(const uint8_t *buf, size_t len, char *why, size_t cap);

#endif /* FR_TESTS_HUBBLE_COLS_CHECK_H */
