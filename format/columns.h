/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Columnar block transform. The logical content of a block is its row
 * stream (per record: varint kind, varint ts delta, varint length,
 * payload). Before compression the writer turns it into columns: kinds,
 * ts deltas and lengths each in their own run, then per kind either the
 * payloads back to back or, for schema kinds made only of integer fields,
 * one run per field. Similar bytes side by side is what lets zstd reach a
 * few bytes per kernel event; the transform is exact and the reader undoes
 * it before iterating rows.
 */
#ifndef FR_FORMAT_COLUMNS_H
#define FR_FORMAT_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Rows -> columns. `dst` must hold fr_columns__bound(rows_len) bytes.
 * Return: bytes written, or -EINVAL when `rows` is not a well-formed row
 * stream of n records.
 */
int fr_columns__encode(const uint8_t *rows, size_t rows_len, uint32_t n, uint8_t *dst);

size_t fr_columns__bound(size_t rows_len);

/*
 * Columns -> rows into `dst` (capacity `cap`). `n` is the block's record
 * count. Every length is checked against the input; hostile input gives
 * -EBADMSG, never an overrun. Return: row bytes written or -EBADMSG.
 */
int fr_columns__decode(const uint8_t *cols, size_t cols_len, uint32_t n, uint8_t *dst, size_t cap);

/* Where the kind column of a column stream ends (after n, rows_len and
 * n kinds). Return: that offset, or 0 when `cols` is too short. */
size_t fr_columns__kinds_end(const uint8_t *cols, size_t len);

#endif /* FR_FORMAT_COLUMNS_H */
