/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CRC-32C (Castagnoli), the checksum of every segment frame. Uses the SSE4.2
 * instruction when the CPU has it, a slicing table otherwise; both give the
 * same value.
 */
#ifndef FR_FORMAT_CRC32C_H
#define FR_FORMAT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extend `crc` (start with 0) over `len` bytes. */
uint32_t fr_crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* FR_FORMAT_CRC32C_H */
