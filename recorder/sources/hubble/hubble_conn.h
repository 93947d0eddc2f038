/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The byte stream under the Hubble client's HTTP/2: a unix socket, or TCP
 * to HOST:PORT (a name, an IPv4 address or [IPv6]) in plaintext or TLS
 * (OpenSSL: ALPN "h2", the server's certificate checked against the CA
 * and the host name or IP address, an optional client certificate). Non
 * blocking; every wait polls the socket together with a wake descriptor
 * that becomes readable when the client is stopped, so a stop ends a
 * connect, a name lookup, a handshake or a read at once.
 */
#ifndef FR_RECORDER_HUBBLE_CONN_H
#define FR_RECORDER_HUBBLE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ssl_ctx_st;
struct ssl_st;
struct bio_method_st;

struct fr_hubble_conn_opts {
	const char *target; /* "unix:PATH" or "HOST:PORT" */
	bool tls;
	const char *tls_ca; /* PEM; NULL: the system's CAs */
	const char *tls_cert, *tls_key;
	const char *tls_server_name; /* NULL: the target's host */
};

struct fr_hubble_conn {
	int fd;
	int wake_fd;		   /* readable: stop */
	struct ssl_st *ssl;	   /* NULL: plaintext */
	struct bio_method_st *bio; /* its socket I/O, without SIGPIPE */
	bool want_write;	   /* TLS asked to write before it can read */
	char authority[300];	   /* the :authority of the requests */
};

/*
 * The TLS settings of o (CA, client certificate and key, ALPN h2, TLS
 * 1.2 at least), read once. *out NULL when o has no TLS.
 * Return: 0, or -EINVAL with the reason in why.
 */
int fr_hubble_conn__tls_new(const struct fr_hubble_conn_opts *o, struct ssl_ctx_st **out, char *why,
			    size_t why_len);

void fr_hubble_conn__tls_free(struct ssl_ctx_st *ctx);

/*
 * Connects (and shakes hands) before deadline_ns (CLOCK_MONOTONIC).
 * Return: 0; -ECANCELED (woken), -ETIMEDOUT, or -errno with the reason
 * in why (unreachable, refused, name unknown, TLS refused).
 */
int fr_hubble_conn__open(struct fr_hubble_conn *c, const struct fr_hubble_conn_opts *o,
			 struct ssl_ctx_st *tls, int wake_fd, uint64_t deadline_ns, char *why,
			 size_t why_len);

/*
 * Reads up to len bytes. Return: bytes read, 0 at the end of the stream,
 * -EAGAIN (nothing now), or -errno with the reason in why.
 */
ssize_t fr_hubble_conn__read(struct fr_hubble_conn *c, void *buf, size_t len, char *why,
			     size_t why_len);

/* Writes up to len bytes. Return: as read (never 0 for len > 0). */
ssize_t fr_hubble_conn__write(struct fr_hubble_conn *c, const void *buf, size_t len, char *why,
			      size_t why_len);

/*
 * Waits until the socket is readable (or writable, when out is set or
 * TLS wants to write) or timeout_ms (-1: no limit) has passed.
 * Return: 0, or -ECANCELED when woken.
 */
int fr_hubble_conn__wait(struct fr_hubble_conn *c, bool out, int timeout_ms);

/* Closes; accepts a closed one. */
void fr_hubble_conn__close(struct fr_hubble_conn *c);

/* CLOCK_MONOTONIC in ns. */
uint64_t fr_hubble_conn__now(void);

#endif /* FR_RECORDER_HUBBLE_CONN_H */
