/* SPDX-License-Identifier: BSD-2-Clause */
/* The ring directory library: names, listing order, the next sequence
 * number, retention (oldest first, never the active one) and the
 * free-space floor. No root, no recorder. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "format/kinds.h"
#include "format/ring.h"
#include "format/writer.h"
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

/* A file of `size` bytes, last modified `age_s` seconds ago. */
static void make_file(const char *name, size_t size, int age_s)
{
	char path[600];
	struct timeval tv[2];
	uint8_t *zeros = calloc(1, size + 1);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	test_spit(path, zeros, size);
	free(zeros);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= age_s;
	tv[1] = tv[0];
	assert_int_equal(utimes(path, tv), 0);
}

static int exists(const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void test_names(void **state)
{
	char buf[64];
	uint64_t seq, boot;

	assert_int_equal(fr_ring__name(buf, sizeof(buf), 7, 123456789), 0);
	assert_string_equal(buf, "seg-00000007-123456789.frseg");
	assert_int_equal(fr_ring__parse(buf, &seq, &boot), 0);
	assert_true(seq == 7 && boot == 123456789);
	assert_int_equal(fr_ring__name(buf, 10, 7, 1), -ENAMETOOLONG);
	/* sequence numbers past 8 digits still parse and sort after */
	assert_int_equal(fr_ring__parse("seg-123456789-5.frseg", &seq, &boot), 0);
	assert_true(seq == 123456789);
	static const char *const bad[] = {
		"seg-1-2.frseg.tmp", "seg--1.frseg",	  "seg-1-.frseg",
		"xseg-1-1.frseg",    "seg-1-1.frse",	  "seg-99999999999999999999-1.frseg",
		"seg-1x-1.frseg",    "node-a-0001.frseg",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fr_ring__parse(bad[i], &seq, &boot), -EINVAL);
	assert_int_equal(fr_ring__host_name(buf, sizeof(buf), "node-a", 1), 0);
	assert_string_equal(buf, "node-a-0001.frseg");
	assert_int_equal(fr_ring__host_name(buf, sizeof(buf), "a/b", 1), -EINVAL);
	assert_int_equal(fr_ring__host_name(buf, sizeof(buf), "", 1), -EINVAL);
	assert_int_equal(fr_ring__host_name(buf, sizeof(buf), "..", 1), -EINVAL);
}

static void test_list_order_and_next_seq(void **state)
{
	struct fr_ring_list l;
	char sub[600];

	assert_int_equal(fr_ring__list(dir, &l), 0);
	assert_int_equal(l.n, 0);
	assert_true(fr_ring__next_seq(&l) == 0);
	fr_ring_list__free(&l);
	make_file("seg-00000010-5.frseg", 10, 0);
	make_file("seg-00000002-9.frseg", 20, 0);
	make_file("node-a-0001.frseg", 30, 0);
	make_file("notes.txt", 40, 0);
	snprintf(sub, sizeof(sub), "%s/dir.frseg", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(fr_ring__list(dir, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.e[0].name, "node-a-0001.frseg");
	assert_false(l.e[0].ring_named);
	assert_string_equal(l.e[1].name, "seg-00000002-9.frseg");
	assert_true(l.e[1].ring_named && l.e[1].seq == 2 && l.e[1].size == 20);
	assert_string_equal(l.e[2].name, "seg-00000010-5.frseg");
	assert_true(fr_ring__next_seq(&l) == 11);
	assert_true(fr_ring__total_bytes(&l) == 60);
	fr_ring_list__free(&l);
	rmdir(sub);
	assert_int_equal(fr_ring__list("/nonexistent/ring", &l), -ENOENT);
}

static bool pin_first(void *ctx, const struct fr_ring_entry *e)
{
	return !strcmp(ctx, e->name);
}

static void test_retention_plan(void **state)
{
	/* oldest first by name; sizes 100 each; the active one is the newest */
	struct fr_ring_entry e[] = {
		{.name = "seg-00000001-1.frseg", .size = 100, .mtime_ns = 1000, .ring_named = true},
		{.name = "seg-00000002-1.frseg", .size = 100, .mtime_ns = 2000, .ring_named = true},
		{.name = "seg-00000003-1.frseg", .size = 100, .mtime_ns = 3000, .ring_named = true},
		{.name = "seg-00000004-1.frseg", .size = 100, .mtime_ns = 4000, .ring_named = true},
	};
	const struct fr_ring_list l = {e, 4};
	struct fr_ring_bounds b = {.max_bytes = 250};
	bool doomed[4];

	/* 400 > 250: the two oldest go, leaving 200 */
	assert_int_equal(fr_ring__plan_retention(&l, e[3].name, &b, 5000, doomed), 2);
	assert_true(doomed[0] && doomed[1] && !doomed[2] && !doomed[3]);
	/* a bound below the active segment's size deletes all but it */
	b.max_bytes = 50;
	assert_int_equal(fr_ring__plan_retention(&l, e[3].name, &b, 5000, doomed), 3);
	assert_false(doomed[3]);
	/* the active segment is kept even when it is the oldest */
	assert_int_equal(fr_ring__plan_retention(&l, e[0].name, &b, 5000, doomed), 3);
	assert_false(doomed[0]);
	/* age: older than 2500 ns at 5000 ns, that is modified before 2500 */
	b = (struct fr_ring_bounds){.max_age_ns = 2500};
	assert_int_equal(fr_ring__plan_retention(&l, e[3].name, &b, 5000, doomed), 2);
	assert_true(doomed[0] && doomed[1] && !doomed[2]);
	/* names the recorder did not write are never doomed nor counted */
	{
		struct fr_ring_entry f[] = {
			{.name = "incident.frseg", .size = 1000, .mtime_ns = 0},
			{.name = "node-a-0001.frseg", .size = 1000, .mtime_ns = 0},
			{.name = "seg-00000001-1.frseg", .size = 100, .mtime_ns = 1000},
			{.name = "seg-00000002-1.frseg", .size = 100, .mtime_ns = 2000},
		};
		struct fr_ring_list m = {f, 4};

		for (size_t i = 0; i < 4; i++)
			f[i].ring_named = i >= 2;
		b = (struct fr_ring_bounds){.max_bytes = 150, .max_age_ns = 500};
		assert_int_equal(fr_ring__plan_retention(&m, f[3].name, &b, 5000, doomed), 1);
		assert_true(!doomed[0] && !doomed[1] && doomed[2] && !doomed[3]);
		b = (struct fr_ring_bounds){.max_bytes = 250};
		assert_int_equal(fr_ring__plan_retention(&m, f[3].name, &b, 5000, doomed), 0);
	}
	/* the free-space floor: the oldest go until their sizes cover it */
	b = (struct fr_ring_bounds){.free_needed = 150};
	assert_int_equal(fr_ring__plan_retention(&l, e[3].name, &b, 5000, doomed), 2);
	assert_true(doomed[0] && doomed[1] && !doomed[2]);
	/* a pinned segment stays whatever the bounds say; the next one goes */
	b = (struct fr_ring_bounds){.max_bytes = 250, .pinned = pin_first, .pin_ctx = e[0].name};
	assert_int_equal(fr_ring__plan_retention(&l, e[3].name, &b, 5000, doomed), 2);
	assert_true(!doomed[0] && doomed[1] && doomed[2] && !doomed[3]);
	/* no bound, nothing to do; a clock behind the files deletes nothing */
	b = (struct fr_ring_bounds){0};
	assert_int_equal(fr_ring__plan_retention(&l, NULL, &b, 5000, doomed), 0);
	b.max_age_ns = 1;
	assert_int_equal(fr_ring__plan_retention(&l, NULL, &b, 0, doomed), 0);
}

static void test_enforce_on_disk(void **state)
{
	const struct fr_ring_bounds size = {.max_bytes = 2500}, age = {.max_age_ns = 3600e9};
	uint64_t deleted = 0, bytes = 0;

	make_file("seg-00000001-1.frseg", 1000, 0);
	make_file("seg-00000002-1.frseg", 1000, 0);
	make_file("seg-00000003-1.frseg", 1000, 0);
	make_file("keep.txt", 5000, 0);
	make_file("copied-in.frseg", 5000, 7200);
	assert_int_equal(fr_ring__enforce(dir, "seg-00000003-1.frseg", &size, &deleted, &bytes), 0);
	assert_true(deleted == 1 && bytes == 1000);
	assert_false(exists("seg-00000001-1.frseg"));
	assert_true(exists("seg-00000002-1.frseg") && exists("seg-00000003-1.frseg"));
	assert_true(exists("keep.txt") && exists("copied-in.frseg"));
	make_file("seg-00000002-1.frseg", 1000, 7200);
	assert_int_equal(fr_ring__enforce(dir, "seg-00000003-1.frseg", &age, &deleted, &bytes), 0);
	assert_true(deleted == 2 && bytes == 2000);
	assert_false(exists("seg-00000002-1.frseg"));
	assert_true(exists("seg-00000003-1.frseg") && exists("copied-in.frseg"));
	assert_int_equal(fr_ring__enforce("/nonexistent/ring", NULL, &age, NULL, NULL), -ENOENT);
}

static void test_free_floor(void **state)
{
	uint64_t shortfall = 1;

	assert_int_equal(fr_ring__free_shortfall(dir, 0, &shortfall), 0);
	assert_true(shortfall == 0);
	/* no file system keeps 100 % free: the whole used part is short */
	assert_int_equal(fr_ring__free_shortfall(dir, 100, &shortfall), 0);
	assert_true(shortfall > 0);
	assert_int_equal(fr_ring__free_shortfall(dir, 101, &shortfall), -EINVAL);
	assert_int_equal(fr_ring__free_shortfall("/nonexistent/ring", 5, &shortfall), -ENOENT);
}

/* A segment whose header pairs boot 1 s with wall W, records at boot 2-3 s. */
static void write_segment(const char *path, int records, int seal)
{
	const struct fr_writer_opts o = {.host = "h",
					 .boot_id = "b",
					 .kernel = "k",
					 .boot_ns = 1000000000ull,
					 .wall_ns = 1800000000000000000ull,
					 .fsync_ms = -1};
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, &o, &w), 0);
	for (int i = 0; i < records; i++)
		assert_int_equal(fr_writer__append(w, FR_KIND_MARKER,
						   2000000000ull + (uint64_t)i * 500000000ull, "m",
						   1),
				 0);
	if (seal)
		assert_int_equal(fr_writer__seal(w), 0);
	else
		assert_int_equal(fr_writer__flush(w), 0);
	fr_writer__free(w);
}

static void test_window_selection(void **state)
{
	const int64_t w = 1800000000000000000ll, s = 1000000000ll;
	char sealed[600], open_seg[600], empty[600];

	snprintf(sealed, sizeof(sealed), "%s/seg-00000001-1.frseg", dir);
	snprintf(open_seg, sizeof(open_seg), "%s/seg-00000002-1.frseg", dir);
	snprintf(empty, sizeof(empty), "%s/seg-00000003-1.frseg", dir);
	write_segment(sealed, 3, 1);   /* wall W+1 s .. W+2 s */
	write_segment(open_seg, 3, 0); /* the same, read by scanning */
	write_segment(empty, 0, 1);
	for (int i = 0; i < 2; i++) {
		const char *p = i ? open_seg : sealed;

		assert_int_equal(fr_ring__overlaps(p, w + s + s / 2, w + s + s / 2 + 1, 0), 1);
		assert_int_equal(fr_ring__overlaps(p, w + 2 * s, w + 3 * s, 0), 1); /* last ns */
		assert_int_equal(fr_ring__overlaps(p, w + 2 * s + 1, w + 3 * s, 0), 0);
		assert_int_equal(fr_ring__overlaps(p, w, w + s, 0), 0); /* `to` is exclusive */
		assert_int_equal(fr_ring__overlaps(p, w, w + s, 1), 1); /* the margin widens */
		assert_int_equal(fr_ring__overlaps(p, w + 3 * s, w + 4 * s, s), 1);
	}
	assert_int_equal(fr_ring__overlaps(empty, 0, INT64_MAX, s), 0);
	assert_int_equal(fr_ring__overlaps("/nonexistent.frseg", 0, INT64_MAX, 0), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_list_order_and_next_seq, setup, teardown),
		cmocka_unit_test(test_retention_plan),
		cmocka_unit_test_setup_teardown(test_enforce_on_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_floor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_selection, setup, teardown),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
