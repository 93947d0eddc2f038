/* SPDX-License-Identifier: BSD-2-Clause */
#include "seg_helpers.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *p = malloc(strlen(base) + 32);

	assert_non_null(p);
	sprintf(p, "%s/frtest.XXXXXX", base);
	assert_non_null(mkdtemp(p));
	return p;
}

void test_rmdir(char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

uint64_t test_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void test_recs__push(struct test_recs *t, uint16_t kind, uint64_t ts, const void *p, uint32_t len)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->r = realloc(t->r, t->cap * sizeof(t->r[0]));
		assert_non_null(t->r);
	}
	t->r[t->n].kind = kind;
	t->r[t->n].ts = ts;
	t->r[t->n].len = len;
	t->r[t->n].payload = malloc(len ? len : 1);
	assert_non_null(t->r[t->n].payload);
	if (len)
		memcpy(t->r[t->n].payload, p, len);
	t->n++;
}

void test_recs__gen(struct test_recs *out, size_t n, uint64_t seed)
{
	static const uint16_t kinds[] = {3, 16, 33, 200};
	uint64_t s = seed | 1, ts = 1000000000ull;
	uint8_t buf[512];

	for (size_t i = 0; i < n; i++) {
		const uint32_t len = (uint32_t)(test_rand(&s) % 200);

		for (uint32_t k = 0; k < len; k++)
			buf[k] = (uint8_t)(test_rand(&s) % 7); /* compressible */
		ts += test_rand(&s) % 5000;
		test_recs__push(out, kinds[test_rand(&s) % 4], ts, buf, len);
	}
}

void test_recs__free(struct test_recs *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->r[i].payload);
	free(t->r);
	memset(t, 0, sizeof(*t));
}

void test_write(const char *path, const struct test_recs *recs, const struct fr_writer_opts *o,
		int seal)
{
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, o, &w), 0);
	for (size_t i = 0; i < recs->n; i++)
		assert_int_equal(fr_writer__append(w, recs->r[i].kind, recs->r[i].ts,
						   recs->r[i].payload, recs->r[i].len),
				 0);
	if (seal) {
		assert_int_equal(fr_writer__seal(w), 0);
	} else {
		assert_int_equal(fr_writer__flush(w), 0);
	}
	fr_writer__free(w);
}

void test_read(const char *path, struct test_recs *out)
{
	struct fr_reader *r;
	struct fr_record rec;
	int err;

	memset(out, 0, sizeof(*out));
	out->open_err = fr_reader__open(path, &r, NULL);
	if (out->open_err)
		return;
	while ((err = fr_reader__next(r, &rec)) != 0) {
		if (err < 0) {
			assert_int_equal(err, -EBADMSG);
			out->errors++;
			assert_true(out->errors < 100000);
			continue;
		}
		test_recs__push(out, rec.kind, rec.ts_ns, rec.payload, rec.len);
	}
	fr_reader__stats(r, &out->st);
	fr_reader__close(r);
}

uint8_t *test_slurp(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	buf = malloc((size_t)sb.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)sb.st_size), sb.st_size);
	close(fd);
	*len = (size_t)sb.st_size;
	return buf;
}

void test_spit(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

void test_copy_prefix(const char *src, const char *dst, size_t len)
{
	size_t n;
	uint8_t *buf = test_slurp(src, &n);

	assert_true(len <= n);
	test_spit(dst, buf, len);
	free(buf);
}

size_t test_file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return (size_t)sb.st_size;
}

uint64_t test_recs__take_stats(struct test_recs *t, const char *source, const char *reason,
			       size_t *nstats)
{
	uint64_t lost = 0;
	size_t kept = 0;

	*nstats = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct test_rec *r = &t->r[i];
		struct fr_event ev;

		if (r->kind != FR_KIND_RECORDER_STATS) {
			t->r[kept++] = *r;
			continue;
		}
		(*nstats)++;
		assert_int_equal(fr_event__decode(r->kind, r->payload, r->len, &ev), 0);
		if (ev.f[FR_F_RECORDER_STATS_SOURCE].len == strlen(source) &&
		    !memcmp(ev.f[FR_F_RECORDER_STATS_SOURCE].p, source, strlen(source)) &&
		    ev.f[FR_F_RECORDER_STATS_REASON].len == strlen(reason) &&
		    !memcmp(ev.f[FR_F_RECORDER_STATS_REASON].p, reason, strlen(reason)))
			lost += ev.f[FR_F_RECORDER_STATS_LOST].u;
		free(r->payload);
	}
	t->n = kept;
	return lost;
}
