/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* getaddrinfo_a */
#include "hubble_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* How often a name lookup in progress looks at the wake descriptor. */
#define LOOKUP_POLL_MS 50

uint64_t fr_hubble_conn__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ms left before deadline_ns, at least 0 (a poll that only looks). */
static int ms_left(uint64_t deadline_ns)
{
	const uint64_t now = fr_hubble_conn__now();
	const uint64_t ms = deadline_ns > now ? (deadline_ns - now + 999999) / 1000000 : 0;

	return ms > 1000000 ? 1000000 : (int)ms;
}

/* The first OpenSSL error queued (and the queue cleared), or fallback. */
static void tls_reason(char *buf, size_t size, const char *fallback)
{
	const unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, size);
	else
		snprintf(buf, size, "%s", fallback);
	ERR_clear_error();
}

int fr_hubble_conn__tls_new(const struct fr_hubble_conn_opts *o, SSL_CTX **out, char *why,
			    size_t why_len)
{
	static const unsigned char alpn[] = {2, 'h', '2'};
	SSL_CTX *ctx;
	char e[200];
	int ok;

	*out = NULL;
	if (!o->tls)
		return 0;
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		tls_reason(e, sizeof(e), "out of memory");
		snprintf(why, why_len, "TLS: %s", e);
		return -ENOMEM;
	}
	/* HTTP/2 over TLS: 1.2 at least (RFC 9113 9.2) */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	ok = SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn)) == 0;
	ok = ok && (o->tls_ca ? SSL_CTX_load_verify_locations(ctx, o->tls_ca, NULL)
			      : SSL_CTX_set_default_verify_paths(ctx));
	if (!ok) {
		tls_reason(e, sizeof(e), "cannot load the CA");
		snprintf(why, why_len, "TLS CA %s: %s", o->tls_ca ? o->tls_ca : "(system)", e);
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	if (o->tls_cert && (SSL_CTX_use_certificate_chain_file(ctx, o->tls_cert) != 1 ||
			    SSL_CTX_use_PrivateKey_file(ctx, o->tls_key, SSL_FILETYPE_PEM) != 1 ||
			    SSL_CTX_check_private_key(ctx) != 1)) {
		tls_reason(e, sizeof(e), "unusable");
		snprintf(why, why_len, "TLS client certificate %s / key %s: %s", o->tls_cert,
			 o->tls_key ? o->tls_key : "(none)", e);
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	*out = ctx;
	return 0;
}

void fr_hubble_conn__tls_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

int fr_hubble_conn__wait(struct fr_hubble_conn *c, bool out, int timeout_ms)
{
	struct pollfd p[2] = {
		{.fd = c->fd, .events = POLLIN | (out || c->want_write ? POLLOUT : 0)},
		{.fd = c->wake_fd, .events = POLLIN},
	};

	if (poll(p, 2, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return p[1].revents ? -ECANCELED : 0;
}

/* Waits for fd to be writable (a connect) before the deadline. */
static int wait_out(int fd, int wake_fd, uint64_t deadline_ns, short ev)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = ev}, {.fd = wake_fd, .events = POLLIN}};
		const int left = ms_left(deadline_ns);
		const int n = poll(p, 2, left);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (p[1].revents)
			return -ECANCELED;
		if (p[0].revents)
			return 0;
		if (n == 0 && !ms_left(deadline_ns))
			return -ETIMEDOUT;
	}
}

/* host and port out of "HOST:PORT" or "[V6]:PORT". Return: 0 or -EINVAL. */
static int split_target(const char *t, char *host, size_t hsize, const char **port)
{
	const char *colon, *h = t, *end;

	if (t[0] == '[') {
		end = strchr(t, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		h = t + 1;
		colon = end + 1;
	} else {
		colon = strrchr(t, ':');
		if (!colon)
			return -EINVAL;
		end = colon;
	}
	if (end == h || (size_t)(end - h) >= hsize || !colon[1])
		return -EINVAL;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	*port = colon + 1;
	return 0;
}

/*
 * host's addresses, looked up without blocking a stop: numeric ones at
 * once, names by getaddrinfo_a while the wake descriptor is watched.
 * Return: 0, -ECANCELED, -ETIMEDOUT or -EHOSTUNREACH (why).
 */
static int lookup(const char *host, const char *port, int wake_fd, uint64_t deadline_ns,
		  struct addrinfo **out, char *why, size_t why_len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	const size_t hlen = strlen(host) + 1, plen = strlen(port) + 1;
	struct gaicb *req, *list[1];
	struct sigevent sev = {.sigev_notify = SIGEV_NONE};
	int err = getaddrinfo(host, port, &hints, out);
	char *names;

	if (err != EAI_NONAME)
		goto done;
	hints.ai_flags = AI_ADDRCONFIG;
	/* the request, its hints and names in one block on the heap: a lookup
	 * that cannot be cancelled still reads and writes it after we left */
	req = calloc(1, sizeof(*req) + sizeof(hints) + hlen + plen);
	if (!req)
		return -ENOMEM;
	names = (char *)(req + 1) + sizeof(hints);
	memcpy(req + 1, &hints, sizeof(hints));
	memcpy(names, host, hlen);
	memcpy(names + hlen, port, plen);
	req->ar_name = names;
	req->ar_service = names + hlen;
	req->ar_request = (struct addrinfo *)(req + 1);
	list[0] = req;
	err = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev);
	while (!err && gai_error(req) == EAI_INPROGRESS) {
		const struct timespec step = {0, LOOKUP_POLL_MS * 1000000L};
		struct pollfd p = {.fd = wake_fd, .events = POLLIN};

		if (poll(&p, 1, 0) > 0 || !ms_left(deadline_ns)) {
			const int c = gai_cancel(req);

			/* EAI_NOTCANCELED: it runs on the resolver's thread,
			 * which is left the block (a few hundred bytes) */
			if (c == EAI_ALLDONE)
				freeaddrinfo(req->ar_result);
			if (c == EAI_ALLDONE || c == EAI_CANCELED)
				free(req);
			if (p.revents)
				return -ECANCELED;
			snprintf(why, why_len, "cannot resolve %s: timed out", host);
			return -ETIMEDOUT;
		}
		gai_suspend((const struct gaicb *const *)list, 1, &step);
	}
	err = err ?: gai_error(req);
	*out = req->ar_result;
	free(req);
done:
	if (err) {
		snprintf(why, why_len, "cannot resolve %s: %s", host,
			 err == EAI_SYSTEM ? strerror(errno) : gai_strerror(err));
		return -EHOSTUNREACH;
	}
	return 0;
}

/* One address: a non-blocking socket connected before the deadline. */
static int connect_to(const struct sockaddr *sa, socklen_t len, int wake_fd, uint64_t deadline_ns)
{
	const int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	socklen_t elen = sizeof(int);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, sa, len) && errno != EINPROGRESS)
		err = -errno;
	else if (!(err = wait_out(fd, wake_fd, deadline_ns, POLLOUT)) &&
		 getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0)
		err = -err;
	if (err) {
		close(fd);
		return err;
	}
	if (sa->sa_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
	return fd;
}

static int open_unix(struct fr_hubble_conn *c, const char *path, uint64_t deadline_ns, char *why,
		     size_t why_len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, why_len, "bad socket path '%s'", path);
		return -EINVAL;
	}
	memcpy(sa.sun_path, path, strlen(path));
	c->fd = connect_to((struct sockaddr *)&sa, sizeof(sa), c->wake_fd, deadline_ns);
	if (c->fd < 0 && c->fd != -ECANCELED)
		snprintf(why, why_len, "connect to %s: %s", path, strerror(-c->fd));
	/* what gRPC's clients send for a unix socket */
	snprintf(c->authority, sizeof(c->authority), "localhost");
	return c->fd < 0 ? c->fd : 0;
}

static int open_tcp(struct fr_hubble_conn *c, const char *target, uint64_t deadline_ns, char *host,
		    size_t hsize, char *why, size_t why_len)
{
	struct addrinfo *ai = NULL;
	const char *port;
	int fd = -EHOSTUNREACH, err;

	if (split_target(target, host, hsize, &port)) {
		snprintf(why, why_len, "bad target '%s' (HOST:PORT)", target);
		return -EINVAL;
	}
	snprintf(c->authority, sizeof(c->authority), "%s", target);
	err = lookup(host, port, c->wake_fd, deadline_ns, &ai, why, why_len);
	if (err)
		return err;
	/* each address in turn, as the resolver ordered them */
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		fd = connect_to(a->ai_addr, a->ai_addrlen, c->wake_fd, deadline_ns);
		if (fd >= 0 || fd == -ECANCELED)
			break;
		snprintf(why, why_len, "connect to %s: %s", target,
			 fd == -ETIMEDOUT ? "timed out" : strerror(-fd));
		if (fd == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(ai);
	c->fd = fd;
	return fd < 0 ? fd : 0;
}

/* OpenSSL's socket BIO writes with write(2): a peer gone would SIGPIPE
 * the recorder. This one sends with MSG_NOSIGNAL. */
static int bio_write(BIO *b, const char *data, int len)
{
	const ssize_t n = send((int)(intptr_t)BIO_get_data(b), data, (size_t)len, MSG_NOSIGNAL);

	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
	const ssize_t n = recv((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, 0);

	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		BIO_set_retry_read(b);
	return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH;
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* The socket as c->ssl's BIO. Return: 0 or -ENOMEM. */
static int set_bio(struct fr_hubble_conn *c)
{
	BIO *b;

	c->bio = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "flightrec socket");
	if (!c->bio || !BIO_meth_set_write(c->bio, bio_write) ||
	    !BIO_meth_set_read(c->bio, bio_read) || !BIO_meth_set_ctrl(c->bio, bio_ctrl) ||
	    !BIO_meth_set_create(c->bio, bio_create))
		return -ENOMEM;
	b = BIO_new(c->bio);
	if (!b)
		return -ENOMEM;
	BIO_set_data(b, (void *)(intptr_t)c->fd);
	SSL_set_bio(c->ssl, b, b);
	return 0;
}

/* Whether name is an IP address (verified as such, sent as no SNI). */
static bool is_ip(const char *name)
{
	struct in6_addr a;

	return inet_pton(AF_INET, name, &a) == 1 || inet_pton(AF_INET6, name, &a) == 1;
}

static int handshake(struct fr_hubble_conn *c, SSL_CTX *tls, const char *name, uint64_t deadline_ns,
		     char *why, size_t why_len)
{
	const unsigned char *proto = NULL;
	unsigned int plen = 0;
	char e[200];
	int r;

	c->ssl = SSL_new(tls);
	if (!c->ssl || set_bio(c))
		goto failed;
	if (is_ip(name)) {
		if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name))
			goto failed;
	} else if (!SSL_set_tlsext_host_name(c->ssl, name) || !SSL_set1_host(c->ssl, name)) {
		goto failed;
	}
	while ((r = SSL_connect(c->ssl)) != 1) {
		const int want = SSL_get_error(c->ssl, r);
		int err;

		if (want != SSL_ERROR_WANT_READ && want != SSL_ERROR_WANT_WRITE)
			goto failed;
		err = wait_out(c->fd, c->wake_fd, deadline_ns,
			       want == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT);
		if (err) {
			if (err == -ETIMEDOUT)
				snprintf(why, why_len, "TLS handshake with %s: timed out",
					 c->authority);
			return err;
		}
	}
	SSL_get0_alpn_selected(c->ssl, &proto, &plen);
	if (plen && (plen != 2 || memcmp(proto, "h2", 2))) {
		snprintf(why, why_len, "TLS with %s: the server chose ALPN '%.*s', not h2",
			 c->authority, (int)plen, proto);
		return -EPROTO;
	}
	return 0;
failed:
	tls_reason(e, sizeof(e), "handshake failed");
	if (c->ssl && SSL_get_verify_result(c->ssl) != X509_V_OK)
		snprintf(why, why_len, "TLS handshake with %s (as %s): %s: %s", c->authority, name,
			 e, X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
	else
		snprintf(why, why_len, "TLS handshake with %s (as %s): %s", c->authority, name, e);
	return -EPROTO;
}

int fr_hubble_conn__open(struct fr_hubble_conn *c, const struct fr_hubble_conn_opts *o,
			 SSL_CTX *tls, int wake_fd, uint64_t deadline_ns, char *why, size_t why_len)
{
	char host[256];
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->wake_fd = wake_fd;
	ERR_clear_error();
	if (!strncmp(o->target, "unix:", 5))
		err = open_unix(c, o->target + 5, deadline_ns, why, why_len);
	else
		err = open_tcp(c, o->target, deadline_ns, host, sizeof(host), why, why_len);
	if (!err && tls) {
		if (o->tls_server_name)
			snprintf(c->authority, sizeof(c->authority), "%s", o->tls_server_name);
		err = handshake(c, tls, o->tls_server_name ? o->tls_server_name : host, deadline_ns,
				why, why_len);
	}
	if (err)
		fr_hubble_conn__close(c);
	return err;
}

/* An SSL call's result as read/write return it. */
static ssize_t tls_result(struct fr_hubble_conn *c, int r, char *why, size_t why_len)
{
	const int e = SSL_get_error(c->ssl, r);
	char s[200];

	c->want_write = e == SSL_ERROR_WANT_WRITE;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (e == SSL_ERROR_SYSCALL && !ERR_peek_error()) {
		/* closed without close_notify: an end all the same */
		if (!errno || errno == ECONNRESET)
			return 0;
		snprintf(why, why_len, "TLS: %s", strerror(errno));
		return -errno;
	}
	tls_reason(s, sizeof(s), "error");
	snprintf(why, why_len, "TLS: %s", s);
	return -EPROTO;
}

ssize_t fr_hubble_conn__read(struct fr_hubble_conn *c, void *buf, size_t len, char *why,
			     size_t why_len)
{
	size_t got = 0;
	ssize_t n;

	if (!c->ssl) {
		n = read(c->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		snprintf(why, why_len, "read: %s", strerror(errno));
		return -errno;
	}
	/* TLS hands out one record (16 KiB at most) a call: gather what is
	 * there into the caller's buffer */
	while (got < len) {
		size_t r = 0;
		int ok;

		errno = 0;
		ok = SSL_read_ex(c->ssl, (char *)buf + got, len - got, &r);
		if (!ok) {
			n = tls_result(c, 0, why, why_len);
			return got ? (ssize_t)got : n;
		}
		got += r;
	}
	return (ssize_t)got;
}

ssize_t fr_hubble_conn__write(struct fr_hubble_conn *c, const void *buf, size_t len, char *why,
			      size_t why_len)
{
	ssize_t n;

	if (!c->ssl) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		snprintf(why, why_len, "write: %s", strerror(errno));
		return -errno;
	}
	{
		size_t w = 0;

		errno = 0;
		if (SSL_write_ex(c->ssl, buf, len, &w))
			return (ssize_t)w;
		n = tls_result(c, 0, why, why_len);
		if (!n) {
			snprintf(why, why_len, "TLS: the server closed the connection");
			return -EPIPE;
		}
		return n;
	}
}

void fr_hubble_conn__close(struct fr_hubble_conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	c->ssl = NULL;
	BIO_meth_free(c->bio);
	c->bio = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
