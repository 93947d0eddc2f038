/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live tests of what the network families count, each against the
 * kernel's own accounting in the same run, through replay and `flightrec
 * metrics` as an analyst reads them:
 *
 * net_retrans: ebpf_tcp_retransmits equals TcpRetransSegs (/proc/net/snmp
 *   of the sender's private network namespace) and the connection's
 *   tcpi_total_retrans, for a bulk transfer over a veth pair with GSO and
 *   1 % random loss (iptables statistic on the receiver's INPUT);
 *   net_retrans_early: the same over a connection older than the recording;
 *   net_synack: a SYN-ACK sent again counts too.
 * net_packets: ebpf_network_packets_total equals the segs_out/segs_in of
 *   TCP_INFO summed over the workload's sockets once closed, and the UDP
 *   datagrams the workload (and the kernel's Udp counters) saw;
 *   ebpf_network_calls_total equals the workload's send and receive calls.
 * net_rtt_owner: the first RTT sample of an accepted socket, taken before
 *   the owner is known, is written under a --pid filter with its owner's pid
 *   and the srtt/rttvar TCP_INFO gives.
 */
#define _GNU_SOURCE /* unshare */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_segs_out: newer than glibc's */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_util.h"

#define TCP_STATE_CLOSE 7 /* include/net/tcp_states.h */

/* Value of `name` in the `proto:` lines of this namespace's /proc/net/snmp. */
static uint64_t snmp(const char *proto, const char *name)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	const size_t pl = strlen(proto);
	char head[2048], vals[2048];
	unsigned long long v = 0;
	bool found = false;

	CHECK(f != NULL, "/proc/net/snmp: %s", strerror(errno));
	/* a line of names, then a line of values, per protocol */
	while (fgets(head, sizeof(head), f) && fgets(vals, sizeof(vals), f)) {
		char *hs, *vs, *h, *x;

		if (strncmp(head, proto, pl) || head[pl] != ':')
			continue;
		h = strtok_r(head + pl + 1, " \n", &hs);
		x = strtok_r(vals + pl + 1, " \n", &vs);
		for (; h && x; h = strtok_r(NULL, " \n", &hs), x = strtok_r(NULL, " \n", &vs))
			if (!strcmp(h, name))
				found = sscanf(x, "%llu", &v) == 1;
	}
	fclose(f);
	CHECK(found, "no %s %s in /proc/net/snmp", proto, name);
	return v;
}

/* Packets (buffers) sent by device `dev` of this namespace (/proc/net/dev). */
static uint64_t dev_tx_packets(const char *dev)
{
	FILE *f = fopen("/proc/net/dev", "r");
	unsigned long long v[10];
	char line[512], name[64];
	bool found = false;

	CHECK(f != NULL, "/proc/net/dev: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || sscanf(line, " %63[^:]", name) != 1 || strcmp(name, dev))
			continue;
		/* receive: bytes packets errs drop fifo frame compressed multicast;
		 * transmit: bytes packets */
		found = sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
			       &v[9]) == 10;
	}
	fclose(f);
	CHECK(found, "no %s in /proc/net/dev", dev);
	return v[9];
}

/* The one number SQL `sql` gives on the replayed database. */
static uint64_t query_number(const char *fr, const char *db, const char *sql)
{
	unsigned long long n = 0;
	char cmd[1024], line[256];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' query '%s' --format csv '%s'", fr, db, sql);
	f = popen(cmd, "r");
	CHECK(f != NULL, "popen: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		sscanf(line, "%llu", &n); /* the header line does not scan */
	CHECK(pclose(f) == 0, "flightrec query failed");
	return n;
}

static void write_all(int fd, size_t n, uint64_t *calls)
{
	static char buf[65536];

	while (n) {
		ssize_t k = write(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		CHECK(k > 0, "write: %s", strerror(errno));
		n -= (size_t)k;
		(*calls)++;
	}
}

static void read_all(int fd, size_t n, uint64_t *calls)
{
	static char buf[65536];

	while (n) {
		ssize_t k = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		CHECK(k > 0, "read: %s", k ? strerror(errno) : "early EOF");
		n -= (size_t)k;
		(*calls)++;
	}
}

/* TCP_INFO of `fd`, once the socket is closed (the FIN exchange is over). */
static void info_when_closed(int fd, struct tcp_info *ti)
{
	for (;;) {
		socklen_t len = sizeof(*ti);

		CHECK(getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0, "TCP_INFO: %s",
		      strerror(errno));
		if (ti->tcpi_state == TCP_STATE_CLOSE)
			return;
		usleep(1000);
	}
}

static bool within_1pct(uint64_t got, uint64_t want)
{
	const uint64_t diff = got > want ? got - want : want - got;

	return diff * 100 <= want;
}

/* ---- retransmitted segments over a lossy veth pair ---- */

#define RT_BYTES (64u << 20)
#define RT_PORT	 5301

static void signal_fd(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(3);
}

static void wait_fd(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(3);
}

/* The receiver, in a namespace of its own: the drop rule, then one connection. */
_Noreturn static void rt_receiver(int up, int down)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(RT_PORT)};
	int lfd, one = 1;

	if (unshare(CLONE_NEWNET))
		_exit(2);
	signal_fd(up);
	wait_fd(down); /* the parent moved frb here */
	if (system("ip link set lo up && ip addr add 10.77.0.2/24 dev frb && ip link set frb up") ||
	    system("iptables-legacy -w -A INPUT -p tcp -d 10.77.0.2 --dport 5301 "
		   "-m statistic --mode random --probability 0.01 -j DROP"))
		_exit(4);
	inet_pton(AF_INET, "10.77.0.2", &a.sin_addr);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1))
		_exit(5);
	signal_fd(up);
	live_serve_once(lfd, RT_BYTES);
}

/*
 * early: the connection is opened before the recording starts, so the
 * recorder first meets its socket at a send (and adopts it there).
 */
static int scenario_retrans(const char *recorder, bool early)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(RT_PORT)};
	uint64_t retrans0, out0, txp0, retrans, out, txp, calls = 0, fam;
	const char *args[] = {"--pid", NULL, "--families", "net", NULL};
	char pid_arg[16], cmd[256], db[300], c;
	struct tcp_info ti0 = {0}, ti;
	struct live_recorder r;
	int up[2], down[2], fd, status;
	const char *fr;
	pid_t child;

	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)getpid());
	args[1] = pid_arg;
	if (!early)
		live_recorder__start(&r, recorder, args);
	CHECK(pipe(up) == 0 && pipe(down) == 0, "pipe: %s", strerror(errno));
	child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0)
		rt_receiver(up[1], down[0]);
	CHECK(read(up[0], &c, 1) == 1, "the receiver did not start");
	/* the sender's namespace: TcpRetransSegs counts this connection only */
	CHECK(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	live_run("ip link set lo up");
	snprintf(cmd, sizeof(cmd), "ip link add fra type veth peer name frb netns %d", (int)child);
	live_run(cmd);
	live_run("ip addr add 10.77.0.1/24 dev fra && ip link set fra up");
	CHECK(write(down[1], "g", 1) == 1, "signal the receiver");
	CHECK(read(up[0], &c, 1) == 1, "the receiver failed to listen");

	inet_pton(AF_INET, "10.77.0.2", &a.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0, "socket: %s", strerror(errno));
	if (early) {
		socklen_t len = sizeof(ti0);

		CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
		      strerror(errno));
		live_recorder__start(&r, recorder, args);
		CHECK(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti0, &len) == 0, "TCP_INFO: %s",
		      strerror(errno));
	}
	retrans0 = snmp("Tcp", "RetransSegs");
	out0 = snmp("Tcp", "OutSegs");
	txp0 = dev_tx_packets("fra");
	if (!early)
		CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
		      strerror(errno));
	if (early) {
		/* one long first send: its retransmits come while the socket's
		 * owner is still unknown (it shows itself when the call returns) */
		const size_t first = RT_BYTES / 4;
		char *big = calloc(1, first);
		ssize_t k;

		CHECK(big != NULL, "calloc");
		k = write(fd, big, first);
		CHECK(k > 0, "write: %s", strerror(errno));
		calls++;
		free(big);
		write_all(fd, RT_BYTES - (size_t)k, &calls);
	} else {
		write_all(fd, RT_BYTES, &calls);
	}
	CHECK(read(fd, &c, 1) == 1, "no answer from the receiver");
	/* our FIN, then theirs: nothing of ours is left to send again */
	CHECK(shutdown(fd, SHUT_WR) == 0 && read(fd, &c, 1) == 0, "no EOF from the receiver");
	info_when_closed(fd, &ti);
	close(fd);
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "receiver status 0x%x", status);
	retrans = snmp("Tcp", "RetransSegs") - retrans0;
	out = snmp("Tcp", "OutSegs") - out0;
	txp = dev_tx_packets("fra") - txp0;
	live_recorder__stop(&r);

	fr = live_replay(r.dir, db, sizeof(db));
	fam = live_metric_sum(db, "ebpf_tcp_retransmits", NULL, NULL);
	printf("net_retrans%s: %u MiB over veth, 1 %% loss: %llu segments out in %llu buffers; "
	       "kernel TcpRetransSegs %llu, tcpi_total_retrans %u - %u; ebpf_tcp_retransmits "
	       "%llu from %llu retransmit records\n",
	       early ? "_early" : "", RT_BYTES >> 20, (unsigned long long)out,
	       (unsigned long long)txp, (unsigned long long)retrans, ti.tcpi_total_retrans,
	       ti0.tcpi_total_retrans, (unsigned long long)fam,
	       (unsigned long long)query_number(fr, db, "SELECT count(*) FROM tcp_retransmit"));
	/*
	 * GSO on: ethtool is not installed and /sys does not show a namespace's
	 * device features, so the kernel's counters say it: veth hands a GSO
	 * buffer over whole, one packet on the device for many TCP segments.
	 */
	CHECK(out > 4 * txp, "GSO seems off: %llu segments in %llu buffers",
	      (unsigned long long)out, (unsigned long long)txp);
	CHECK(retrans > 0, "the rule caused no retransmission");
	CHECK(ti.tcpi_total_retrans - ti0.tcpi_total_retrans == retrans,
	      "tcpi_total_retrans grew by %u, TcpRetransSegs by %llu",
	      ti.tcpi_total_retrans - ti0.tcpi_total_retrans, (unsigned long long)retrans);
	CHECK(within_1pct(fam, retrans), "ebpf_tcp_retransmits %llu, TcpRetransSegs %llu",
	      (unsigned long long)fam, (unsigned long long)retrans);
	return 0;
}

/* ---- a SYN-ACK sent again ---- */

/*
 * The handshake's last ACK is dropped once: the listener sends its SYN-ACK
 * again a second later (TcpRetransSegs + 1, no socket yet), the client
 * answers, and the connection is accepted with total_retrans 1 already.
 */
static int scenario_synack(const char *recorder)
{
	struct sockaddr_in a;
	const char *args[] = {"--families", "net", NULL};
	uint64_t retrans0, retrans, rec;
	struct live_recorder r;
	int lfd, cfd, sfd;
	char cmd[512], db[300], c;
	uint16_t port;
	const char *fr;

	live_recorder__start(&r, recorder, args);
	CHECK(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	live_run("ip link set lo up");
	lfd = live_listen_loopback(&a, 0);
	port = ntohs(a.sin_port);
	snprintf(
		cmd, sizeof(cmd),
		"iptables-legacy -w -A INPUT -p tcp --dport %u --tcp-flags SYN,ACK,FIN,RST,PSH ACK "
		"-m statistic --mode nth --every 1000000 --packet 0 -j DROP",
		port);
	live_run(cmd);
	retrans0 = snmp("Tcp", "RetransSegs");
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(cfd >= 0 && connect(cfd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
	      strerror(errno));
	sfd = accept(lfd, NULL, NULL); /* once the SYN-ACK came again and was answered */
	CHECK(sfd >= 0, "accept: %s", strerror(errno));
	CHECK(close(cfd) == 0 && read(sfd, &c, 1) == 0, "no EOF");
	close(sfd);
	close(lfd);
	retrans = snmp("Tcp", "RetransSegs") - retrans0;
	live_run("iptables-legacy -w -F INPUT");
	live_recorder__stop(&r);

	fr = live_replay(r.dir, db, sizeof(db));
	/* the analyzer's rows for this port (the family has no port label) */
	snprintf(cmd, sizeof(cmd),
		 "SELECT COALESCE(sum(max(segs, 1)), 0) FROM ev_tcp_retransmit WHERE sport = %u",
		 port);
	rec = query_number(fr, db, cmd);
	printf("net_synack: port %u: kernel TcpRetransSegs %llu; replayed retransmitted segments "
	       "%llu\n",
	       port, (unsigned long long)retrans, (unsigned long long)rec);
	CHECK(retrans >= 1, "no SYN-ACK was sent again");
	CHECK(rec == retrans, "retransmitted segments %llu, TcpRetransSegs %llu",
	      (unsigned long long)rec, (unsigned long long)retrans);
	return 0;
}

/* ---- packets and calls of TCP connections and UDP datagrams ---- */

#define PK_CONNS  8
#define PK_ROUNDS 4
#define PK_REQ	  20000
#define PK_RESP	  30000
#define PK_DGRAMS 300

struct pk_truth {
	uint64_t segs_out, segs_in, wcalls, rcalls, udp_sent, udp_recv;
};

/* One connection: requests and responses, a FIN each way, counters once closed. */
static void pk_connection(int lfd, const struct sockaddr_in *a, struct pk_truth *t)
{
	struct tcp_info ci, si;
	int cfd, sfd;
	char c;

	cfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(cfd >= 0 && connect(cfd, (const struct sockaddr *)a, sizeof(*a)) == 0, "connect: %s",
	      strerror(errno));
	sfd = accept(lfd, NULL, NULL);
	CHECK(sfd >= 0, "accept: %s", strerror(errno));
	/* each message fits the socket buffers: one thread plays both ends */
	for (int i = 0; i < PK_ROUNDS; i++) {
		write_all(cfd, PK_REQ, &t->wcalls);
		read_all(sfd, PK_REQ, &t->rcalls);
		write_all(sfd, PK_RESP, &t->wcalls);
		read_all(cfd, PK_RESP, &t->rcalls);
	}
	CHECK(shutdown(cfd, SHUT_WR) == 0 && read(sfd, &c, 1) == 0, "server: no EOF");
	CHECK(shutdown(sfd, SHUT_WR) == 0 && read(cfd, &c, 1) == 0, "client: no EOF");
	info_when_closed(cfd, &ci);
	info_when_closed(sfd, &si);
	t->segs_out += (uint64_t)ci.tcpi_segs_out + si.tcpi_segs_out;
	t->segs_in += (uint64_t)ci.tcpi_segs_in + si.tcpi_segs_in;
	close(cfd);
	close(sfd);
}

static void pk_datagrams(struct pk_truth *t)
{
	struct sockaddr_in a[2];
	char buf[100] = {0};
	int u[2];

	for (int i = 0; i < 2; i++) {
		socklen_t len = sizeof(a[i]);

		a[i] = (struct sockaddr_in){.sin_family = AF_INET,
					    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		u[i] = socket(AF_INET, SOCK_DGRAM, 0);
		CHECK(u[i] >= 0 && bind(u[i], (struct sockaddr *)&a[i], sizeof(a[i])) == 0 &&
			      getsockname(u[i], (struct sockaddr *)&a[i], &len) == 0,
		      "udp socket: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++)
		CHECK(connect(u[i], (struct sockaddr *)&a[!i], sizeof(a[!i])) == 0, "connect: %s",
		      strerror(errno));
	/* every datagram read before the next is sent: none overflows a buffer */
	for (int i = 0; i < PK_DGRAMS; i++) {
		const int from = i % 3 == 2;

		CHECK(send(u[from], buf, sizeof(buf), 0) == (ssize_t)sizeof(buf), "send: %s",
		      strerror(errno));
		t->udp_sent++;
		CHECK(recv(u[!from], buf, sizeof(buf), 0) == (ssize_t)sizeof(buf), "recv: %s",
		      strerror(errno));
		t->udp_recv++;
	}
	close(u[0]);
	close(u[1]);
}

static int scenario_packets(const char *recorder)
{
	struct sockaddr_in a;
	const char *args[] = {"--pid", NULL, "--families", "net", NULL};
	uint64_t udp_out0, udp_in0, udp_out, udp_in, m[8];
	char pid_arg[16], db[300];
	struct pk_truth t = {0};
	struct live_recorder r;
	int lfd;

	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)getpid());
	args[1] = pid_arg;
	live_recorder__start(&r, recorder, args);
	/* a namespace of our own whose loopback has an Ethernet MTU: segments
	 * of 1448 bytes, each TSO buffer several of them */
	CHECK(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	live_run("ip link set lo mtu 1500 up");
	lfd = live_listen_loopback(&a, 0);
	udp_out0 = snmp("Udp", "OutDatagrams");
	udp_in0 = snmp("Udp", "InDatagrams");
	for (int i = 0; i < PK_CONNS; i++)
		pk_connection(lfd, &a, &t);
	pk_datagrams(&t);
	udp_out = snmp("Udp", "OutDatagrams") - udp_out0;
	udp_in = snmp("Udp", "InDatagrams") - udp_in0;
	close(lfd);
	live_recorder__stop(&r);

	live_replay(r.dir, db, sizeof(db));
	m[0] = live_metric_sum(db, "ebpf_network_packets_total", "protocol=tcp;direction=tx", NULL);
	m[1] = live_metric_sum(db, "ebpf_network_packets_total", "protocol=tcp;direction=rx", NULL);
	m[2] = live_metric_sum(db, "ebpf_network_packets_total", "protocol=udp;direction=tx", NULL);
	m[3] = live_metric_sum(db, "ebpf_network_packets_total", "protocol=udp;direction=rx", NULL);
	m[4] = live_metric_sum(db, "ebpf_network_calls_total", "protocol=tcp;direction=tx", NULL);
	m[5] = live_metric_sum(db, "ebpf_network_calls_total", "protocol=tcp;direction=rx", NULL);
	m[6] = live_metric_sum(db, "ebpf_network_calls_total", "protocol=udp;direction=tx", NULL);
	m[7] = live_metric_sum(db, "ebpf_network_calls_total", "protocol=udp;direction=rx", NULL);
	printf("net_packets: %d connections: TCP_INFO segs_out %llu, segs_in %llu; packets "
	       "tx %llu, rx %llu. %llu writes, %llu reads; calls tx %llu, rx %llu. UDP: sent "
	       "%llu, received %llu (kernel OutDatagrams %llu, InDatagrams %llu); packets tx "
	       "%llu, rx %llu; calls tx %llu, rx %llu\n",
	       PK_CONNS, (unsigned long long)t.segs_out, (unsigned long long)t.segs_in,
	       (unsigned long long)m[0], (unsigned long long)m[1], (unsigned long long)t.wcalls,
	       (unsigned long long)t.rcalls, (unsigned long long)m[4], (unsigned long long)m[5],
	       (unsigned long long)t.udp_sent, (unsigned long long)t.udp_recv,
	       (unsigned long long)udp_out, (unsigned long long)udp_in, (unsigned long long)m[2],
	       (unsigned long long)m[3], (unsigned long long)m[6], (unsigned long long)m[7]);
	/* more segments than calls: each write went out as several segments */
	CHECK(t.segs_out > 2 * t.wcalls, "segs_out %llu for %llu writes",
	      (unsigned long long)t.segs_out, (unsigned long long)t.wcalls);
	CHECK(within_1pct(m[0], t.segs_out) && within_1pct(m[1], t.segs_in),
	      "TCP packets tx %llu rx %llu, TCP_INFO segs_out %llu segs_in %llu",
	      (unsigned long long)m[0], (unsigned long long)m[1], (unsigned long long)t.segs_out,
	      (unsigned long long)t.segs_in);
	CHECK(udp_out == t.udp_sent && udp_in == t.udp_recv, "the kernel counted other datagrams");
	CHECK(m[2] == t.udp_sent && m[3] == t.udp_recv, "UDP packets tx %llu rx %llu",
	      (unsigned long long)m[2], (unsigned long long)m[3]);
	CHECK(m[4] == t.wcalls && m[5] == t.rcalls && m[6] == t.udp_sent && m[7] == t.udp_recv,
	      "calls differ from the workload's");
	return 0;
}

/* ---- the first RTT sample of an accepted socket ---- */

struct rtt_ctx {
	uint16_t port;
	unsigned samples;
	uint64_t pid, srtt_us, rttvar_us;
};

static void rtt_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct rtt_ctx *c = arg;

	(void)rec;
	/* the server side: the listening port is its local end */
	if (!ev || ev->kind != FR_KIND_TCP_RTT || live_field(ev, "sport") != c->port)
		return;
	if (!c->samples++) {
		c->pid = live_field(ev, "pid");
		c->srtt_us = live_field(ev, "srtt_us");
		c->rttvar_us = live_field(ev, "rttvar_us");
	}
}

static int scenario_rtt_owner(const char *recorder)
{
	struct sockaddr_in a;
	const char *args[] = {"--pid", NULL, "--families", "net", NULL};
	socklen_t tlen;
	struct rtt_ctx c = {0};
	struct live_recorder r;
	struct tcp_info ti;
	uint64_t calls = 0;
	char pid_arg[16];
	int lfd, cfd, sfd;

	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)getpid());
	args[1] = pid_arg;
	live_recorder__start(&r, recorder, args);
	lfd = live_listen_loopback(&a, 0);
	c.port = ntohs(a.sin_port);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(cfd >= 0 && connect(cfd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
	      strerror(errno));
	sfd = accept(lfd, NULL, NULL);
	CHECK(sfd >= 0, "accept: %s", strerror(errno));
	/* the first receive takes the first sample, then shows the owner */
	write_all(cfd, 1000, &calls);
	read_all(sfd, 1000, &calls);
	/* the server sent nothing: no ACK of its own data moves its srtt */
	tlen = sizeof(ti);
	CHECK(getsockopt(sfd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) == 0, "TCP_INFO: %s",
	      strerror(errno));
	close(cfd);
	close(sfd);
	close(lfd);
	live_recorder__stop(&r);
	live_read_dir(r.dir, rtt_visit, &c);
	printf("net_rtt_owner: accepted socket on port %u: %u samples, the first with pid %llu "
	       "(we are %d), srtt %llu us, rttvar %llu us; TCP_INFO rtt %u us, rttvar %u us\n",
	       c.port, c.samples, (unsigned long long)c.pid, (int)getpid(),
	       (unsigned long long)c.srtt_us, (unsigned long long)c.rttvar_us, ti.tcpi_rtt,
	       ti.tcpi_rttvar);
	CHECK(c.samples >= 1, "no RTT sample of the accepted socket under --pid");
	CHECK(c.pid == (uint64_t)getpid(), "first sample's pid %llu", (unsigned long long)c.pid);
	CHECK(c.srtt_us == ti.tcpi_rtt && c.rttvar_us == ti.tcpi_rttvar,
	      "sample srtt %llu rttvar %llu, TCP_INFO %u %u", (unsigned long long)c.srtt_us,
	      (unsigned long long)c.rttvar_us, ti.tcpi_rtt, ti.tcpi_rttvar);
	return 0;
}

int live_scenario_netcount(const char *recorder, const char *scenario)
{
	if (!strcmp(scenario, "net_retrans"))
		return scenario_retrans(recorder, false);
	if (!strcmp(scenario, "net_retrans_early"))
		return scenario_retrans(recorder, true);
	if (!strcmp(scenario, "net_synack"))
		return scenario_synack(recorder);
	if (!strcmp(scenario, "net_packets"))
		return scenario_packets(recorder);
	if (!strcmp(scenario, "net_rtt_owner"))
		return scenario_rtt_owner(recorder);
	fprintf(stderr, "unknown scenario %s\n", scenario);
	return 2;
}
