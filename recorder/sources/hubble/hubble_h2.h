/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gRPC calls over one HTTP/2 connection (libnghttp2: framing, HPACK,
 * flow control, PING and GOAWAY), one call at a time, on the thread that
 * calls: no thread of its own. The socket is read in chunks of
 * FR_HUBBLE_H2_READ bytes and handed to nghttp2, whose DATA payloads go
 * through the message cutter (hubble_msgcut.h) straight to the caller's
 * callback: many messages per read, no copy for a message that a read
 * holds whole, no wakeup per message. Windows are large (the sender is
 * held back by the socket, not by window updates) and frames up to
 * 1 MiB are accepted. A quiet connection is pinged after
 * FR_HUBBLE_H2_KEEPALIVE_S and given up FR_HUBBLE_H2_PING_TIMEOUT_S later
 * without an answer.
 */
#ifndef FR_RECORDER_HUBBLE_H2_H
#define FR_RECORDER_HUBBLE_H2_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "hubble_conn.h"
#include "hubble_msgcut.h"

#define FR_HUBBLE_H2_READ (256u << 10)
/* grpc-go servers answer pings more often than every 5 minutes on a
 * stream that sends nothing with GOAWAY (too_many_pings) */
#ifndef FR_HUBBLE_H2_KEEPALIVE_S /* a build for a test may shorten them */
#define FR_HUBBLE_H2_KEEPALIVE_S    300
#define FR_HUBBLE_H2_PING_TIMEOUT_S 20
#endif

struct fr_hubble_h2;

struct fr_hubble_h2_call {
	const char *path;   /* "/observer.Observer/GetFlows" */
	const uint8_t *req; /* the request message (protobuf) */
	size_t req_len;
	uint64_t deadline_ns;	    /* CLOCK_MONOTONIC; 0: none */
	size_t max_msg;		    /* longest response message taken */
	fr_hubble_msgcut_fn on_msg; /* each response message, in order */
	void *ctx;
	/* the outcome, when the call returns 0 */
	int status;	   /* grpc-status */
	char message[256]; /* grpc-message, decoded */
	uint64_t messages; /* responses cut (refused ones too) */
};

/*
 * Connects (fr_hubble_conn__open) and opens the HTTP/2 session.
 * stop: when set, calls end at once (with the wake descriptor readable).
 * Return: 0, or as fr_hubble_conn__open (why).
 */
int fr_hubble_h2__open(const struct fr_hubble_conn_opts *o, struct ssl_ctx_st *tls, int wake_fd,
		       const atomic_bool *stop, uint64_t deadline_ns, struct fr_hubble_h2 **out,
		       char *why, size_t why_len);

/*
 * One call: the request, then every response message to call->on_msg,
 * until the server's trailers.
 * Return: 0 with call->status and call->message (a status from the
 * server, whatever its code); -ECANCELED (stopped); -ETIMEDOUT (deadline
 * or keepalive); -ECONNRESET, -EPROTO (the connection or the stream
 * broke: closed, reset, GOAWAY, malformed; why says which and where);
 * or on_msg's -errno. After anything but 0, close the connection.
 */
int fr_hubble_h2__call(struct fr_hubble_h2 *h, struct fr_hubble_h2_call *call, char *why,
		       size_t why_len);

/* The grpc-encoding the server named in the call's headers ("none"). */
const char *fr_hubble_h2__encoding(const struct fr_hubble_h2 *h);

/* " after GOAWAY (CODE: text)" when the server sent one, else "". */
const char *fr_hubble_h2__goaway(const struct fr_hubble_h2 *h, char *buf, size_t size);

/* Ends the session (GOAWAY when it can) and closes. Accepts NULL. */
void fr_hubble_h2__close(struct fr_hubble_h2 *h);

#endif /* FR_RECORDER_HUBBLE_H2_H */
