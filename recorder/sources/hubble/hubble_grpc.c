/* SPDX-License-Identifier: BSD-2-Clause */
#include "hubble_grpc.h"

#include <errno.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/host.h"
#include "hubble_sink.h"
#include "hubble_wire.h"

/* PEM files are small; a bigger one is not what was meant. */
#define PEM_MAX (1u << 20)
/* Receive above gRPC's 4 MiB default so that an oversized response is
 * refused by the decoder (counted, stream kept) instead of ending the
 * stream, which a resumed stream would only meet again. */
#define RECV_MAX (16 << 20)
/* Flows of the newest time remembered to skip what a resumed stream
 * sends again (equal times are rare: Hubble's clocks are ns). */
#define SEEN_MAX	  256
#define STATUS_DEADLINE_S 10
/* Messages taken without a wait that make a stream busy, and the sleep
 * before waiting on a busy one (a unix socket's buffer holds well over
 * what 200 k flows/s bring in that time). */
#define STREAK_BUSY 32
#define NAP_NS	    (200 * 1000)

struct fr_hubble_grpc {
	struct fr_hubble_grpc_opts o;
	char *ca, *cert, *key;
	grpc_channel *channel;
	grpc_completion_queue *cq;
	struct fr_hubble_grpc_stats st;
	pthread_mutex_t mu; /* guards call, stopping; cv wakes the backoff */
	pthread_cond_t cv;
	grpc_call *call;
	bool stopping;
	/* resume point: newest flow time seen, and the flows of that time */
	bool have_max;
	int64_t max_s;
	int32_t max_ns;
	uint64_t seen[SEEN_MAX];
	size_t nseen;
	/* response bytes, reused */
	uint8_t *buf;
	size_t len, cap;
	bool grpc_on; /* grpc_init was called */
};

static int read_pem(const char *path, char **out)
{
	FILE *f;
	size_t n;
	char *s;

	if (!path)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	s = malloc(PEM_MAX + 1);
	n = s ? fread(s, 1, PEM_MAX, f) : 0;
	fclose(f);
	if (!s)
		return -ENOMEM;
	s[n] = '\0';
	*out = s;
	return 0;
}

static grpc_channel_credentials *make_creds(struct fr_hubble_grpc *c)
{
	grpc_ssl_pem_key_cert_pair pair = {.private_key = c->key, .cert_chain = c->cert};

	if (!c->o.tls)
		return grpc_insecure_credentials_create();
	return grpc_ssl_credentials_create(c->ca, c->cert ? &pair : NULL, NULL, NULL);
}

int fr_hubble_grpc__new(const struct fr_hubble_grpc_opts *o, struct fr_hubble_grpc **out)
{
	struct fr_hubble_grpc *c = calloc(1, sizeof(*c));
	grpc_arg args[8] = {
		{GRPC_ARG_INTEGER, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, {.integer = RECV_MAX}},
		/* gRPC's own reconnect backoff (1 s to 120 s) would outlast ours */
		{GRPC_ARG_INTEGER, GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, {.integer = 100}},
		{GRPC_ARG_INTEGER, GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, {.integer = 100}},
		{GRPC_ARG_INTEGER, GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, {.integer = 10000}},
		/* a dead peer on a quiet stream: pings, no more often than the
		 * 5 minutes grpc-go servers accept by default */
		{GRPC_ARG_INTEGER, GRPC_ARG_KEEPALIVE_TIME_MS, {.integer = 300000}},
		{GRPC_ARG_INTEGER, GRPC_ARG_KEEPALIVE_TIMEOUT_MS, {.integer = 20000}},
		{GRPC_ARG_INTEGER, GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, {.integer = 0}},
	};
	grpc_channel_args ca = {.num_args = 7, .args = args};
	grpc_channel_credentials *creds;
	int err;

	if (!c)
		return -ENOMEM;
	c->o = *o;
	pthread_mutex_init(&c->mu, NULL);
	{
		pthread_condattr_t a;

		pthread_condattr_init(&a);
		pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
		pthread_cond_init(&c->cv, &a);
		pthread_condattr_destroy(&a);
	}
	err = read_pem(o->tls_ca, &c->ca) ?: read_pem(o->tls_cert, &c->cert)
						   ?: read_pem(o->tls_key, &c->key);
	if (err) {
		fr_hubble_grpc__free(c);
		return err;
	}
	if (o->tls_server_name)
		args[ca.num_args++] = (grpc_arg){GRPC_ARG_STRING,
						 GRPC_SSL_TARGET_NAME_OVERRIDE_ARG,
						 {.string = (char *)o->tls_server_name}};
	grpc_init();
	c->grpc_on = true;
	creds = make_creds(c);
	c->channel = creds ? grpc_channel_create(o->target, creds, &ca) : NULL;
	grpc_channel_credentials_release(creds);
	c->cq = grpc_completion_queue_create_for_next(NULL);
	if (!c->channel || !c->cq) {
		fr_hubble_grpc__free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

static gpr_timespec after_s(int s)
{
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_seconds(s, GPR_TIMESPAN));
}

/* A new call, unless stopping. Return: the call or NULL. */
static grpc_call *new_call(struct fr_hubble_grpc *c, const char *method, gpr_timespec deadline)
{
	grpc_call *call = NULL;

	pthread_mutex_lock(&c->mu);
	if (!c->stopping) {
		call = grpc_channel_create_call(c->channel, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq,
						grpc_slice_from_static_string(method), NULL,
						deadline, NULL);
		c->call = call;
	}
	pthread_mutex_unlock(&c->mu);
	return call;
}

static void end_call(struct fr_hubble_grpc *c)
{
	pthread_mutex_lock(&c->mu);
	grpc_call_unref(c->call);
	c->call = NULL;
	pthread_mutex_unlock(&c->mu);
}

/* The next completion of the queue (the only poller is this thread). */
static grpc_event next_event(struct fr_hubble_grpc *c)
{
	return grpc_completion_queue_next(c->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
}

/*
 * The next completion of a stream. Under load, a wait is put off by a
 * short sleep: the messages that come meanwhile are read in one wake
 * instead of one wake each (a wake costs more than a message). An idle
 * stream blocks at once.
 */
static grpc_event next_stream_event(struct fr_hubble_grpc *c, unsigned *streak)
{
	const gpr_timespec now = gpr_inf_past(GPR_CLOCK_MONOTONIC);
	grpc_event ev = grpc_completion_queue_next(c->cq, now, NULL);

	if (ev.type != GRPC_QUEUE_TIMEOUT) {
		(*streak)++;
		return ev;
	}
	if (*streak >= STREAK_BUSY) {
		const struct timespec nap = {0, NAP_NS};

		nanosleep(&nap, NULL);
		ev = grpc_completion_queue_next(c->cq, now, NULL);
		if (ev.type != GRPC_QUEUE_TIMEOUT)
			return ev;
	}
	*streak = 0;
	return next_event(c);
}

/* Copy a received message into c->buf. Return: 0 or -errno. */
static int take_message(struct fr_hubble_grpc *c, grpc_byte_buffer *bb)
{
	grpc_byte_buffer_reader r;
	grpc_slice s;

	c->len = 0;
	if (!grpc_byte_buffer_reader_init(&r, bb))
		return -EBADMSG;
	while (grpc_byte_buffer_reader_next(&r, &s)) {
		const size_t n = GRPC_SLICE_LENGTH(s);

		if (c->len + n > c->cap) {
			size_t cap = c->cap ? c->cap : 4096;
			uint8_t *nb;

			while (cap < c->len + n)
				cap *= 2;
			nb = realloc(c->buf, cap);
			if (!nb) {
				grpc_slice_unref(s);
				grpc_byte_buffer_reader_destroy(&r);
				return -ENOMEM;
			}
			c->buf = nb;
			c->cap = cap;
		}
		memcpy(c->buf + c->len, GRPC_SLICE_START_PTR(s), n);
		c->len += n;
		grpc_slice_unref(s);
	}
	grpc_byte_buffer_reader_destroy(&r);
	return 0;
}

static grpc_byte_buffer *pack(const ProtobufCMessage *m)
{
	const size_t n = protobuf_c_message_get_packed_size(m);
	grpc_slice s = grpc_slice_malloc(n);
	grpc_byte_buffer *bb;

	protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
	bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return bb;
}

struct call_status {
	grpc_metadata_array initial, trailing;
	grpc_status_code code;
	grpc_slice details;
};

static void status_init(struct call_status *cs)
{
	memset(cs, 0, sizeof(*cs));
	grpc_metadata_array_init(&cs->initial);
	grpc_metadata_array_init(&cs->trailing);
	cs->code = GRPC_STATUS_UNKNOWN;
}

/* The four ops that open a call: send the request, close, read headers
 * (ops[0..4)); and the op that reads the status into cs (*st). */
static void call_ops(grpc_op ops[4], grpc_op *st, grpc_byte_buffer *out, struct call_status *cs)
{
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = out;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &cs->initial;
	st->op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	st->data.recv_status_on_client.trailing_metadata = &cs->trailing;
	st->data.recv_status_on_client.status = &cs->code;
	st->data.recv_status_on_client.status_details = &cs->details;
}

static void status_describe(struct call_status *cs, char *buf, size_t size)
{
	const int n = (int)GRPC_SLICE_LENGTH(cs->details);

	snprintf(buf, size, "status %d%s%.*s", cs->code, n ? ": " : "", n > 200 ? 200 : n,
		 (const char *)GRPC_SLICE_START_PTR(cs->details));
}

static void status_destroy(struct call_status *cs)
{
	grpc_metadata_array_destroy(&cs->initial);
	grpc_metadata_array_destroy(&cs->trailing);
	grpc_slice_unref(cs->details);
}

/*
 * ServerStatus (unary): its answer goes to the sink as a status record.
 * Return: 0 answered, 1 the server answered with an error (it is there:
 * go on with GetFlows), -EAGAIN unreachable, -ECANCELED stopping, or the
 * sink's -errno.
 */
static int server_status(struct fr_hubble_grpc *c, struct fr_hubble_sink *sink, char *why,
			 size_t why_len)
{
	Observer__ServerStatusRequest req = OBSERVER__SERVER_STATUS_REQUEST__INIT;
	grpc_byte_buffer *out = pack(&req.base), *in = NULL;
	struct fr_hubble_error herr = {0};
	ProtobufCMessage *m = NULL;
	struct call_status cs;
	grpc_op ops[6] = {0};
	grpc_event ev = {0};
	grpc_call *call;
	int err = 0;

	status_init(&cs);
	call = new_call(c, "/observer.Observer/ServerStatus", after_s(STATUS_DEADLINE_S));
	if (!call) {
		grpc_byte_buffer_destroy(out);
		status_destroy(&cs);
		return -ECANCELED;
	}
	atomic_fetch_add(&c->st.attempts, 1);
	call_ops(ops, &ops[5], out, &cs);
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &in;
	if (grpc_call_start_batch(call, ops, 6, c, NULL) != GRPC_CALL_OK)
		err = -EIO;
	else
		ev = next_event(c);
	if (!err && cs.code == GRPC_STATUS_OK && in && !take_message(c, in)) {
		const uint64_t now = fr_clock__boot_ns();

		err = fr_hubble__decode(&observer__server_status_response__descriptor, c->buf,
					c->len, &m, &herr);
		if (!err) {
			atomic_fetch_add(&c->st.statuses, 1);
			err = fr_hubble_sink__offer(sink, FR_KIND_HUBBLE_STATUS_PB, c->buf, c->len,
						    NULL, now);
		} else {
			fr_hubble_sink__lost(sink, "bad_message", 1, now, now);
			err = 1;
		}
		fr_hubble__free(m);
	} else if (!err) {
		status_describe(&cs, why, why_len);
		/* UNIMPLEMENTED (Hubble's IOReaderObserver) and the like: a
		 * server is there, only without a status */
		err = cs.code == GRPC_STATUS_UNAVAILABLE ||
				      cs.code == GRPC_STATUS_DEADLINE_EXCEEDED ||
				      cs.code == GRPC_STATUS_CANCELLED || !ev.success
			      ? -EAGAIN
			      : 1;
	}
	if (err == -EIO)
		err = -EAGAIN;
	grpc_byte_buffer_destroy(out);
	if (in)
		grpc_byte_buffer_destroy(in);
	end_call(c);
	status_destroy(&cs);
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
static bool seen_before(struct fr_hubble_grpc *c, const struct fr_hubble_wire *w)
{
	uint64_t id;
	int cmp;

	if (!w->has_time)
		return false;
	cmp = cmp_max(c, w->time_s, w->time_ns);
	if (cmp < 0)
		return false;
	id = fr_hubble_wire__id(w, c->buf, c->len);
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

/* One GetFlows response in c->buf. Return: 0 or the sink's -errno. */
static int on_response(struct fr_hubble_grpc *c, struct fr_hubble_sink *sink, uint64_t now)
{
	struct fr_hubble_error herr = {0};
	struct fr_hubble_wire w;
	char desc[256];
	int err;

	atomic_fetch_add(&c->st.responses, 1);
	err = fr_hubble_wire__scan(c->buf, c->len, &w, &herr);
	if (err) {
		const uint64_t n = atomic_fetch_add(&c->st.bad_message, 1) + 1;

		/* the first ten, then one in a thousand */
		if (n <= 10 || n % 1000 == 0)
			fprintf(stderr,
				"flightrec-record: hubble: bad message #%llu (response %llu, %zu "
				"bytes): %s\n",
				(unsigned long long)n,
				(unsigned long long)atomic_load(&c->st.responses), c->len,
				err == -ENOMEM ? "out of memory"
					       : fr_hubble__describe(&herr, desc, sizeof(desc)));
		fr_hubble_sink__lost(sink, "bad_message", 1, now, now);
		return 0;
	}
	if (w.type == FR_HUBBLE_WIRE_FLOW && seen_before(c, &w)) {
		atomic_fetch_add(&c->st.duplicates, 1);
		return 0;
	}
	if (w.type == FR_HUBBLE_WIRE_LOST_EVENTS) {
		atomic_fetch_add(&c->st.lost_events, 1);
		fr_hubble_sink__hubble_lost(sink, w.lost_source, w.lost_n, now);
	}
	return fr_hubble_sink__offer_keys(sink, FR_KIND_HUBBLE_FLOW_PB, c->buf, c->len,
					  w.type == FR_HUBBLE_WIRE_FLOW ? &w.keys : NULL, now);
}

enum { TAG_SEND = 1, TAG_MSG, TAG_STATUS };

static int start_op(grpc_call *call, grpc_op *op, size_t n, intptr_t tag)
{
	return grpc_call_start_batch(call, op, n, (void *)tag, NULL) == GRPC_CALL_OK ? 0 : -EIO;
}

/*
 * One GetFlows stream, until it ends. *got: responses received.
 * Return: 0 (ended), -ECANCELED (stopping) or the sink's -errno.
 */
static int get_flows(struct fr_hubble_grpc *c, struct fr_hubble_sink *sink, uint64_t *got,
		     char *why, size_t why_len)
{
	Observer__GetFlowsRequest req = OBSERVER__GET_FLOWS_REQUEST__INIT;
	Google__Protobuf__Timestamp since = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	grpc_op send[4] = {0}, recv = {0}, st = {0};
	grpc_byte_buffer *out, *in = NULL;
	int pending = 0, err = 0;
	unsigned streak = 0;
	struct call_status cs;
	grpc_call *call;

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
	call = new_call(c, "/observer.Observer/GetFlows", gpr_inf_future(GPR_CLOCK_MONOTONIC));
	if (!call)
		return -ECANCELED;
	atomic_fetch_add(&c->st.streams, 1);
	status_init(&cs);
	out = pack(&req.base);
	call_ops(send, &st, out, &cs);
	recv.op = GRPC_OP_RECV_MESSAGE;
	recv.data.recv_message.recv_message = &in;
	/* the messages are read while the headers may still be on their way:
	 * a server sends them with its first response */
	if (!start_op(call, send, 4, TAG_SEND))
		pending++;
	if (!start_op(call, &st, 1, TAG_STATUS))
		pending++;
	if (!start_op(call, &recv, 1, TAG_MSG))
		pending++;
	if (pending < 3)
		grpc_call_cancel(call, NULL);
	while (pending) {
		const grpc_event ev = next_stream_event(c, &streak);

		if (ev.type != GRPC_OP_COMPLETE)
			break; /* the queue shut down: not while a call is ours */
		pending--;
		if ((intptr_t)ev.tag != TAG_MSG || !in)
			continue;
		if (!take_message(c, in))
			err = err ?: on_response(c, sink, fr_clock__boot_ns());
		grpc_byte_buffer_destroy(in);
		in = NULL;
		(*got)++;
		if (err)
			grpc_call_cancel(call, NULL);
		else if (!start_op(call, &recv, 1, TAG_MSG))
			pending++;
	}
	status_describe(&cs, why, why_len);
	grpc_byte_buffer_destroy(out);
	end_call(c);
	status_destroy(&cs);
	pthread_mutex_lock(&c->mu);
	err = err ?: c->stopping ? -ECANCELED : 0;
	pthread_mutex_unlock(&c->mu);
	return err;
}

/* Sleep ms unless stopped. Return: false when stopping. */
static bool backoff_wait(struct fr_hubble_grpc *c, uint32_t ms)
{
	struct timespec until;
	bool go;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->mu);
	while (!c->stopping && pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT)
		;
	go = !c->stopping;
	pthread_mutex_unlock(&c->mu);
	return go;
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
		err = get_flows(c, sink, &got, why, sizeof(why));
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
	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	if (c->call)
		grpc_call_cancel(c->call, NULL);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

const struct fr_hubble_grpc_stats *fr_hubble_grpc__stats(const struct fr_hubble_grpc *c)
{
	return &c->st;
}

void fr_hubble_grpc__free(struct fr_hubble_grpc *c)
{
	if (!c)
		return;
	if (c->cq) {
		grpc_completion_queue_shutdown(c->cq);
		while (grpc_completion_queue_next(c->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL)
			       .type != GRPC_QUEUE_SHUTDOWN)
			;
		grpc_completion_queue_destroy(c->cq);
	}
	if (c->channel)
		grpc_channel_destroy(c->channel);
	if (c->grpc_on)
		grpc_shutdown();
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->ca);
	free(c->cert);
	free(c->key);
	free(c->buf);
	free(c);
}
