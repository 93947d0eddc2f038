/* SPDX-License-Identifier: BSD-2-Clause */
/* Segment writer and reader: round trips, blocks, seeking, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/kinds.h"
#include "format/layout.h"
#include "seg_helpers.h"

static char *dir;
static char path[512];

static int setup(void **state)
{
	dir = test_tmpdir();
	snprintf(path, sizeof(path), "%s/a.frseg", dir);
	return 0;
}

static int teardown(void **state)
{
	test_rmdir(dir);
	return 0;
}

static void assert_same(const struct test_recs *a, const struct test_recs *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->r[i].kind, b->r[i].kind);
		assert_int_equal(a->r[i].ts, b->r[i].ts);
		assert_int_equal(a->r[i].len, b->r[i].len);
		assert_memory_equal(a->r[i].payload, b->r[i].payload, a->r[i].len);
	}
}

/* Every known kind, schema kinds through the event codec with random values. */
static void test_roundtrip_every_kind(void **state)
{
	struct test_recs in = {0}, out = {0};
	uint64_t s = 42, ts = 5000;
	uint8_t buf[8192], bytes[64];
	uint64_t hist[FR_HIST_BUCKETS];
	size_t kinds = 0;

	for (unsigned k = 1; k < FR_KIND_MAX; k++) {
		const struct fr_kind_info *ki = fr_kind__info(k);
		struct fr_value v[FR_EVENT_MAX_FIELDS] = {0};
		int n;

		if (!ki)
			continue;
		kinds++;
		if (!ki->has_schema) {
			snprintf((char *)buf, sizeof(buf), "{\"kind\":\"%s\"}", ki->name);
			test_recs__push(&in, (uint16_t)k, ts++, buf, (uint32_t)strlen((char *)buf));
			continue;
		}
		for (unsigned i = 0; i < ki->nfields; i++) {
			switch (ki->fields[i].type) {
			case FR_FIELD_U64:
				v[i].u = test_rand(&s) >> (test_rand(&s) % 64);
				break;
			case FR_FIELD_S64:
				v[i].u = (uint64_t) - (int64_t)(test_rand(&s) % 4096);
				break;
			case FR_FIELD_BYTES:
				for (unsigned j = 0; j < sizeof(bytes); j++)
					bytes[j] = (uint8_t)test_rand(&s);
				v[i].p = bytes;
				v[i].len = (uint32_t)(test_rand(&s) % sizeof(bytes));
				break;
			case FR_FIELD_HIST:
				for (unsigned j = 0; j < FR_HIST_BUCKETS; j++)
					hist[j] = j < 20 ? test_rand(&s) % 1000 : 0;
				v[i].p = (const uint8_t *)hist;
				v[i].len = FR_HIST_BUCKETS;
				break;
			}
		}
		n = fr_event__encode(k, v, ki->nfields, buf, sizeof(buf));
		assert_true(n > 0);
		struct fr_event ev;

		assert_int_equal(fr_event__decode(k, buf, (size_t)n, &ev), 0);
		for (unsigned i = 0; i < ki->nfields; i++) {
			if (ki->fields[i].type == FR_FIELD_BYTES) {
				assert_int_equal(ev.f[i].len, v[i].len);
				assert_memory_equal(ev.f[i].p, v[i].p, v[i].len);
			} else if (ki->fields[i].type == FR_FIELD_HIST) {
				assert_int_equal(ev.f[i].len, 20 - (hist[19] == 0));
				assert_memory_equal(ev.f[i].p, hist, ev.f[i].len * 8);
			} else {
				assert_int_equal(ev.f[i].u, v[i].u);
			}
		}
		test_recs__push(&in, (uint16_t)k, ts++, buf, (uint32_t)n);
	}
	assert_true(kinds >= 30);
	test_write(path, &in, NULL, 1);
	test_read(path, &out);
	assert_int_equal(out.open_err, 0);
	assert_int_equal(out.errors, 0);
	assert_true(out.st.has_index);
	assert_same(&in, &out);
	test_recs__free(&in);
	test_recs__free(&out);
}

static void test_many_blocks(void **state)
{
	const struct fr_writer_opts o = {.block_size = 4096, .level = 3};
	struct test_recs in = {0}, out = {0};

	test_recs__gen(&in, 50000, 7);
	test_write(path, &in, &o, 1);
	test_read(path, &out);
	assert_int_equal(out.errors, 0);
	assert_true(out.st.blocks_ok > 500);
	assert_int_equal(out.st.blocks_ok, out.st.index_blocks);
	assert_int_equal(out.st.torn_bytes, 0);
	assert_same(&in, &out);
	test_recs__free(&in);
	test_recs__free(&out);
}

static void check_seek(int sealed)
{
	const struct fr_writer_opts o = {.block_size = 2048};
	struct test_recs in = {0};
	struct fr_reader *r;
	struct fr_record rec;
	struct fr_reader_stats st;

	test_recs__gen(&in, 20000, 11);
	test_write(path, &in, &o, sealed);
	assert_int_equal(fr_reader__open(path, &r, NULL), 0);
	fr_reader__stats(r, &st);
	assert_int_equal(st.has_index, sealed);
	for (size_t pick = 0; pick < in.n; pick += 997) {
		const uint64_t t = in.r[pick].ts;
		size_t want = 0;

		while (in.r[want].ts < t)
			want++;
		assert_int_equal(fr_reader__seek(r, t), 0);
		assert_int_equal(fr_reader__next(r, &rec), 1);
		assert_int_equal(rec.ts_ns, in.r[want].ts);
		assert_int_equal(rec.kind, in.r[want].kind);
		assert_memory_equal(rec.payload, in.r[want].payload, rec.len);
		/* and iteration continues in order from there */
		assert_int_equal(fr_reader__next(r, &rec), 1);
		assert_int_equal(rec.ts_ns, in.r[want + 1].ts);
	}
	/* past the end */
	assert_int_equal(fr_reader__seek(r, in.r[in.n - 1].ts + 1), 0);
	assert_int_equal(fr_reader__next(r, &rec), 0);
	fr_reader__close(r);
	test_recs__free(&in);
}

static void test_seek_with_index(void **state)
{
	check_seek(1);
}

static void test_seek_without_index(void **state)
{
	check_seek(0);
}

static void test_out_of_order_sorted_in_block(void **state)
{
	struct test_recs in = {0}, out = {0};
	static const uint64_t ts[] = {50, 10, 40, 10, 30, 20};
	uint8_t b = 0;

	for (size_t i = 0; i < 6; i++, b++)
		test_recs__push(&in, 3, ts[i], &b, 1);
	test_write(path, &in, NULL, 1);
	test_read(path, &out);
	assert_int_equal(out.n, 6);
	/* sorted by time; equal times keep arrival order (stable) */
	static const uint64_t want_ts[] = {10, 10, 20, 30, 40, 50};
	static const uint8_t want_b[] = {1, 3, 5, 4, 2, 0};

	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(out.r[i].ts, want_ts[i]);
		assert_int_equal(out.r[i].payload[0], want_b[i]);
	}
	test_recs__free(&in);
	test_recs__free(&out);
}

static int cmp_rec_ts(const void *a, const void *b)
{
	const struct test_rec *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* Late records make block ranges overlap; the reader still returns one
 * time-ordered stream, sealed (index) or not (header scan). */
static void check_overlap(int sealed)
{
	const struct fr_writer_opts o = {.block_size = 512};
	struct test_recs in = {0}, out = {0};
	uint64_t s = 99, ts = 1000;
	uint8_t buf[40];

	for (int i = 0; i < 4000; i++) {
		uint64_t t = ts += 10;

		if (test_rand(&s) % 50 == 0)
			t -= 10 * (test_rand(&s) % 200); /* up to ~10 blocks late */
		for (size_t k = 0; k < sizeof(buf); k++)
			buf[k] = (uint8_t)(i + (int)k);
		test_recs__push(&in, 3, t, buf, sizeof(buf));
	}
	test_write(path, &in, &o, sealed);
	test_read(path, &out);
	assert_int_equal(out.errors, 0);
	assert_int_equal(out.st.unordered, 0);
	assert_int_equal(out.n, in.n);
	/* a stable sort of the input is exactly what comes out */
	qsort(in.r, in.n, sizeof(in.r[0]), cmp_rec_ts);
	for (size_t i = 0; i < out.n; i++) {
		assert_int_equal(out.r[i].ts, in.r[i].ts);
		if (i)
			assert_true(out.r[i - 1].ts <= out.r[i].ts);
	}
	test_recs__free(&in);
	test_recs__free(&out);
}

static void test_overlapping_blocks_sealed(void **state)
{
	check_overlap(1);
}

static void test_overlapping_blocks_scanned(void **state)
{
	check_overlap(0);
}

/* Past the merge limit, nothing is lost and the disorder is counted. */
static void test_merge_limit_counts_disorder(void **state)
{
	const struct fr_writer_opts o = {.block_size = 256};
	struct test_recs in = {0}, out = {0};
	uint8_t buf[64] = {0};

	for (int i = 0; i < 3000; i++)
		test_recs__push(&in, 3, 1000 + (uint64_t)i, buf, sizeof(buf));
	test_recs__push(&in, 3, 1, buf, sizeof(buf)); /* ~700 blocks late */
	test_write(path, &in, &o, 1);
	test_read(path, &out);
	assert_int_equal(out.errors, 0);
	assert_int_equal(out.n, in.n);
	assert_true(out.st.unordered >= 1);
	test_recs__free(&in);
	test_recs__free(&out);
}

static void test_unknown_kinds_and_fields(void **state)
{
	struct fr_value v[2] = {{.u = 7}, {.u = 9}};
	uint8_t buf[64];
	struct fr_event ev;
	int n;

	/* a kind this build does not know still round-trips and is flagged unknown */
	assert_null(fr_kind__info(201));
	assert_int_equal(fr_event__decode(201, buf, 0, &ev), -EINVAL);
	/* older writer (its payload ended after boot_ns): missing trailing
	 * fields decode as 0; a writer of this build must set every field */
	assert_int_equal(fr_event__encode(FR_KIND_CLOCK_SYNC, v, 1, buf, sizeof(buf)), -EINVAL);
	n = fr_event__encode(FR_KIND_CLOCK_SYNC, v, 2, buf, sizeof(buf));
	assert_int_equal(n, 2);
	assert_int_equal(fr_event__decode(FR_KIND_CLOCK_SYNC, buf, 1, &ev), 0);
	assert_int_equal(ev.f[0].u, 7);
	assert_int_equal(ev.f[1].u, 0);
	/* newer writer: trailing fields are ignored */
	n = fr_event__encode(FR_KIND_CLOCK_SYNC, v, 2, buf, sizeof(buf));
	buf[n] = 0x05;
	assert_int_equal(fr_event__decode(FR_KIND_CLOCK_SYNC, buf, (size_t)n + 1, &ev), 0);
	assert_int_equal(ev.f[1].u, 9);
	/* malformed: a bytes field longer than the payload */
	buf[0] = 5;  /* reason */
	buf[1] = 50; /* name length past the end */
	assert_int_equal(fr_event__decode(FR_KIND_DROP_REASON_NAME, buf, 3, &ev), -EBADMSG);
	/* unterminated varint */
	memset(buf, 0xff, 12);
	assert_int_equal(fr_event__decode(FR_KIND_CLOCK_SYNC, buf, 12, &ev), -EBADMSG);
	assert_int_equal(fr_event__encode(FR_KIND_MARKER, v, 1, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(fr_event__encode(FR_KIND_CLOCK_SYNC, v, 2, buf, 3), -ENOSPC);
}

static void test_empty_and_max_records(void **state)
{
	struct test_recs in = {0}, out = {0};
	uint8_t *big = malloc(FR_RECORD_MAX + 1);
	struct fr_writer *w;

	assert_non_null(big);
	for (size_t i = 0; i < FR_RECORD_MAX; i++)
		big[i] = (uint8_t)(i * 2654435761u >> 24);
	test_recs__push(&in, 3, 1, "", 0);
	test_recs__push(&in, 16, 2, big, FR_RECORD_MAX);
	test_recs__push(&in, 3, 3, "", 0);
	test_write(path, &in, NULL, 1);
	test_read(path, &out);
	assert_int_equal(out.errors, 0);
	assert_same(&in, &out);
	/* one byte more is refused, and kind 0 / out-of-range kinds too */
	unlink(path);
	assert_int_equal(fr_writer__open(path, NULL, &w), 0);
	assert_int_equal(fr_writer__append(w, 16, 1, big, FR_RECORD_MAX + 1), -E2BIG);
	assert_int_equal(fr_writer__append(w, 0, 1, big, 1), -EINVAL);
	assert_int_equal(fr_writer__append(w, FR_KIND_MAX, 1, big, 1), -EINVAL);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
	free(big);
	test_recs__free(&in);
	test_recs__free(&out);
}

static void test_bad_files(void **state)
{
	struct fr_reader *r;
	struct fr_diag d;
	struct fr_writer_opts bad = {.block_size = FR_WRITER_MAX_BLOCK + 1};
	struct fr_writer *w;

	test_spit(path, (const uint8_t *)"hello", 5);
	assert_int_equal(fr_reader__open(path, &r, &d), -ENODATA);
	test_spit(path, (const uint8_t *)"this is not a segment at all", 28);
	assert_int_equal(fr_reader__open(path, &r, &d), -EBADMSG);
	assert_non_null(strstr(d.msg, "not a flightrec segment"));
	assert_int_equal(fr_reader__open(dir, &r, &d), -EINVAL);
	assert_int_equal(fr_reader__open("/nonexistent/x.frseg", &r, &d), -ENOENT);
	/* refuses to overwrite, and rejects impossible options */
	assert_int_equal(fr_writer__open(path, NULL, &w), -EEXIST);
	unlink(path);
	assert_int_equal(fr_writer__open(path, &bad, &w), -EINVAL);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_quiet_writer_flushes_on_tick(void **state)
{
	const struct fr_writer_opts o = {.flush_ms = 20};
	struct fr_writer_stats st;
	struct test_recs out = {0};
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, &o, &w), 0);
	assert_int_equal(fr_writer__append(w, 3, 1, "x", 1), 0);
	assert_int_equal(fr_writer__tick(w), 0);
	fr_writer__stats(w, &st);
	assert_int_equal(st.blocks, 0);
	usleep(30000);
	assert_int_equal(fr_writer__tick(w), 0);
	fr_writer__stats(w, &st);
	assert_int_equal(st.blocks, 1);
	/* visible to a reader while the writer is still open */
	test_read(path, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.st.has_index, 0);
	fr_writer__free(w);
	test_recs__free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_every_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seek_with_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seek_without_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_sorted_in_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_blocks_sealed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_blocks_scanned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_limit_counts_disorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_kinds_and_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_max_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_writer_flushes_on_tick, setup, teardown),
	};

	return cmocka_run_group_tests_name("segment", tests, NULL, NULL);
}
