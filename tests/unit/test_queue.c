/* SPDX-License-Identifier: BSD-2-Clause */
/* The recorder's bounded queue between a source's thread and the loop:
 * push order kept, a full queue refuses and counts, the fd wakes the
 * consumer, and a producer thread racing the consumer loses nothing
 * uncounted (run under ThreadSanitizer in CI). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "queue.h"

struct seen {
	uint64_t n, next_ts, bytes;
};

static int check_order(void *ctx, uint16_t kind, uint64_t ts_ns, const void *payload, uint32_t len)
{
	struct seen *s = ctx;

	assert_int_equal(kind, 7);
	assert_true(ts_ns >= s->next_ts); /* push order; refused ones leave gaps */
	assert_int_equal(len, sizeof(ts_ns));
	assert_memory_equal(payload, &ts_ns, sizeof(ts_ns));
	s->next_ts = ts_ns + 1;
	s->n++;
	s->bytes += len;
	return 0;
}

static int readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1;
}

static void test_bounded_and_counted(void **state)
{
	struct fr_queue_stats st;
	struct seen seen = {0};
	struct fr_queue *q;

	assert_int_equal(fr_queue__new(10 * sizeof(uint64_t), &q), 0);
	assert_false(readable(fr_queue__fd(q)));
	for (uint64_t ts = 0; ts < 15; ts++) {
		const int err = fr_queue__push(q, 7, ts, &ts, sizeof(ts));

		assert_int_equal(err, ts < 10 ? 0 : -ENOSPC);
	}
	assert_true(readable(fr_queue__fd(q)));
	fr_queue__stats(q, &st);
	assert_true(st.pushed == 10 && st.dropped == 5 && st.dropped_bytes == 40);
	assert_int_equal(fr_queue__drain(q, check_order, &seen, NULL), 10);
	assert_true(seen.n == 10);
	assert_false(readable(fr_queue__fd(q)));
	/* room again once drained */
	assert_int_equal(fr_queue__push(q, 7, 100, &(uint64_t){100}, 8), 0);
	assert_int_equal(fr_queue__drain(q, check_order, &seen, NULL), 1);
	fr_queue__free(q);
}

#define PRODUCED 200000

static void *producer(void *arg)
{
	struct fr_queue *q = arg;

	for (uint64_t ts = 0; ts < PRODUCED; ts++)
		fr_queue__push(q, 7, ts, &ts, sizeof(ts));
	return NULL;
}

/* Every record is either taken by the consumer or counted as refused. */
static void test_threads_lose_nothing_uncounted(void **state)
{
	struct fr_queue_stats st;
	struct seen seen = {0};
	struct fr_queue *q;
	pthread_t t;

	assert_int_equal(fr_queue__new(4096, &q), 0);
	assert_int_equal(pthread_create(&t, NULL, producer, q), 0);
	for (;;) {
		struct pollfd p = {.fd = fr_queue__fd(q), .events = POLLIN};

		fr_queue__stats(q, &st);
		if (st.pushed + st.dropped == PRODUCED && seen.n == st.pushed)
			break;
		poll(&p, 1, 10);
		fr_queue__drain(q, check_order, &seen, NULL);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	fr_queue__drain(q, check_order, &seen, NULL);
	fr_queue__stats(q, &st);
	assert_true(seen.n == st.pushed);
	assert_true(st.pushed + st.dropped == PRODUCED);
	print_message("%llu taken, %llu refused\n", (unsigned long long)st.pushed,
		      (unsigned long long)st.dropped);
	fr_queue__free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounded_and_counted),
		cmocka_unit_test(test_threads_lose_nothing_uncounted),
	};

	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
