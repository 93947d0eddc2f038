/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers shared by the format tests: a scratch directory, a deterministic
 * record stream, and reading a segment back into memory.
 */
#ifndef FR_TESTS_SEG_HELPERS_H
#define FR_TESTS_SEG_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "format/reader.h"
#include "format/writer.h"

struct test_rec {
	uint16_t kind;
	uint64_t ts;
	uint32_t len;
	uint8_t *payload;
};

struct test_recs {
	struct test_rec *r;
	size_t n, cap;
	int errors;   /* next() errors seen */
	int open_err; /* fr_reader__open result */
	struct fr_reader_stats st;
};

/* mkdtemp under $TMPDIR; returns a malloc'd path. */
char *test_tmpdir(void);
void test_rmdir(char *dir);

/* xorshift, deterministic per seed */
uint64_t test_rand(uint64_t *state);

/* Append a deterministic record stream (opaque kinds, varied sizes). */
void test_recs__gen(struct test_recs *out, size_t n, uint64_t seed);
void test_recs__push(struct test_recs *t, uint16_t kind, uint64_t ts, const void *p, uint32_t len);
void test_recs__free(struct test_recs *t);

/* Write all records with opts, seal when `seal`. Asserts on failure. */
void test_write(const char *path, const struct test_recs *recs, const struct fr_writer_opts *o,
		int seal);

/* Read everything the reader returns, continuing after errors. */
void test_read(const char *path, struct test_recs *out);

/* Take the RECORDER_STATS records (a writer's loss ledger) out of `t`:
 * returns the sum of `lost` of those of (source, reason), *nstats counts
 * all of them. */
uint64_t test_recs__take_stats(struct test_recs *t, const char *source, const char *reason,
			       size_t *nstats);

/* Copy the first `len` bytes of src to dst. */
void test_copy_prefix(const char *src, const char *dst, size_t len);
size_t test_file_size(const char *path);
uint8_t *test_slurp(const char *path, size_t *len);
void test_spit(const char *path, const uint8_t *buf, size_t len);

#endif /* FR_TESTS_SEG_HELPERS_H */
