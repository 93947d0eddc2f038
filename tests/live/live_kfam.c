/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live test of what kube_ebpf_acknowledged_bytes sums: conn.data_acked, the
 * data bytes of one end that its peer acknowledged. The kernel's
 * bytes_acked (TCP_INFO, the recorder's tcp_close) also counts the SYN of
 * the end that connected and the end's FIN once acknowledged, a sequence
 * number each: 5 data bytes show as 7 on a client.
 * In a network namespace of its own, on addresses of its own:
 *  - fin: the client writes, the server reads and answers, both shut
 *    down their sending side and read the other's FIN; both ends' FINs
 *    are acknowledged;
 *  - rst: the client writes, the server answers without reading and
 *    closes with the request unread, which sends a reset instead of a FIN;
 *    no FIN is acknowledged.
 * Truth: what the workload wrote (every byte was read by the peer), and
 * each socket's TCP_INFO bytes_acked once its counters stopped moving.
 */
#define _GNU_SOURCE /* unshare */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h> /* the tcp_info with bytes_acked; glibc's is older */
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "live_util.h"

#define ST_CLOSE   7	 /* include/net/tcp_states.h */
#define WAIT_STEPS 10000 /* of 1 ms */
#define NCONN	   4	 /* connections of each pattern */

struct side_truth {
	uint64_t written, tcpi_acked; /* the workload's bytes; TCP_INFO at the end */
};

struct kfam {
	char srv[20], cli[20];
	struct side_truth client[2], server[2]; /* [0] fin, [1] rst */
};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static struct tcp_info tcpi(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0, "TCP_INFO: %s",
	      strerror(errno));
	return ti;
}

/* Wait until `fd`'s TCP_INFO says `state` (any when < 0) and `acked`. */
static uint64_t wait_acked(int fd, int state, uint64_t acked)
{
	struct tcp_info ti;
	int i = 0;

	for (ti = tcpi(fd); i < WAIT_STEPS; i++, ti = tcpi(fd)) {
		if ((state < 0 || ti.tcpi_state == state) && ti.tcpi_bytes_acked == acked)
			return ti.tcpi_bytes_acked;
		sleep_ms(1);
	}
	CHECK(0, "socket state %u, bytes_acked %llu; waited for state %d, %llu", ti.tcpi_state,
	      (unsigned long long)ti.tcpi_bytes_acked, state, (unsigned long long)acked);
	return 0;
}

static void put(int fd, size_t n)
{
	static char buf[65536];

	CHECK(n <= sizeof(buf) && write(fd, buf, n) == (ssize_t)n, "write %zu: %s", n,
	      strerror(errno));
}

static void get(int fd, size_t n)
{
	static char buf[65536];

	for (size_t got = 0; got < n;) {
		const ssize_t r = read(fd, buf, n - got < sizeof(buf) ? n - got : sizeof(buf));

		CHECK(r > 0, "read %zu of %zu: %s", got, n, r ? strerror(errno) : "EOF");
		got += (size_t)r;
	}
}

static int connect_from(const struct kfam *k, const struct sockaddr_in *to)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, k->cli, &a.sin_addr);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind %s: %s", k->cli,
	      strerror(errno));
	CHECK(connect(fd, (const struct sockaddr *)to, sizeof(*to)) == 0, "connect: %s",
	      strerror(errno));
	return fd;
}

/* One connection of pattern `rst` (0: fin) with c and s data bytes. */
static void one(struct kfam *k, int lfd, const struct sockaddr_in *to, int rst, size_t c, size_t s)
{
	const int cfd = connect_from(k, to);
	int sfd = accept(lfd, NULL, NULL);
	char b;
	int queued = 0;

	CHECK(sfd >= 0, "accept: %s", strerror(errno));
	put(cfd, c);
	if (!rst)
		get(sfd, c);
	put(sfd, s);
	get(cfd, s);
	k->client[rst].written += c;
	k->server[rst].written += s;
	if (!rst) {
		CHECK(shutdown(cfd, SHUT_WR) == 0 && read(sfd, &b, 1) == 0, "client FIN");
		CHECK(shutdown(sfd, SHUT_WR) == 0 && read(cfd, &b, 1) == 0, "server FIN");
		/* both in CLOSE: SYN (client), data and FIN acknowledged */
		k->client[0].tcpi_acked += wait_acked(cfd, ST_CLOSE, c + 2);
		k->server[0].tcpi_acked += wait_acked(sfd, ST_CLOSE, s + 1);
	} else {
		/* every byte acknowledged and the request unread: close resets */
		k->client[1].tcpi_acked += wait_acked(cfd, -1, c + 1);
		k->server[1].tcpi_acked += wait_acked(sfd, -1, s);
		for (int i = 0; i < WAIT_STEPS && queued < (int)c; i++, sleep_ms(1))
			CHECK(ioctl(sfd, FIONREAD, &queued) == 0, "FIONREAD: %s", strerror(errno));
		CHECK(queued == (int)c, "request not queued at the server: %d of %zu", queued, c);
		close(sfd);
		sfd = -1;
		CHECK(read(cfd, &b, 1) < 0 && errno == ECONNRESET, "no reset at the client");
	}
	close(cfd);
	if (sfd >= 0)
		close(sfd);
}

static void check_end(const char *fr, const char *db, const struct kfam *k, int client, int rst)
{
	const struct side_truth *t = client ? &k->client[rst] : &k->server[rst];
	long long v[3];
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*), sum(bytes_acked), sum(data_acked) FROM conn "
		 "WHERE is_client = %d AND %s = '%s' AND %s = '%s' AND active = %d "
		 "AND cid IN (SELECT cid FROM tcp_close WHERE fin_acked = %d)",
		 client, client ? "saddr" : "daddr", k->cli, client ? "daddr" : "saddr", k->srv,
		 client, rst ? FR_TCP_FIN_NOT_ACKED : FR_TCP_FIN_ACKED);
	live_query_row(fr, db, sql, v, 3);
	printf("kfam %s %s: %lld closes with fin_acked %s; bytes_acked %lld (TCP_INFO %llu), "
	       "data_acked %lld (the workload wrote %llu)\n",
	       rst ? "rst" : "fin", client ? "client" : "server", v[0], rst ? "1" : "2", v[1],
	       (unsigned long long)t->tcpi_acked, v[2], (unsigned long long)t->written);
	CHECK(v[0] == NCONN, "%lld of %d connections", v[0], NCONN);
	CHECK(v[1] == (long long)t->tcpi_acked, "bytes_acked %lld, TCP_INFO %llu", v[1],
	      (unsigned long long)t->tcpi_acked);
	CHECK(v[2] == (long long)t->written, "data_acked %lld, written %llu", v[2],
	      (unsigned long long)t->written);
}

int live_scenario_kfam(const char *recorder)
{
	const char *const args[] = {"--families", "net", NULL};
	const unsigned tag = (unsigned)getpid() % 250 + 1;
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	struct kfam k;
	struct live_recorder r;
	const char *fr;
	char db[300];
	int lfd;

	memset(&k, 0, sizeof(k));
	live_recorder__start(&r, recorder, args);
	CHECK(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	live_run("ip link set lo up");
	snprintf(k.srv, sizeof(k.srv), "127.31.%u.1", tag);
	snprintf(k.cli, sizeof(k.cli), "127.31.%u.2", tag);
	inet_pton(AF_INET, k.srv, &a.sin_addr);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lfd, 8) == 0,
	      "listen on %s: %s", k.srv, strerror(errno));
	CHECK(getsockname(lfd, (struct sockaddr *)&a, &alen) == 0, "getsockname");
	for (int rst = 0; rst < 2; rst++)
		for (int i = 0; i < NCONN; i++)
			one(&k, lfd, &a, rst, 5 + 1000 * (size_t)i, 7 + 3000 * (size_t)i);
	close(lfd);
	live_recorder__stop(&r);

	fr = live_replay(r.dir, db, sizeof(db));
	for (int rst = 0; rst < 2; rst++)
		for (int client = 0; client < 2; client++)
			check_end(fr, db, &k, client, rst);
	return 0;
}
