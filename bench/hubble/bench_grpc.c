// SPDX-License-Identifier: BSD-2-Clause
/*
 * fr-bench-hubble-grpc: the two ends of a Hubble Observer stream, fast
 * enough to measure the recorder's gRPC client (the Python test server
 * sends a few thousand flows a second, far below the recorder).
 *
 *   --serve unix:PATH --flows N   a GetFlows server on gRPC's C core that
 *       answers ServerStatus and streams N flows (the sample lines of
 *       fixtures/hubble with times and ports varied, pre-encoded), then
 *       ends the stream with OK; a resumed stream (since set) gets only
 *       the flows after since, then stays open until the client cancels.
 *       Prints, per stream, flows sent and the seconds from the first to
 *       the last send (the client's pace: HTTP/2 flow control holds the
 *       sender to the reader).
 *   --client unix:PATH            the floor: the same library reading the
 *       stream and discarding it. Prints flows and flows/s.
 */
#include <errno.h>
#include <glob.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/hubble/flow.h"

#define GETFLOWS "/observer.Observer/GetFlows"
#define STATUS	 "/observer.Observer/ServerStatus"

struct msgset {
	grpc_slice *msg;
	int64_t *time_ns;
	size_t n;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *tag(intptr_t t)
{
	return (void *)t;
}

/* Waits for the one batch outstanding; returns its success bit. */
static int wait_cq(grpc_completion_queue *cq)
{
	grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

	return ev.type == GRPC_OP_COMPLETE && ev.success;
}

static int batch(grpc_call *call, grpc_completion_queue *cq, grpc_op *ops, size_t n)
{
	if (grpc_call_start_batch(call, ops, n, tag(1), NULL) != GRPC_CALL_OK)
		return 0;
	return wait_cq(cq);
}

static int read_lines(const char *dir, json_t **lines, size_t max, size_t *n)
{
	char pat[4096];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/*.jsonl", dir);
	if (glob(pat, 0, NULL, &g) != 0) {
		fprintf(stderr, "bench-grpc: no %s\n", pat);
		return -ENOENT;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		char *line = NULL;
		size_t cap = 0;

		while (f && getline(&line, &cap, f) > 0 && *n < max) {
			json_t *o = json_loads(line, 0, NULL);

			if (o && json_object_get(o, "flow"))
				lines[(*n)++] = o;
			else
				json_decref(o);
		}
		free(line);
		if (f)
			fclose(f);
	}
	globfree(&g);
	return *n ? 0 : -ENOENT;
}

/* N GetFlowsResponse messages: sample flows cycled, 1 us apart, source
 * ports varied so no two are equal. */
static int build(const char *dir, size_t n, struct msgset *set)
{
	json_t *lines[256];
	size_t nl = 0;
	int64_t t0 = (int64_t)time(NULL) * 1000000000 - (int64_t)n * 1000;
	int err = read_lines(dir, lines, 256, &nl);

	if (err)
		return err;
	set->msg = calloc(n, sizeof(*set->msg));
	set->time_ns = calloc(n, sizeof(*set->time_ns));
	if (!set->msg || !set->time_ns)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_deep_copy(lines[i % nl]);
		json_t *flow = json_object_get(o, "flow");
		int64_t t = t0 + (int64_t)i * 1000;
		char ts[64];
		time_t sec = t / 1000000000;
		struct tm tm;
		struct fr_hubble_error e;
		ProtobufCMessage *m = NULL;
		uint8_t *buf;
		size_t len;
		json_t *l4 = json_object_get(flow, "l4"), *tcp = json_object_get(l4, "TCP");

		gmtime_r(&sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%09lldZ",
			 (long long)(t % 1000000000));
		json_object_set_new(flow, "time", json_string(ts));
		json_object_set_new(o, "time", json_string(ts));
		if (tcp)
			json_object_set_new(tcp, "source_port", json_integer(1024 + i % 60000));
		if (fr_hubble__from_json(&observer__get_flows_response__descriptor, o, &m, &e) ||
		    fr_hubble__encode(m, &buf, &len)) {
			fprintf(stderr, "bench-grpc: sample line %zu does not encode\n", i % nl);
			return -EINVAL;
		}
		set->msg[i] = grpc_slice_from_copied_buffer((const char *)buf, len);
		set->time_ns[i] = t;
		free(buf);
		fr_hubble__free(m);
		json_decref(o);
	}
	set->n = n;
	for (size_t i = 0; i < nl; i++)
		json_decref(lines[i]);
	return 0;
}

static int64_t request_since(grpc_byte_buffer *bb)
{
	grpc_byte_buffer_reader r;
	grpc_slice s;
	ProtobufCMessage *m = NULL;
	struct fr_hubble_error e;
	int64_t since = 0;

	if (!bb || !grpc_byte_buffer_reader_init(&r, bb))
		return 0;
	s = grpc_byte_buffer_reader_readall(&r);
	grpc_byte_buffer_reader_destroy(&r);
	if (!fr_hubble__decode(&observer__get_flows_request__descriptor, GRPC_SLICE_START_PTR(s),
			       GRPC_SLICE_LENGTH(s), &m, &e)) {
		Observer__GetFlowsRequest *req = (Observer__GetFlowsRequest *)m;

		if (req->since)
			since = req->since->seconds * 1000000000 + req->since->nanos;
	}
	fr_hubble__free(m);
	grpc_slice_unref(s);
	return since;
}

static void serve_status(grpc_call *call, grpc_completion_queue *cq, const struct msgset *set)
{
	Observer__ServerStatusResponse st = OBSERVER__SERVER_STATUS_RESPONSE__INIT;
	grpc_byte_buffer *in = NULL, *out;
	grpc_slice s;
	uint8_t *buf;
	size_t len;
	int cancelled = 0;
	grpc_op ops[4] = {0};

	st.num_flows = st.max_flows = st.seen_flows = set->n;
	st.version = "fr-bench-hubble-grpc";
	if (fr_hubble__encode(&st.base, &buf, &len))
		return;
	s = grpc_slice_from_copied_buffer((const char *)buf, len);
	free(buf);
	out = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	ops[0].op = GRPC_OP_RECV_MESSAGE;
	ops[0].data.recv_message.recv_message = &in;
	ops[1].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[2].op = GRPC_OP_SEND_MESSAGE;
	ops[2].data.send_message.send_message = out;
	ops[3].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[3].data.send_status_from_server.status = GRPC_STATUS_OK;
	batch(call, cq, ops, 4);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[0].data.recv_close_on_server.cancelled = &cancelled;
	batch(call, cq, ops, 1);
	grpc_byte_buffer_destroy(in);
	grpc_byte_buffer_destroy(out);
}

/* --hint N: every message but each N-th goes with GRPC_WRITE_BUFFER_HINT */
static long hint_every = 1;

static void serve_flows(grpc_call *call, grpc_completion_queue *cq, const struct msgset *set)
{
	grpc_byte_buffer *in = NULL;
	grpc_op ops[2] = {0};
	int cancelled = 0;
	size_t first = 0, sent = 0;
	double t0 = 0, t1 = 0;
	int64_t since;

	ops[0].op = GRPC_OP_RECV_MESSAGE;
	ops[0].data.recv_message.recv_message = &in;
	ops[1].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (!batch(call, cq, ops, 2))
		return;
	since = request_since(in);
	grpc_byte_buffer_destroy(in);
	while (first < set->n && set->time_ns[first] <= since)
		first++;
	for (size_t i = first; i < set->n; i++) {
		grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&set->msg[i], 1);
		grpc_op op = {0};
		int ok;

		op.op = GRPC_OP_SEND_MESSAGE;
		op.data.send_message.send_message = bb;
		/* buffered: gRPC writes the socket every hint_every messages (and
		 * at the last) instead of a write per message */
		if (hint_every > 1 && (i + 1) % hint_every && i + 1 < set->n)
			op.flags = GRPC_WRITE_BUFFER_HINT;
		if (!sent)
			t0 = now_s();
		ok = batch(call, cq, &op, 1);
		grpc_byte_buffer_destroy(bb);
		if (!ok)
			break;
		sent++;
	}
	t1 = sent ? now_s() : t0;
	fprintf(stderr, "bench-grpc: stream since=%lld sent %zu flows in %.3f s (%.0f flows/s)\n",
		(long long)since, sent, t1 - t0, sent && t1 > t0 ? sent / (t1 - t0) : 0.0);
	printf("stream sent=%zu seconds=%.6f\n", sent, t1 - t0);
	fflush(stdout);
	memset(ops, 0, sizeof(ops));
	if (first == 0) {
		/* the first stream ends; a resumed one stays open (follow) */
		ops[0].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
		ops[0].data.send_status_from_server.status = GRPC_STATUS_OK;
		ops[1].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
		ops[1].data.recv_close_on_server.cancelled = &cancelled;
		batch(call, cq, ops, 2);
	} else {
		ops[0].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
		ops[0].data.recv_close_on_server.cancelled = &cancelled;
		batch(call, cq, ops, 1);
	}
}

static int serve(const char *addr, const struct msgset *set, int streams)
{
	grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
	grpc_server *server = grpc_server_create(NULL, NULL);
	grpc_server_credentials *creds = grpc_insecure_server_credentials_create();

	grpc_server_register_completion_queue(server, cq, NULL);
	if (!grpc_server_add_http2_port(server, addr, creds)) {
		fprintf(stderr, "bench-grpc: cannot listen on %s\n", addr);
		return 1;
	}
	grpc_server_credentials_release(creds);
	grpc_server_start(server);
	printf("ready\n");
	fflush(stdout);
	for (int done = 0; done < streams;) {
		grpc_call *call = NULL;
		grpc_call_details d;
		grpc_metadata_array md;

		grpc_call_details_init(&d);
		grpc_metadata_array_init(&md);
		if (grpc_server_request_call(server, &call, &d, &md, cq, cq, tag(9)) !=
			    GRPC_CALL_OK ||
		    !wait_cq(cq))
			break;
		if (!grpc_slice_str_cmp(d.method, STATUS)) {
			serve_status(call, cq, set);
		} else if (!grpc_slice_str_cmp(d.method, GETFLOWS)) {
			serve_flows(call, cq, set);
			done++;
		}
		grpc_call_unref(call);
		grpc_call_details_destroy(&d);
		grpc_metadata_array_destroy(&md);
	}
	grpc_server_shutdown_and_notify(server, cq, tag(10));
	grpc_server_cancel_all_calls(server);
	wait_cq(cq);
	grpc_server_destroy(server);
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	return 0;
}

static int client(const char *addr)
{
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_channel *ch = grpc_channel_create(addr, creds, NULL);
	grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
	grpc_slice method = grpc_slice_from_static_string(GETFLOWS);
	grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method,
						   NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	Observer__GetFlowsRequest req = OBSERVER__GET_FLOWS_REQUEST__INIT;
	grpc_metadata_array md;
	grpc_status_code status;
	grpc_slice details;
	grpc_byte_buffer *out, *in = NULL;
	grpc_metadata_array initial;
	grpc_op ops[4] = {0};
	size_t n = 0, bytes = 0;
	uint8_t *buf;
	size_t len;
	grpc_slice s;
	double t0, t1;

	req.follow = 1;
	fr_hubble__encode(&req.base, &buf, &len);
	s = grpc_slice_from_copied_buffer((const char *)buf, len);
	free(buf);
	out = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	grpc_metadata_array_init(&md);
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = out;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
	grpc_metadata_array_init(&initial);
	if (!batch(call, cq, ops, 4)) {
		fprintf(stderr, "bench-grpc: cannot call %s\n", addr);
		return 1;
	}
	t0 = now_s();
	for (;;) {
		grpc_op op = {0};

		op.op = GRPC_OP_RECV_MESSAGE;
		op.data.recv_message.recv_message = &in;
		if (!batch(call, cq, &op, 1) || !in)
			break;
		bytes += grpc_byte_buffer_length(in);
		grpc_byte_buffer_destroy(in);
		in = NULL;
		n++;
	}
	t1 = now_s();
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[0].data.recv_status_on_client.trailing_metadata = &md;
	ops[0].data.recv_status_on_client.status = &status;
	ops[0].data.recv_status_on_client.status_details = &details;
	batch(call, cq, ops, 1);
	printf("client flows=%zu bytes=%zu seconds=%.6f flows_per_s=%.0f\n", n, bytes, t1 - t0,
	       n / (t1 - t0));
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&md);
	grpc_metadata_array_destroy(&initial);
	grpc_byte_buffer_destroy(out);
	grpc_call_unref(call);
	grpc_channel_destroy(ch);
	grpc_channel_credentials_release(creds);
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	return n ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: fr-bench-hubble-grpc --serve ADDR --flows N [--samples DIR] "
			"[--streams K]\n       fr-bench-hubble-grpc --client ADDR\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *serve_addr = NULL, *client_addr = NULL, *samples = "fixtures/hubble";
	long flows = 200000, streams = 2;
	struct msgset set = {0};
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return usage();
		if (!strcmp(argv[i], "--serve"))
			serve_addr = v;
		else if (!strcmp(argv[i], "--client"))
			client_addr = v;
		else if (!strcmp(argv[i], "--samples"))
			samples = v;
		else if (!strcmp(argv[i], "--flows"))
			flows = strtol(v, NULL, 10);
		else if (!strcmp(argv[i], "--streams"))
			streams = strtol(v, NULL, 10);
		else if (!strcmp(argv[i], "--hint"))
			hint_every = strtol(v, NULL, 10);
		else
			return usage();
		i++;
	}
	if (!serve_addr == !client_addr || flows <= 0 || streams <= 0)
		return usage();
	grpc_init();
	if (client_addr) {
		rc = client(client_addr);
	} else {
		rc = build(samples, (size_t)flows, &set);
		if (!rc)
			rc = serve(serve_addr, &set, (int)streams);
		for (size_t i = 0; i < set.n; i++)
			grpc_slice_unref(set.msg[i]);
		free(set.msg);
		free(set.time_ns);
	}
	grpc_shutdown();
	return rc ? 1 : 0;
}
