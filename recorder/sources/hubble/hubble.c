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
#include "hubble_resume.h"
#include "hubble_sink.h"
#include "hubble_wire.h"
#include "queue.h"
#include "rotate.h"
#include "stats.h"

/* Pending gap spans between two statistics; more are merged into the last. */
#define GAPS_MAX 32
/* lost_events sources counted apart; more are merged into the last. */
#define LOST_SOURCES_MAX 8
/* Records go to the queue in batches of about this many bytes: one
 * allocation, one lock and at most one wakeup of the loop per batch. */
#define BATCH_BYTES (128u << 10)
/* The loop takes a batch still filling once its oldest record is this
 * old: a quiet stream's records wait at most about that long. */
#define BATCH_AGE_NS (10 * 1000000ull)
/* The queue item's kind for a batch (0 is no record kind). */
#define BATCH_KIND 0

struct span {
	uint64_t n, first_ns, last_ns;
};

/* A record's header in a batch; its payload follows, then the next. */
struct batch_hdr {
	uint64_t ts_ns;
	uint32_t len;
	uint16_t kind;
	uint16_t pad;
};

struct fr_hubble_sink {
	struct fr_queue *records; /* thread -> loop */
	pthread_mutex_t mu;	  /* guards what follows */
	uint64_t received;	  /* responses offered or refused as bad */
	struct span bad_message, bad_line, queue_full;
	struct span gaps[GAPS_MAX];
	size_t ngaps;
	struct {
		uint32_t source;
		struct span lost; /* n: events Hubble lost */
	} hubble_lost[LOST_SOURCES_MAX];
	size_t nhubble_lost;
	uint8_t *status; /* the last ServerStatus answer, for snapshots */
	size_t status_len;
	/* the batch filling: records, bytes, oldest record's receive time */
	uint8_t *batch;
	size_t batch_len, batch_cap;
	uint64_t batch_n, batch_first_ns;
	size_t batch_max; /* BATCH_BYTES, less for a small queue */
	uint64_t batches; /* pushed to the queue */
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
	uint64_t reported_received;
	uint64_t drained_batches; /* sink.batches at the last drain */
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

/* The batch to the queue (the caller holds mu); a full queue refuses it
 * whole: its records are counted as queue_full. */
static void push_batch(struct fr_hubble_sink *s, uint64_t now)
{
	if (!s->batch_n)
		return;
	if (fr_queue__push(s->records, BATCH_KIND, 0, s->batch, (uint32_t)s->batch_len))
		span_add(&s->queue_full, s->batch_n, s->batch_first_ns, now);
	s->batches++;
	s->batch_len = 0;
	s->batch_n = 0;
}

/* One record into the batch (the caller holds mu). */
static void batch_add(struct fr_hubble_sink *s, enum fr_kind kind, const void *payload,
		      uint32_t len, uint64_t now)
{
	const struct batch_hdr h = {.ts_ns = now, .len = len, .kind = (uint16_t)kind};
	const size_t need = sizeof(h) + len;

	if (s->batch_len && s->batch_len + need > s->batch_max)
		push_batch(s, now);
	if (need > s->batch_cap) {
		const size_t cap = need > BATCH_BYTES ? need : BATCH_BYTES;
		uint8_t *grown = realloc(s->batch, cap);

		if (!grown) {
			span_add(&s->queue_full, 1, now, now);
			return;
		}
		s->batch = grown;
		s->batch_cap = cap;
	}
	memcpy(s->batch + s->batch_len, &h, sizeof(h));
	memcpy(s->batch + s->batch_len + sizeof(h), payload, len);
	s->batch_len += need;
	if (!s->batch_n++)
		s->batch_first_ns = now;
	if (s->batch_len >= s->batch_max)
		push_batch(s, now);
}

int fr_hubble_sink__offer_keys(struct fr_hubble_sink *s, enum fr_kind kind, const void *payload,
			       size_t len, const struct fr_hubble_flow_keys *keys,
			       uint64_t recv_boot_ns)
{
	enum fr_hubble_verdict v = FR_HUBBLE_KEEP;

	if (len > UINT32_MAX)
		return -E2BIG;
	pthread_mutex_lock(&s->mu);
	if (kind == FR_KIND_HUBBLE_STATUS_PB) {
		uint8_t *copy = malloc(len ? len : 1);

		if (copy) {
			memcpy(copy, payload, len);
			free(s->status);
			s->status = copy;
			s->status_len = len;
		}
	} else {
		s->received++;
		if (s->filter)
			v = fr_hubble_filter__check_keys(s->filter, keys, recv_boot_ns);
	}
	/* skipped: counted by the filter */
	if (v == FR_HUBBLE_KEEP)
		batch_add(s, kind, payload, (uint32_t)len, recv_boot_ns);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int fr_hubble_sink__offer(struct fr_hubble_sink *s, enum fr_kind kind, const void *payload,
			  size_t len, const Flow__Flow *flow, uint64_t recv_boot_ns)
{
	struct fr_hubble_flow_keys k;

	if (flow) {
		fr_hubble_filter__keys_of(flow, &k);
	} else if (kind == FR_KIND_HUBBLE_FLOW_PB) {
		struct fr_hubble_wire w;

		/* not decoded by the input: whether it is a flow at all decides;
		 * one that does not scan is kept as received (the analyzer
		 * reports it) */
		if (!fr_hubble_wire__scan(payload, len, &w, NULL)) {
			k = w.keys;
			if (w.type == FR_HUBBLE_WIRE_LOST_EVENTS)
				fr_hubble_sink__hubble_lost(s, w.lost_source, w.lost_n,
							    recv_boot_ns);
		}
		if (w.type == FR_HUBBLE_WIRE_FLOW)
			return fr_hubble_sink__offer_keys(s, kind, payload, len, &k, recv_boot_ns);
	}
	return fr_hubble_sink__offer_keys(s, kind, payload, len, flow ? &k : NULL, recv_boot_ns);
}

void fr_hubble_sink__hubble_lost(struct fr_hubble_sink *s, uint32_t source, uint64_t n,
				 uint64_t recv_boot_ns)
{
	size_t i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nhubble_lost && s->hubble_lost[i].source != source; i++)
		;
	if (i == s->nhubble_lost && i < LOST_SOURCES_MAX) {
		s->hubble_lost[i].source = source;
		s->hubble_lost[i].lost = (struct span){0};
		s->nhubble_lost++;
	}
	if (i == LOST_SOURCES_MAX)
		i--;
	span_add(&s->hubble_lost[i].lost, n, recv_boot_ns, recv_boot_ns);
	pthread_mutex_unlock(&s->mu);
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

/* A recording already in --dir: its newest flow is where GetFlows
 * resumes, instead of the server's whole ring again. */
static void resume_from_dir(struct fr_hubble_source *h)
{
	struct fr_hubble_resume r;
	char when[40];
	int err = fr_hubble_resume__read(h->cfg->dir, &r);

	if (err) {
		fprintf(stderr,
			"flightrec-record: hubble: cannot read the newest flow in %s (%s): "
			"following from the server's oldest\n",
			h->cfg->dir, strerror(-err));
		return;
	}
	if (!r.found)
		return;
	fr_hubble_grpc__resume(h->grpc, r.time_s, r.time_ns, r.ids, r.nids);
	fr_hubble_resume__format_time(r.time_s, r.time_ns, when, sizeof(when));
	fprintf(stderr,
		"flightrec-record: hubble: %s holds flows up to %s: resuming since then (%zu "
		"flow(s) of that time not taken again)\n",
		r.segment, when, r.nids);
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
	/* 32 MiB: 120 ms of a writer stall at the 300 k flows/s the gRPC
	 * input reaches; taken only while the writer is behind */
	const size_t qbytes = cfg->hubble_queue_bytes ? cfg->hubble_queue_bytes : 32u << 20;
	struct fr_hubble_source *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->cfg = cfg;
	observer__get_flows_request__init(&h->filters);
	pthread_mutex_init(&h->sink.mu, NULL);
	/* a batch is at most an eighth of the queue: a small queue still
	 * takes several, and refuses a flood a batch at a time */
	h->sink.batch_max = qbytes / 8 < BATCH_BYTES ? qbytes / 8 : BATCH_BYTES;
	err = fr_queue__new(qbytes, &h->sink.records);
	err = err ?: make_filter(h);
	err = err ?: make_input(h);
	if (!err && h->grpc)
		resume_from_dir(h);
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
	const uint8_t *p = payload, *end = p + len;
	int err = 0;

	/* a burst drained at once rotates as it goes (rotate.h): the writer
	 * is asked again for every record of a batch */
	if (kind != BATCH_KIND)
		return fr_writer__append(fr_rotor__writer_rotating(h->rotor), kind, ts_ns, payload,
					 len);
	while (end - p >= (ptrdiff_t)sizeof(struct batch_hdr)) {
		struct batch_hdr bh;

		memcpy(&bh, p, sizeof(bh));
		p += sizeof(bh);
		err = fr_writer__append(fr_rotor__writer_rotating(h->rotor), bh.kind, bh.ts_ns, p,
					bh.len)
			      ?: err;
		p += bh.len;
	}
	return err;
}

/* Moves the queued batches to the writer, and the one filling when it
 * is old enough or `all`. Costs no syscall when nothing came. */
static int drain_batches(struct fr_hubble_source *h, bool all)
{
	const uint64_t now = fr_clock__boot_ns();
	uint64_t batches;
	int errors = 0;

	if (!h->rotor)
		return 0;
	pthread_mutex_lock(&h->sink.mu);
	if (h->sink.batch_n && (all || now - h->sink.batch_first_ns >= BATCH_AGE_NS))
		push_batch(&h->sink, now);
	batches = h->sink.batches;
	pthread_mutex_unlock(&h->sink.mu);
	if (batches == h->drained_batches)
		return 0;
	h->drained_batches = batches;
	return (int)fr_queue__drain(h->sink.records, write_record, h, &errors);
}

static int hubble_drain(void *ctx)
{
	return drain_batches(ctx, false);
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

/* The sink's counts since the last statistics, taken and reset. */
struct taken {
	uint64_t seen;
	struct span bad_message, bad_line, queue_full, gaps[GAPS_MAX];
	size_t ngaps, nlost;
	uint32_t lost_source[LOST_SOURCES_MAX];
	struct span lost[LOST_SOURCES_MAX];
	struct fr_hubble_filter_counts fc;
};

static void take_counts(struct fr_hubble_source *h, struct taken *t)
{
	struct fr_hubble_sink *s = &h->sink;

	pthread_mutex_lock(&s->mu);
	t->seen = s->received - h->reported_received;
	h->reported_received = s->received;
	t->bad_message = s->bad_message;
	t->bad_line = s->bad_line;
	t->queue_full = s->queue_full;
	t->ngaps = s->ngaps;
	memcpy(t->gaps, s->gaps, s->ngaps * sizeof(t->gaps[0]));
	t->nlost = s->nhubble_lost;
	for (size_t i = 0; i < s->nhubble_lost; i++) {
		t->lost_source[i] = s->hubble_lost[i].source;
		t->lost[i] = s->hubble_lost[i].lost;
	}
	s->bad_message = s->bad_line = s->queue_full = (struct span){0};
	s->ngaps = s->nhubble_lost = 0;
	if (s->filter)
		t->fc = *fr_hubble_filter__counts(s->filter);
	pthread_mutex_unlock(&s->mu);
}

/* What happened since the last call, as source "hubble". */
static int hubble_stats(struct fr_hubble_source *h, uint64_t now_ns)
{
	struct fr_writer *w = fr_rotor__writer(h->rotor);
	const uint64_t first = h->last_stats_ns;
	struct taken t = {0};
	int err;

	take_counts(h, &t);
	err = fr_stats__write(w, "hubble", "queue_full", t.seen, t.queue_full.n,
			      t.queue_full.n ? t.queue_full.first_ns : first,
			      t.queue_full.n ? t.queue_full.last_ns : now_ns);
	for (int v = FR_HUBBLE_FILTERED; h->sink.filter && v < FR_HUBBLE_NVERDICT; v++) {
		const struct fr_hubble_filter_count c = t.fc.by[v];
		const uint64_t n = c.n - h->reported_f.by[v].n;

		if (n)
			err = fr_stats__write(w, "hubble", fr_hubble_filter__reason(v), t.seen, n,
					      c.first_ns > first ? c.first_ns : first, c.last_ns)
				      ?: err;
	}
	h->reported_f = t.fc;
	if (t.bad_message.n)
		err = fr_stats__write(w, "hubble", "bad_message", t.seen, t.bad_message.n,
				      t.bad_message.first_ns, t.bad_message.last_ns)
			      ?: err;
	if (t.bad_line.n)
		err = fr_stats__write(w, "hubble", "bad_line", t.seen, t.bad_line.n,
				      t.bad_line.first_ns, t.bad_line.last_ns)
			      ?: err;
	for (size_t i = 0; i < t.nlost; i++) {
		char reason[64], num[16];

		snprintf(reason, sizeof(reason), "lost_events:%s",
			 fr_hubble_wire__lost_source_name(t.lost_source[i], num, sizeof(num)));
		err = fr_stats__write(w, "hubble", reason, t.seen, t.lost[i].n, t.lost[i].first_ns,
				      t.lost[i].last_ns)
			      ?: err;
	}
	for (size_t i = 0; i < t.ngaps; i++)
		err = fr_stats__write(w, "hubble", "gap", 0, t.gaps[i].n, t.gaps[i].first_ns,
				      t.gaps[i].last_ns)
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

	drain_batches(h, true);
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
			"by a resumed stream and skipped, %llu bad, %llu lost_events, %llu server "
			"statuses\n",
			(unsigned long long)atomic_load(&st->responses),
			(unsigned long long)atomic_load(&st->streams),
			(unsigned long long)atomic_load(&st->duplicates),
			(unsigned long long)atomic_load(&st->bad_message),
			(unsigned long long)atomic_load(&st->lost_events),
			(unsigned long long)atomic_load(&st->statuses));
	}
}

static int hubble_stop(void *ctx, uint64_t now_ns)
{
	struct fr_hubble_source *h = ctx;

	stop_thread(h);
	drain_batches(h, true);
	return h->rotor ? hubble_stats(h, now_ns) : 0;
}

void fr_hubble_source__as_source(struct fr_hubble_source *h, struct fr_source *s)
{
	*s = (struct fr_source){.name = "hubble",
				.ctx = h,
				.fds = hubble_fds,
				/* every wake: an idle drain costs no syscall,
				 * and a batch still filling is taken in time */
				.drain_when_ready = false,
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
	free(h->sink.batch);
	free(h);
}
