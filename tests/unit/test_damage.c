/* SPDX-License-Identifier: BSD-2-Clause */
/* Damaged segments: truncation at every byte, single-bit flips everywhere,
 * write failures. The reader must never return a wrong record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "format/layout.h"
#include "seg_helpers.h"

static char *dir;
static char full[512], cut[512];

static int setup(void **state)
{
	dir = test_tmpdir();
	snprintf(full, sizeof(full), "%s/full.frseg", dir);
	snprintf(cut, sizeof(cut), "%s/cut.frseg", dir);
	return 0;
}

static int teardown(void **state)
{
	test_rmdir(dir);
	return 0;
}

static int same_rec(const struct test_rec *a, const struct test_rec *b)
{
	return a->kind == b->kind && a->ts == b->ts && a->len == b->len &&
	       !memcmp(a->payload, b->payload, a->len);
}

/* Every record of `out` is in `in`, in the same order. */
static void assert_subsequence(const struct test_recs *out, const struct test_recs *in)
{
	size_t j = 0;

	for (size_t i = 0; i < out->n; i++) {
		while (j < in->n && !same_rec(&out->r[i], &in->r[j]))
			j++;
		assert_true(j < in->n);
		j++;
	}
}

/* Write `f` with one bit flipped to `cut` and read it: the damage must be
 * reported, and what is returned must be a subsequence of the truth. */
static void check_flip(uint8_t *f, size_t len, size_t off, int bit, const struct test_recs *in)
{
	struct test_recs out;

	f[off] ^= (uint8_t)(1u << bit);
	test_spit(cut, f, len);
	f[off] ^= (uint8_t)(1u << bit);
	test_read(cut, &out);
	if (!(out.open_err || out.errors)) {
		print_error("flip at offset %zu bit %d went unnoticed\n", off, bit);
		fail();
	}
	assert_subsequence(&out, in);
	test_recs__free(&out);
}

/* Block boundaries of a sealed segment from its index: end offset of block i
 * and the number of records up to and including it. */
struct bounds {
	uint64_t end[256];
	size_t upto[256];
	size_t n;
	uint64_t data_start, index_off, index_len;
};

static void read_bounds(const uint8_t *f, size_t len, struct bounds *b)
{
	const uint8_t *foot = f + len - FR_FOOTER_FRAME;
	size_t total = 0;

	b->data_start = FR_FRAME_PREAMBLE + fr_get32(f + 4);
	b->index_off = fr_get64(foot + 8);
	b->index_len = fr_get32(foot + 16);
	b->n = fr_get32(f + b->index_off + 8);
	assert_true(b->n > 3 && b->n <= 256);
	for (size_t i = 0; i < b->n; i++) {
		const uint8_t *e =
			f + b->index_off + FR_FRAME_PREAMBLE + FR_INDEX_HEAD + i * FR_INDEX_ENTRY;

		b->end[i] = fr_get64(e) + FR_BLOCK_FRAME + fr_get32(e + 8);
		total += fr_get32(e + 16);
		b->upto[i] = total;
	}
}

static void test_truncate_every_offset(void **state)
{
	const struct fr_writer_opts o = {.block_size = 300};
	struct test_recs in = {0}, out;
	struct bounds b;
	uint8_t *f;
	size_t len;

	test_recs__gen(&in, 120, 3);
	test_write(full, &in, &o, 1);
	f = test_slurp(full, &len);
	read_bounds(f, len, &b);
	for (size_t cutlen = 0; cutlen < len; cutlen++) {
		size_t want = 0, i;
		uint64_t good_end = b.data_start;

		test_spit(cut, f, cutlen);
		test_read(cut, &out);
		if (cutlen < b.data_start) {
			/* header incomplete: a clean refusal, no records */
			assert_true(out.open_err == -ENODATA);
			continue;
		}
		assert_int_equal(out.open_err, 0);
		assert_int_equal(out.errors, 0);
		for (i = 0; i < b.n && b.end[i] <= cutlen; i++) {
			want = b.upto[i];
			good_end = b.end[i];
		}
		assert_int_equal(out.n, want);
		for (i = 0; i < out.n; i++)
			assert_true(same_rec(&out.r[i], &in.r[i]));
		/* the torn tail is reported exactly, up to the index */
		if (cutlen <= b.index_off) {
			assert_int_equal(out.st.torn_bytes, cutlen - good_end);
			if (out.st.torn_bytes)
				assert_int_equal(out.st.torn_offset, good_end);
		} else if (cutlen == b.index_off + b.index_len) {
			assert_int_equal(out.st.torn_bytes, 0); /* whole index, no footer yet */
		} else {
			assert_int_equal(out.st.torn_offset + out.st.torn_bytes, cutlen);
		}
		assert_false(out.st.has_index);
		test_recs__free(&out);
	}
	free(f);
	test_recs__free(&in);
}

static void test_single_bit_flips(void **state)
{
	const struct fr_writer_opts o = {.block_size = 300};
	struct test_recs in = {0};
	size_t len, flips = 0;
	uint8_t *f;

	test_recs__gen(&in, 60, 5);
	test_write(full, &in, &o, 1);
	f = test_slurp(full, &len);
	for (size_t off = 0; off < len; off++) {
		for (int bit = 0; bit < 8; bit++) {
			check_flip(f, len, off, bit, &in);
			flips++;
		}
	}
	assert_int_equal(flips, len * 8);
	free(f);
	test_recs__free(&in);
}

/* Reads the file a failed writer left behind: exactly the records of the
 * blocks it wrote (a dropped block leaves a gap), in order, no damage. */
static void expect_prefix(const struct test_recs *in, size_t n)
{
	struct test_recs out;
	size_t nstats;

	test_read(full, &out);
	test_recs__take_stats(&out, "", "", &nstats);
	assert_int_equal(out.open_err, 0);
	assert_int_equal(out.errors, 0);
	assert_int_equal(out.st.torn_bytes, 0);
	assert_int_equal(out.n, n);
	for (size_t i = 0, j = 0; i < n; i++, j++) {
		while (j < in->n && !same_rec(&out.r[i], &in->r[j]))
			j++;
		assert_true(j < in->n);
	}
	test_recs__free(&out);
}

/* The writer's ledger in `full` says `records` and `bytes` were lost. */
static void expect_lost(uint64_t records, uint64_t bytes)
{
	struct test_recs out;
	size_t n;

	test_read(full, &out);
	assert_int_equal(
		test_recs__take_stats(&out, FR_WRITER_LOSS_SOURCE, FR_WRITER_LOSS_REASON, &n),
		records);
	test_recs__free(&out);
	test_read(full, &out);
	assert_int_equal(
		test_recs__take_stats(&out, FR_WRITER_LOSS_SOURCE, "write_failed_bytes", &n),
		bytes);
	test_recs__free(&out);
}

static void test_write_failure_file_too_big(void **state)
{
	const struct fr_writer_opts o = {.block_size = 1024, .level = -5};
	struct test_recs in = {0};
	struct fr_writer_stats st;
	struct rlimit old, lim;
	struct fr_writer *w;
	size_t i;
	int err;

	/* RLIMIT_FSIZE gives a real EFBIG from write(2), like a full disk */
	test_recs__gen(&in, 3000, 9);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(fr_writer__open(full, &o, &w), 0);
	lim = old;
	lim.rlim_cur = 20000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	/* a failed block write is counted, not returned: the record is taken */
	for (i = 0, st.write_errors = 0; i < in.n && !st.write_errors; i++) {
		assert_int_equal(fr_writer__append(w, in.r[i].kind, in.r[i].ts, in.r[i].payload,
						   in.r[i].len),
				 0);
		fr_writer__stats(w, &st);
	}
	assert_true(st.records_dropped > 0);
	assert_int_equal(st.write_errors, 1);
	/* the loss waits in the ledger for a block that gets written */
	assert_int_equal(st.loss_unwritten, st.records_dropped);
	/* the record that met the failure is kept for the next block, behind
	 * the ledger's two statistics records (records and bytes) */
	assert_int_equal(st.pending_records, 3);
	/* three small records fit below the limit: the loss lands in the data */
	err = fr_writer__flush(w);
	fr_writer__seal(w); /* may or may not find room for the index */
	fr_writer__stats(w, &st);
	fr_writer__free(w);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(err, 0);
	assert_true(st.file_bytes <= 20000);
	assert_int_equal(st.loss_unwritten, 0);
	/* nothing vanishes: every appended record is either written or counted */
	assert_int_equal(st.records - 2 + st.records_dropped, i);
	expect_prefix(&in, st.records - 2);
	expect_lost(st.records_dropped, st.bytes_dropped);
	test_recs__free(&in);
}

static void test_write_failure_closed_fd(void **state)
{
	const struct fr_writer_opts o = {.block_size = 1024};
	struct test_recs in = {0};
	struct fr_writer_stats st;
	struct fr_writer *w;
	int fd, err = 0;
	size_t i;

	test_recs__gen(&in, 400, 13);
	fd = open(full, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fr_writer__open_fd(fd, &o, &w), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(fr_writer__append(w, in.r[i].kind, in.r[i].ts, in.r[i].payload,
						   in.r[i].len),
				 0);
	assert_int_equal(fr_writer__flush(w), 0);
	close(fd); /* pulled from under the writer */
	for (; i < in.n && !err; i++)
		err = fr_writer__append(w, in.r[i].kind, in.r[i].ts, in.r[i].payload, in.r[i].len);
	if (!err)
		err = fr_writer__flush(w);
	assert_int_equal(err, -EBADF);
	fr_writer__stats(w, &st);
	assert_int_equal(st.records, 200);
	assert_true(st.records_dropped > 0);
	fr_writer__free(w);
	expect_prefix(&in, 200);
	test_recs__free(&in);
}

/*
 * 32 blocks of one 16 MiB record each, all at the same time, compress to
 * a few KiB, and a merging reader would open them all at once. The
 * kernel's RSS of a child that reads them must stay near the reader's
 * bound (64 MiB of open blocks), not reach 32 x 16 MiB.
 */
static void test_declared_sizes_bound_memory(void **state)
{
	const size_t big = FR_RECORD_MAX - 64;
	const struct fr_writer_opts o = {.block_size = FR_WRITER_MAX_BLOCK,
					 .host = "h",
					 .boot_id = "b",
					 .kernel = "k",
					 .boot_ns = 1,
					 .wall_ns = 1,
					 .fsync_ms = -1};
	uint8_t *zeros = calloc(1, big);
	struct fr_writer *w;
	int status, pipefd[2];
	long grown_kib = -1;
	pid_t pid;

	assert_non_null(zeros);
	assert_int_equal(fr_writer__open(full, &o, &w), 0);
	for (int i = 0; i < 32; i++)
		assert_int_equal(fr_writer__append(w, FR_KIND_MARKER, 1000, zeros, (uint32_t)big),
				 0);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
	free(zeros);
	assert_true(test_file_size(full) < (1u << 20));
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rusage before, after;
		struct fr_diag d;
		struct fr_record rec;
		struct fr_reader *r;
		long n = 0, grown;
		int rc;

		getrusage(RUSAGE_SELF, &before);
		if (fr_reader__open(full, &r, &d))
			_exit(2);
		while ((rc = fr_reader__next(r, &rec)) == 1)
			n++;
		fr_reader__close(r);
		getrusage(RUSAGE_SELF, &after);
		grown = rc == 0 && n == 32 ? after.ru_maxrss - before.ru_maxrss : -1;
		_exit(write(pipefd[1], &grown, sizeof(grown)) == sizeof(grown) ? 0 : 3);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &grown_kib, sizeof(grown_kib)), sizeof(grown_kib));
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(grown_kib >= 0); /* all 32 records read, no error */
	print_message("reader peak RSS grew by %ld MiB for 32 blocks of 16 MiB\n", grown_kib >> 10);
/* sanitizer allocators keep freed buffers (ASan's quarantine) */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	assert_true(grown_kib < (160l << 10));
#endif
}

/*
 * The same sweeps over a segment the recorder wrote on this machine
 * (FR_REAL_SEGMENT, set by the live fault test; skipped otherwise): cuts
 * at every block boundary and its neighbours and at 2000 points between,
 * flips at 2000 points with every bit position in turn. A cut returns exactly the
 * records of the whole blocks before it; a flip is always reported and
 * never yields a record the segment did not hold.
 */
static void test_real_segment_damage(void **state)
{
	const char *real = getenv("FR_REAL_SEGMENT");
	struct test_recs in, out;
	size_t len, cuts = 0, flips = 0, cut_stride, flip_stride;
	struct bounds b;
	uint8_t *f;

	if (!real || !*real)
		skip();
	test_read(real, &in);
	assert_int_equal(in.open_err, 0);
	assert_int_equal(in.errors, 0);
	assert_true(in.st.has_index);
	f = test_slurp(real, &len);
	read_bounds(f, len, &b);
	/* odd strides walk every position in a block and every bit */
	cut_stride = (len / 2000) | 1;
	flip_stride = (len / 2000) | 1;
	for (size_t i = 0; i <= b.n; i++) {
		const uint64_t edge = i ? b.end[i - 1] : b.data_start;

		for (int64_t d = -2; d <= 2; d++) {
			const size_t cutlen = (size_t)((int64_t)edge + d);
			size_t want = 0;

			if (cutlen < b.data_start || cutlen >= b.index_off)
				continue;
			test_spit(cut, f, cutlen);
			test_read(cut, &out);
			assert_int_equal(out.open_err, 0);
			assert_int_equal(out.errors, 0);
			for (size_t k = 0; k < b.n && b.end[k] <= cutlen; k++)
				want = b.upto[k];
			assert_int_equal(out.n, want);
			test_recs__free(&out);
			cuts++;
		}
	}
	for (size_t cutlen = b.data_start; cutlen < len; cutlen += cut_stride) {
		test_spit(cut, f, cutlen);
		test_read(cut, &out);
		assert_int_equal(out.open_err, 0);
		assert_int_equal(out.errors, 0);
		assert_subsequence(&out, &in);
		test_recs__free(&out);
		cuts++;
	}
	for (size_t off = 0; off < len; off += flip_stride) {
		check_flip(f, len, off, (int)(flips % 8), &in);
		flips++;
	}
	print_message("%s: %zu bytes, %zu blocks, %zu records: %zu cuts, %zu flips\n", real, len,
		      b.n, in.n, cuts, flips);
	free(f);
	test_recs__free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncate_every_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_bit_flips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_file_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_closed_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_declared_sizes_bound_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_segment_damage, setup, teardown),
	};

	if (getenv("FR_REAL_SEGMENT"))
		cmocka_set_test_filter("test_real_segment_damage");

	return cmocka_run_group_tests_name("damage", tests, NULL, NULL);
}
