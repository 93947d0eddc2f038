/* SPDX-License-Identifier: BSD-2-Clause */
#include "hubble_grpc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "format/host.h"
#include "hubble_conn.h"
#include "hubble_h2.h"
#include "hubble_sink.h"
#include "hubble_wire.h"

/* Flows of the newest time remembered to skip what a resumed stream
 * sends again (equal times are rare: Hubble's clocks are ns). */
#define SEEN_MAX 256
/* ServerStatus, connect and handshake included */
#define STATUS_DEADLINE_S 10
/* Longest response taken: what the wire scan would refuse anyway is
 * skipped without being buffered (counted as bad_message). */
#define MSG_MAX FR_HUBBLE_MAX_MSG

#define GETFLOWS "/observer.Observer/GetFlows"
#define STATUS	 "/observer.Observer/ServerStatus"

enum { GRPC_OK = 0, GRPC_CANCELLED = 1, GRPC_DEADLINE_EXCEEDED = 4, GRPC_UNAVAILABLE = 14 };

struct fr_hubble_grpc {
	struct fr_hubble_grpc_opts o;
	struct fr_hubble_conn_opts co;
	struct ssl_ctx_st *tls; /* NULL: plaintext */
	struct fr_hubble_grpc_stats st;
	atomic_bool stopping;
	int wake_fd;		 /* eventfd, readable once stopping */
	struct fr_hubble_h2 *h2; /* the connection of this attempt */
	struct fr_hubble_sink *sink;
	int sink_err; /* the sink's, that ends run */
	/* resume point: newest flow time seen, and the flows of that time */
	bool have_max;
	int64_t max_s;
	int32_t max_ns;
	uint64_t seen[SEEN_MAX];
	size_t nseen;
	/* the ServerStatus answer */
	uint8_t *buf;
	size_t len, cap;
	bool got_status;
	enum fr_hubble_msgcut_what bad_status; /* of the answer */
	size_t bad_len;
};

int fr_hubble_grpc__new(const struct fr_hubble_grpc_opts *o, struct fr_hubble_grpc **out)
{
	struct fr_hubble_grpc *c = calloc(1, sizeof(*c));
	char why[512];
	int err;

	if (!c)
		return -ENOMEM;
	c->o = *o;
	c->co = (struct fr_hubble_conn_opts){.target = o->target,
					     .tls = o->tls,
					     .tls_ca = o->tls_ca,
					     .tls_cert = o->tls_cert,
					     .tls_key = o->tls_key,
					     .tls_server_name = o->tls_server_name};
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0) {
		free(c);
		return -errno;
	}
	err = fr_hubble_conn__tls_new(&c->co, &c->tls, why, sizeof(why));
	if (err) {
		fprintf(stderr, "flightrec-record: hubble: %s\n", why);
		fr_hubble_grpc__free(c);
		return err;
	}
	*out = c;
	return 0;
}

/* gRPC's status codes by name, for the messages. */
static const char *code_name(int code)
{
	static const char *const names[] = {"OK",
					    "CANCELLED",
					    "UNKNOWN",
					    "INVALID_ARGUMENT",
					    "DEADLINE_EXCEEDED",
					    "NOT_FOUND",
					    "ALREADY_EXISTS",
					    "PERMISSION_DENIED",
					    "RESOURCE_EXHAUSTED",
					    "FAILED_PRECONDITION",
					    "ABORTED",
					    "OUT_OF_RANGE",
					    "UNIMPLEMENTED",
					    "INTERNAL",
					    "UNAVAILABLE",
					    "DATA_LOSS",
					    "UNAUTHENTICATED"};

	return code >= 0 && code < (int)(sizeof(names) / sizeof(names[0])) ? names[code] : "?";
}

static void status_describe(const struct fr_hubble_h2_call *call, char *buf, size_t size)
{
	snprintf(buf, size, "status %d %s%s%.200s", call->status, code_name(call->status),
		 call->message[0] ? ": " : "", call->message);
}

/* A response refused: counted as bad_message, and said (the first ten,
 * then one in a thousand). */
static void bad_message(struct fr_hubble_grpc *c, size_t len, const char *reason, uint64_t now)
{
	const uint64_t n = atomic_fetch_add(&c->st.bad_message, 1) + 1;

	if (n <= 10 || n % 1000 == 0)
		fprintf(stderr,
			"flightrec-record: hubble: bad message #%llu (response %llu, %zu bytes): "
			"%s\n",
			(unsigned long long)n, (unsigned long long)atomic_load(&c->st.responses),
			len, reason);
	if (c->sink)
		fr_hubble_sink__lost(c->sink, "bad_message", 1, now, now);
}

/* A message the cutter refused (compressed, too big): skipped. */
static void refused(struct fr_hubble_grpc *c, enum fr_hubble_msgcut_what what, size_t len,
		    uint64_t now)
{
	char reason[128];

	if (what == FR_HUBBLE_MSGCUT_COMPRESSED)
		snprintf(reason, sizeof(reason),
			 "compressed (grpc-encoding %s; identity asked for), skipped",
			 c->h2 ? fr_hubble_h2__encoding(c->h2) : "?");
	else
		snprintf(reason, sizeof(reason), "over the %u MiB message bound, skipped",
			 MSG_MAX >> 20);
	bad_message(c, len, reason, now);
}

/* ServerStatus's answer into c->buf (the last, should there be more). */
static int take_status(void *ctx, enum fr_hubble_msgcut_what what, const uint8_t *msg, size_t len)
{
	struct fr_hubble_grpc *c = ctx;

	c->got_status = true;
	c->bad_status = what;
	c->bad_len = len;
	if (what != FR_HUBBLE_MSGCUT_MESSAGE)
		return 0;
	if (len > c->cap) {
		uint8_t *b = realloc(c->buf, len);

		if (!b)
			return -ENOMEM;
		c->buf = b;
		c->cap = len;
	}
	memcpy(c->buf, msg, len);
	c->len = len;
	return 0;
}

static void drop_connection(struct fr_hubble_grpc *c)
{
	fr_hubble_h2__close(c->h2);
	c->h2 = NULL;
}

/*
 * Connects, then ServerStatus (unary): its answer goes to the sink as a
 * status record. The connection stays open for GetFlows unless this
 * fails. Return: 0 answered, 1 the server answered with an error (it is
 * there: go on with GetFlows), -EAGAIN unreachable, -ECANCELED stopping,
 * or the sink's -errno.
 */
static int server_status(struct fr_hubble_grpc *c, struct fr_hubble_sink *sink, char *why,
			 size_t why_len)
{
	const uint64_t deadline = fr_hubble_conn__now() + STATUS_DEADLINE_S * 1000000000ull;
	struct fr_hubble_h2_call call = {.path = STATUS,
					 .deadline_ns = deadline,
					 .max_msg = MSG_MAX,
					 .on_msg = take_status,
					 .ctx = c};
	struct fr_hubble_error herr = {0};
	ProtobufCMessage *m = NULL;
	uint64_t now;
	int err;

	if (atomic_load(&c->stopping))
		return -ECANCELED;
	atomic_fetch_add(&c->st.attempts, 1);
	err = fr_hubble_h2__open(&c->co, c->tls, c->wake_fd, &c->stopping, deadline, &c->h2, why,
				 why_len);
	c->got_status = false;
	err = err ?: fr_hubble_h2__call(c->h2, &call, why, why_len);
	if (err) {
		drop_connection(c);
		return err == -ECANCELED ? err : -EAGAIN;
	}
	if (call.status != GRPC_OK || !c->got_status) {
		if (call.status == GRPC_OK)
			snprintf(why, why_len, "ServerStatus answered OK without a message");
		else
			status_describe(&call, why, why_len);
		/* UNIMPLEMENTED (Hubble's IOReaderObserver) and the like: a
		 * server is there, only without a status */
		if (call.status == GRPC_UNAVAILABLE || call.status == GRPC_DEADLINE_EXCEEDED ||
		    call.status == GRPC_CANCELLED) {
			drop_connection(c);
			return -EAGAIN;
		}
		return 1;
	}
	now = fr_clock__boot_ns();
	if (c->bad_status != FR_HUBBLE_MSGCUT_MESSAGE) {
		refused(c, c->bad_status, c->bad_len, now);
		return 1;
	}
	err = fr_hubble__decode(&observer__server_status_response__descriptor, c->buf, c->len, &m,
				&herr);
	if (!err) {
		atomic_fetch_add(&c->st.statuses, 1);
		err = fr_hubble_sink__offer(sink, FR_KIND_HUBBLE_STATUS_PB, c->buf, c->len, NULL,
					    now);
	} else {
		fr_hubble_sink__lost(sink, "bad_message", 1, now, now);
		err = 1;
	}
	fr_hubble__free(m);
	return err;
}

/* -1, 0, 1 as the time (s, ns) is before, at or after the resume point. */
static int cmp_max(const struct fr_hubble_grpc *c, int64_t s, int32_t ns)
{
	if (!c->have_max)
		return 1;
	if (s != c->max_s)
		return s > c->max_s ? 1 : -1;
	return ns != c->max_ns ? (ns > c->max_ns ? 1 : -1) : 0;
}

/* The resume point moves to (s, ns), or id joins the flows at it. */
static void remember(struct fr_hubble_grpc *c, int64_t s, int32_t ns, uint64_t id)
{
	if (cmp_max(c, s, ns) > 0) {
		c->have_max = true;
		c->max_s = s;
		c->max_ns = ns;
		c->nseen = 0;
	}
	/* full: the oldest of this time is forgotten (a duplicate, at worst) */
	if (c->nseen == SEEN_MAX)
		memmove(c->seen, c->seen + 1, (SEEN_MAX - 1) * sizeof(c->seen[0]));
	c->seen[c->nseen < SEEN_MAX ? c->nseen++ : SEEN_MAX - 1] = id;
}

/*
 * Whether a flow was handed on already (a resumed stream sends the flows
 * of time == since again), and the resume point moved past it.
 * Return: true to skip it.
 */
static bool seen_before(struct fr_hubble_grpc *c, const struct fr_hubble_wire *w,
			const uint8_t *msg, size_t len)
{
	uint64_t id;
	int cmp;

	if (!w->has_time)
		return false;
	cmp = cmp_max(c, w->time_s, w->time_ns);
	if (cmp < 0)
		return false;
	id = fr_hubble_wire__id(w, msg, len);
	for (size_t i = 0; cmp == 0 && i < c->nseen; i++)
		if (c->seen[i] == id)
			return true;
	remember(c, w->time_s, w->time_ns, id);
	return false;
}

int fr_hubble_grpc__resume(struct fr_hubble_grpc *c, int64_t s, int32_t ns, const uint64_t *ids,
			   size_t n)
{
	c->have_max = false;
	c->nseen = 0;
	for (size_t i = 0; i < n; i++)
		remember(c, s, ns, ids[i]);
	if (!n) {
		c->have_max = true;
		c->max_s = s;
		c->max_ns = ns;
	}
	return 0;
}

/* One GetFlows response msg[0..len). Return: 0 or the sink's -errno. */
static int on_response(struct fr_hubble_grpc *c, const uint8_t *msg, size_t len, uint64_t now)
{
	struct fr_hubble_sink *sink = c->sink;
	struct fr_hubble_error herr = {0};
	struct fr_hubble_wire w;
	char desc[256];
	int err;

	err = fr_hubble_wire__scan(msg, len, &w, &herr);
	if (err) {
		bad_message(c, len,
			    err == -ENOMEM ? "out of memory"
					   : fr_hubble__describe(&herr, desc, sizeof(desc)),
			    now);
		return 0;
	}
	if (w.type == FR_HUBBLE_WIRE_FLOW && seen_before(c, &w, msg, len)) {
		atomic_fetch_add(&c->st.duplicates, 1);
		return 0;
	}
	if (w.type == FR_HUBBLE_WIRE_LOST_EVENTS) {
		atomic_fetch_add(&c->st.lost_events, 1);
		fr_hubble_sink__hubble_lost(sink, w.lost_source, w.lost_n, now);
	}
	return fr_hubble_sink__offer_keys(sink, FR_KIND_HUBBLE_FLOW_PB, msg, len,
					  w.type == FR_HUBBLE_WIRE_FLOW ? &w.keys : NULL, now);
}

/* Each message cut from the GetFlows stream, where it lies. */
static int on_flow_message(void *ctx, enum fr_hubble_msgcut_what what, const uint8_t *msg,
			   size_t len)
{
	struct fr_hubble_grpc *c = ctx;
	const uint64_t now = fr_clock__boot_ns();
	int err;

	atomic_fetch_add(&c->st.responses, 1);
	if (what != FR_HUBBLE_MSGCUT_MESSAGE) {
		refused(c, what, len, now);
		return 0;
	}
	err = on_response(c, msg, len, now);
	if (err)
		c->sink_err = err;
	return err;
}

/* The GetFlows request: follow, the user's filters, since when resuming.
 * Return: its bytes (malloc'd; NULL: out of memory), *len. */
static uint8_t *flows_request(const struct fr_hubble_grpc *c, size_t *len)
{
	Observer__GetFlowsRequest req = OBSERVER__GET_FLOWS_REQUEST__INIT;
	Google__Protobuf__Timestamp since = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	uint8_t *buf;

	if (c->o.filters) {
		req.n_whitelist = c->o.filters->n_whitelist;
		req.whitelist = c->o.filters->whitelist;
		req.n_blacklist = c->o.filters->n_blacklist;
		req.blacklist = c->o.filters->blacklist;
	}
	req.follow = true;
	if (c->have_max) {
		since.seconds = c->max_s;
		since.nanos = c->max_ns;
		req.since = &since;
	}
	*len = protobuf_c_message_get_packed_size(&req.base);
	buf = malloc(*len ? *len : 1);
	if (buf)
		protobuf_c_message_pack(&req.base, buf);
	return buf;
}

/*
 * One GetFlows stream on the connection ServerStatus opened, until it
 * ends; the connection ends with it. *got: responses received.
 * Return: 0 (ended, why says how), -ECANCELED (stopping) or the sink's
 * -errno.
 */
static int get_flows(struct fr_hubble_grpc *c, uint64_t *got, char *why, size_t why_len)
{
	struct fr_hubble_h2_call call = {
		.path = GETFLOWS, .max_msg = MSG_MAX, .on_msg = on_flow_message, .ctx = c};
	uint8_t *req = flows_request(c, &call.req_len);
	int err;

	if (!req)
		return -ENOMEM;
	call.req = req;
	atomic_fetch_add(&c->st.streams, 1);
	c->sink_err = 0;
	err = fr_hubble_h2__call(c->h2, &call, why, why_len);
	*got = call.messages;
	if (!err) {
		char g[128];
		size_t n;

		status_describe(&call, why, why_len);
		n = strlen(why);
		snprintf(why + n, why_len - n, "%s", fr_hubble_h2__goaway(c->h2, g, sizeof(g)));
	}
	drop_connection(c);
	free(req);
	if (c->sink_err)
		return c->sink_err;
	return err == -ECANCELED || atomic_load(&c->stopping) ? -ECANCELED : 0;
}

/* Sleep ms unless stopped. Return: false when stopping. */
static bool backoff_wait(struct fr_hubble_grpc *c, uint32_t ms)
{
	struct pollfd p = {.fd = c->wake_fd, .events = POLLIN};

	if (!atomic_load(&c->stopping))
		poll(&p, 1, (int)ms);
	return !atomic_load(&c->stopping);
}
int fr_hubble_grpc__run(struct fr_hubble_grpc *c, struct fr_hubble_sink *sink)
{
	const uint32_t min = c->o.backoff_min_ms ? c->o.backoff_min_ms : 100;
	const uint32_t max = c->o.backoff_max_ms ? c->o.backoff_max_ms : 10000;
	const uint64_t healthy = (c->o.healthy_ms ? c->o.healthy_ms : 5000) * 1000000ull;
	uint64_t gap_from = 0, failures = 0;
	uint32_t delay = min;
	bool in_gap = false, said = false;
	char why[256] = "";
	int err = 0;

	c->sink = sink;
	for (;;) {
		uint64_t t0 = fr_clock__boot_ns(), got = 0;

		err = server_status(c, sink, why, sizeof(why));
		if (err == -EAGAIN) {
			if (!in_gap)
				gap_from = t0;
			in_gap = true;
			if (!said)
				fprintf(stderr,
					"flightrec-record: hubble: cannot reach %s (%s): "
					"retrying\n",
					c->o.target, why);
			said = true;
			failures++;
			err = 0;
			if (!backoff_wait(c, delay))
				break;
			delay = delay * 2 > max ? max : delay * 2;
			continue;
		}
		if (err < 0)
			break;
		if (in_gap)
			fr_hubble_sink__lost(sink, "gap", 0, gap_from, fr_clock__boot_ns());
		fprintf(stderr, "flightrec-record: hubble: %s %s%s\n",
			failures || said ? "reconnected to" : "connected to", c->o.target,
			c->have_max ? " (resuming since the newest flow seen)" : "");
		in_gap = said = false;
		failures = 0;
		t0 = fr_clock__boot_ns();
		err = get_flows(c, &got, why, sizeof(why));
		if (err)
			break;
		gap_from = fr_clock__boot_ns();
		in_gap = true;
		fprintf(stderr,
			"flightrec-record: hubble: stream ended after %llu responses (%s)\n",
			(unsigned long long)got, why);
		said = true;
		if (got || gap_from - t0 >= healthy)
			delay = min;
		if (!backoff_wait(c, delay))
			break;
		delay = delay * 2 > max ? max : delay * 2;
	}
	/* stopped without a stream: the span up to now had none */
	if (in_gap)
		fr_hubble_sink__lost(sink, "gap", 0, gap_from, fr_clock__boot_ns());
	return err == -ECANCELED ? 0 : err;
}

void fr_hubble_grpc__stop(struct fr_hubble_grpc *c)
{
	const uint64_t one = 1;

	atomic_store(&c->stopping, true);
	/* the connection's polls and the backoff's wake */
	if (write(c->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		fprintf(stderr, "flightrec-record: hubble: stop: %s\n", strerror(errno));
}

const struct fr_hubble_grpc_stats *fr_hubble_grpc__stats(const struct fr_hubble_grpc *c)
{
	return &c->st;
}

void fr_hubble_grpc__free(struct fr_hubble_grpc *c)
{
	if (!c)
		return;
	drop_connection(c);
	fr_hubble_conn__tls_free(c->tls);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	free(c->buf);
	free(c);
}
