/* SPDX-License-Identifier: BSD-2-Clause */
#include "kube.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/host.h"
#include "format/kinds.h"
#include "kube_store.h"
#include "queue.h"
#include "rotate.h"
#include "stats.h"

struct fr_kube_source {
	const struct fr_kube_settings *s;
	struct fr_kube_store *store;
	struct fr_kube_client *client;
	struct fr_kube_counters n, reported;
	struct fr_queue *records; /* thread -> loop */
	struct fr_queue_stats reported_q;
	struct fr_rotor *rotor;
	pthread_t thread;
	bool started;
	uint64_t last_stats_ns;
};

static void emit(void *ctx, uint16_t kind, uint64_t ts_ns, const char *json)
{
	struct fr_kube_source *k = ctx;

	/* refused when full: counted, reported as reason queue_full */
	fr_queue__push(k->records, kind, ts_ns, json, (uint32_t)strlen(json));
}

static void *kube_main(void *arg)
{
	fr_kube_client__run(((struct fr_kube_source *)arg)->client);
	return NULL;
}

int fr_kube_source__new(const struct fr_kube_settings *s, struct fr_kube_source **out)
{
	struct fr_kube_client_opts co = {.url = s->url,
					 .token_file = s->token_file[0] ? s->token_file : NULL,
					 .ca_file = s->ca_file[0] ? s->ca_file : NULL,
					 .node = s->node[0] ? s->node : NULL,
					 .backoff_max_ms = s->backoff_max_ms};
	struct fr_kube_source *k = calloc(1, sizeof(*k));
	int err = k ? 0 : -ENOMEM;

	if (err)
		return err;
	k->s = s;
	err = fr_queue__new(s->queue_bytes ? s->queue_bytes : 4u << 20, &k->records);
	if (!err && !s->snapshot_json) {
		/* before any thread: curl_global_init is not thread-safe */
		err = curl_global_init(CURL_GLOBAL_DEFAULT) ? -EINVAL : 0;
		err = err ?: fr_kube_store__new(&k->store);
		err = err ?: fr_kube_client__new(&co, k->store, emit, k, &k->n, &k->client);
		err = err ?: -pthread_create(&k->thread, NULL, kube_main, k);
		k->started = !err;
	}
	if (err) {
		fr_kube_source__free(k);
		return err;
	}
	*out = k;
	return 0;
}

static int write_record(void *ctx, uint16_t kind, uint64_t ts_ns, const void *payload, uint32_t len)
{
	struct fr_kube_source *k = ctx;

	return fr_writer__append(fr_rotor__writer(k->rotor), kind, ts_ns, payload, len);
}

static int kube_drain(void *ctx)
{
	struct fr_kube_source *k = ctx;
	int errors = 0;

	if (!k->rotor)
		return 0;
	return (int)fr_queue__drain(k->records, write_record, k, &errors);
}

static int kube_snapshot(void *ctx, struct fr_writer *w, uint64_t now_ns)
{
	struct fr_kube_source *k = ctx;
	char *json = NULL;
	int err = 0;

	if (k->s->snapshot_json)
		return fr_writer__append(w, FR_KIND_META_SNAPSHOT, now_ns, k->s->snapshot_json,
					 strlen(k->s->snapshot_json));
	err = fr_kube_store__snapshot(k->store, k->s->node, k->s->node[0] != '\0', &json);
	/* nothing listed yet: no snapshot, which says nothing */
	if (!err && json)
		err = fr_writer__append(w, FR_KIND_META_SNAPSHOT, now_ns, json, strlen(json));
	free(json);
	return err;
}

/* Growth of a counter since the last statistics. */
static uint64_t delta(atomic_uint_fast64_t *now, atomic_uint_fast64_t *reported)
{
	const uint64_t v = atomic_load(now), d = v - atomic_load(reported);

	atomic_store(reported, v);
	return d;
}

/* What happened since the last call, as source "kubernetes": a reason
 * only when it happened, queue_full always (its seen: records queued). */
static int kube_stats(struct fr_kube_source *k, uint64_t now_ns)
{
	struct fr_writer *w = fr_rotor__writer(k->rotor);
	/* an ended outage first: one that ends meanwhile is then not also open */
	const uint64_t ended = atomic_exchange(&k->n.outage_to_ns, 0);
	const uint64_t first = k->last_stats_ns, down = atomic_load(&k->n.down_since_ns);
	const uint64_t failures = delta(&k->n.failures, &k->reported.failures);
	const struct {
		const char *reason;
		uint64_t seen, lost;
	} r[] = {
		{"malformed", 0, delta(&k->n.malformed, &k->reported.malformed)},
		{"relist", delta(&k->n.relists, &k->reported.relists), 0},
		{"reconnect", delta(&k->n.reconnects, &k->reported.reconnects), 0},
		{"denied", delta(&k->n.denied, &k->reported.denied), 0},
	};
	struct fr_queue_stats q;
	int err;

	fr_queue__stats(k->records, &q);
	err = fr_stats__write(w, "kubernetes", "queue_full", q.pushed - k->reported_q.pushed,
			      q.dropped - k->reported_q.dropped, first, now_ns);
	k->reported_q = q;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (r[i].seen || r[i].lost)
			err = fr_stats__write(w, "kubernetes", r[i].reason, r[i].seen, r[i].lost,
					      first, now_ns)
				      ?: err;
	/* an outage: the span without the API (seen: the requests that failed);
	 * one that ended: up to the first answer after it */
	if (ended) {
		const uint64_t from = atomic_load(&k->n.outage_from_ns);

		err = fr_stats__write(w, "kubernetes", "api_unavailable", failures, 0,
				      from > first ? from : first, ended)
			      ?: err;
	}
	if (down || (failures && !ended))
		err = fr_stats__write(w, "kubernetes", "api_unavailable", ended ? 0 : failures, 0,
				      down > first ? down : first, now_ns)
			      ?: err;
	k->last_stats_ns = now_ns;
	return err;
}

static int kube_fds(void *ctx, int *fds, int max)
{
	if (max < 1)
		return 0;
	fds[0] = fr_queue__fd(((struct fr_kube_source *)ctx)->records);
	return 1;
}

static int kube_start(void *ctx, struct fr_rotor *rotor)
{
	struct fr_kube_source *k = ctx;

	k->rotor = rotor;
	k->last_stats_ns = fr_clock__boot_ns();
	return 0;
}

static int kube_interval(void *ctx, uint64_t now_ns)
{
	struct fr_kube_source *k = ctx;

	kube_drain(k);
	return k->s->snapshot_json ? 0 : kube_stats(k, now_ns);
}

static void stop_thread(struct fr_kube_source *k)
{
	if (!k->started)
		return;
	fr_kube_client__stop(k->client);
	pthread_join(k->thread, NULL);
	k->started = false;
}

static int kube_stop(void *ctx, uint64_t now_ns)
{
	struct fr_kube_source *k = ctx;

	stop_thread(k);
	kube_drain(k);
	return k->rotor && !k->s->snapshot_json ? kube_stats(k, now_ns) : 0;
}

void fr_kube_source__as_source(struct fr_kube_source *k, struct fr_source *s)
{
	*s = (struct fr_source){.name = "kubernetes",
				.ctx = k,
				.fds = kube_fds,
				.drain_when_ready = true,
				.start = kube_start,
				.drain = kube_drain,
				.on_interval = kube_interval,
				.snapshot = kube_snapshot,
				.stop = kube_stop};
}

void fr_kube_source__free(struct fr_kube_source *k)
{
	if (!k)
		return;
	stop_thread(k);
	fr_kube_client__free(k->client);
	fr_kube_store__free(k->store);
	fr_queue__free(k->records);
	free(k);
}
