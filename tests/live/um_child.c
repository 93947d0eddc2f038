/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workload of the live usermetric scenario (live_usermetric.c), run
 * through a symlink named umwork so that this is its comm:
 *   fr_um_child FAILS SYNCS CONNECTS FILE
 * makes FAILS rmdir calls that fail with ENOENT, SYNCS fsync and
 * fdatasync calls on FILE (each after a write), and CONNECTS TCP
 * connections to a listener of its own on 127.0.0.1, then writes what it
 * did (struct um_report, counted by itself) on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "um_child.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int syncs(const char *path, long n, struct um_report *r)
{
	char block[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	memset(block, 'u', sizeof(block));
	for (long i = 0; i < n; i++) {
		int64_t t0, dt;
		int rc;

		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			return -1;
		t0 = now_ns();
		rc = i % 3 ? fsync(fd) : fdatasync(fd);
		dt = now_ns() - t0;
		if (rc)
			return -1;
		r->fsyncs++;
		r->sync_ns += dt;
		r->sync_slow += dt >= 10000000;
	}
	return close(fd);
}

static int connects(long n, struct um_report *r)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 64) ||
	    getsockname(lfd, (struct sockaddr *)&a, &len))
		return -1;
	r->port = ntohs(a.sin_port);
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;

		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
			return -1;
		r->connects++;
		s = accept(lfd, NULL, NULL);
		if (s < 0)
			return -1;
		close(c);
		close(s);
	}
	return close(lfd);
}

int main(int argc, char **argv)
{
	struct um_report r = {0};

	if (argc != 5)
		return 2;
	for (long i = 0, n = atol(argv[1]); i < n; i++)
		if (rmdir("/nonexistent-flightrec-usermetric/x") == 0 || errno != ENOENT)
			return 1;
		else
			r.rmdir_enoent++;
	if (syncs(argv[4], atol(argv[2]), &r) || connects(atol(argv[3]), &r))
		return 1;
	return write(1, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1;
}
