/* SPDX-License-Identifier: BSD-2-Clause */
/* Block copy: frames appended as stored between re-encoded records keep
 * the segment whole (index tiling, counts, every record once, in order);
 * the reader's block filter shows each block's true kinds and takes blocks
 * whole; placed frames are left out of the file and put back by the
 * caller; the header's flags go through. */
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

#define MAX_BLOCKS 4096

/* Pass 1: the kinds of each block, counted from the records the reader
 * returns (the truth for the filter's view). */
struct block_kinds {
	uint64_t off[MAX_BLOCKS];
	uint32_t kinds[MAX_BLOCKS][FR_KIND_MAX];
	size_t n;
};

static uint32_t *kinds_of(struct block_kinds *bk, uint64_t off)
{
	for (size_t i = 0; i < bk->n; i++)
		if (bk->off[i] == off)
			return bk->kinds[i];
	assert_true(bk->n < MAX_BLOCKS);
	bk->off[bk->n] = off;
	return bk->kinds[bk->n++];
}

struct taker {
	struct block_kinds *truth;
	struct fr_writer *w;
	struct {
		uint64_t at, src, len;
	} refs[MAX_BLOCKS];
	size_t nrefs, seen;
	uint64_t taken_records;
};

/* Take every other block: placed in the writer, its records not read. */
static int take_odd(void *ctx, const struct fr_block_view *b)
{
	struct taker *t = ctx;
	const uint32_t *want = kinds_of(t->truth, b->offset);
	uint32_t sum = 0;
	uint64_t at;

	for (unsigned k = 0; k < FR_KIND_MAX; k++) {
		assert_int_equal(b->kinds[k], want[k]);
		sum += b->kinds[k];
	}
	assert_int_equal(sum, b->n_records);
	if (t->seen++ % 2 == 0)
		return 0;
	assert_int_equal(fr_writer__place_frame(t->w, b->frame, b->frame_len, b->kinds, &at), 0);
	t->refs[t->nrefs].at = at;
	t->refs[t->nrefs].src = b->offset;
	t->refs[t->nrefs++].len = b->frame_len;
	t->taken_records += b->n_records;
	return 1;
}

static void test_filter_and_place(void **state)
{
	const struct fr_writer_opts src = {
		.block_size = 4096, .level = 3, .flags = FR_SEG_KADDR_HIDDEN};
	static struct block_kinds truth;
	static struct taker t;
	struct test_recs in = {0}, out = {0};
	struct fr_reader_stats st;
	struct fr_reader *rd;
	struct fr_record rec;
	char *dir = test_tmpdir(), a[512], b[512], c[512];
	uint64_t returned = 0, left_out = 0, pos = 0;
	uint8_t *sa, *sb, *sc;
	size_t la, lb, lc = 0;
	int rc;

	(void)state;
	memset(&truth, 0, sizeof(truth));
	memset(&t, 0, sizeof(t));
	snprintf(a, sizeof(a), "%s/a.frseg", dir);
	snprintf(b, sizeof(b), "%s/b.frseg", dir);
	snprintf(c, sizeof(c), "%s/c.frseg", dir);
	test_recs__gen(&in, 20000, 12);
	test_write(a, &in, &src, 1);
	assert_int_equal(fr_reader__open(a, &rd, NULL), 0);
	assert_int_equal(fr_reader__info(rd)->flags, FR_SEG_KADDR_HIDDEN);
	while ((rc = fr_reader__next(rd, &rec)) > 0)
		kinds_of(&truth, rec.block_offset)[rec.kind]++;
	assert_int_equal(rc, 0);
	fr_reader__close(rd);

	assert_int_equal(fr_reader__open(a, &rd, NULL), 0);
	const struct fr_writer_opts dst = {.block_size = 4096,
					   .boot_ns = fr_reader__info(rd)->boot_ns,
					   .wall_ns = fr_reader__info(rd)->wall_ns};
	assert_int_equal(fr_writer__open(b, &dst, &t.w), 0);
	t.truth = &truth;
	fr_reader__set_block_filter(rd, take_odd, &t);
	while ((rc = fr_reader__next(rd, &rec)) > 0) {
		assert_int_equal(fr_writer__append(t.w, rec.kind, rec.ts_ns, rec.payload, rec.len),
				 0);
		returned++;
	}
	assert_int_equal(rc, 0);
	fr_reader__stats(rd, &st);
	fr_reader__close(rd);
	assert_true(t.nrefs > 10);
	assert_int_equal(st.blocks_taken, t.nrefs);
	assert_int_equal(returned + t.taken_records, in.n);
	assert_int_equal(fr_writer__seal(t.w), 0);
	fr_writer__free(t.w);

	/* the file is the segment without its placed frames: put them back */
	sa = test_slurp(a, &la);
	sb = test_slurp(b, &lb);
	sc = malloc(lb + la);
	assert_non_null(sc);
	for (size_t i = 0; i < t.nrefs; i++) {
		const uint64_t here = t.refs[i].at - left_out - pos;

		memcpy(sc + lc, sb + pos, here);
		lc += here;
		pos += here;
		memcpy(sc + lc, sa + t.refs[i].src, t.refs[i].len);
		lc += t.refs[i].len;
		left_out += t.refs[i].len;
	}
	memcpy(sc + lc, sb + pos, lb - pos);
	lc += lb - pos;
	test_spit(c, sc, lc);
	test_read(c, &out);
	assert_int_equal(out.errors, 0);
	assert_true(out.st.has_index);
	assert_int_equal(out.n, in.n);
	for (size_t i = 0; i < in.n; i++) {
		assert_int_equal(out.r[i].kind, in.r[i].kind);
		assert_int_equal(out.r[i].ts, in.r[i].ts);
		assert_int_equal(out.r[i].len, in.r[i].len);
		assert_memory_equal(out.r[i].payload, in.r[i].payload, in.r[i].len);
	}
	free(sa);
	free(sb);
	free(sc);
	test_recs__free(&in);
	test_recs__free(&out);
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_every_other_block),
		cmocka_unit_test(test_filter_and_place),
	};

	return cmocka_run_group_tests_name("blockcopy", tests, NULL, NULL);
}
