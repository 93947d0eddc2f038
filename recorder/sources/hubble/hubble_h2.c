/* SPDX-License-Identifier: BSD-2-Clause */
#include "hubble_h2.h"

#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Stream and connection receive windows: well over what a socket buffers,
 * so window updates never hold the sender back. */
#define WINDOW	  (16 << 20)
#define MAX_FRAME (1 << 20)
#define SEC_NS	  1000000000ull
/* Reads in a row that found data make a stream busy. On a busy stream a
 * short read is followed by a nap instead of a poll: what the sender
 * writes meanwhile is read in one call, not in one wakeup per write of
 * its (a gRPC server writes a few messages at a time). The socket holds
 * far more than a nap brings at 200 k flows/s (36 KB); an idle stream
 * waits in poll at once. */
#define BUSY_READS 4
#define NAP_NS	   (200 * 1000)

struct fr_hubble_h2 {
	struct fr_hubble_conn conn;
	nghttp2_session *s;
	const atomic_bool *stop;
	uint8_t *rbuf; /* FR_HUBBLE_H2_READ */
	uint8_t *obuf; /* bytes nghttp2 gave and the socket did not take yet */
	size_t olen, ooff, ocap;
	uint64_t last_recv_ns, ping_sent_ns;
	bool ping_out;
	bool heard;  /* the server sent something */
	bool goaway; /* the server said it takes no more streams */
	uint32_t goaway_code;
	int32_t goaway_last;
	char goaway_text[96];
	/* the call in flight */
	struct fr_hubble_h2_call *call;
	int32_t stream;
	struct fr_hubble_msgcut cut;
	uint8_t *req; /* prefix and message */
	size_t req_len, req_off;
	int http_status;
	bool grpc_ct, have_status, closed, reset;
	uint32_t close_code;
	char encoding[32]; /* grpc-encoding, for a compressed message's report */
	int err;	   /* a callback's, with cb_why */
	char cb_why[256];
};

static int hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A header's value for a log line, percent-decoded when asked (grpc-message
 * is percent-encoded UTF-8, gRPC's PROTOCOL-HTTP2); control characters
 * become '?'. */
static void text_of(const uint8_t *v, size_t n, bool percent, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < size; i++) {
		int c = v[i];

		if (percent && c == '%' && i + 2 < n && hex(v[i + 1]) >= 0 && hex(v[i + 2]) >= 0) {
			c = hex(v[i + 1]) << 4 | hex(v[i + 2]);
			i += 2;
		}
		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[o] = '\0';
}

/* A status code of 1 to 3 digits; anything else is UNKNOWN (2), as gRPC
 * reads it. */
static int status_of(const uint8_t *v, size_t n)
{
	int code = 0;

	if (!n || n > 3)
		return 2;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 2;
		code = code * 10 + (v[i] - '0');
	}
	return code;
}

static bool is(const uint8_t *name, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(name, want, n);
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
		     const uint8_t *value, size_t vlen, uint8_t flags, void *ud)
{
	struct fr_hubble_h2 *h = ud;

	(void)s;
	(void)flags;
	if (f->hd.type != NGHTTP2_HEADERS || f->hd.stream_id != h->stream)
		return 0;
	if (is(name, nlen, ":status")) {
		h->http_status = status_of(value, vlen);
	} else if (is(name, nlen, "content-type")) {
		h->grpc_ct = vlen >= 16 && !memcmp(value, "application/grpc", 16);
	} else if (is(name, nlen, "grpc-status")) {
		h->call->status = status_of(value, vlen);
		h->have_status = true;
	} else if (is(name, nlen, "grpc-message")) {
		text_of(value, vlen, true, h->call->message, sizeof(h->call->message));
	} else if (is(name, nlen, "grpc-encoding")) {
		text_of(value, vlen, false, h->encoding, sizeof(h->encoding));
	}
	return 0;
}

static int on_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct fr_hubble_h2 *h = ud;

	(void)s;
	switch (f->hd.type) {
	case NGHTTP2_RST_STREAM:
		if (f->hd.stream_id == h->stream) {
			h->reset = true;
			h->close_code = f->rst_stream.error_code;
		}
		break;
	case NGHTTP2_GOAWAY:
		h->goaway = true;
		h->goaway_code = f->goaway.error_code;
		h->goaway_last = f->goaway.last_stream_id;
		text_of(f->goaway.opaque_data, f->goaway.opaque_data_len, false, h->goaway_text,
			sizeof(h->goaway_text));
		break;
	case NGHTTP2_PING:
		if (f->hd.flags & NGHTTP2_FLAG_ACK)
			h->ping_out = false;
		break;
	}
	return 0;
}

static int on_message(void *ctx, enum fr_hubble_msgcut_what what, const uint8_t *msg, size_t len)
{
	struct fr_hubble_h2 *h = ctx;

	h->call->messages++;
	return h->call->on_msg(h->call->ctx, what, msg, len);
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t stream, const uint8_t *data,
		   size_t len, void *ud)
{
	struct fr_hubble_h2 *h = ud;
	int err;

	(void)s;
	(void)flags;
	/* a body that is not gRPC's (an HTTP error page) is not cut */
	if (stream != h->stream || h->http_status != 200 || !h->grpc_ct || h->err)
		return 0;
	err = fr_hubble_msgcut__feed(&h->cut, data, len, on_message, h);
	if (!err)
		return 0;
	h->err = err;
	if (err == -ENOMEM)
		snprintf(h->cb_why, sizeof(h->cb_why), "out of memory for a message");
	return NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int on_close(nghttp2_session *s, int32_t stream, uint32_t code, void *ud)
{
	struct fr_hubble_h2 *h = ud;

	(void)s;
	if (stream == h->stream) {
		h->closed = true;
		if (!h->reset)
			h->close_code = code;
	}
	return 0;
}

/* The request body: the 5-byte prefix and the message. */
static ssize_t read_request(nghttp2_session *s, int32_t stream, uint8_t *buf, size_t len,
			    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct fr_hubble_h2 *h = ud;
	size_t n = h->req_len - h->req_off;

	(void)s;
	(void)stream;
	(void)src;
	n = n < len ? n : len;
	memcpy(buf, h->req + h->req_off, n);
	h->req_off += n;
	if (h->req_off == h->req_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

int fr_hubble_h2__open(const struct fr_hubble_conn_opts *o, struct ssl_ctx_st *tls, int wake_fd,
		       const atomic_bool *stop, uint64_t deadline_ns, struct fr_hubble_h2 **out,
		       char *why, size_t why_len)
{
	const nghttp2_settings_entry set[] = {
		{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
		{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, WINDOW},
		{NGHTTP2_SETTINGS_MAX_FRAME_SIZE, MAX_FRAME},
	};
	struct fr_hubble_h2 *h = calloc(1, sizeof(*h));
	nghttp2_session_callbacks *cb = NULL;
	int err;

	if (!h)
		return -ENOMEM;
	h->conn.fd = -1;
	h->stop = stop;
	err = fr_hubble_conn__open(&h->conn, o, tls, wake_fd, deadline_ns, why, why_len);
	if (err) {
		free(h);
		return err;
	}
	h->rbuf = malloc(FR_HUBBLE_H2_READ);
	err = h->rbuf && !nghttp2_session_callbacks_new(&cb) ? 0 : -ENOMEM;
	if (!err) {
		nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
		nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
		nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
		err = nghttp2_session_client_new(&h->s, cb, h) ? -ENOMEM : 0;
		nghttp2_session_callbacks_del(cb);
	}
	if (!err && (nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, set, 3) ||
		     nghttp2_session_set_local_window_size(h->s, NGHTTP2_FLAG_NONE, 0, WINDOW)))
		err = -ENOMEM;
	if (err) {
		snprintf(why, why_len, "out of memory for the HTTP/2 session");
		fr_hubble_h2__close(h);
		return err;
	}
	h->last_recv_ns = fr_hubble_conn__now();
	*out = h;
	return 0;
}

/* What nghttp2 has to send, written as far as the socket takes it.
 * Return: 0 (the rest waits for POLLOUT) or -errno (why). */
static int flush(struct fr_hubble_h2 *h, char *why, size_t why_len)
{
	for (;;) {
		const uint8_t *data;
		ssize_t n;

		if (h->ooff < h->olen) {
			n = fr_hubble_conn__write(&h->conn, h->obuf + h->ooff, h->olen - h->ooff,
						  why, why_len);
			if (n == -EAGAIN)
				return 0;
			if (n < 0)
				return (int)n;
			h->ooff += (size_t)n;
			if (h->ooff == h->olen)
				h->ooff = h->olen = 0;
			continue;
		}
		n = nghttp2_session_mem_send(h->s, &data);
		if (n < 0) {
			snprintf(why, why_len, "HTTP/2: %s", nghttp2_strerror((int)n));
			return -EPROTO;
		}
		if (!n)
			return 0;
		if ((size_t)n > h->ocap) {
			uint8_t *b = realloc(h->obuf, (size_t)n);

			if (!b)
				return -ENOMEM;
			h->obuf = b;
			h->ocap = (size_t)n;
		}
		memcpy(h->obuf, data, (size_t)n);
		h->olen = (size_t)n;
	}
}

static const char *goaway_said(const struct fr_hubble_h2 *h, char *buf, size_t size)
{
	if (!h->goaway)
		return "";
	snprintf(buf, size, " after GOAWAY (%s%s%s)", nghttp2_http2_strerror(h->goaway_code),
		 h->goaway_text[0] ? ": " : "", h->goaway_text);
	return buf;
}

/* The stream closed: its outcome. */
static int finish(struct fr_hubble_h2 *h, char *why, size_t why_len)
{
	size_t want = 0, got = fr_hubble_msgcut__pending(&h->cut, &want);
	char g[128];

	if (h->have_status && !got)
		return 0;
	if (h->have_status)
		snprintf(why, why_len,
			 "the stream ended inside a message (%zu of %zu bytes), grpc-status %d",
			 got, want, h->call->status);
	else if (h->reset)
		snprintf(why, why_len, "the server reset the stream (RST_STREAM %s)%s",
			 nghttp2_http2_strerror(h->close_code), goaway_said(h, g, sizeof(g)));
	else if (h->http_status != 200)
		snprintf(why, why_len, "HTTP status %d, not a gRPC answer", h->http_status);
	else if (!h->grpc_ct)
		snprintf(why, why_len, "not a gRPC answer (content-type)");
	else if (h->close_code)
		snprintf(why, why_len, "the stream closed with %s%s",
			 nghttp2_http2_strerror(h->close_code), goaway_said(h, g, sizeof(g)));
	else
		snprintf(why, why_len, "the stream ended without a grpc-status");
	return h->reset || h->close_code == NGHTTP2_REFUSED_STREAM ? -ECONNRESET : -EPROTO;
}

/* The next timer's ms (deadline, keepalive), or -ETIMEDOUT (why). */
static int timers(struct fr_hubble_h2 *h, char *why, size_t why_len)
{
	const uint64_t now = fr_hubble_conn__now();
	const uint64_t dl = h->call->deadline_ns;
	uint64_t next;

	if (dl && now >= dl) {
		snprintf(why, why_len, "no answer before the deadline");
		return -ETIMEDOUT;
	}
	if (h->ping_out && now - h->ping_sent_ns >= FR_HUBBLE_H2_PING_TIMEOUT_S * SEC_NS) {
		snprintf(why, why_len, "no answer to a keepalive PING in %d s",
			 FR_HUBBLE_H2_PING_TIMEOUT_S);
		return -ETIMEDOUT;
	}
	if (!h->ping_out && now - h->last_recv_ns >= FR_HUBBLE_H2_KEEPALIVE_S * SEC_NS) {
		if (nghttp2_submit_ping(h->s, NGHTTP2_FLAG_NONE, NULL))
			return -ENOMEM;
		h->ping_out = true;
		h->ping_sent_ns = now;
		return 0;
	}
	next = h->ping_out ? h->ping_sent_ns + FR_HUBBLE_H2_PING_TIMEOUT_S * SEC_NS
			   : h->last_recv_ns + FR_HUBBLE_H2_KEEPALIVE_S * SEC_NS;
	if (dl && dl < next)
		next = dl;
	return (int)((next - now + 999999) / 1000000);
}

/* Reads and hands on until the stream closes. */
static int pump(struct fr_hubble_h2 *h, char *why, size_t why_len)
{
	bool drained = false;
	unsigned busy = 0;
	char g[128];

	for (;;) {
		ssize_t n;
		int err;

		if (atomic_load_explicit(h->stop, memory_order_relaxed))
			return -ECANCELED;
		if (h->err) { /* a callback's: the session is not to be used on */
			snprintf(why, why_len, "%s", h->cb_why);
			return h->err;
		}
		if ((err = flush(h, why, why_len)))
			return err;
		if (h->closed)
			return finish(h, why, why_len);
		/* a short read emptied the socket: wait before the next */
		n = drained ? -EAGAIN
			    : fr_hubble_conn__read(&h->conn, h->rbuf, FR_HUBBLE_H2_READ, why,
						   why_len);
		if (n > 0) {
			ssize_t r = nghttp2_session_mem_recv(h->s, h->rbuf, (size_t)n);

			h->last_recv_ns = fr_hubble_conn__now();
			h->ping_out = false;
			h->heard = true;
			drained = (size_t)n < FR_HUBBLE_H2_READ;
			if (r < 0 && !h->err) {
				snprintf(why, why_len, "HTTP/2: %s", nghttp2_strerror((int)r));
				return -EPROTO;
			}
			if (drained && ++busy >= BUSY_READS) {
				const struct timespec nap = {0, NAP_NS};

				nanosleep(&nap, NULL);
				drained = false;
			}
			continue;
		}
		if (!n) {
			size_t want = 0, got = fr_hubble_msgcut__pending(&h->cut, &want);

			if (got)
				snprintf(why, why_len,
					 "the server closed the connection inside a message (%zu "
					 "of %zu bytes)%s",
					 got, want, goaway_said(h, g, sizeof(g)));
			else
				snprintf(why, why_len, "the server closed the connection%s",
					 goaway_said(h, g, sizeof(g)));
			return -ECONNRESET;
		}
		if (n != -EAGAIN)
			return (int)n;
		if (!drained)
			busy = 0; /* a read found nothing: not busy */
		drained = false;
		err = timers(h, why, why_len);
		if (err < 0)
			return err;
		if (!err)
			continue; /* a ping to send */
		if ((err = fr_hubble_conn__wait(&h->conn, h->ooff < h->olen, err)))
			return err;
	}
}

int fr_hubble_h2__call(struct fr_hubble_h2 *h, struct fr_hubble_h2_call *call, char *why,
		       size_t why_len)
{
	char timeout[24] = "", g[128];
	nghttp2_nv nv[9];
	nghttp2_data_provider prd = {.read_callback = read_request};
	size_t nnv = 0;
	uint8_t *req;
	int err;

#define NV(n, v)                                                                                   \
	nv[nnv++] = (nghttp2_nv)                                                                   \
	{                                                                                          \
		(uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE         \
	}
	if (h->goaway) {
		snprintf(why, why_len, "no new call on this connection%s",
			 goaway_said(h, g, sizeof(g)));
		return -ECONNRESET;
	}
	req = realloc(h->req, call->req_len + FR_HUBBLE_MSGCUT_PREFIX);
	if (!req)
		return -ENOMEM;
	h->req = req;
	req[0] = 0;
	req[1] = (uint8_t)(call->req_len >> 24);
	req[2] = (uint8_t)(call->req_len >> 16);
	req[3] = (uint8_t)(call->req_len >> 8);
	req[4] = (uint8_t)call->req_len;
	if (call->req_len) /* ServerStatusRequest is empty: req may be NULL */
		memcpy(req + FR_HUBBLE_MSGCUT_PREFIX, call->req, call->req_len);
	h->req_len = call->req_len + FR_HUBBLE_MSGCUT_PREFIX;
	h->req_off = 0;
	NV(":method", "POST");
	NV(":scheme", h->conn.ssl ? "https" : "http");
	NV(":path", call->path);
	NV(":authority", h->conn.authority);
	NV("te", "trailers");
	NV("content-type", "application/grpc");
	NV("user-agent", "flightrec-record (nghttp2)");
	NV("grpc-accept-encoding", "identity");
	if (call->deadline_ns) {
		const uint64_t now = fr_hubble_conn__now();
		const uint64_t ms =
			call->deadline_ns > now ? (call->deadline_ns - now) / 1000000 : 0;

		snprintf(timeout, sizeof(timeout), "%lluM", (unsigned long long)(ms ? ms : 1));
		NV("grpc-timeout", timeout);
	}
#undef NV
	h->call = call;
	call->status = -1;
	call->message[0] = '\0';
	call->messages = 0;
	h->http_status = 0;
	h->grpc_ct = h->have_status = h->closed = h->reset = false;
	h->close_code = 0;
	h->encoding[0] = '\0';
	fr_hubble_msgcut__reset(&h->cut);
	h->cut.max = call->max_msg;
	h->stream = nghttp2_submit_request(h->s, NULL, nv, nnv, &prd, h);
	if (h->stream < 0) {
		snprintf(why, why_len, "HTTP/2: %s", nghttp2_strerror(h->stream));
		return h->stream == NGHTTP2_ERR_NOMEM ? -ENOMEM : -ECONNRESET;
	}
	err = pump(h, why, why_len);
	if (err && err != -ECANCELED && !h->closed)
		nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, h->stream, NGHTTP2_CANCEL);
	if ((err == -ECONNRESET || err == -EPIPE) && !h->heard) {
		const size_t n = strlen(why);

		/* TLS 1.3: the handshake ends on the client's side before the
		 * server has looked at the client's certificate */
		snprintf(why + n, why_len - n, " before any HTTP/2 frame%s",
			 h->conn.ssl
				 ? ": a TLS server does so when it refuses the client certificate"
				 : "");
	}
	h->stream = 0;
	return err;
}

const char *fr_hubble_h2__encoding(const struct fr_hubble_h2 *h)
{
	return h->encoding[0] ? h->encoding : "none";
}

const char *fr_hubble_h2__goaway(const struct fr_hubble_h2 *h, char *buf, size_t size)
{
	return goaway_said(h, buf, size);
}

void fr_hubble_h2__close(struct fr_hubble_h2 *h)
{
	char why[64];

	if (!h)
		return;
	if (h->s && h->conn.fd >= 0 && !nghttp2_session_terminate_session(h->s, NGHTTP2_NO_ERROR))
		flush(h, why, sizeof(why)); /* what the socket takes now */
	nghttp2_session_del(h->s);
	fr_hubble_conn__close(&h->conn);
	fr_hubble_msgcut__free(&h->cut);
	free(h->rbuf);
	free(h->obuf);
	free(h->req);
	free(h);
}
