/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live test of what a connection is (`conn`, `flightrec deps`): five ways
 * a TCP connection ends, each between loopback addresses of its own in a
 * private network namespace, recorded system-wide and replayed. The
 * workload knows how many connections it made and what each end wrote and
 * read; the namespace's own counters (/proc/net/snmp, /proc/net/netstat),
 * TCP_INFO and ss say what the kernel did:
 *  - halfclose: the client writes, shutdown(SHUT_WR), and reads the reply
 *    only once the server's FIN has moved its socket to CLOSE;
 *  - simclose: both ends write, then shutdown(SHUT_WR) while an iptables
 *    rule holds the FINs back, so they cross (both ends in FIN_WAIT1 at
 *    once); each reads what the other wrote once its socket is in CLOSE;
 *  - rstclose: the client closes with the reply unread, so the close
 *    sends a reset after the socket's CLOSE;
 *  - twclient: every connection takes the same 4-tuple, the client's
 *    TIME_WAIT recycled (tcp_tw_reuse, counted by TcpExtTWRecycled);
 *  - twserver: the same, the server's TIME_WAIT taken by the SYN of a
 *    client bound to its port again (ss shows the TIME_WAIT first).
 * For each: conn holds one client and one server row per connection, none
 * "opened before the recording" or open at the end; the bytes of sock_msg
 * per end and direction are the workload's; resets are on the connection
 * that sent or received them, with its owner; `flightrec deps` counts the
 * connections, bytes and resets of the edge.
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

/* TCP states (include/net/tcp_states.h), which linux/tcp.h does not name */
#define ST_FIN_WAIT1 4
#define ST_CLOSE     7

#define WAIT_STEPS 10000 /* of 1 ms: how long a state the kernel must reach may take */
#define MAX_CONNS  20

static uint64_t io_calls; /* of put() and get() that moved bytes */

struct pat {
	const char *name;
	char srv[20], cli[20];
	uint16_t port;
	unsigned made, witnessed; /* connections; those the kernel showed in the pattern */
	uint64_t c_sent, c_read, s_sent, s_read, resets_read;
	uint64_t calls; /* reads and writes that moved bytes */
	/* TCP_INFO of the client ends once in CLOSE (halfclose, simclose): their
	 * counters no longer move, and are what the close record read */
	uint64_t tcpi_acked, tcpi_received;
	/* kernel counters of the namespace, over the pattern */
	long long active_opens, passive_opens, out_rsts, tw_recycled;
	/* the replay's: conn rows, sock_msg bytes, tcp_reset rows, the deps edge */
	long long rows[6], bytes[6], rst[5], edge[5], counters[2];
};

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000}, NULL);
}

/* A counter of /proc/net/snmp or /proc/net/netstat: a header line of names
 * then a line of values, both starting with `prefix`. */
static long long net_counter(const char *file, const char *prefix, const char *name)
{
	char head[4096], vals[4096], *hs, *vs, *h, *v;
	size_t plen = strlen(prefix);
	FILE *f = fopen(file, "r");

	CHECK(f != NULL, "%s: %s", file, strerror(errno));
	while (fgets(head, sizeof(head), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(head, prefix, plen))
			continue;
		h = strtok_r(head + plen, " \n", &hs);
		v = strtok_r(vals + plen, " \n", &vs);
		for (; h && v; h = strtok_r(NULL, " \n", &hs), v = strtok_r(NULL, " \n", &vs)) {
			if (!strcmp(h, name)) {
				fclose(f);
				return strtoll(v, NULL, 10);
			}
		}
	}
	fclose(f);
	CHECK(0, "no %s%s in %s", prefix, name, file);
	return -1; /* not reached: CHECK returns from the test; -O0 cannot tell */
}

static void counters(long long out[4])
{
	out[0] = net_counter("/proc/net/snmp", "Tcp:", "ActiveOpens");
	out[1] = net_counter("/proc/net/snmp", "Tcp:", "PassiveOpens");
	out[2] = net_counter("/proc/net/snmp", "Tcp:", "OutRsts");
	out[3] = net_counter("/proc/net/netstat", "TcpExt:", "TWRecycled");
}

static struct sockaddr_in addr_of(const char *ip, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	CHECK(inet_pton(AF_INET, ip, &a.sin_addr) == 1, "address %s", ip);
	return a;
}

static int listen_on(struct pat *p)
{
	struct sockaddr_in a = addr_of(p->srv, 0);
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		      listen(fd, MAX_CONNS) == 0 &&
		      getsockname(fd, (struct sockaddr *)&a, &alen) == 0,
	      "listen on %s: %s", p->srv, strerror(errno));
	p->port = ntohs(a.sin_port);
	return fd;
}

/* Connect from p->cli:*cport (0: any, then set) and accept the server end. */
static void dial(struct pat *p, int lfd, uint16_t *cport, int *c, int *s)
{
	struct sockaddr_in from = addr_of(p->cli, *cport), to = addr_of(p->srv, p->port);
	socklen_t alen = sizeof(from);
	int one = 1;

	*c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(*c >= 0 && setsockopt(*c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
		      bind(*c, (struct sockaddr *)&from, sizeof(from)) == 0 &&
		      connect(*c, (struct sockaddr *)&to, sizeof(to)) == 0 &&
		      getsockname(*c, (struct sockaddr *)&from, &alen) == 0,
	      "%s: connect from %s:%u: %s", p->name, p->cli, *cport, strerror(errno));
	*cport = ntohs(from.sin_port);
	*s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(*s >= 0, "%s: accept: %s", p->name, strerror(errno));
	p->made++;
}

static void put(int fd, const char *msg, uint64_t *count)
{
	const ssize_t n = (ssize_t)strlen(msg);

	CHECK(write(fd, msg, (size_t)n) == n, "write: %s", strerror(errno));
	*count += (uint64_t)n;
	io_calls++;
}

/* Read exactly n bytes, or (n 0) until EOF. */
static void get(int fd, size_t n, uint64_t *count)
{
	char buf[64];
	size_t got = 0;
	ssize_t r;

	while ((!n || got < n) && (r = read(fd, buf, n ? n - got : sizeof(buf))) > 0) {
		got += (size_t)r;
		io_calls++;
	}
	CHECK(!n || got == n, "read %zu of %zu bytes: %s", got, n, strerror(errno));
	*count += got;
}

static struct tcp_info tcp_info_of(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0, "TCP_INFO: %s",
	      strerror(errno));
	return ti;
}

static int tcp_state(int fd)
{
	return tcp_info_of(fd).tcpi_state;
}

/* A client end in CLOSE: add its final counters. */
static void closed_client(struct pat *p, int fd)
{
	const struct tcp_info ti = tcp_info_of(fd);

	p->tcpi_acked += ti.tcpi_bytes_acked;
	p->tcpi_received += ti.tcpi_bytes_received;
}

static void wait_state(int fd, int state)
{
	int i = 0;

	while (tcp_state(fd) != state && ++i < WAIT_STEPS)
		sleep_ms(1);
	CHECK(i < WAIT_STEPS, "socket stays in state %d, not %d", tcp_state(fd), state);
}

/* Sockets `ss` lists for a state and filter ("src A:p dst B:q"). */
static int ss_count(const char *state, const char *filter)
{
	char cmd[256], line[256];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ss -Htn state %s %s", state, filter);
	f = popen(cmd, "r");
	CHECK(f != NULL, "popen ss: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		n++;
	CHECK(pclose(f) == 0, "`%s` failed", cmd);
	return n;
}

static void wait_ss(const char *state, const char *filter, int want)
{
	int i = 0;

	while (ss_count(state, filter) != want && ++i < WAIT_STEPS / 10)
		sleep_ms(10);
	CHECK(i < WAIT_STEPS / 10, "ss: not %d sockets in %s %s", want, state, filter);
}

/* ---- the patterns ---- */

/* The client asks 5 bytes, the server answers 2. */
static void exchange(struct pat *p, int c, int s)
{
	put(c, "hello", &p->c_sent);
	get(s, 5, &p->s_read);
	put(s, "ok", &p->s_sent);
	get(c, 2, &p->c_read);
}

static void halfclose(struct pat *p, int lfd)
{
	for (int i = 0; i < MAX_CONNS; i++) {
		uint16_t cport = 0;
		int c, s, unread = 0;

		dial(p, lfd, &cport, &c, &s);
		put(c, "hello", &p->c_sent);
		CHECK(shutdown(c, SHUT_WR) == 0, "shutdown: %s", strerror(errno));
		get(s, 0, &p->s_read);
		put(s, "ok", &p->s_sent);
		close(s);
		/* the server's FIN ends the client's connection before it reads */
		wait_state(c, ST_CLOSE);
		p->witnessed += ioctl(c, FIONREAD, &unread) == 0 && unread == 2;
		closed_client(p, c);
		get(c, 0, &p->c_read);
		close(c);
	}
}

static void simclose(struct pat *p, int lfd)
{
	int c[MAX_CONNS / 2], s[MAX_CONNS / 2];
	const int n = MAX_CONNS / 2;
	char cmd[300];

	for (int i = 0; i < n; i++) {
		uint16_t cport = 0;

		dial(p, lfd, &cport, &c[i], &s[i]);
		put(c[i], "hello", &p->c_sent);
		put(s[i], "ok", &p->s_sent);
	}
	snprintf(cmd, sizeof(cmd),
		 "iptables-legacy -w -A INPUT -d %s/24 -p tcp --tcp-flags FIN FIN -j DROP", p->srv);
	live_run(cmd);
	for (int i = 0; i < n; i++)
		CHECK(shutdown(c[i], SHUT_WR) == 0 && shutdown(s[i], SHUT_WR) == 0, "shutdown: %s",
		      strerror(errno));
	/* neither end has the other's FIN: they cross */
	for (int i = 0; i < n; i++)
		p->witnessed += tcp_state(c[i]) == ST_FIN_WAIT1 && tcp_state(s[i]) == ST_FIN_WAIT1;
	live_run("iptables-legacy -w -F INPUT");
	/* the retransmitted FINs end both (CLOSING or FIN_WAIT2, TIME_WAIT, CLOSE);
	 * each end reads what the other wrote after that */
	for (int i = 0; i < n; i++) {
		wait_state(c[i], ST_CLOSE);
		wait_state(s[i], ST_CLOSE);
		closed_client(p, c[i]);
		get(c[i], 0, &p->c_read);
		get(s[i], 0, &p->s_read);
		close(c[i]);
		close(s[i]);
	}
}

static void rstclose(struct pat *p, int lfd)
{
	for (int i = 0; i < MAX_CONNS / 2; i++) {
		uint16_t cport = 0;
		int c, s, unread = 0, k = 0;
		char b;

		dial(p, lfd, &cport, &c, &s);
		put(c, "hello", &p->c_sent);
		get(s, 5, &p->s_read);
		put(s, "ok", &p->s_sent);
		while (ioctl(c, FIONREAD, &unread) == 0 && unread < 2 && ++k < WAIT_STEPS)
			sleep_ms(1);
		p->witnessed += unread == 2;
		close(c); /* the reply unread: the close resets */
		wait_state(s, ST_CLOSE);
		p->resets_read += read(s, &b, 1) < 0 && errno == ECONNRESET;
		close(s);
	}
}

/* Without net.ipv4.tcp_tw_reuse_delay (Linux < 6.13) a TIME_WAIT is
 * recycled only once its last timestamp is over a second old. */
static long tw_wait_ms;

/*
 * Connections on one 4-tuple, each taking the TIME_WAIT the last one left:
 * the client's (it closed first; loopback recycles it, tcp_tw_reuse 2) or,
 * `server_closes`, the server's (a SYN from a new client bound to the same
 * port, once the old client end is gone).
 */
static void twreuse(struct pat *p, int lfd, bool server_closes)
{
	char tw[160], other[160], cside[64], sside[64];
	uint16_t cport = 0, first = 0;

	for (int i = 0; i < MAX_CONNS / 4; i++) {
		int c, s;

		if (i) { /* the closing end in TIME_WAIT, the other gone */
			wait_ss("time-wait", tw, 1);
			wait_ss("all", other, 0);
			if (!server_closes)
				sleep_ms(tw_wait_ms);
		}
		dial(p, lfd, &cport, &c, &s);
		if (i)
			p->witnessed += cport == first;
		else
			first = cport;
		snprintf(cside, sizeof(cside), "%s:%u", p->cli, cport);
		snprintf(sside, sizeof(sside), "%s:%u", p->srv, p->port);
		snprintf(tw, sizeof(tw), "src %s dst %s", server_closes ? sside : cside,
			 server_closes ? cside : sside);
		snprintf(other, sizeof(other), "src %s dst %s", server_closes ? cside : sside,
			 server_closes ? sside : cside);
		exchange(p, c, s);
		close(server_closes ? s : c);
		get(server_closes ? c : s, 0, server_closes ? &p->c_read : &p->s_read);
		close(server_closes ? c : s);
	}
}

static void twclient(struct pat *p, int lfd)
{
	twreuse(p, lfd, false);
}

static void twserver(struct pat *p, int lfd)
{
	twreuse(p, lfd, true);
}

/* ---- what the replay says ---- */

/* One row of integers from `flightrec query` (NULL reads as 0). */
/* `flightrec deps` as JSON, whole. */
static char *deps_json(const char *fr, const char *db)
{
	static char buf[1 << 16];
	char cmd[1024];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' deps '%s' --format json", fr, db);
	f = popen(cmd, "r");
	CHECK(f != NULL, "popen: %s", strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	CHECK(pclose(f) == 0 && n < sizeof(buf) - 1, "flightrec deps failed");
	return buf;
}

/* Numbers of the one edge to `dst`: connections, failed, bytes_sent,
 * bytes_received, resets. */
static void deps_edge(const char *json, const char *dst, long long out[5])
{
	static const char *const keys[] = {"connections", "failed", "bytes_sent", "bytes_received",
					   "resets"};
	char needle[64], edge[1024];
	const char *at, *end;

	snprintf(needle, sizeof(needle), "\"dst\": \"%s\"", dst);
	at = strstr(json, needle);
	CHECK(at && !strstr(at + 1, needle), "deps: not one edge to %s", dst);
	end = strchr(at, '}');
	CHECK(end && (size_t)(end - at) < sizeof(edge), "deps: edge to %s", dst);
	memcpy(edge, at, (size_t)(end - at));
	edge[end - at] = '\0';
	for (int i = 0; i < 5; i++) {
		char key[32];
		const char *v;

		snprintf(key, sizeof(key), "\"%s\": ", keys[i]);
		v = strstr(edge, key);
		CHECK(v != NULL, "deps: no %s for %s", keys[i], dst);
		out[i] = strtoll(v + strlen(key), NULL, 10);
	}
}

static void measure(struct pat *p, const char *fr, const char *db, const char *deps)
{
	long long *rows = p->rows, *bytes = p->bytes, *rst = p->rst, *edge = p->edge;
	const char *a = p->srv;
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*), sum(is_client), sum(active = 1), sum(active = 0), "
		 "sum(active = -1), sum(close_ts = 9223372036854775807) FROM conn "
		 "WHERE saddr = '%s' OR daddr = '%s'",
		 a, a);
	live_query_row(fr, db, sql, rows, 6);
	snprintf(sql, sizeof(sql),
		 "SELECT sum(CASE WHEN c.is_client AND m.received = 0 THEN m.bytes END), "
		 "sum(CASE WHEN c.is_client AND m.received <> 0 THEN m.bytes END), "
		 "sum(CASE WHEN NOT c.is_client AND m.received = 0 THEN m.bytes END), "
		 "sum(CASE WHEN NOT c.is_client AND m.received <> 0 THEN m.bytes END), "
		 "count(*), (SELECT count(*) FROM ev_sock_msg WHERE saddr = '%s' OR daddr = '%s') "
		 "FROM sock_msg m JOIN conn c USING (cid) WHERE c.saddr = '%s' OR c.daddr = '%s'",
		 a, a, a, a);
	live_query_row(fr, db, sql, bytes, 6);
	snprintf(sql, sizeof(sql),
		 "SELECT sum(r.received = 0 AND c.is_client), sum(r.received <> 0 AND NOT "
		 "c.is_client), sum(r.pid = %lld), count(*), (SELECT count(*) FROM ev_tcp_reset "
		 "WHERE saddr = '%s' OR daddr = '%s') FROM tcp_reset r JOIN conn c USING (cid) "
		 "WHERE c.saddr = '%s' OR c.daddr = '%s'",
		 (long long)getpid(), a, a, a, a);
	live_query_row(fr, db, sql, rst, 5);
	snprintf(sql, sizeof(sql),
		 "SELECT sum(bytes_acked), sum(bytes_received) FROM conn WHERE is_client AND "
		 "(saddr = '%s' OR daddr = '%s')",
		 a, a);
	live_query_row(fr, db, sql, p->counters, 2);
	deps_edge(deps, a, edge);
	printf("conn %s: made %u connections (kernel: %lld active, %lld passive opens; "
	       "pattern seen %u), conn rows %lld (client %lld, connect %lld, accept %lld, "
	       "before the recording %lld, open at the end %lld)\n",
	       p->name, p->made, p->active_opens, p->passive_opens, p->witnessed, rows[0], rows[1],
	       rows[2], rows[3], rows[4], rows[5]);
	printf("conn %s: bytes client sent/read %llu/%llu, server sent/read %llu/%llu in %llu "
	       "calls; sock_msg by conn %lld/%lld, %lld/%lld in %lld (%lld on the address)\n",
	       p->name, (unsigned long long)p->c_sent, (unsigned long long)p->c_read,
	       (unsigned long long)p->s_sent, (unsigned long long)p->s_read,
	       (unsigned long long)p->calls, bytes[0], bytes[1], bytes[2], bytes[3], bytes[4],
	       bytes[5]);
	printf("conn %s: resets kernel sent %lld (OutRsts), server read ECONNRESET %llu, "
	       "TWRecycled %lld; tcp_reset sent by a client %lld, received by a server %lld, "
	       "of this pid %lld, %lld of %lld on a conn\n",
	       p->name, p->out_rsts, (unsigned long long)p->resets_read, p->tw_recycled, rst[0],
	       rst[1], rst[2], rst[3], rst[4]);
	if (p->tcpi_acked)
		printf("conn %s: client ends' TCP_INFO bytes_acked %llu, bytes_received %llu "
		       "(SYN and FIN count one each); conn %lld, %lld\n",
		       p->name, (unsigned long long)p->tcpi_acked,
		       (unsigned long long)p->tcpi_received, p->counters[0], p->counters[1]);
	printf("conn %s: deps connections %lld, failed %lld, bytes sent %lld, received %lld, "
	       "resets %lld\n",
	       p->name, edge[0], edge[1], edge[2], edge[3], edge[4]);
}

static void check(const struct pat *p)
{
	const long long *rows = p->rows, *bytes = p->bytes, *rst = p->rst, *edge = p->edge;
	const long long made = p->made;

	CHECK(made == p->active_opens && made == p->passive_opens,
	      "%s: the kernel counted other connections", p->name);
	CHECK(rows[0] == 2 * made && rows[1] == made && rows[2] == made && rows[3] == made &&
		      rows[4] == 0 && rows[5] == 0,
	      "%s: conn rows are not one client and one server row per connection", p->name);
	CHECK(bytes[0] == (long long)p->c_sent && bytes[1] == (long long)p->c_read &&
		      bytes[2] == (long long)p->s_sent && bytes[3] == (long long)p->s_read,
	      "%s: bytes per end and direction", p->name);
	CHECK(bytes[4] == (long long)p->calls && bytes[5] == bytes[4],
	      "%s: %lld of %lld messages on the address are on its connections, %llu calls",
	      p->name, bytes[4], bytes[5], (unsigned long long)p->calls);
	CHECK(rst[0] == p->out_rsts && rst[1] == (long long)p->resets_read && rst[2] == rst[3] &&
		      rst[3] == rst[4],
	      "%s: resets", p->name);
	CHECK(!p->tcpi_acked || (p->counters[0] == (long long)p->tcpi_acked &&
				 p->counters[1] == (long long)p->tcpi_received),
	      "%s: the close records' counters are not the kernel's", p->name);
	CHECK(edge[0] == made && edge[1] == 0 && edge[2] == (long long)p->c_sent &&
		      edge[3] == (long long)p->c_read && edge[4] == p->out_rsts,
	      "%s: deps", p->name);
}

int live_scenario_conn(const char *recorder)
{
	static struct pat pats[] = {{.name = "halfclose"},
				    {.name = "simclose"},
				    {.name = "rstclose"},
				    {.name = "twclient"},
				    {.name = "twserver"}};
	static void (*const run[])(struct pat *, int) = {halfclose, simclose, rstclose, twclient,
							 twserver};
	const char *const args[] = {"--families", "net", NULL};
	const unsigned k = (unsigned)getpid() % 250 + 1;
	long long before[4], after[4];
	struct live_recorder r;
	const char *fr, *deps;
	char db[300];

	live_recorder__start(&r, recorder, args);
	/* a namespace of our own: its counters, rules and sockets are this test's */
	CHECK(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	live_run("ip link set lo up");
	tw_wait_ms = system("sysctl -qw net.ipv4.tcp_tw_reuse_delay=1 2>/dev/null") ? 2100 : 2;
	for (unsigned i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		struct pat *p = &pats[i];
		int lfd;

		/* addresses of its own: no other test's connection shares the edge */
		snprintf(p->srv, sizeof(p->srv), "127.%u.%u.1", 20 + i, k);
		snprintf(p->cli, sizeof(p->cli), "127.%u.%u.2", 20 + i, k);
		lfd = listen_on(p);
		counters(before);
		io_calls = 0;
		run[i](p, lfd);
		p->calls = io_calls;
		counters(after);
		p->active_opens = after[0] - before[0];
		p->passive_opens = after[1] - before[1];
		p->out_rsts = after[2] - before[2];
		p->tw_recycled = after[3] - before[3];
		close(lfd);
	}
	live_recorder__stop(&r);

	fr = live_replay(r.dir, db, sizeof(db));
	deps = deps_json(fr, db);
	for (unsigned i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		measure(&pats[i], fr, db, deps);
	for (unsigned i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		check(&pats[i]);
	/* what makes each pattern what it is, as the kernel showed it */
	CHECK(pats[0].witnessed == pats[0].made, "halfclose: no reply waiting at the CLOSE");
	CHECK(pats[1].witnessed == pats[1].made, "simclose: FINs did not cross");
	CHECK(pats[2].witnessed == pats[2].made && pats[2].out_rsts == pats[2].made &&
		      pats[2].resets_read == pats[2].made,
	      "rstclose: not one reset per close");
	CHECK(pats[3].witnessed == pats[3].made - 1 && pats[3].tw_recycled == pats[3].made - 1,
	      "twclient: the TIME_WAIT was not recycled on one port");
	CHECK(pats[4].witnessed == pats[4].made - 1, "twserver: not one port");
	return 0;
}
