/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The program of one "pod" of the live kube_e2e scenario (live_kube_e2e.c),
 * executed through symlinks whose names (frontend, cart, db, outside)
 * become its comm. It does what its parent asks on stdin, one command a
 * line, and says what it did on stdout, one line each:
 *
 *   listen IP PORT          a listener served by a thread; "listening"
 *   connect SRC DST PORT Q R HOLD_MS
 *                           from SRC: write Q bytes whose first 8 say R
 *                           and HOLD_MS, half-close, read the answer to
 *                           its end; "conn SPORT T0 GOT" (T0 before the
 *                           connect, CLOCK_MONOTONIC ns; GOT bytes read)
 *   quit (or end of input)  exit 0
 *
 * The server thread, for each connection: read the request to its end,
 * wait HOLD_MS, write R bytes, half-close, wait for TCP_INFO to say CLOSE
 * (its FIN acknowledged), close; "served PEERIP PEERPORT Q T_ACC T_FIN
 * T_CLOSED" (after accept, before the half-close, after CLOSE was seen).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ST_CLOSE 7 /* include/net/tcp_states.h */

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *what)
{
	fprintf(stderr, "ke2e_pod: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void put_all(int fd, const char *p, size_t n)
{
	while (n) {
		const ssize_t w = write(fd, p, n);

		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

/* Write n bytes; the first `hlen` from hdr, then filler. */
static void put(int fd, const unsigned char *hdr, size_t hlen, size_t n)
{
	static char buf[16384];

	put_all(fd, (const char *)hdr, hlen < n ? hlen : n);
	for (size_t done = hlen < n ? hlen : n; done < n;) {
		const size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);

		put_all(fd, buf, k);
		done += k;
	}
}

/* Read to the end; the first 8 bytes into hdr (when not NULL). */
static size_t get_all(int fd, unsigned char *hdr)
{
	char buf[16384];
	size_t got = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; hdr && i < r && got + (size_t)i < 8; i++)
			hdr[got + (size_t)i] = (unsigned char)buf[i];
		got += (size_t)r;
	}
	if (r < 0)
		die("read");
	return got;
}

static void *serve(void *arg)
{
	const int lfd = (int)(intptr_t)arg;

	for (;;) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		const int fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
		unsigned char hdr[8] = {0};
		long long t_acc, t_fin;
		uint32_t resp, hold;
		struct tcp_info ti;
		socklen_t tlen;
		char ip[INET_ADDRSTRLEN];
		size_t q;

		if (fd < 0)
			die("accept");
		t_acc = now_ns();
		q = get_all(fd, hdr);
		memcpy(&resp, hdr, 4);
		memcpy(&hold, hdr + 4, 4);
		if (hold) {
			const struct timespec ts = {hold / 1000, (long)(hold % 1000) * 1000000};

			nanosleep(&ts, NULL);
		}
		put(fd, NULL, 0, resp);
		t_fin = now_ns();
		if (shutdown(fd, SHUT_WR))
			die("shutdown");
		for (int i = 0;; i++) {
			tlen = sizeof(ti);
			memset(&ti, 0, sizeof(ti));
			if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen))
				die("TCP_INFO");
			if (ti.tcpi_state == ST_CLOSE)
				break;
			if (i > 200000)
				die("no CLOSE after the half-close");
			usleep(50);
		}
		say("served %s %u %zu %lld %lld %lld\n",
		    inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip)), ntohs(peer.sin_port), q,
		    t_acc, t_fin, now_ns());
		close(fd);
	}
	return NULL;
}

static void do_listen(const char *ip, unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	pthread_t t;

	if (fd < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16))
		die("bind/listen");
	if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd))
		die("pthread_create");
	say("listening\n");
}

static void do_connect(const char *src, const char *dst, unsigned port, size_t q, uint32_t resp,
		       uint32_t hold)
{
	struct sockaddr_in s = {.sin_family = AF_INET}, d = {.sin_family = AF_INET};
	socklen_t slen = sizeof(s);
	unsigned char hdr[8];
	long long t0 = now_ns();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t got;

	d.sin_port = htons((uint16_t)port);
	if (fd < 0 || inet_pton(AF_INET, src, &s.sin_addr) != 1 ||
	    inet_pton(AF_INET, dst, &d.sin_addr) != 1)
		die("socket");
	if (bind(fd, (struct sockaddr *)&s, sizeof(s)))
		die("bind");
	if (connect(fd, (struct sockaddr *)&d, sizeof(d)))
		die("connect");
	if (getsockname(fd, (struct sockaddr *)&s, &slen))
		die("getsockname");
	memcpy(hdr, &resp, 4);
	memcpy(hdr + 4, &hold, 4);
	put(fd, hdr, sizeof(hdr), q);
	if (shutdown(fd, SHUT_WR))
		die("shutdown");
	got = get_all(fd, NULL);
	close(fd);
	say("conn %u %lld %zu\n", ntohs(s.sin_port), t0, got);
}

int main(void)
{
	char line[512], a[64], b[64];
	unsigned port, resp, hold;
	size_t q;

	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "listen %63s %u", a, &port) == 2)
			do_listen(a, port);
		else if (sscanf(line, "connect %63s %63s %u %zu %u %u", a, b, &port, &q, &resp,
				&hold) == 6 &&
			 q >= 8)
			do_connect(a, b, port, q, resp, hold);
		else if (!strncmp(line, "quit", 4))
			break;
		else
			fprintf(stderr, "ke2e_pod: bad command: %s", line);
	}
	return 0;
}
