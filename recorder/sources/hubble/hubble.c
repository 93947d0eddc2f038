/* SPDX-License-Identifier: BSD-2-Clause */
#include "hubble.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/host.h"
#include "format/kinds.h"
#include "hubble_filter.h"
#include "hubble_grpc.h"
#include "hubble_jsonpb.h"
#include "hubble_sink.h"
#include "queue.h"
#include "rotate.h"
#include "stats.h"

/* Pending gap spans between two statistics; more are merged into the last. */
#define GAPS_MAX 32

struct span {
	uint64_t n, first_ns, last_ns;
};

struct fr_hubble_sink {
	struct fr_queue *records; /* thread -> loop */
	pthread_mutex_t mu;	  /* guards what follows */
	uint64_t received;	  /* responses offered or refused as bad */
	struct span bad_message, bad_line;
	struct span gaps[GAPS_MAX];
	size_t ngaps;
	uint8_t *status; /* the last ServerStatus answer, for snapshots */
	size_t status_len;
	/* the user's selection; NULL: every flow. Used by the input's thread,
	 * its counts read by the loop's: under mu */
	struct fr_hubble_filter *filter;
};

struct fr_hubble_source {
	const struct fr_config *cfg;
	struct fr_hubble_sink sink;
	struct fr_hubble_grpc *grpc;	   /* one input: gRPC */
	struct fr_hubble_jsonpb *jsonpb;   /* or jsonpb lines */
	Observer__GetFlowsRequest filters; /* the selection, for the server */
	atomic_bool stop;		   /* ends the jsonpb input */
	struct fr_hubble_filter_counts reported_f;
	struct fr_queue_stats reported_q;
	uint64_t reported_received;
	struct fr_rotor *rotor;
	pthread_t thread;
	bool started;
	int thread_err;
	uint64_t last_stats_ns;
};

bool fr_hubble__wanted(const struct fr_config *cfg)
{
	return cfg->hubble || cfg->hubble_jsonpb;
}

static void span_add(struct span *s, uint64_t n, uint64_t first, uint64_t last)
{
	if (!s->n || first < s->first_ns)
		s->first_ns = first;
	if (!s->n || last > s->last_ns)
		s->last_ns = last;
	s->n += n;
}

/* The selection's verdict on a flow response (the caller holds mu). */
static enum fr_hubble_verdict select_flow(struct fr_hubble_sink *s, enum fr_kind kind,
					  const void *payload, size_t len, const Flow__Flow *flow,
					  uint64_t now)
{
	struct fr_hubble_error herr;
	ProtobufCMessage *m = NULL;
	enum fr_hubble_verdict v;

	if (flow || kind != FR_KIND_HUBBLE_FLOW_PB)
		return fr_hubble_filter__check_flow(s->filter, flow, now);
	/* not decoded by the input: whether it is a flow at all decides */
	if (fr_hubble__decode(&observer__get_flows_response__descriptor, payload, len, &m, &herr))
		return FR_HUBBLE_KEEP; /* kept as received; the analyzer reports it */
	v = fr_hubble_filter__check(s->filter, (const Observer__GetFlowsResponse *)m, now);
	fr_hubble__free(m);
	return v;
}

int fr_hubble_sink__offer(struct fr_hubble_sink *s, enum fr_kind kind, const void *payload,
			  size_t len, const Flow__Flow *flow, uint64_t recv_boot_ns)
{
	if (len > UINT32_MAX)
		return -E2BIG;
	if (kind == FR_KIND_HUBBLE_STATUS_PB) {
		uint8_t *copy = malloc(len ? len : 1);

		pthread_mutex_lock(&s->mu);
		if (copy) {
			memcpy(copy, payload, len);
			free(s->status);
			s->status = copy;
			s->status_len = len;
		}
		pthread_mutex_unlock(&s->mu);
	} else {
		enum fr_hubble_verdict v = FR_HUBBLE_KEEP;

		pthread_mutex_lock(&s->mu);
		s->received++;
		if (s->filter)
			v = select_flow(s, kind, payload, len, flow, recv_boot_ns);
		pthread_mutex_unlock(&s->mu);
		if (v != FR_HUBBLE_KEEP)
			return 0; /* counted by the filter */
	}
	/* refused when full: counted by the queue, reported as queue_full */
	fr_queue__push(s->records, (uint16_t)kind, recv_boot_ns, payload, (uint32_t)len);
	return 0;
}

void fr_hubble_sink__lost(struct fr_hubble_sink *s, const char *reason, uint64_t n,
			  uint64_t first_ns, uint64_t last_ns)
{
	pthread_mutex_lock(&s->mu);
	if (!strcmp(reason, "gap")) {
		if (s->ngaps == GAPS_MAX)
			span_add(&s->gaps[GAPS_MAX - 1], n, first_ns, last_ns);
		else
			s->gaps[s->ngaps++] = (struct span){n, first_ns, last_ns};
	} else if (!strcmp(reason, "bad_line")) {
		s->received += n;
		span_add(&s->bad_line, n, first_ns, last_ns);
	} else {
		s->received += n;
		span_add(&s->bad_message, n, first_ns, last_ns);
	}
	pthread_mutex_unlock(&s->mu);
}

static void *hubble_main(void *arg)
{
	struct fr_hubble_source *h = arg;

	if (h->jsonpb)
		h->thread_err = fr_hubble_jsonpb__run(h->jsonpb, &h->sink, &h->stop);
	else
		h->thread_err = fr_hubble_grpc__run(h->grpc, &h->sink);
	if (h->thread_err)
		fprintf(stderr, "flightrec-record: hubble: input stopped: %s\n",
			strerror(-h->thread_err));
	else if (h->jsonpb && !atomic_load(&h->stop))
		fprintf(stderr, "flightrec-record: hubble: end of %s\n", h->cfg->hubble_jsonpb);
	return NULL;
}

/* The user's selection, when there is one, for the sink and the server. */
static int make_filter(struct fr_hubble_source *h)
{
	const struct fr_config *cfg = h->cfg;
	const struct fr_hubble_filter_opts fo = {
		.kinds = cfg->hubble_kinds,
		.watch = (const char *const *)cfg->hubble_ns,
		.n_watch = cfg->nhubble_ns,
		.exclude = (const char *const *)cfg->hubble_exclude_ns,
		.n_exclude = cfg->nhubble_exclude_ns,
		.sample = cfg->hubble_sample,
		.cap_per_s = cfg->hubble_max_fps};

	if ((!fo.kinds || fo.kinds == FR_HUBBLE_KIND_ALL) && !fo.n_watch && !fo.n_exclude &&
	    fo.sample <= 1 && !fo.cap_per_s)
		return 0;
	h->sink.filter = fr_hubble_filter__new(&fo);
	if (!h->sink.filter)
		return -errno;
	return fr_hubble_filter__to_request(h->sink.filter, &h->filters);
}

static int make_input(struct fr_hubble_source *h)
{
	const struct fr_config *cfg = h->cfg;
	const bool tls = cfg->hubble_tls_ca || cfg->hubble_tls_cert || cfg->hubble_tls_key ||
			 cfg->hubble_tls_server_name;
	const struct fr_hubble_grpc_opts go = {.target = cfg->hubble,
					       .tls = tls,
					       .tls_ca = cfg->hubble_tls_ca,
					       .tls_cert = cfg->hubble_tls_cert,
					       .tls_key = cfg->hubble_tls_key,
					       .tls_server_name = cfg->hubble_tls_server_name,
					       .filters = &h->filters};
	/* the sink filters: the input's own filter stays NULL */
	const struct fr_hubble_jsonpb_opts jo = {.path = cfg->hubble_jsonpb};
	int err = 0;

	if (cfg->hubble_jsonpb) {
		h->jsonpb = fr_hubble_jsonpb__new(&jo);
		err = h->jsonpb ? 0 : -errno;
	} else {
		err = fr_hubble_grpc__new(&go, &h->grpc);
	}
	if (err)
		fprintf(stderr, "flightrec-record: hubble: cannot set up %s: %s\n",
			cfg->hubble_jsonpb ? cfg->hubble_jsonpb : cfg->hubble, strerror(-err));
	return err;
}

int fr_hubble_source__new(const struct fr_config *cfg, struct fr_hubble_source **out)
{
	struct fr_hubble_source *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->cfg = cfg;
	observer__get_flows_request__init(&h->filters);
	pthread_mutex_init(&h->sink.mu, NULL);
	err = fr_queue__new(cfg->hubble_queue_bytes ? cfg->hubble_queue_bytes : 8u << 20,
			    &h->sink.records);
	err = err ?: make_filter(h);
	err = err ?: make_input(h);
	err = err ?: -pthread_create(&h->thread, NULL, hubble_main, h);
	h->started = !err;
	if (err) {
		fr_hubble_source__free(h);
		return err;
	}
	*out = h;
	return 0;
}

static int write_record(void *ctx, uint16_t kind, uint64_t ts_ns, const void *payload, uint32_t len)
{
	struct fr_hubble_source *h = ctx;

	/* a burst drained at once rotates as it goes (rotate.h) */
	return fr_writer__append(fr_rotor__writer_rotating(h->rotor), kind, ts_ns, payload, len);
}

static int hubble_drain(void *ctx)
{
	struct fr_hubble_source *h = ctx;
	int errors = 0;

	if (!h->rotor)
		return 0;
	return (int)fr_queue__drain(h->sink.records, write_record, h, &errors);
}

static int hubble_snapshot(void *ctx, struct fr_writer *w, uint64_t now_ns)
{
	struct fr_hubble_source *h = ctx;
	int err = 0;

	pthread_mutex_lock(&h->sink.mu);
	if (h->sink.status)
		err = fr_writer__append(w, FR_KIND_HUBBLE_STATUS_PB, now_ns, h->sink.status,
					h->sink.status_len);
	pthread_mutex_unlock(&h->sink.mu);
	return err;
}

/* What happened since the last call, as source "hubble". */
static int hubble_stats(struct fr_hubble_source *h, uint64_t now_ns)
{
	struct fr_writer *w = fr_rotor__writer(h->rotor);
	const uint64_t first = h->last_stats_ns;
	struct span bad_message, bad_line, gaps[GAPS_MAX];
	struct fr_hubble_filter_counts fc = {0};
	struct fr_queue_stats q;
	uint64_t seen;
	size_t ngaps;
	int err;

	pthread_mutex_lock(&h->sink.mu);
	seen = h->sink.received - h->reported_received;
	h->reported_received = h->sink.received;
	bad_message = h->sink.bad_message;
	bad_line = h->sink.bad_line;
	ngaps = h->sink.ngaps;
	memcpy(gaps, h->sink.gaps, ngaps * sizeof(gaps[0]));
	h->sink.bad_message = h->sink.bad_line = (struct span){0};
	h->sink.ngaps = 0;
	if (h->sink.filter)
		fc = *fr_hubble_filter__counts(h->sink.filter);
	pthread_mutex_unlock(&h->sink.mu);

	fr_queue__stats(h->sink.records, &q);
	err = fr_stats__write(w, "hubble", "queue_full", seen, q.dropped - h->reported_q.dropped,
			      first, now_ns);
	h->reported_q = q;
	for (int v = FR_HUBBLE_FILTERED; h->sink.filter && v < FR_HUBBLE_NVERDICT; v++) {
		const struct fr_hubble_filter_count c = fc.by[v];
		const uint64_t n = c.n - h->reported_f.by[v].n;

		if (n)
			err = fr_stats__write(w, "hubble", fr_hubble_filter__reason(v), seen, n,
					      c.first_ns > first ? c.first_ns : first, c.last_ns)
				      ?: err;
	}
	h->reported_f = fc;
	if (bad_message.n)
		err = fr_stats__write(w, "hubble", "bad_message", seen, bad_message.n,
				      bad_message.first_ns, bad_message.last_ns)
			      ?: err;
	if (bad_line.n)
		err = fr_stats__write(w, "hubble", "bad_line", seen, bad_line.n, bad_line.first_ns,
				      bad_line.last_ns)
			      ?: err;
	for (size_t i = 0; i < ngaps; i++)
		err = fr_stats__write(w, "hubble", "gap", 0, gaps[i].n, gaps[i].first_ns,
				      gaps[i].last_ns)
			      ?: err;
	h->last_stats_ns = now_ns;
	return err;
}

static int hubble_fds(void *ctx, int *fds, int max)
{
	if (max < 1)
		return 0;
	fds[0] = fr_queue__fd(((struct fr_hubble_source *)ctx)->sink.records);
	return 1;
}

static int hubble_start(void *ctx, struct fr_rotor *rotor)
{
	struct fr_hubble_source *h = ctx;

	h->rotor = rotor;
	h->last_stats_ns = fr_clock__boot_ns();
	return 0;
}

static int hubble_interval(void *ctx, uint64_t now_ns)
{
	struct fr_hubble_source *h = ctx;

	hubble_drain(h);
	return hubble_stats(h, now_ns);
}

static void stop_thread(struct fr_hubble_source *h)
{
	if (!h->started)
		return;
	atomic_store(&h->stop, true);
	if (h->grpc)
		fr_hubble_grpc__stop(h->grpc);
	pthread_join(h->thread, NULL);
	h->started = false;
	if (h->grpc) {
		const struct fr_hubble_grpc_stats *st = fr_hubble_grpc__stats(h->grpc);

		fprintf(stderr,
			"flightrec-record: hubble: %llu responses in %llu streams, %llu resent "
			"by a resumed stream and skipped, %llu bad, %llu server statuses\n",
			(unsigned long long)atomic_load(&st->responses),
			(unsigned long long)atomic_load(&st->streams),
			(unsigned long long)atomic_load(&st->duplicates),
			(unsigned long long)atomic_load(&st->bad_message),
			(unsigned long long)atomic_load(&st->statuses));
	}
}

static int hubble_stop(void *ctx, uint64_t now_ns)
{
	struct fr_hubble_source *h = ctx;

	stop_thread(h);
	hubble_drain(h);
	return h->rotor ? hubble_stats(h, now_ns) : 0;
}

void fr_hubble_source__as_source(struct fr_hubble_source *h, struct fr_source *s)
{
	*s = (struct fr_source){.name = "hubble",
				.ctx = h,
				.fds = hubble_fds,
				.drain_when_ready = true,
				.start = hubble_start,
				.drain = hubble_drain,
				.on_interval = hubble_interval,
				.snapshot = hubble_snapshot,
				.stop = hubble_stop};
}

void fr_hubble_source__free(struct fr_hubble_source *h)
{
	if (!h)
		return;
	stop_thread(h);
	fr_hubble_grpc__free(h->grpc);
	fr_hubble_jsonpb__free(h->jsonpb);
	fr_hubble_filter__clear_request(&h->filters);
	fr_hubble_filter__free(h->sink.filter);
	fr_queue__free(h->sink.records);
	pthread_mutex_destroy(&h->sink.mu);
	free(h->sink.status);
	free(h);
}
