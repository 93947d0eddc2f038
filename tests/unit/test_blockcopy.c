/* SPDX-License-Identifier: BSD-2-Clause */
/* Block copy: frames appended as stored between re-encoded records keep
 * the segment whole (index tiling, counts, every record once, in order). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/kinds.h"
#include "seg_helpers.h"

static void test_copy_every_other_block(void **state)
{
	const struct fr_writer_opts src = {.block_size = 4096, .level = 3};
	struct test_recs in = {0}, out = {0}, blk = {0};
	struct fr_reader *rd;
	struct fr_writer *w;
	struct fr_record rec;
	char *dir = test_tmpdir(), a[512], b[512];
	uint32_t kinds[FR_KIND_MAX] = {0};
	uint64_t cur = UINT64_MAX, nblk = 0, copied = 0;
	const uint8_t *frame;
	size_t len;
	uint32_t n;
	int rc;

	(void)state;
	snprintf(a, sizeof(a), "%s/a.frseg", dir);
	snprintf(b, sizeof(b), "%s/b.frseg", dir);
	test_recs__gen(&in, 20000, 11);
	test_write(a, &in, &src, 1);
	assert_int_equal(fr_reader__open(a, &rd, NULL), 0);
	const struct fr_writer_opts dst = {.block_size = 4096,
					   .boot_ns = fr_reader__info(rd)->boot_ns,
					   .wall_ns = fr_reader__info(rd)->wall_ns};
	assert_int_equal(fr_writer__open(b, &dst, &w), 0);
	assert_int_equal(fr_writer__append_frame(w, (const uint8_t *)"junk", 4, kinds), -EINVAL);
	while ((rc = fr_reader__next(rd, &rec)) > 0) {
		if (rec.block_offset != cur) {
			cur = rec.block_offset;
			nblk++;
			memset(kinds, 0, sizeof(kinds));
		}
		kinds[rec.kind]++;
		test_recs__push(&blk, rec.kind, rec.ts_ns, rec.payload, rec.len);
		if (blk.n < rec.block_records)
			continue;
		if (nblk % 2) { /* odd blocks as stored, even ones re-encoded */
			assert_int_equal(fr_reader__block_frame(rd, cur, &frame, &len, &n), 0);
			assert_int_equal(n, blk.n);
			assert_int_equal(fr_writer__append_frame(w, frame, len, kinds), 0);
			copied++;
		} else {
			for (size_t i = 0; i < blk.n; i++)
				assert_int_equal(fr_writer__append(w, blk.r[i].kind, blk.r[i].ts,
								   blk.r[i].payload, blk.r[i].len),
						 0);
		}
		test_recs__free(&blk);
		memset(&blk, 0, sizeof(blk));
	}
	assert_int_equal(rc, 0);
	assert_int_equal(blk.n, 0);
	assert_true(copied > 10);
	fr_reader__close(rd);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
	test_read(b, &out);
	assert_int_equal(out.errors, 0);
	assert_true(out.st.has_index);
	assert_int_equal(out.st.blocks_ok, out.st.index_blocks);
	assert_int_equal(out.n, in.n);
	for (size_t i = 0; i < in.n; i++) {
		assert_int_equal(out.r[i].kind, in.r[i].kind);
		assert_int_equal(out.r[i].ts, in.r[i].ts);
		assert_int_equal(out.r[i].len, in.r[i].len);
		assert_memory_equal(out.r[i].payload, in.r[i].payload, in.r[i].len);
	}
	test_recs__free(&in);
	test_recs__free(&out);
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_every_other_block),
	};

	return cmocka_run_group_tests_name("blockcopy", tests, NULL, NULL);
}
