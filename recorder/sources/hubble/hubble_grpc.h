/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The gRPC input of the Hubble source: a client of the Hubble Observer
 * API, its HTTP/2 on libnghttp2 and its TLS on OpenSSL (hubble_h2.h,
 * hubble_conn.h), gRPC's message framing ours (hubble_msgcut.h). Each
 * attempt connects, asks ServerStatus, then follows GetFlows on the same
 * connection, and hands every response to the sink as the bytes received
 * (their framing checked and the few fields needed read off the wire,
 * hubble_wire.h; a malformed one, a compressed one or one over 4 MiB is
 * counted as bad_message with the reason, never fatal; a lost_events one
 * is counted by its source too). When the stream ends (trailers with any
 * grpc-status, a reset, GOAWAY, a closed connection, a keepalive PING
 * unanswered) or the server cannot be reached it tries again after an
 * exponential backoff, asks ServerStatus again and resumes GetFlows with
 * `since` = the newest flow time it saw, skipping the flows of that time
 * it already handed on; the span without a stream is reported to the sink
 * as a "gap". All on the thread that calls run: no thread of its own.
 */
#ifndef FR_RECORDER_HUBBLE_GRPC_H
#define FR_RECORDER_HUBBLE_GRPC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "format/hubble/flow.h"

struct fr_hubble_sink;

struct fr_hubble_grpc_opts {
	const char *target; /* "unix:PATH" (plaintext) or "HOST:PORT" */
	bool tls;	    /* HOST:PORT over TLS */
	const char *tls_ca; /* PEM files; NULL: the system's CAs / no client cert */
	const char *tls_cert, *tls_key;
	const char *tls_server_name; /* NULL: the target's host */
	/* whitelist/blacklist of every GetFlows (borrowed; NULL: none) */
	const Observer__GetFlowsRequest *filters;
	uint32_t backoff_min_ms; /* 0: 100 ms */
	uint32_t backoff_max_ms; /* 0: 10 s */
	uint32_t healthy_ms;	 /* a stream this long resets the backoff; 0: 5 s */
};

/* Monotonic counters, readable from any thread. */
struct fr_hubble_grpc_stats {
	atomic_uint_fast64_t attempts;	  /* ServerStatus calls made */
	atomic_uint_fast64_t streams;	  /* GetFlows calls made */
	atomic_uint_fast64_t responses;	  /* GetFlows responses received */
	atomic_uint_fast64_t duplicates;  /* resent by a resumed stream, skipped */
	atomic_uint_fast64_t bad_message; /* refused by the wire scan (hubble_wire.h) */
	atomic_uint_fast64_t lost_events; /* lost_events responses */
	atomic_uint_fast64_t statuses;	  /* ServerStatus answers */
};

struct fr_hubble_grpc;

/*
 * Reads the TLS files (no connection yet).
 * Return: 0 or -errno (-EINVAL: a TLS file unusable, said on stderr;
 * -ENOMEM).
 */
int fr_hubble_grpc__new(const struct fr_hubble_grpc_opts *o, struct fr_hubble_grpc **out);

/*
 * Before run: the first GetFlows resumes with since = (s, ns), skipping
 * the flows of that time whose ids (fr_hubble_wire__id) are in ids[0..n)
 * (the newest of a recording already on disk). Return: 0.
 */
int fr_hubble_grpc__resume(struct fr_hubble_grpc *c, int64_t s, int32_t ns, const uint64_t *ids,
			   size_t n);

/* Calls, reconnects and hands responses to sink until fr_hubble_grpc__stop.
 * Return: 0, or -errno when the sink asked to stop. */
int fr_hubble_grpc__run(struct fr_hubble_grpc *c, struct fr_hubble_sink *sink);

/* Any thread: ends run promptly (a connect, lookup, handshake, read or
 * backoff in progress included). */
void fr_hubble_grpc__stop(struct fr_hubble_grpc *c);

/* Borrowed; valid until free. */
const struct fr_hubble_grpc_stats *fr_hubble_grpc__stats(const struct fr_hubble_grpc *c);

/* After run returned. Accepts NULL. */
void fr_hubble_grpc__free(struct fr_hubble_grpc *c);

#endif /* FR_RECORDER_HUBBLE_GRPC_H */
