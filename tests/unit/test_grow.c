/* SPDX-License-Identifier: BSD-2-Clause */
/* format/grow.h: first size, doubling, and sizes that would overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "format/grow.h"

static void test_first_and_doubling(void **state)
{
	uint32_t *a = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(fr_grow((void **)&a, &cap, 1, sizeof(*a), 16), 0);
	assert_non_null(a);
	assert_int_equal(cap, 16);
	/* within the capacity: nothing moves */
	a[15] = 7;
	assert_int_equal(fr_grow((void **)&a, &cap, 16, sizeof(*a), 16), 0);
	assert_int_equal(cap, 16);
	assert_int_equal(fr_grow((void **)&a, &cap, 17, sizeof(*a), 16), 0);
	assert_int_equal(cap, 32);
	assert_int_equal(a[15], 7); /* kept across the realloc */
	assert_int_equal(fr_grow((void **)&a, &cap, 200, sizeof(*a), 16), 0);
	assert_int_equal(cap, 256);
	free(a);
}

static void test_first_smaller_than_need(void **state)
{
	char *p = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(fr_grow((void **)&p, &cap, 5000, 1, 4096), 0);
	assert_int_equal(cap, 8192);
	memset(p, 1, cap);
	free(p);
	p = NULL;
	cap = 0;
	/* no first size: starts at one element */
	assert_int_equal(fr_grow((void **)&p, &cap, 3, 1, 0), 0);
	assert_int_equal(cap, 4);
	free(p);
}

static void test_overflow_refused_and_untouched(void **state)
{
	uint64_t *a = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(fr_grow((void **)&a, &cap, 4, sizeof(*a), 4), 0);
	a[0] = 42;
	/* the element count fits, the byte count does not */
	assert_int_equal(fr_grow((void **)&a, &cap, SIZE_MAX / 4, sizeof(*a), 4), -ENOMEM);
	/* the doubling itself would wrap */
	assert_int_equal(fr_grow((void **)&a, &cap, SIZE_MAX, 1, 4), -ENOMEM);
	assert_int_equal(cap, 4);
	assert_int_equal(a[0], 42);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_and_doubling),
		cmocka_unit_test(test_first_smaller_than_need),
		cmocka_unit_test(test_overflow_refused_and_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
