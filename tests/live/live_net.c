/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live tests of the network family. `loss`: in a private network namespace
 * iptables drops every tenth data packet arriving for one port, and the
 * recorder's retransmit, close, RTT and drop records are checked against
 * what the kernel itself reports (TCP_INFO, the rule's packet counter).
 * The rule is on INPUT: a drop on OUTPUT fails the send and TCP sends again
 * without counting a retransmit. It skips pure ACKs: one could fall between
 * reading the rule's counter and removing the rule.
 */
#define _GNU_SOURCE /* unshare */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_util.h"

#define LOSS_BYTES (4u << 20)

struct loss_ctx {
	uint16_t port, cport;
	uint64_t nf_drop; /* NETFILTER_DROP in this kernel's reason table */
	bool have_reason;
	unsigned retransmits, closes, drops, rtts, accepts, passive_closes;
	uint64_t close_retrans, srtt_us, accept_pid, passive_close_pid;
};

static void names_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct loss_ctx *c = arg;
	char name[128];

	if (ev && ev->kind == FR_KIND_DROP_REASON_NAME &&
	    !strcmp(live_field_str(ev, "name", name, sizeof(name)), "NETFILTER_DROP")) {
		c->nf_drop = live_field(ev, "reason");
		c->have_reason = true;
	}
}

/* Is this record about the client's connection, in direction `to_server`? */
static bool ours(const struct loss_ctx *c, const struct fr_event *ev, bool to_server)
{
	uint64_t sport = live_field(ev, "sport"), dport = live_field(ev, "dport");

	return to_server ? sport == c->cport && dport == c->port
			 : sport == c->port && dport == c->cport;
}

static void loss_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct loss_ctx *c = arg;

	if (!ev)
		return;
	switch (ev->kind) {
	case FR_KIND_TCP_RETRANSMIT:
		c->retransmits += ours(c, ev, true);
		break;
	case FR_KIND_TCP_ACCEPT:
		if (ours(c, ev, false)) {
			c->accepts++;
			c->accept_pid = live_field(ev, "pid");
		}
		break;
	case FR_KIND_TCP_CLOSE:
		if (ours(c, ev, true) && live_field(ev, "active")) {
			c->closes++;
			c->close_retrans = live_field(ev, "total_retrans");
		} else if (ours(c, ev, false) && !live_field(ev, "active")) {
			c->passive_closes++;
			c->passive_close_pid = live_field(ev, "pid");
		}
		break;
	case FR_KIND_SKB_DROP:
		c->drops += live_field(ev, "reason") == c->nf_drop && ours(c, ev, true);
		break;
	case FR_KIND_TCP_RTT:
		if (ours(c, ev, false) || ours(c, ev, true)) {
			c->rtts++;
			c->srtt_us = live_field(ev, "srtt_us");
		}
		break;
	}
}

/* Packets the rule on INPUT has dropped so far. */
static uint64_t rule_packets(void)
{
	FILE *f = popen("iptables-legacy -w -L INPUT -v -x -n", "r");
	unsigned long long pkts = 0;
	char line[512];
	int n = 0;

	CHECK(f != NULL, "popen iptables: %s", strerror(errno));
	/* two header lines, then the one rule */
	while (fgets(line, sizeof(line), f))
		if (++n == 3)
			CHECK(sscanf(line, "%llu", &pkts) == 1, "iptables output: %s", line);
	CHECK(pclose(f) == 0 && n == 3, "iptables -L INPUT: %d lines", n);
	return pkts;
}

/*
 * Replay the recording with the analyzer (FR_ANALYZER) and ask its database
 * for this connection's drops, retransmits and close counter.
 */
static void replayed_counts(const struct loss_ctx *c, const char *dir, uint64_t out[3])
{
	char cmd[2048], db[300], line[1024];
	const char *fr = live_replay(dir, db, sizeof(db));
	unsigned long long v[3];
	FILE *f;
	int n = 0;

	snprintf(
		cmd, sizeof(cmd),
		"'%s' query '%s' --format csv \"SELECT "
		"(SELECT count(*) FROM ev_skb_drop WHERE sport = %u AND dport = %u AND reason IN "
		"(SELECT reason FROM ev_drop_reason_name WHERE name = 'NETFILTER_DROP')) AS drops, "
		"(SELECT count(*) FROM ev_tcp_retransmit WHERE sport = %u AND dport = %u) AS "
		"retransmits, "
		"(SELECT total_retrans FROM ev_tcp_close WHERE sport = %u AND dport = %u AND "
		"active)\"",
		fr, db, c->cport, c->port, c->cport, c->port, c->cport, c->port);
	f = popen(cmd, "r");
	CHECK(f != NULL, "popen: %s", strerror(errno));
	/* a header line, then one row */
	while (fgets(line, sizeof(line), f))
		if (++n == 2)
			CHECK(sscanf(line, "%llu,%llu,%llu", &v[0], &v[1], &v[2]) == 3,
			      "query output: %s", line);
	CHECK(pclose(f) == 0 && n == 2, "flightrec query: %d lines", n);
	for (int i = 0; i < 3; i++)
		out[i] = v[i];
}

int live_scenario_loss(const char *recorder)
{
	const char *const args[] = {"--families", "net,drop", NULL};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	struct loss_ctx c = {0};
	struct live_recorder r;
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	static char buf[65536];
	uint64_t sent = 0, rule_drops, db[3];
	char cmd[256];
	int lfd, fd, status;
	pid_t server;

	live_recorder__start(&r, recorder, args);
	/* a namespace of our own: the rule and its counter see only this test */
	CHECK(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	live_run("ip link set lo up");
	lfd = live_listen_loopback(&a, 0);
	c.port = ntohs(a.sin_port);
	snprintf(cmd, sizeof(cmd),
		 "iptables-legacy -w -A INPUT -p tcp -d 127.0.0.1 --dport %u "
		 "-m length --length 1000:65535 -m statistic --mode nth --every 10 --packet 5 "
		 "-j DROP",
		 c.port);
	live_run(cmd);
	server = fork();
	CHECK(server >= 0, "fork: %s", strerror(errno));
	if (server == 0)
		live_serve_once(lfd, LOSS_BYTES);
	close(lfd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
	      strerror(errno));
	alen = sizeof(a);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &alen) == 0, "getsockname");
	c.cport = ntohs(a.sin_port);
	memset(buf, 'x', sizeof(buf));
	while (sent < LOSS_BYTES) {
		ssize_t n = write(fd, buf, sizeof(buf));

		CHECK(n > 0, "write: %s", strerror(errno));
		sent += (uint64_t)n;
	}
	/* the answer comes once every byte arrived: nothing left to retransmit */
	CHECK(read(fd, buf, 1) == 1, "no answer from the server");
	rule_drops = rule_packets();
	live_run("iptables-legacy -w -F INPUT");
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) == 0, "TCP_INFO: %s",
	      strerror(errno));
	close(fd);
	CHECK(waitpid(server, &status, 0) == server && WIFEXITED(status) && !WEXITSTATUS(status),
	      "server failed");
	live_recorder__stop(&r);

	live_read_dir(r.dir, names_visit, &c);
	CHECK(c.have_reason, "no NETFILTER_DROP in the drop reason names");
	live_read_dir(r.dir, loss_visit, &c);
	printf("loss: port %u, rule dropped %llu packets, kernel total_retrans %u; recorded %u "
	       "NETFILTER_DROP drops, %u retransmits, close total_retrans %llu (%u closes), "
	       "%u rtt samples (last srtt %llu us)\n",
	       c.port, (unsigned long long)rule_drops, ti.tcpi_total_retrans, c.drops,
	       c.retransmits, (unsigned long long)c.close_retrans, c.closes, c.rtts,
	       (unsigned long long)c.srtt_us);
	CHECK(rule_drops > 0 && ti.tcpi_total_retrans > 0, "the rule caused no loss");
	CHECK(c.drops == rule_drops, "recorded %u drops, the rule counted %llu", c.drops,
	      (unsigned long long)rule_drops);
	CHECK(c.closes == 1 && c.close_retrans == ti.tcpi_total_retrans,
	      "close record total_retrans %llu, TCP_INFO %u", (unsigned long long)c.close_retrans,
	      ti.tcpi_total_retrans);
	/* one tracepoint hit per retransmitted skb, which may carry several segments */
	CHECK(c.retransmits >= 1 && c.retransmits <= ti.tcpi_total_retrans,
	      "recorded %u retransmits for %u retransmitted segments", c.retransmits,
	      ti.tcpi_total_retrans);
	CHECK(c.rtts >= 1 && c.srtt_us > 0, "rtt samples %u, srtt %llu", c.rtts,
	      (unsigned long long)c.srtt_us);
	/* the accept completes in softirq, before accept(2): owner not known yet,
	 * and never the bystander task the softirq interrupted */
	CHECK(c.accepts == 1 && c.accept_pid == 0, "accepts %u, pid %llu", c.accepts,
	      (unsigned long long)c.accept_pid);
	CHECK(c.passive_closes == 1 && c.passive_close_pid == (uint64_t)server,
	      "server close pid %llu, server %d", (unsigned long long)c.passive_close_pid,
	      (int)server);

	/* the same figures after replay: what an analyst will query */
	replayed_counts(&c, r.dir, db);
	printf("loss: replayed: %llu NETFILTER_DROP drops, %llu retransmits, close total_retrans "
	       "%llu\n",
	       (unsigned long long)db[0], (unsigned long long)db[1], (unsigned long long)db[2]);
	CHECK(db[0] == c.drops && db[1] == c.retransmits && db[2] == c.close_retrans,
	      "the replayed database disagrees with the segments");
	return 0;
}

/* ---- a dual-stack listener accepting IPv4 ---- */

struct dual_ctx {
	uint16_t port;
	unsigned accepts, v4;
};

static void dual_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct dual_ctx *c = arg;
	char addr[64];

	if (!ev || ev->kind != FR_KIND_TCP_ACCEPT || live_field(ev, "sport") != c->port)
		return;
	c->accepts++;
	live_field_str(ev, "saddr", addr, sizeof(addr));
	c->v4 += live_field(ev, "family") == AF_INET && !memcmp(addr, "\x7f\0\0\x01", 4);
}

int live_scenario_dualstack(const char *recorder)
{
	const char *const args[] = {"--families", "net", NULL};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a6);
	struct dual_ctx c = {0};
	struct live_recorder r;
	int lfd, cfd, sfd, off = 0;

	live_recorder__start(&r, recorder, args);
	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK(lfd >= 0 && setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0 &&
		      bind(lfd, (struct sockaddr *)&a6, sizeof(a6)) == 0 && listen(lfd, 1) == 0 &&
		      getsockname(lfd, (struct sockaddr *)&a6, &alen) == 0,
	      "listen on [::]: %s", strerror(errno));
	c.port = ntohs(a6.sin6_port);
	a4.sin_port = a6.sin6_port;
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(cfd >= 0 && connect(cfd, (struct sockaddr *)&a4, sizeof(a4)) == 0, "connect: %s",
	      strerror(errno));
	sfd = accept(lfd, NULL, NULL);
	CHECK(sfd >= 0, "accept: %s", strerror(errno));
	CHECK(write(cfd, "x", 1) == 1 && read(sfd, &off, 1) == 1, "exchange");
	close(cfd);
	close(sfd);
	close(lfd);
	live_recorder__stop(&r);
	live_read_dir(r.dir, dual_visit, &c);
	printf("dualstack: %u accepts on [::]:%u, %u written as IPv4 127.0.0.1\n", c.accepts,
	       c.port, c.v4);
	CHECK(c.accepts == 1 && c.v4 == 1, "the v4-mapped accept was not written as IPv4");
	return 0;
}

/* ---- a connection opened before the recorder started ---- */

struct early_ctx {
	uint16_t port;
	unsigned closes, unknown;
};

static void early_visit(const struct fr_record *rec, const struct fr_event *ev, void *arg)
{
	struct early_ctx *c = arg;

	if (!ev || ev->kind != FR_KIND_TCP_CLOSE ||
	    (live_field(ev, "sport") != c->port && live_field(ev, "dport") != c->port))
		return;
	c->closes++;
	c->unknown += live_field(ev, "active") == FR_TCP_ORIGIN_UNKNOWN;
}

int live_scenario_preexisting(const char *recorder)
{
	const char *const args[] = {"--families", "net", NULL};
	struct early_ctx c = {0};
	struct sockaddr_in a;
	struct live_recorder r;
	int lfd, cfd, sfd;
	char b;

	/* CLOEXEC: the recorder, forked later, must not keep the sockets open */
	lfd = live_listen_loopback(&a, SOCK_CLOEXEC);
	c.port = ntohs(a.sin_port);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(cfd >= 0 && connect(cfd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
	      strerror(errno));
	sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(sfd >= 0, "accept: %s", strerror(errno));
	live_recorder__start(&r, recorder, args);
	close(cfd);
	CHECK(read(sfd, &b, 1) == 0, "no EOF");
	close(sfd);
	close(lfd);
	usleep(100000); /* the last ACK closes the server side */
	live_recorder__stop(&r);
	live_read_dir(r.dir, early_visit, &c);
	printf("preexisting: %u closes of a connection opened before recording, %u of unknown "
	       "origin\n",
	       c.closes, c.unknown);
	/* neither side may claim to know who connected */
	CHECK(c.closes >= 1 && c.unknown == c.closes, "closes %u, unknown origin %u", c.closes,
	      c.unknown);
	return 0;
}
