/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One thread, one curl multi handle: every kind's watch streams at once;
 * lists run one at a time in between (a watch's data waits in its socket
 * meanwhile). Owners are listed first, so pods are named after their
 * Deployment or CronJob from the start.
 */
#include "kube_client.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/host.h"
#include "format/kinds.h"
#include "kube_http.h"

/* Largest list page and watch line kept (a 500-pod page is ~2 MiB). */
#define PAGE_MAX  (256u << 20)
#define EVENT_MAX (64u << 20)
#define NS	  1000000ull

/* Owners first: a pod listed after its ReplicaSet is named after the
 * Deployment. */
static const enum fr_kube_kind order[FR_KUBE_NKINDS] = {
	FR_KUBE_REPLICASET, FR_KUBE_JOB,	   FR_KUBE_NAMESPACE, FR_KUBE_NODE,
	FR_KUBE_SERVICE,    FR_KUBE_ENDPOINTSLICE, FR_KUBE_POD,
};

enum phase { P_LIST, P_WATCH_START, P_WATCHING };

struct watch {
	struct fr_kube_client *c;
	enum fr_kube_kind k;
	enum phase phase;
	uint64_t retry_at, started;
	uint32_t failures; /* in a row: the backoff's exponent */
	char rv[256];
	CURL *h;
	struct curl_slist *hdrs;
	struct fr_kube_buf line; /* the partial line of a watch, or an error body */
	bool relist;		 /* an ERROR event said 410 */
	char last_msg[512];	 /* printed once until it changes */
};

struct fr_kube_client {
	struct fr_kube_client_opts o;
	struct fr_kube_store *store;
	fr_kube_emit_fn emit;
	void *ctx;
	struct fr_kube_counters *n;
	CURLM *multi;
	CURL *list_h;
	atomic_bool stopping;
	unsigned int seed;
	struct watch w[FR_KUBE_NKINDS];
};

static void say(struct watch *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A message on stderr, once until the watch's situation changes. */
static void say(struct watch *w, const char *fmt, ...)
{
	char msg[sizeof(w->last_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!strcmp(msg, w->last_msg))
		return;
	snprintf(w->last_msg, sizeof(w->last_msg), "%s", msg);
	fprintf(stderr, "flightrec-record: kubernetes: %s\n", msg);
}

static void went_well(struct watch *w)
{
	struct fr_kube_counters *n = w->c->n;
	const uint64_t down = atomic_exchange(&n->down_since_ns, 0);

	w->failures = 0;
	if (down) { /* the outage's end, for the statistics */
		atomic_store(&n->outage_from_ns, down);
		atomic_store(&n->outage_to_ns, fr_clock__boot_ns());
	}
	if (w->last_msg[0])
		say(w, "%s: the API answers again", fr_kube__kind_info(w->k)->resource);
}

/* Retry after min * 2^failures (at most max), jittered to [d/2, d]. */
static void failed(struct watch *w, enum phase next)
{
	const struct fr_kube_client_opts *o = &w->c->o;
	uint64_t d = (uint64_t)o->backoff_min_ms << (w->failures < 20 ? w->failures : 20);
	uint64_t zero = 0;

	if (d > o->backoff_max_ms)
		d = o->backoff_max_ms;
	d = d / 2 + (uint64_t)rand_r(&w->c->seed) % (d / 2 + 1);
	w->failures++;
	w->phase = next;
	w->retry_at = fr_clock__boot_ns() + d * NS;
	atomic_fetch_add(&w->c->n->failures, 1);
	atomic_compare_exchange_strong(&w->c->n->down_since_ns, &zero, fr_clock__boot_ns());
}

static void snapshot(struct fr_kube_client *c)
{
	char *json = NULL;

	if (!fr_kube_store__snapshot(c->store, c->o.node, c->o.node && *c->o.node, &json) && json)
		c->emit(c->ctx, FR_KIND_META_SNAPSHOT, fr_clock__boot_ns(), json);
	free(json);
}

static void report_denied(struct watch *w, long status, const char *verb, const char *body,
			  size_t len)
{
	char msg[1024];

	atomic_fetch_add(&w->c->n->denied, 1);
	fr_kube_http__explain(status, verb, w->k, body, len, msg, sizeof(msg));
	say(w, "%s", msg);
}

/* One page; *cont is the next page's token ("" at the end). */
static int list_page(struct watch *w, const char *cont, char *next, size_t next_cap, long *status)
{
	struct fr_kube_client *c = w->c;
	struct fr_kube_buf b = {.max = PAGE_MAX};
	char *url = fr_kube_http__url(c->list_h, &c->o, w->k, false, cont, NULL), why[512] = "";
	json_t *page = NULL;
	const char *s;
	size_t bad = 0;
	CURLcode rc;
	int err = url ? fr_kube_http__setup(c->list_h, &c->o, url, &w->hdrs, &c->stopping, why,
					    sizeof(why))
		      : -ENOMEM;

	*status = 0;
	if (err) {
		say(w, "list %s: %s", fr_kube__kind_info(w->k)->resource, why);
		free(url);
		return err;
	}
	curl_easy_setopt(c->list_h, CURLOPT_WRITEFUNCTION, fr_kube_http__to_buf);
	curl_easy_setopt(c->list_h, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(c->list_h);
	curl_easy_getinfo(c->list_h, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(w->hdrs);
	w->hdrs = NULL;
	if (rc != CURLE_OK || *status != 200) {
		if (*status == 401 || *status == 403)
			report_denied(w, *status, "list", b.p, b.len);
		else if (rc != CURLE_OK && !atomic_load(&c->stopping))
			say(w, "list %s: %s: %s", fr_kube__kind_info(w->k)->resource, url,
			    curl_easy_strerror(rc));
		else if (*status != 410)
			say(w, "list %s: HTTP %ld", fr_kube__kind_info(w->k)->resource, *status);
		err = -EIO;
	}
	free(url);
	if (!err) {
		page = json_loadb(b.p, b.len, 0, NULL);
		if (!json_is_array(json_object_get(page, "items"))) {
			atomic_fetch_add(&c->n->malformed, 1);
			say(w, "list %s: the answer is not a list",
			    fr_kube__kind_info(w->k)->resource);
			err = -EBADMSG;
		}
	}
	if (!err)
		err = fr_kube_store__list_add(c->store, w->k, json_object_get(page, "items"), &bad,
					      why, sizeof(why));
	if (!err) {
		atomic_fetch_add(&c->n->events, json_array_size(json_object_get(page, "items")));
		atomic_fetch_add(&c->n->malformed, bad);
		if (bad)
			say(w, "list %s: %zu objects skipped, first: %s",
			    fr_kube__kind_info(w->k)->resource, bad, why);
		s = json_string_value(
			json_object_get(json_object_get(page, "metadata"), "resourceVersion"));
		snprintf(w->rv, sizeof(w->rv), "%s", s ? s : "");
		s = json_string_value(
			json_object_get(json_object_get(page, "metadata"), "continue"));
		snprintf(next, next_cap, "%s", s ? s : "");
	}
	json_decref(page);
	free(b.p);
	return err;
}

/* The whole collection, page by page, then into the store. */
static int list(struct watch *w)
{
	const uint64_t t0 = fr_clock__boot_ns();
	char cont[4096] = "", next[4096];
	bool restarted = false;
	unsigned pages = 0;
	long status;
	int err = fr_kube_store__list_begin(w->c->store, w->k);

	while (!err && !atomic_load(&w->c->stopping)) {
		pages++;
		err = list_page(w, cont, next, sizeof(next), &status);
		/* an expired continue token: the list starts again, once */
		if (err && status == 410 && cont[0] && !restarted) {
			restarted = true;
			cont[0] = '\0';
			err = fr_kube_store__list_begin(w->c->store, w->k);
			continue;
		}
		if (err || !next[0])
			break;
		snprintf(cont, sizeof(cont), "%s", next);
	}
	if (!err && atomic_load(&w->c->stopping))
		err = -EINTR;
	err = err ?: fr_kube_store__list_commit(w->c->store, w->k);
	if (!err)
		fprintf(stderr,
			"flightrec-record: kubernetes: listed %s: %zu in %u page%s, %.3f s\n",
			fr_kube__kind_info(w->k)->resource, fr_kube_store__count(w->c->store, w->k),
			pages, pages > 1 ? "s" : "", (double)(fr_clock__boot_ns() - t0) / 1e9);
	return err;
}

static enum fr_kube_op op_of(const char *type, bool *known)
{
	*known = true;
	if (!strcmp(type, "ADDED"))
		return FR_KUBE_ADDED;
	if (!strcmp(type, "MODIFIED"))
		return FR_KUBE_MODIFIED;
	*known = !strcmp(type, "DELETED");
	return FR_KUBE_DELETED;
}

/* One watch event. Return: false to end the watch (an ERROR event). */
static bool on_event(struct watch *w, const char *line, size_t len)
{
	struct fr_kube_client *c = w->c;
	json_t *ev = json_loadb(line, len, 0, NULL), *obj = json_object_get(ev, "object");
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *rv = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
	char *change = NULL, why[512];
	bool known, go_on = true;
	enum fr_kube_op op;

	if (!type || !json_is_object(obj)) {
		atomic_fetch_add(&c->n->malformed, 1);
		say(w, "watch %s: an event that is not {type, object} skipped",
		    fr_kube__kind_info(w->k)->resource);
	} else if (!strcmp(type, "ERROR")) {
		/* a Status: 410 Gone means the version is too old to resume */
		w->relist = json_integer_value(json_object_get(obj, "code")) == 410;
		go_on = false;
	} else if (!strcmp(type, "BOOKMARK")) {
		if (rv)
			snprintf(w->rv, sizeof(w->rv), "%s", rv);
	} else if (op = op_of(type, &known), !known) {
		atomic_fetch_add(&c->n->malformed, 1);
	} else {
		const uint64_t ts = fr_clock__boot_ns();
		const int err =
			fr_kube_store__apply(c->store, w->k, op, obj, &change, why, sizeof(why));

		if (err == -EBADMSG) {
			atomic_fetch_add(&c->n->malformed, 1);
			say(w, "watch %s: skipped: %s", fr_kube__kind_info(w->k)->resource, why);
		} else if (!err) {
			atomic_fetch_add(&c->n->events, 1);
		}
		if (change)
			c->emit(c->ctx, FR_KIND_META_CHANGE, ts, change);
		free(change);
		if (rv)
			snprintf(w->rv, sizeof(w->rv), "%s", rv);
	}
	json_decref(ev);
	return go_on;
}

/* Watch stream data: complete lines are events. Return: n to go on. */
static size_t on_watch_data(char *p, size_t size, size_t n, void *ctx)
{
	struct watch *w = ctx;
	size_t start = 0;
	long status = 0;
	char *nl;

	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) /* an error's Status body, for the message */
		return fr_kube_http__to_buf(p, size, n, &w->line) ? n : 0;
	if (!fr_kube_http__to_buf(p, size, n, &w->line)) {
		atomic_fetch_add(&w->c->n->malformed, 1);
		say(w, "watch %s: an event longer than %u bytes",
		    fr_kube__kind_info(w->k)->resource, EVENT_MAX);
		return 0;
	}
	while ((nl = memchr(w->line.p + start, '\n', w->line.len - start))) {
		const size_t len = (size_t)(nl - (w->line.p + start));

		if (len && !on_event(w, w->line.p + start, len))
			return 0;
		start += len + 1;
	}
	memmove(w->line.p, w->line.p + start, w->line.len - start);
	w->line.len -= start;
	return n;
}

static void start_watch(struct watch *w)
{
	struct fr_kube_client *c = w->c;
	char *url = fr_kube_http__url(w->h, &c->o, w->k, true, NULL, w->rv), why[512] = "";
	int err = url ? fr_kube_http__setup(w->h, &c->o, url, &w->hdrs, &c->stopping, why,
					    sizeof(why))
		      : -ENOMEM;

	free(url);
	if (err) {
		say(w, "watch %s: %s", fr_kube__kind_info(w->k)->resource, why);
		failed(w, P_WATCH_START);
		return;
	}
	w->line.len = 0;
	w->relist = false;
	curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, on_watch_data);
	curl_easy_setopt(w->h, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->h, CURLOPT_PRIVATE, w);
	if (curl_multi_add_handle(c->multi, w->h) != CURLM_OK) {
		failed(w, P_WATCH_START);
		return;
	}
	w->phase = P_WATCHING;
	w->started = fr_clock__boot_ns();
}

/* A watch ended: resume, relist, or back off. */
static void watch_done(struct watch *w, CURLcode rc)
{
	long status = 0;

	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(w->c->multi, w->h);
	curl_slist_free_all(w->hdrs);
	w->hdrs = NULL;
	w->phase = P_WATCH_START;
	if (atomic_load(&w->c->stopping))
		return;
	if (w->relist || status == 410) {
		atomic_fetch_add(&w->c->n->relists, 1);
		went_well(w);
		w->phase = P_LIST;
		w->retry_at = 0;
	} else if (status == 401 || status == 403) {
		report_denied(w, status, "watch", w->line.p, w->line.len);
		failed(w, P_WATCH_START);
	} else if (status == 200 && rc == CURLE_OK &&
		   fr_clock__boot_ns() - w->started > 1000 * NS) {
		went_well(w); /* the server's timeoutSeconds: resume at once */
		w->phase = P_WATCH_START;
		w->retry_at = 0;
	} else {
		if (status != 200 || rc != CURLE_OK)
			say(w, "watch %s ended: %s (HTTP %ld); resuming with backoff",
			    fr_kube__kind_info(w->k)->resource, curl_easy_strerror(rc), status);
		atomic_fetch_add(&w->c->n->reconnects, 1);
		failed(w, P_WATCH_START);
	}
}

static int next_timeout_ms(struct fr_kube_client *c)
{
	const uint64_t now = fr_clock__boot_ns();
	uint64_t t = 1000;

	for (int i = 0; i < FR_KUBE_NKINDS; i++)
		if (c->w[i].phase != P_WATCHING)
			t = c->w[i].retry_at <= now		? 0
			    : (c->w[i].retry_at - now) / NS < t ? (c->w[i].retry_at - now) / NS
								: t;
	return (int)t;
}

/* Is the pods' list due? Owners not listed yet are listed before it, at
 * once: after an outage each kind retries on its own jittered clock, and
 * a pod listed before its ReplicaSet would keep the ReplicaSet as its
 * workload until its next change. */
static bool pods_list_due(const struct fr_kube_client *c)
{
	for (int i = 0; i < FR_KUBE_NKINDS; i++)
		if (c->w[i].k == FR_KUBE_POD)
			return c->w[i].phase == P_LIST && fr_clock__boot_ns() >= c->w[i].retry_at;
	return false;
}

static bool is_owner(enum fr_kube_kind k)
{
	return k == FR_KUBE_REPLICASET || k == FR_KUBE_JOB;
}

/*
 * Whether to list kind w now. Pods go only when they were due at the
 * start of this round (pods_due), never because the clock moved on while
 * other kinds were listed in it: the owners, first in order[], are then
 * always tried in the same round before them, so a pod is not converted
 * before its ReplicaSet is known (it would be named after the ReplicaSet,
 * not the Deployment).
 */
static bool list_now(const struct watch *w, bool pods_due)
{
	if (w->phase != P_LIST)
		return false;
	if (w->k == FR_KUBE_POD)
		return pods_due;
	return fr_clock__boot_ns() >= w->retry_at || (pods_due && is_owner(w->k));
}

void fr_kube_client__run(struct fr_kube_client *c)
{
	while (!atomic_load(&c->stopping)) {
		const bool pods_due = pods_list_due(c);
		bool listed = false;
		CURLMsg *m;
		int running, left;

		for (int i = 0; i < FR_KUBE_NKINDS && !atomic_load(&c->stopping); i++) {
			struct watch *w = &c->w[i];

			if (list_now(w, pods_due)) {
				if (!list(w)) {
					went_well(w);
					listed = true;
					w->phase = P_WATCH_START;
				} else if (!atomic_load(&c->stopping)) {
					failed(w, P_LIST); /* a list the stop cut is no failure */
				}
			}
			if (w->phase == P_WATCH_START && fr_clock__boot_ns() >= w->retry_at)
				start_watch(w);
		}
		/* a list (the first, or after 410 Gone) is followed by the whole state */
		if (listed)
			snapshot(c);
		curl_multi_perform(c->multi, &running);
		while ((m = curl_multi_info_read(c->multi, &left)))
			if (m->msg == CURLMSG_DONE) {
				struct watch *w = NULL;

				curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&w);
				if (w)
					watch_done(w, m->data.result);
			}
		curl_multi_poll(c->multi, NULL, 0, next_timeout_ms(c), NULL);
	}
}

int fr_kube_client__new(const struct fr_kube_client_opts *o, struct fr_kube_store *store,
			fr_kube_emit_fn emit, void *ctx, struct fr_kube_counters *counters,
			struct fr_kube_client **out)
{
	static const struct fr_kube_client_opts dflt = {.page_size = 500,
							.watch_timeout_s = 300,
							.backoff_min_ms = 250,
							.backoff_max_ms = 30000};
	struct fr_kube_client *c = calloc(1, sizeof(*c));
	int err = c ? 0 : -ENOMEM;

	if (err)
		return err;
	c->o = *o;
	c->o.page_size = o->page_size ?: dflt.page_size;
	c->o.watch_timeout_s = o->watch_timeout_s ?: dflt.watch_timeout_s;
	c->o.backoff_min_ms = o->backoff_min_ms ?: dflt.backoff_min_ms;
	c->o.backoff_max_ms = o->backoff_max_ms ?: dflt.backoff_max_ms;
	c->store = store;
	c->emit = emit;
	c->ctx = ctx;
	c->n = counters;
	c->seed = (unsigned int)fr_clock__boot_ns();
	c->multi = curl_multi_init();
	c->list_h = curl_easy_init();
	err = c->multi && c->list_h ? 0 : -EINVAL;
	for (int i = 0; !err && i < FR_KUBE_NKINDS; i++) {
		c->w[i] = (struct watch){
			.c = c, .k = order[i], .phase = P_LIST, .line = {.max = EVENT_MAX}};
		c->w[i].h = curl_easy_init();
		err = c->w[i].h ? 0 : -EINVAL;
	}
	if (err) {
		fr_kube_client__free(c);
		return err;
	}
	*out = c;
	return 0;
}

void fr_kube_client__stop(struct fr_kube_client *c)
{
	atomic_store(&c->stopping, true);
	curl_multi_wakeup(c->multi);
}

void fr_kube_client__free(struct fr_kube_client *c)
{
	if (!c)
		return;
	for (int i = 0; i < FR_KUBE_NKINDS; i++) {
		if (!c->w[i].h)
			continue;
		if (c->w[i].phase == P_WATCHING)
			curl_multi_remove_handle(c->multi, c->w[i].h);
		curl_easy_cleanup(c->w[i].h);
		curl_slist_free_all(c->w[i].hdrs);
		free(c->w[i].line.p);
	}
	if (c->list_h)
		curl_easy_cleanup(c->list_h);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	free(c);
}
