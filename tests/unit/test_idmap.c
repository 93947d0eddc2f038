/* SPDX-License-Identifier: BSD-2-Clause */
/* The replay's live process/socket map against a plain array model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "analyzer/replay/idmap.h"

#define N 5000

static void test_against_model(void **state)
{
	static uint64_t model[3][N]; /* 0: absent, else value + 1 */
	struct fr_idmap m = {0};
	uint64_t seed = 42;

	for (int step = 0; step < 200000; step++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		const uint32_t node = 1 + (uint32_t)(seed >> 60) % 3;
		const uint64_t id = (seed >> 20) % N;
		const unsigned op = (unsigned)(seed >> 8) % 3;
		uint64_t *v;

		if (op == 0) {
			assert_int_equal(fr_idmap__put(&m, node, id, (uint64_t)step), 0);
			model[node - 1][id] = (uint64_t)step + 1;
		} else if (op == 1) {
			fr_idmap__del(&m, node, id);
			model[node - 1][id] = 0;
		}
		v = fr_idmap__get(&m, node, id);
		if (model[node - 1][id])
			assert_true(v && *v == model[node - 1][id] - 1);
		else
			assert_null(v);
	}
	/* every key, not only the last touched, still agrees */
	size_t live = 0;

	for (uint32_t node = 1; node <= 3; node++)
		for (uint64_t id = 0; id < N; id++) {
			uint64_t *v = fr_idmap__get(&m, node, id);

			live += model[node - 1][id] != 0;
			if (model[node - 1][id])
				assert_true(v && *v == model[node - 1][id] - 1);
			else
				assert_null(v);
		}
	assert_int_equal(m.n, live);
	fr_idmap__free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_against_model)};

	return cmocka_run_group_tests_name("idmap", tests, NULL, NULL);
}
