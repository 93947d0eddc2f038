/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The pin store (format/ringctl/pins.h) and the ring's retention with
 * pins: the file parses what it should and refuses the rest, is written
 * atomically (0600, no temporary left), is re-read when changed behind the
 * store's back; a rotor with a small bound keeps the pinned segments while
 * the older unpinned ones go, and lets them go once unpinned; a pin over
 * its bound or of deleted segments is refused. Marker text rules. The
 * truth is the directory as listed and the segments' own time ranges.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "format/host.h"
#include "format/ring.h"
#include "format/ringctl/control.h"
#include "format/ringctl/pins.h"
#include "rotate.h"
#include "seg_helpers.h"

#define S 1000000000ll

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = test_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rmdir(dir);
	return 0;
}

static int parse(const char *text)
{
	struct fr_pins p;
	char why[256] = "";
	int err;

	assert_int_equal(fr_pins__init(&p, dir), 0);
	err = fr_pins__parse(&p, text, strlen(text), why, sizeof(why));
	if (err)
		assert_true(why[0]); /* a refusal says why */
	fr_pins__free(&p);
	return err;
}

static void test_parse(void **state)
{
	char many[8192];
	size_t n;

	(void)state;
	assert_int_equal(parse("{\"pins\": []}"), 0);
	assert_int_equal(parse("{\"version\": 1, \"max_pinned\": 5, \"pins\": [{\"name\": "
			       "\"a.b-c_1\", \"from_ns\": 1, \"to_ns\": 2}]}"),
			 0);
	assert_int_equal(parse(""), -EINVAL);
	assert_int_equal(parse("[]"), -EINVAL);
	assert_int_equal(parse("{\"pins\": {}}"), -EINVAL);
	assert_int_equal(parse("{\"pins\": [], \"other\": 1}"), -EINVAL);
	assert_int_equal(parse("{\"max_pinned\": -1, \"pins\": []}"), -EINVAL);
	/* bad name, empty window, missing field, duplicate name */
	assert_int_equal(parse("{\"pins\": [{\"name\": \"a/b\", \"from_ns\": 1, \"to_ns\": 2}]}"),
			 -EINVAL);
	assert_int_equal(parse("{\"pins\": [{\"name\": \"a\", \"from_ns\": 2, \"to_ns\": 2}]}"),
			 -EINVAL);
	assert_int_equal(parse("{\"pins\": [{\"name\": \"a\", \"from_ns\": 2}]}"), -EINVAL);
	assert_int_equal(parse("{\"pins\": [{\"name\": \"a\", \"from_ns\": 1, \"to_ns\": 2},"
			       "{\"name\": \"a\", \"from_ns\": 3, \"to_ns\": 4}]}"),
			 -EINVAL);
	/* more pins than the store holds */
	n = (size_t)snprintf(many, sizeof(many), "{\"pins\": [");
	for (int i = 0; i <= FR_PINS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
				      "%s{\"name\": \"p%d\", \"from_ns\": 1, \"to_ns\": 2}",
				      i ? "," : "", i);
	snprintf(many + n, sizeof(many) - n, "]}");
	assert_int_equal(parse(many), -EINVAL);
	assert_false(fr_pin__name_ok(""));
	assert_false(fr_pin__name_ok("a b"));
	assert_true(fr_pin__name_ok("incident-42.v2_x"));
}

static size_t files_in(const char *d)
{
	char cmd[600];
	FILE *f;
	size_t n = 0;
	int c;

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", d);
	f = popen(cmd, "r");
	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	pclose(f);
	return n;
}

static void test_save_load(void **state)
{
	struct fr_pins p, q;
	char path[600], why[256];
	struct stat sb;
	FILE *f;

	(void)state;
	assert_int_equal(fr_pins__init(&p, dir), 0);
	p.max_pinned = 12345;
	p.pin[0] = (struct fr_pin){.name = "one", .from_ns = -5, .to_ns = 7};
	p.pin[1] = (struct fr_pin){.name = "two", .from_ns = 1, .to_ns = INT64_MAX};
	p.n = 2;
	assert_int_equal(fr_pins__save(&p), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, FR_PINS_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(files_in(dir), 1); /* no temporary left */
	assert_int_equal(fr_pins__init(&q, dir), 0);
	assert_int_equal(fr_pins__load(&q, why, sizeof(why)), 0);
	assert_int_equal(q.n, 2);
	assert_int_equal(q.max_pinned, 12345);
	assert_string_equal(q.pin[1].name, "two");
	assert_true(q.pin[0].from_ns == -5 && q.pin[1].to_ns == INT64_MAX);
	/* unchanged: not re-read; changed behind its back: re-read */
	assert_int_equal(fr_pins__refresh(&q), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"pins\": [{\"name\": \"three\", \"from_ns\": 1, \"to_ns\": 2}]}", f);
	fclose(f);
	assert_int_equal(fr_pins__refresh(&q), 1);
	assert_int_equal(q.n, 1);
	assert_string_equal(q.pin[0].name, "three");
	/* a damaged file: refused with why, the pins held stay */
	f = fopen(path, "w");
	fputs("{\"pins\": [", f);
	fclose(f);
	assert_true(fr_pins__refresh(&q) < 0);
	assert_int_equal(q.n, 1);
	assert_int_equal(fr_pins__load(&q, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, FR_PINS_FILE));
	/* gone: no pins */
	unlink(path);
	assert_int_equal(fr_pins__refresh(&q), 1);
	assert_int_equal(q.n, 0);
	fr_pins__free(&p);
	fr_pins__free(&q);
}

/* Incompressible records; their time moves 10 ms a record from `base`. */
static void write_recs(struct fr_rotor *r, int n, uint64_t *t, uint64_t *seed)
{
	uint8_t rec[1000];

	for (int i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(rec); k += 8) {
			const uint64_t v = test_rand(seed);

			memcpy(rec + k, &v, 8);
		}
		assert_int_equal(fr_writer__append(fr_rotor__writer_rotating(r), FR_KIND_MARKER, *t,
						   rec, sizeof(rec)),
				 0);
		*t += 10000000;
		if (i % 50 == 0)
			assert_true(fr_rotor__check(r, fr_clock__boot_ns()) >= 0);
	}
}

/* Segments of the ring overlapping [from, to) (no margin), and all of them. */
static size_t overlapping(int64_t from, int64_t to, size_t *all)
{
	struct fr_ring_list l;
	char path[600];
	size_t n = 0;

	assert_int_equal(fr_ring__list(dir, &l), 0);
	for (size_t i = 0; i < l.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, l.e[i].name);
		n += fr_ring__overlaps(path, from, to, 0) == 1;
	}
	*all = l.n;
	fr_ring_list__free(&l);
	return n;
}

/* Every segment left is pinned (overlaps the pin widened by the store's
 * margin) or newer than `after`: the unpinned older ones went. */
static void only_pinned_or_newer(const struct fr_pin *p, int64_t after)
{
	struct fr_ring_list l;
	char path[600];

	assert_int_equal(fr_ring__list(dir, &l), 0);
	for (size_t i = 0; i < l.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, l.e[i].name);
		assert_true(fr_ring__overlaps(path, p->from_ns, p->to_ns, FR_PINS_MARGIN_NS) == 1 ||
			    fr_ring__overlaps(path, after, INT64_MAX, 0) == 1);
	}
	fr_ring_list__free(&l);
}

static void test_retention_keeps_pins(void **state)
{
	const uint64_t ring = 2u << 20;
	struct fr_pins pins;
	struct fr_rotor_opts o = {.dir = dir,
				  .max_bytes = 256u << 10,
				  .ring_max_bytes = ring,
				  .block_size = 32u << 10, /* segments of ~8 blocks */
				  .pinned = fr_pins__pinned,
				  .pin_ctx = &pins};
	struct fr_pin p = {.name = "keep"}, big = {0}, gone = {.name = "gone"};
	struct fr_rotor_stats st;
	struct fr_pin_usage u;
	struct fr_rotor *r;
	uint64_t boot, wall, t, seed = 7;
	int64_t w0;
	size_t all, before;
	char why[512];

	(void)state;
	assert_int_equal(fr_pins__init(&pins, dir), 0);
	pins.max_pinned = ring / 2;
	fr_clock_pair__sample(&boot, &wall);
	t = boot;
	w0 = (int64_t)wall;
	assert_int_equal(fr_rotor__open(&o, &r), 0);
	/* 1.2 MB: 12 s of record time, nothing deleted yet */
	write_recs(r, 1200, &t, &seed);
	p.from_ns = w0 + 7 * S;
	p.to_ns = w0 + 8 * S;
	assert_int_equal(fr_pins__add(&pins, &p, fr_rotor__active_name(r),
				      fr_rotor__segment_limit(&o), &u, why, sizeof(why)),
			 0);
	assert_true(u.pin_segments >= 1 && u.pin_bytes <= ring / 2);
	before = overlapping(p.from_ns, p.to_ns, &all);
	assert_true(before >= 1);
	/* a window of every segment is over the bound: refused, not dropped */
	big.from_ns = w0;
	big.to_ns = w0 + 12 * S;
	assert_int_equal(fr_pins__add(&pins, &big, fr_rotor__active_name(r),
				      fr_rotor__segment_limit(&o), &u, why, sizeof(why)),
			 -ENOSPC);
	assert_non_null(strstr(why, "bound"));
	assert_int_equal(pins.n, 1);
	/* 8 MB more: the ring turns over four times */
	write_recs(r, 8000, &t, &seed);
	assert_int_equal(overlapping(p.from_ns, p.to_ns, &all), before);
	/* the unpinned segments before and after the pin went */
	only_pinned_or_newer(&p, w0 + 12 * S);
	assert_true(all < 20);
	/* a window whose segments are gone: refused */
	gone.from_ns = w0;
	gone.to_ns = w0 + S;
	assert_int_equal(fr_pins__add(&pins, &gone, fr_rotor__active_name(r),
				      fr_rotor__segment_limit(&o), &u, why, sizeof(why)),
			 -ENOENT);
	/* unpinned (through the file, as `flightrec unpin` without the
	 * rotor's store would): they go at the next turn */
	{
		struct fr_pins other;
		size_t removed;

		assert_int_equal(fr_pins__init(&other, dir), 0);
		assert_int_equal(fr_pins__load(&other, why, sizeof(why)), 0);
		assert_int_equal(fr_pins__remove(&other, "keep", 0, 0, &removed, why, sizeof(why)),
				 0);
		assert_int_equal(removed, 1);
		fr_pins__free(&other);
	}
	write_recs(r, 3000, &t, &seed);
	assert_int_equal(overlapping(p.from_ns, p.to_ns, &all), 0);
	assert_int_equal(fr_rotor__close(r, &st), 0);
	assert_int_equal(st.records_dropped, 0);
	assert_true(st.segments_deleted > 0);
	fr_pins__free(&pins);
}

static void test_remove_by_window(void **state)
{
	struct fr_pins p;
	size_t removed;
	char why[256];

	(void)state;
	assert_int_equal(fr_pins__init(&p, dir), 0);
	p.pin[0] = (struct fr_pin){.name = "a", .from_ns = 0, .to_ns = 10};
	p.pin[1] = (struct fr_pin){.name = "b", .from_ns = 20, .to_ns = 30};
	p.pin[2] = (struct fr_pin){.name = "c", .from_ns = 5, .to_ns = 25};
	p.n = 3;
	assert_int_equal(fr_pins__remove(&p, NULL, 10, 20, &removed, why, sizeof(why)), 0);
	assert_int_equal(removed, 1); /* c overlaps [10, 20); a and b touch its ends only */
	assert_int_equal(p.n, 2);
	assert_int_equal(fr_pins__remove(&p, "zz", 0, 0, &removed, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "zz"));
	fr_pins__free(&p);
}

static void test_mark_text(void **state)
{
	char why[256], big[FR_MARK_TEXT_MAX + 2];

	(void)state;
	assert_int_equal(fr_mark__check_text("deploy 42 starts", 16, why, sizeof(why)), 0);
	assert_int_equal(fr_mark__check_text("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\xa5", 14, why,
					     sizeof(why)),
			 0);
	assert_int_equal(fr_mark__check_text("", 0, why, sizeof(why)), -EINVAL);
	assert_int_equal(fr_mark__check_text("a\nb", 3, why, sizeof(why)), -EINVAL);
	assert_int_equal(fr_mark__check_text("a\x7f", 2, why, sizeof(why)), -EINVAL);
	assert_int_equal(fr_mark__check_text("a\xc2\x85", 3, why, sizeof(why)), -EINVAL); /* C1 */
	assert_int_equal(fr_mark__check_text("\xff", 1, why, sizeof(why)), -EINVAL);
	assert_int_equal(fr_mark__check_text("\xc0\xaf", 2, why, sizeof(why)), -EINVAL);
	assert_int_equal(fr_mark__check_text("\xed\xa0\x80", 3, why, sizeof(why)), -EINVAL);
	assert_int_equal(fr_mark__check_text("\xe2\x9c", 2, why, sizeof(why)), -EINVAL);
	assert_int_equal(fr_mark__check_text("a\0b", 3, why, sizeof(why)), -EINVAL);
	memset(big, 'x', sizeof(big));
	assert_int_equal(fr_mark__check_text(big, FR_MARK_TEXT_MAX, why, sizeof(why)), 0);
	assert_int_equal(fr_mark__check_text(big, FR_MARK_TEXT_MAX + 1, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "1024"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_keeps_pins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_by_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
