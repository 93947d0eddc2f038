/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ring holds its bounds and loses nothing silently: the rotor keeps
 * the directory within --max-size before every write, for several segment
 * sizes; a writer whose writes are refused writes the exact loss into the
 * data once writing resumes; a segment cut anywhere is recovered (sealed
 * with an index) with every whole block kept, and a rotor opened on the
 * ring seals it and counts the torn bytes. The truth is the directory as
 * listed, the records appended, and the reader; no clocks asserted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "format/recover.h"
#include "format/ring.h"
#include "format/writer.h"
#include "rotate.h"
#include "seg_helpers.h"

static char *dir;

static int setup(void **state)
{
	dir = test_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	test_rmdir(dir);
	return 0;
}

static uint64_t dir_bytes(void)
{
	struct fr_ring_list l;
	uint64_t n;

	assert_int_equal(fr_ring__list(dir, &l), 0);
	n = fr_ring__total_bytes(&l);
	fr_ring_list__free(&l);
	return n;
}

/* Incompressible records: a block on disk is as big as it is raw. */
static void fill(uint8_t *buf, size_t len, uint64_t *seed)
{
	for (size_t i = 0; i < len; i += 8) {
		const uint64_t v = test_rand(seed);

		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

/* 12 MiB through a ring, the directory measured every 10 records. */
static void run_bound(uint64_t ring_bytes, uint64_t seg_bytes)
{
	const struct fr_rotor_opts o = {
		.dir = dir, .max_bytes = seg_bytes, .ring_max_bytes = ring_bytes};
	struct fr_rotor_stats st;
	struct fr_rotor *r;
	uint64_t seed = seg_bytes, worst = 0, now = 1;
	uint8_t rec[1000];

	assert_int_equal(fr_rotor__open(&o, &r), 0);
	for (int i = 0; i < 12 * 1024; i++) {
		fill(rec, sizeof(rec), &seed);
		assert_int_equal(fr_writer__append(fr_rotor__writer(r), FR_KIND_MARKER, now++, rec,
						   sizeof(rec)),
				 0);
		if (i % 50 == 0)
			assert_true(fr_rotor__check(r, now) >= 0);
		if (i % 10 == 0 && dir_bytes() > worst)
			worst = dir_bytes();
	}
	assert_int_equal(fr_rotor__close(r, &st), 0);
	if (dir_bytes() > worst)
		worst = dir_bytes();
	print_message("segment size %llu: largest ring %llu of %llu bytes, %llu segments, %llu "
		      "deleted\n",
		      (unsigned long long)seg_bytes, (unsigned long long)worst,
		      (unsigned long long)ring_bytes, (unsigned long long)st.segments,
		      (unsigned long long)st.segments_deleted);
	/* the gate deletes before it writes: not even one block over */
	assert_true(worst <= ring_bytes);
	assert_true(st.segments_deleted > 0);
	assert_int_equal(st.records_dropped, 0);
	/* segments were capped at a quarter of the ring whatever was asked */
	assert_true(st.segments >= (12u << 20) * 4 / ring_bytes / 3);
}

static void test_bound_small_segments(void **state)
{
	run_bound(2u << 20, 256u << 10);
	teardown(state);
	setup(state);
	run_bound(5u << 20, 512u << 10);
}

static void test_bound_default_segments(void **state)
{
	run_bound(2u << 20, 256u << 20); /* the default: capped at 512 KiB */
	teardown(state);
	setup(state);
	run_bound(5u << 20, 256u << 20); /* capped at 1.25 MiB */
}

/* The gate of the writer test: refuses while *refuse is set. */
static int refuse_gate(void *ctx, uint64_t len, const char **reason)
{
	(void)len;
	*reason = "test_refused";
	return *(int *)ctx ? -ENOSPC : 0;
}

/* Blocks refused, then a block holding the ledger refused too, then
 * writes resume: the data says exactly what was lost. */
static void test_loss_lands_in_data(void **state)
{
	int refuse = 0;
	const struct fr_writer_opts o = {
		.block_size = 4096, .fsync_ms = -1, .gate = refuse_gate, .gate_ctx = &refuse};
	struct test_recs in = {0}, out;
	struct fr_writer_stats st;
	struct fr_writer *w;
	char path[600];
	size_t n;

	snprintf(path, sizeof(path), "%s/loss.frseg", dir);
	test_recs__gen(&in, 3000, 5);
	assert_int_equal(fr_writer__open(path, &o, &w), 0);
	for (size_t i = 0; i < in.n; i++) {
		/* refused: records 1000-1999, and again at 2100-2199, when the
		 * block carrying the first loss is the one refused */
		refuse = (i >= 1000 && i < 2000) || (i >= 2100 && i < 2200);
		assert_int_equal(fr_writer__append(w, in.r[i].kind, in.r[i].ts, in.r[i].payload,
						   in.r[i].len),
				 0);
	}
	refuse = 0;
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__stats(w, &st);
	fr_writer__free(w);
	assert_true(st.records_dropped > 900);
	assert_true(st.refusals >= 2);
	assert_int_equal(st.loss_unwritten, 0);
	test_read(path, &out);
	assert_int_equal(out.errors, 0);
	assert_int_equal(test_recs__take_stats(&out, FR_WRITER_LOSS_SOURCE, "test_refused", &n),
			 st.records_dropped);
	assert_int_equal(out.n + st.records_dropped, in.n);
	test_recs__free(&out);
	test_read(path, &out);
	assert_int_equal(
		test_recs__take_stats(&out, FR_WRITER_LOSS_SOURCE, "test_refused_bytes", &n),
		st.bytes_dropped);
	test_recs__free(&out);
	test_recs__free(&in);
}

/* Cut an unsealed segment at many lengths: recovery seals every cut with
 * the whole blocks before it, and a reader of the recovered file sees the
 * same records as a scan of the cut one. */
static void test_recover_every_cut(void **state)
{
	const struct fr_writer_opts o = {.block_size = 2048, .fsync_ms = -1};
	char full[600], cut[600];
	struct test_recs in = {0}, before, after;
	struct fr_recovery rec;
	size_t size;

	snprintf(full, sizeof(full), "%s/full.frseg", dir);
	snprintf(cut, sizeof(cut), "%s/cut.frseg", dir);
	test_recs__gen(&in, 600, 7);
	test_write(full, &in, &o, 0);
	size = test_file_size(full);
	for (size_t len = 0; len <= size; len += len < 400 ? 37 : 997) {
		test_copy_prefix(full, cut, len);
		test_read(cut, &before);
		const int err = fr_segment__recover(cut, &rec);

		if (before.open_err) { /* no whole header: left alone */
			assert_int_equal(err, before.open_err);
			assert_int_equal(test_file_size(cut), len);
			unlink(cut);
			continue;
		}
		assert_int_equal(err, 0);
		assert_false(rec.was_sealed);
		assert_int_equal(rec.torn_bytes, before.st.torn_bytes);
		assert_int_equal(rec.records, before.n);
		test_read(cut, &after);
		assert_int_equal(after.errors, 0);
		assert_true(after.st.has_index);
		assert_int_equal(after.n, before.n);
		for (size_t i = 0; i < after.n; i++)
			assert_memory_equal(after.r[i].payload, before.r[i].payload,
					    before.r[i].len);
		/* sealed now: a second recovery does nothing */
		assert_int_equal(fr_segment__recover(cut, &rec), 0);
		assert_true(rec.was_sealed);
		test_recs__free(&before);
		test_recs__free(&after);
		unlink(cut);
	}
	test_recs__free(&in);
}

/* A ring whose last segment was torn: the rotor seals it at open and the
 * new segment carries the torn bytes as recorder/torn_tail. */
static void test_rotor_recovers_at_open(void **state)
{
	const struct fr_writer_opts o = {.block_size = 2048, .fsync_ms = -1, .seq = 3};
	const struct fr_rotor_opts ro = {.dir = dir, .max_bytes = 1u << 20};
	struct test_recs in = {0}, out;
	struct fr_ring_list l;
	struct fr_rotor *r;
	struct fr_recovery rec;
	char torn[600], path[600];
	size_t size, n, kept;
	uint64_t torn_bytes;

	snprintf(torn, sizeof(torn), "%s/seg-00000003-1.frseg", dir);
	snprintf(path, sizeof(path), "%s/full.tmp", dir);
	test_recs__gen(&in, 400, 9);
	test_write(path, &in, &o, 0);
	size = test_file_size(path);
	test_copy_prefix(path, torn, size - 100); /* kill -9 in the last block */
	unlink(path);
	test_read(torn, &out);
	assert_true(out.st.torn_bytes > 0);
	torn_bytes = out.st.torn_bytes;
	kept = out.n;
	test_recs__free(&out);
	assert_int_equal(fr_rotor__open(&ro, &r), 0);
	assert_int_equal(fr_rotor__close(r, NULL), 0);
	assert_int_equal(fr_segment__recover(torn, &rec), 0);
	assert_true(rec.was_sealed);
	test_read(torn, &out);
	assert_int_equal(out.n, kept);
	assert_int_equal(out.errors, 0);
	test_recs__free(&out);
	/* the ring goes on after it */
	assert_int_equal(fr_ring__list(dir, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.e[0].name, "seg-00000003-1.frseg");
	assert_int_equal(strncmp(l.e[1].name, "seg-00000004-", 13), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, l.e[1].name);
	fr_ring_list__free(&l);
	/* the torn bytes, counted exactly in the new segment */
	test_read(path, &out);
	assert_int_equal(test_recs__take_stats(&out, "recorder", "torn_tail", &n), torn_bytes);
	assert_int_equal(n, 1);
	test_recs__free(&out);
	test_recs__free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bound_small_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_default_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_lands_in_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_every_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotor_recovers_at_open, setup, teardown),
	};

	return cmocka_run_group_tests_name("ring_bound", tests, NULL, NULL);
}
