/* SPDX-License-Identifier: BSD-2-Clause */
/* Window, time and duration syntax of the analyzer's command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "analyzer/cmd/timespec.h"

#define T0 1768478400000000000LL /* 2026-01-15T12:00:00Z */

static void test_rfc3339(void **state)
{
	int64_t ns;

	assert_int_equal(fr_time__parse("2026-01-15T12:00:00Z", &ns), 0);
	assert_true(ns == T0);
	assert_int_equal(fr_time__parse("2026-01-15T12:00:00.5Z", &ns), 0);
	assert_true(ns == T0 + 500000000);
	assert_int_equal(fr_time__parse("2026-01-15T13:00:00+01:00", &ns), 0);
	assert_true(ns == T0);
	assert_int_equal(fr_time__parse("2026-01-15T11:30:00.000000001-00:30", &ns), 0);
	assert_true(ns == T0 + 1);
	assert_int_equal(fr_time__parse("1768478400000000000", &ns), 0);
	assert_true(ns == T0);
}

static void test_bad_times(void **state)
{
	static const char *const bad[] = {"",
					  "12:00",
					  "2026-01-15T12:00:00",
					  "2026-13-01T00:00:00Z",
					  "2026-01-15T12:00Z",
					  "2026-01-15T12:00:00.Z",
					  "-5",
					  "12abc",
					  "2026-01-15T12:00:00Zjunk"};
	int64_t ns;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fr_time__parse(bad[i], &ns), -22);
}

static void test_window(void **state)
{
	int64_t from, to;

	assert_int_equal(fr_window__parse("2026-01-15T12:00:00Z..2026-01-15T12:00:01Z", &from, &to),
			 0);
	assert_true(from == T0 && to == T0 + 1000000000);
	assert_int_equal(fr_window__parse("..2026-01-15T12:00:00Z", &from, &to), 0);
	assert_true(from == FR_TIME_OPEN_FROM && to == T0);
	assert_int_equal(fr_window__parse("2026-01-15T12:00:00Z..", &from, &to), 0);
	assert_true(from == T0 && to == FR_TIME_OPEN_TO);
	assert_int_equal(fr_window__parse("5..3", &from, &to), -22);
	assert_int_equal(fr_window__parse("5", &from, &to), -22);
	assert_int_equal(fr_window__parse("1..2..3", &from, &to), -22);
	assert_int_equal(fr_window__parse("12:00..13:00", &from, &to), -22);
}

static void test_duration(void **state)
{
	int64_t ns;

	assert_int_equal(fr_duration__parse("10s", &ns), 0);
	assert_true(ns == 10000000000LL);
	assert_int_equal(fr_duration__parse("500ms", &ns), 0);
	assert_true(ns == 500000000LL);
	assert_int_equal(fr_duration__parse("2h", &ns), 0);
	assert_true(ns == 7200000000000LL);
	assert_int_equal(fr_duration__parse("250us", &ns), 0);
	assert_true(ns == 250000);
	assert_int_equal(fr_duration__parse("0s", &ns), -22);
	assert_int_equal(fr_duration__parse("10", &ns), -22);
	assert_int_equal(fr_duration__parse("10parsecs", &ns), -22);
	assert_int_equal(fr_duration__parse("-1s", &ns), -22);
	assert_int_equal(fr_duration__parse("99999999999999h", &ns), -22);
}

static void test_format_roundtrip(void **state)
{
	char buf[48];
	int64_t ns;

	fr_time__format(T0 + 123456789, buf, sizeof(buf));
	assert_string_equal(buf, "2026-01-15T12:00:00.123456789Z");
	assert_int_equal(fr_time__parse(buf, &ns), 0);
	assert_true(ns == T0 + 123456789);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),		 cmocka_unit_test(test_bad_times),
		cmocka_unit_test(test_window),		 cmocka_unit_test(test_duration),
		cmocka_unit_test(test_format_roundtrip),
	};

	return cmocka_run_group_tests_name("timespec", tests, NULL, NULL);
}
