/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kubernetes source's API client (libcurl): for each kind a paginated
 * list (limit/continue), then a watch from the list's resourceVersion with
 * bookmarks, resumed from the last version seen when it ends and relisted
 * on 410 Gone; failures are retried with exponential backoff and jitter.
 * It runs on the source's own thread (fr_kube_client__run) and hands what
 * it learns to the store and, as records, to an emit callback.
 */
#ifndef FR_RECORDER_KUBE_CLIENT_H
#define FR_RECORDER_KUBE_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kube_store.h"

/* Counted by the client's thread, read by the loop's for statistics. */
struct fr_kube_counters {
	atomic_uint_fast64_t events;	    /* watch events and listed objects applied */
	atomic_uint_fast64_t malformed;	    /* objects and lines skipped: wrong shape */
	atomic_uint_fast64_t relists;	    /* lists after the first (410 Gone) */
	atomic_uint_fast64_t reconnects;    /* watches resumed after a failure */
	atomic_uint_fast64_t failures;	    /* requests that failed, denials included */
	atomic_uint_fast64_t denied;	    /* 401 and 403 answers */
	atomic_uint_fast64_t down_since_ns; /* first failure of an outage; 0: up */
	/* the last outage that ended: its first failure and the first answer
	 * after it (0: none since the statistics took it) */
	atomic_uint_fast64_t outage_from_ns, outage_to_ns;
};

struct fr_kube_client_opts {
	const char *url;	  /* https://host:port, no trailing path */
	const char *token_file;	  /* bearer token, read at every request; NULL: none */
	const char *ca_file;	  /* CA bundle; NULL: the system's */
	const char *node;	  /* pods of this node only (fieldSelector); NULL: all */
	uint32_t page_size;	  /* list limit; 0: 500 */
	uint32_t watch_timeout_s; /* the server ends a watch after this; 0: 300 */
	uint32_t backoff_min_ms, backoff_max_ms; /* 0: 250, 30000 */
};

/* kind: FR_KIND_META_SNAPSHOT or FR_KIND_META_CHANGE; json is borrowed. */
typedef void (*fr_kube_emit_fn)(void *ctx, uint16_t kind, uint64_t ts_ns, const char *json);

struct fr_kube_client;

/* Return: 0, -ENOMEM, or -EINVAL when libcurl cannot start. */
int fr_kube_client__new(const struct fr_kube_client_opts *o, struct fr_kube_store *store,
			fr_kube_emit_fn emit, void *ctx, struct fr_kube_counters *counters,
			struct fr_kube_client **out);

/* List and watch until fr_kube_client__stop (the source's thread). */
void fr_kube_client__run(struct fr_kube_client *c);

/* From any thread: run returns soon, a request in flight is aborted. */
void fr_kube_client__stop(struct fr_kube_client *c);

/* After run returned. Accepts NULL. */
void fr_kube_client__free(struct fr_kube_client *c);

#endif /* FR_RECORDER_KUBE_CLIENT_H */
