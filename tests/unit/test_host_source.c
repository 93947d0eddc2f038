/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The recorder's host source with its thread, as the loop drives it: a
 * producer thread reports execs and exits (as the kernel source does), the
 * test drains the source's queue into a real rotor, then reads the segment
 * back. Every exec becomes an "add" with the cgroup read from /proc on the
 * host thread, every exit a "delete", and what a full queue refused is in
 * the host statistics, so records + lost = reported. No BPF, no root; CI
 * runs it under ThreadSanitizer too.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "format/reader.h"
#include "format/ring.h"
#include "host.h"
#include "proctable.h"
#include "rotate.h"
#include "segstart.h"
#include "seg_helpers.h"

struct producer {
	struct fr_host_source *h;
	unsigned n;
};

static void *produce(void *arg)
{
	const struct producer *p = arg;

	for (unsigned i = 0; i < p->n; i++) {
		fr_host_source__process_event(p->h, FR_PROCESS_EXEC, (uint32_t)getpid(),
					      (uint32_t)getppid(), "unit-test", 9, "/bin/true",
					      1000 + 2 * i);
		fr_host_source__process_event(p->h, FR_PROCESS_EXIT, (uint32_t)getpid(),
					      (uint32_t)getppid(), "unit-test", 9, NULL,
					      1001 + 2 * i);
	}
	return NULL;
}

struct counts {
	unsigned adds, deletes, with_cgroup, snapshots;
	uint64_t host_seen, host_lost;
};

static void read_back(const char *dir, struct counts *c)
{
	struct fr_ring_list l;
	char path[600];

	memset(c, 0, sizeof(*c));
	assert_int_equal(fr_ring__list(dir, &l), 0);
	assert_int_equal(l.n, 1);
	snprintf(path, sizeof(path), "%s/%s", dir, l.e[0].name);
	fr_ring_list__free(&l);
	struct fr_reader *r;
	struct fr_record rec;
	int rc;

	assert_int_equal(fr_reader__open(path, &r, NULL), 0);
	while ((rc = fr_reader__next(r, &rec)) == 1) {
		if (rec.kind == FR_KIND_META_CHANGE) {
			json_t *o = json_loadb((const char *)rec.payload, rec.len, 0, NULL);
			const char *op = json_string_value(json_object_get(o, "op"));
			json_t *obj = json_object_get(o, "object");

			assert_non_null(op);
			assert_int_equal(json_integer_value(json_object_get(obj, "pid")), getpid());
			if (!strcmp(op, "add")) {
				c->adds++;
				c->with_cgroup +=
					json_string_length(json_object_get(obj, "cgroup")) > 0;
				assert_string_equal(json_string_value(json_object_get(obj, "exe")),
						    "/bin/true");
			} else {
				assert_string_equal(op, "delete");
				c->deletes++;
			}
			json_decref(o);
		} else if (rec.kind == FR_KIND_META_SNAPSHOT) {
			c->snapshots++;
		} else if (rec.kind == FR_KIND_RECORDER_STATS) {
			struct fr_event ev;
			char src[16] = "";

			assert_int_equal(fr_event__decode(rec.kind, rec.payload, rec.len, &ev), 0);
			memcpy(src, ev.f[FR_F_RECORDER_STATS_SOURCE].p,
			       ev.f[FR_F_RECORDER_STATS_SOURCE].len < 15
				       ? ev.f[FR_F_RECORDER_STATS_SOURCE].len
				       : 15);
			if (!strcmp(src, "host")) {
				c->host_seen += ev.f[FR_F_RECORDER_STATS_SEEN].u;
				c->host_lost += ev.f[FR_F_RECORDER_STATS_LOST].u;
			}
		}
	}
	assert_int_equal(rc, 0);
	fr_reader__close(r);
}

/* Drive the source as the loop does until `want` records or refusals. */
static void run(size_t queue_bytes, unsigned events, struct counts *c)
{
	char *dir = test_tmpdir();
	struct fr_host_source *h;
	struct fr_source src;
	struct fr_segstart ss = {.sources = &src, .nsources = 1};
	struct fr_rotor_opts ro = {.dir = dir, .on_start = fr_segstart__write, .ctx = &ss};
	struct fr_rotor *rotor;
	struct producer p;
	pthread_t t;

	assert_int_equal(
		fr_host_source__new(
			&(struct fr_host_source_opts){.host = "unit", .queue_bytes = queue_bytes},
			&h),
		0);
	fr_host_source__as_source(h, &src);
	assert_int_equal(fr_rotor__open(&ro, &rotor), 0);
	assert_int_equal(src.start(src.ctx, rotor), 0);
	p = (struct producer){h, events};
	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	for (int i = 0; i < 200; i++) {
		struct pollfd pf = {.events = POLLIN};

		assert_int_equal(src.fds(src.ctx, &pf.fd, 1), 1);

		poll(&pf, 1, 5);
		assert_true(src.drain(src.ctx) >= 0);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(src.stop(src.ctx, 5000000), 0);
	assert_int_equal(fr_rotor__close(rotor, NULL), 0);
	fr_host_source__free(h);
	read_back(dir, c);
	test_rmdir(dir);
}

static void test_every_exec_and_exit_becomes_a_change(void **state)
{
	struct counts c;

	run(0, 300, &c);
	assert_int_equal(c.snapshots, 1);
	assert_int_equal(c.adds, 300);
	assert_int_equal(c.deletes, 300);
	/* read from /proc on the host thread while this process lives */
	assert_int_equal(c.with_cgroup, 300);
	assert_true(c.host_seen == 600 && c.host_lost == 0);
}

static void test_a_full_queue_is_counted(void **state)
{
	struct counts c;

	/* room for a few requests (~600 bytes each) and records at a time */
	run(4096, 3000, &c);
	print_message("%u adds, %u deletes, %llu lost of 6000\n", c.adds, c.deletes,
		      (unsigned long long)c.host_lost);
	assert_true(c.host_lost > 0);
	assert_true(c.adds + c.deletes + c.host_lost == 6000);
}

static int snapshot_err;

static int failing_snapshot(void *ctx, struct fr_writer *w, uint64_t now_ns)
{
	(void)ctx, (void)w, (void)now_ns;
	return snapshot_err;
}

/* A snapshot too big for a record does not keep the segment from opening;
 * any other failure of a source's snapshot does. */
static void test_segstart_survives_an_oversized_snapshot(void **state)
{
	char *dir = test_tmpdir(), path[512];
	const struct fr_source src = {.name = "big", .snapshot = failing_snapshot};
	struct fr_segstart ss = {.sources = &src, .nsources = 1};
	struct fr_writer *w;

	(void)state;
	snprintf(path, sizeof(path), "%s/seg.frseg", dir);
	assert_int_equal(fr_writer__open(path, &(struct fr_writer_opts){.host = "unit"}, &w), 0);
	snapshot_err = -E2BIG;
	assert_int_equal(fr_segstart__write(&ss, w, 1), 0);
	snapshot_err = -EIO;
	assert_int_equal(fr_segstart__write(&ss, w, 2), -EIO);
	fr_writer__free(w);
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_exec_and_exit_becomes_a_change),
		cmocka_unit_test(test_a_full_queue_is_counted),
		cmocka_unit_test(test_segstart_survives_an_oversized_snapshot),
	};

	return cmocka_run_group_tests_name("host_source", tests, NULL, NULL);
}
