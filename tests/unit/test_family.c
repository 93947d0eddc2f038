/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Metric family headers (analyzer/db/family.c): what every embedded family
 * file gives, and headers that must be refused rather than cut or guessed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/db/family.h"

static const char good[] = "-- family: ebpf_x\n"
			   "-- type: counter\n"
			   "-- help: Things counted.\n"
			   "-- attribution: process\n"
			   "SELECT 1;\n";

static void test_parse_good(void **state)
{
	struct fr_family f;

	(void)state;
	assert_int_equal(fr_family__parse("good.sql", good, &f), 0);
	assert_string_equal(f.name, "ebpf_x");
	assert_string_equal(f.help, "Things counted.");
	assert_int_equal(f.type, FR_FAMILY_COUNTER);
}

/* A help text longer than the field is refused, not cut silently. */
static void test_long_help_refused(void **state)
{
	char sql[2048], help[sizeof(((struct fr_family *)0)->help) + 8];
	struct fr_family f;

	(void)state;
	memset(help, 'h', sizeof(help) - 1);
	help[sizeof(help) - 1] = '\0';
	snprintf(sql, sizeof(sql),
		 "-- family: ebpf_x\n-- type: counter\n-- help: %s\n-- attribution: process\n"
		 "SELECT 1;\n",
		 help);
	assert_int_equal(fr_family__parse("long.sql", sql, &f), -EINVAL);
	/* one byte shorter than the field fits */
	help[sizeof(((struct fr_family *)0)->help) - 1] = '\0';
	snprintf(sql, sizeof(sql),
		 "-- family: ebpf_x\n-- type: counter\n-- help: %s\n-- attribution: process\n"
		 "SELECT 1;\n",
		 help);
	assert_int_equal(fr_family__parse("fits.sql", sql, &f), 0);
	assert_int_equal(strlen(f.help), sizeof(f.help) - 1);
}

/* Every embedded family parses, whole. */
static void test_embedded_families(void **state)
{
	const size_t n = fr_family__count();

	(void)state;
	assert_true(n >= 25);
	for (size_t i = 0; i < n; i++) {
		struct fr_family f;

		assert_int_equal(fr_family__get(i, &f), 0);
		assert_true(f.help[0] != '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_long_help_refused),
		cmocka_unit_test(test_embedded_families),
	};

	return cmocka_run_group_tests_name("family", tests, NULL, NULL);
}
