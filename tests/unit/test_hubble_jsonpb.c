/* SPDX-License-Identifier: BSD-2-Clause */
/* --hubble-jsonpb input (recorder/sources/hubble/hubble_jsonpb.h) into a
 * sink double: a file appended in steps, rotated (rename + new file) and
 * truncated; a partial line; a line over 4 MiB; malformed lines counted
 * with their positions; stdin's EOF with an unterminated line; every
 * sample line becomes a protobuf record that decodes to the same JSON. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hubble_filter.h"
#include "hubble_jsonpb.h"
#include "hubble_sink.h"

#define RESP (&observer__get_flows_response__descriptor)

struct rec {
	enum fr_kind kind;
	char *payload;
	size_t len;
	bool has_flow;
};

struct fr_hubble_sink {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rec *recs;
	size_t n, cap;
	uint64_t bad_lines;
	size_t fail_at; /* >0: the offer of record fail_at fails */
};

int fr_hubble_sink__offer(struct fr_hubble_sink *s, enum fr_kind kind, const void *payload,
			  size_t len, const Flow__Flow *flow, uint64_t recv_boot_ns)
{
	assert_true(recv_boot_ns > 0);
	if (s->fail_at && s->n + 1 == s->fail_at)
		return -ENOSPC;
	pthread_mutex_lock(&s->mu);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->recs = realloc(s->recs, s->cap * sizeof(*s->recs));
		assert_non_null(s->recs);
	}
	s->recs[s->n].kind = kind;
	s->recs[s->n].payload = malloc(len + 1);
	memcpy(s->recs[s->n].payload, payload, len);
	s->recs[s->n].payload[len] = 0;
	s->recs[s->n].len = len;
	s->recs[s->n].has_flow = flow != NULL;
	s->n++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void fr_hubble_sink__lost(struct fr_hubble_sink *s, const char *reason, uint64_t n,
			  uint64_t first_ns, uint64_t last_ns)
{
	assert_string_equal(reason, "bad_line");
	assert_true(first_ns <= last_ns);
	pthread_mutex_lock(&s->mu);
	s->bad_lines += n;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

struct fixture {
	char dir[64], path[96], logpath[112];
	struct fr_hubble_sink sink;
	struct fr_hubble_jsonpb *in;
	FILE *log;
	atomic_bool stop;
	pthread_t thread;
	int rc;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/fr-jsonpb-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/flows.log", f->dir);
	snprintf(f->logpath, sizeof(f->logpath), "%s/stderr", f->dir);
	f->log = fopen(f->logpath, "w+");
	pthread_mutex_init(&f->sink.mu, NULL);
	pthread_cond_init(&f->sink.cv, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	fr_hubble_jsonpb__free(f->in);
	for (size_t i = 0; i < f->sink.n; i++)
		free(f->sink.recs[i].payload);
	free(f->sink.recs);
	fclose(f->log);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void *run_thread(void *arg)
{
	struct fixture *f = arg;

	f->rc = fr_hubble_jsonpb__run(f->in, &f->sink, &f->stop);
	return NULL;
}

static void start(struct fixture *f, const char *path, struct fr_hubble_filter *filter)
{
	struct fr_hubble_jsonpb_opts o = {
		.path = path, .filter = filter, .poll_ms = 5, .log = f->log};

	f->in = fr_hubble_jsonpb__new(&o);
	assert_non_null(f->in);
	assert_int_equal(pthread_create(&f->thread, NULL, run_thread, f), 0);
}

static void finish(struct fixture *f)
{
	atomic_store(&f->stop, true);
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	assert_int_equal(f->rc, 0);
}

/* Until the sink holds n records (ctest's timeout bounds a hang). */
static void wait_records(struct fixture *f, size_t n)
{
	pthread_mutex_lock(&f->sink.mu);
	while (f->sink.n < n)
		pthread_cond_wait(&f->sink.cv, &f->sink.mu);
	pthread_mutex_unlock(&f->sink.mu);
}

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A flow line whose destination port is port (so each is told apart). */
static char *line(unsigned port)
{
	static char buf[8][256];
	static unsigned k;
	char *b = buf[k++ % 8];

	snprintf(b, 256,
		 "{\"flow\":{\"time\":\"2023-08-21T12:12:18.510175415Z\",\"verdict\":"
		 "\"FORWARDED\",\"l4\":{\"TCP\":{\"source_port\":4000,\"destination_port\":%u}},"
		 "\"Type\":\"L3_L4\",\"event_type\":{\"type\":4}},\"node_name\":\"n1\"}\n",
		 port);
	return b;
}

/* The port of record i, from its protobuf payload. */
static unsigned port_of(const struct fixture *f, size_t i)
{
	const struct rec *r = &f->sink.recs[i];
	ProtobufCMessage *m;
	struct fr_hubble_error e;
	unsigned port;

	assert_int_equal(r->kind, FR_KIND_HUBBLE_FLOW_PB);
	assert_int_equal(fr_hubble__decode(RESP, (const uint8_t *)r->payload, r->len, &m, &e), 0);
	port = ((Observer__GetFlowsResponse *)m)->flow->l4->tcp->destination_port;
	fr_hubble__free(m);
	return port;
}

static void test_follow_append(void **state)
{
	struct fixture *f = *state;

	start(f, f->path, NULL); /* before the file exists, as tail -F */
	append(f->path, line(1));
	wait_records(f, 1);
	append(f->path, line(2));
	append(f->path, line(3));
	wait_records(f, 3);
	/* a partial line waits for its newline */
	char *l4 = line(4);

	append(f->path, "\n");
	char half[128];

	snprintf(half, sizeof(half), "%.40s", l4);
	append(f->path, half);
	append(f->path, l4 + 40);
	wait_records(f, 4);
	finish(f);
	assert_int_equal(f->sink.n, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(port_of(f, i), i + 1);
	const struct fr_hubble_jsonpb_stats *st = fr_hubble_jsonpb__stats(f->in);

	assert_int_equal(st->lines, 5);
	assert_int_equal(st->blank, 1);
	assert_int_equal(st->pb, 4);
	assert_int_equal(st->bad_line, 0);
}

static void test_rotation(void **state)
{
	struct fixture *f = *state;
	char backup[128];

	snprintf(backup, sizeof(backup), "%s.1", f->path);
	append(f->path, line(1));
	start(f, f->path, NULL);
	wait_records(f, 1);
	/* lumberjack: the last line, then rename to a backup, then a new file */
	append(f->path, line(2));
	assert_int_equal(rename(f->path, backup), 0);
	append(f->path, line(3));
	append(f->path, line(4));
	wait_records(f, 4);
	/* and once more */
	assert_int_equal(rename(f->path, backup), 0);
	append(f->path, line(5));
	wait_records(f, 5);
	finish(f);
	assert_int_equal(f->sink.n, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(port_of(f, i), i + 1);
	assert_int_equal(fr_hubble_jsonpb__stats(f->in)->reopened, 2);
}

static void test_truncation(void **state)
{
	struct fixture *f = *state;
	int fd;

	append(f->path, line(1));
	append(f->path, line(2));
	start(f, f->path, NULL);
	wait_records(f, 2);
	fd = open(f->path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	append(f->path, "{}\n"); /* shorter than what was read */
	wait_records(f, 3);
	append(f->path, line(3));
	wait_records(f, 4);
	finish(f);
	assert_int_equal(f->sink.n, 4);
	assert_int_equal(f->sink.recs[2].len, 0); /* {} encodes to nothing */
	assert_false(f->sink.recs[2].has_flow);
	assert_int_equal(port_of(f, 3), 3);
	assert_int_equal(fr_hubble_jsonpb__stats(f->in)->reopened, 1);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	char log[4096] = {0};
	size_t n;

	append(f->path, line(1));
	append(f->path, "{\"flow\":{\"verdict\":\n"); /* line 2: syntax */
	append(f->path, line(2));
	append(f->path, "{\"flow\":{\"l4\":{\"TCP\":{\"source_port\":\"x\"}}}}\n"); /* 4 */
	append(f->path, "[1,2]\n");						    /* 5 */
	append(f->path, "  \n");
	append(f->path, "{\"flow\":{\"verdict\":\"NEW_VERDICT\"},\"agent_event\":{}}\n");
	append(f->path, line(3));
	start(f, f->path, NULL);
	wait_records(f, 4);
	finish(f);
	assert_int_equal(f->sink.n, 4);
	assert_int_equal(f->sink.bad_lines, 3);
	assert_int_equal(port_of(f, 0), 1);
	assert_int_equal(port_of(f, 1), 2);
	/* an unknown key and enum name: kept as the line received */
	assert_int_equal(f->sink.recs[2].kind, FR_KIND_HUBBLE_FLOW_JSON);
	assert_string_equal(f->sink.recs[2].payload,
			    "{\"flow\":{\"verdict\":\"NEW_VERDICT\"},\"agent_event\":{}}");
	assert_true(f->sink.recs[2].has_flow);
	assert_int_equal(port_of(f, 3), 3);
	const struct fr_hubble_jsonpb_stats *st = fr_hubble_jsonpb__stats(f->in);

	assert_int_equal(st->bad_line, 3);
	assert_int_equal(st->json, 1);
	assert_int_equal(st->blank, 1);
	fflush(f->log);
	rewind(f->log);
	n = fread(log, 1, sizeof(log) - 1, f->log);
	log[n] = 0;
	char want[160];

	for (int ln = 2; ln <= 5; ln += ln == 2 ? 2 : 1) {
		snprintf(want, sizeof(want), "%s:%d: bad line: ", f->path, ln);
		if (!strstr(log, want))
			fail_msg("no '%s' in:\n%s", want, log);
	}
	assert_non_null(strstr(log, "source_port"));
}

static void test_too_long(void **state)
{
	struct fixture *f = *state;
	size_t big = FR_HUBBLE_MAX_MSG + 100;
	char *huge = malloc(big + 2);

	memset(huge, ' ', big);
	memcpy(huge, "{\"flow\":{}", 10);
	huge[big - 1] = '}';
	huge[big] = '\n';
	huge[big + 1] = 0;
	append(f->path, line(1));
	append(f->path, huge);
	append(f->path, line(2));
	/* exactly at the limit (newline excluded) is accepted */
	huge[FR_HUBBLE_MAX_MSG - 1] = '}';
	huge[FR_HUBBLE_MAX_MSG] = '\n';
	huge[FR_HUBBLE_MAX_MSG + 1] = 0;
	append(f->path, huge);
	free(huge);
	append(f->path, line(3));
	start(f, f->path, NULL);
	wait_records(f, 4);
	finish(f);
	assert_int_equal(f->sink.n, 4);
	assert_int_equal(port_of(f, 0), 1);
	assert_int_equal(port_of(f, 1), 2);
	assert_true(f->sink.recs[2].has_flow);
	assert_int_equal(port_of(f, 3), 3);
	assert_int_equal(fr_hubble_jsonpb__stats(f->in)->too_long, 1);
	assert_int_equal(fr_hubble_jsonpb__stats(f->in)->bad_line, 1);
	assert_int_equal(f->sink.bad_lines, 1);
}

/* "-" reads stdin to its end; the last line needs no newline there. */
static void run_stdin_with(struct fixture *f, int fd, struct fr_hubble_filter *filter)
{
	int saved = dup(STDIN_FILENO);
	struct fr_hubble_jsonpb_opts o = {.path = "-", .filter = filter, .log = f->log};

	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	f->in = fr_hubble_jsonpb__new(&o);
	assert_non_null(f->in);
	assert_int_equal(fr_hubble_jsonpb__run(f->in, &f->sink, &f->stop), 0);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
}

static void test_stdin_unterminated(void **state)
{
	struct fixture *f = *state;
	int p[2];
	char *l2 = line(2);

	assert_int_equal(pipe(p), 0);
	assert_true(write(p[1], line(1), strlen(line(1))) > 0);
	assert_true(write(p[1], l2, strlen(l2) - 1) > 0); /* no newline */
	close(p[1]);
	run_stdin_with(f, p[0], NULL);
	assert_int_equal(f->sink.n, 2);
	assert_int_equal(port_of(f, 0), 1);
	assert_int_equal(port_of(f, 1), 2);
}

static void test_filter_applied(void **state)
{
	struct fixture *f = *state;
	struct fr_hubble_filter_opts fo = {.sample = 2};
	struct fr_hubble_filter *filter = fr_hubble_filter__new(&fo);

	for (unsigned i = 0; i < 10; i++)
		append(f->path, line(i));
	run_stdin_with(f, open(f->path, O_RDONLY), filter);
	assert_int_equal(f->sink.n, 5);
	assert_int_equal(fr_hubble_jsonpb__stats(f->in)->skipped, 5);
	assert_int_equal(fr_hubble_filter__counts(filter)->by[FR_HUBBLE_SAMPLED].n, 5);
	fr_hubble_filter__free(filter);
}

/* The sink's error stops the input: recording must stop. */
static void test_sink_error_stops(void **state)
{
	struct fixture *f = *state;
	struct fr_hubble_jsonpb_opts o = {.path = f->path, .log = f->log};

	for (unsigned i = 0; i < 10; i++)
		append(f->path, line(i));
	f->sink.fail_at = 4;
	f->in = fr_hubble_jsonpb__new(&o);
	assert_int_equal(fr_hubble_jsonpb__run(f->in, &f->sink, &f->stop), -ENOSPC);
	assert_int_equal(f->sink.n, 3);
	assert_int_equal(fr_hubble_jsonpb__stats(f->in)->refused, 1);
}

/* Every sample line: a PB record decoding to the line's JSON object. */
static void test_samples_roundtrip(void **state)
{
	static const char *const files[] = {
		"cilium-docs__hubble-exporter-drops.jsonl",
		"hubble-otel__basic-sample-10-flows.jsonl",
		"hubble-otel__basic-sample-400-tcp-flows.first100.jsonl",
		"hubble-otel__basic-sample-5-dns-flows.jsonl",
		"hubble-otel__basic-sample-5-http-flows.jsonl",
	};
	struct fixture *f = *state;
	json_t *want[200];
	size_t n = 0;
	char path[512], *l = NULL;
	size_t cap = 0;
	ssize_t len;

	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		snprintf(path, sizeof(path), "%s/%s", FR_HUBBLE_FIXTURES, files[k]);
		FILE *in = fopen(path, "r");

		assert_non_null(in);
		while ((len = getline(&l, &cap, in)) > 0) {
			append(f->path, l);
			assert_true(n < 200);
			want[n] = json_loadb(l, (size_t)len, 0, NULL);
			assert_non_null(want[n++]);
		}
		fclose(in);
	}
	free(l);
	assert_int_equal(n, 122);
	run_stdin_with(f, open(f->path, O_RDONLY), NULL);
	assert_int_equal(f->sink.n, n);
	for (size_t i = 0; i < n; i++) {
		const struct rec *r = &f->sink.recs[i];
		ProtobufCMessage *m;
		struct fr_hubble_error e;
		json_t *got;

		assert_int_equal(r->kind, FR_KIND_HUBBLE_FLOW_PB);
		assert_int_equal(
			fr_hubble__decode(RESP, (const uint8_t *)r->payload, r->len, &m, &e), 0);
		assert_int_equal(fr_hubble__to_json(m, &got, &e), 0);
		if (!json_equal(want[i], got))
			fail_msg("sample line %zu differs", i + 1);
		json_decref(got);
		json_decref(want[i]);
		fr_hubble__free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_follow_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdin_unterminated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_applied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink_error_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_samples_roundtrip, setup, teardown),
	};

	return cmocka_run_group_tests_name("hubble_jsonpb", tests, NULL, NULL);
}
