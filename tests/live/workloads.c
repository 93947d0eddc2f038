/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* accept4 */
#include "workloads.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int loopback_socket(int type, uint16_t *port, bool listen_too)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
	    (listen_too && listen(fd, 64) < 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_loopback(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int64_t read_to_eof(int fd, char *buf, size_t cap)
{
	int64_t total = 0;
	ssize_t n;

	while ((n = read(fd, buf, cap)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		total += n;
	}
	return total;
}

int workload_tcp_loopback(unsigned n, struct tcp_result *res)
{
	static char buf[1 << 16];
	int lfd, err = 0;

	memset(res, 0, sizeof(*res));
	memset(buf, 'x', sizeof(buf));
	lfd = loopback_socket(SOCK_STREAM, &res->port, true);
	if (lfd < 0)
		return lfd;
	for (unsigned i = 0; i < n && !err; i++) {
		/* sizes differ per connection so a swapped counter shows */
		const size_t len = 5000 + (size_t)i * 997;
		int cfd = connect_loopback(res->port), sfd;
		int64_t got;

		if (cfd < 0) {
			err = cfd;
			break;
		}
		sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (sfd < 0) {
			err = -errno;
			close(cfd);
			break;
		}
		err = write_all(cfd, buf, len);
		close(cfd);
		got = read_to_eof(sfd, buf, sizeof(buf));
		close(sfd);
		if (!err && got != (int64_t)len)
			err = got < 0 ? (int)got : -EIO;
		res->connections++;
		res->bytes += len;
	}
	close(lfd);
	return err;
}

int workload_file(const char *path, unsigned nblocks, size_t blksz, struct file_result *res)
{
	char *buf = malloc(blksz);
	int fd, err = 0;
	int64_t got;

	memset(res, 0, sizeof(*res));
	if (!buf)
		return -ENOMEM;
	memset(buf, 'f', blksz);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	res->fd = fd;
	for (unsigned i = 0; i < nblocks && !err; i++) {
		err = write_all(fd, buf, blksz);
		res->written += err ? 0 : blksz;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	close(fd);
	fd = err ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (!err && fd < 0)
		err = -errno;
	if (!err) {
		got = read_to_eof(fd, buf, blksz);
		err = got < 0 ? (int)got : 0;
		res->read = got > 0 ? (uint64_t)got : 0;
		close(fd);
	}
	free(buf);
	return err;
}

void workload_getppid(uint64_t n)
{
	/* syscall(2) directly: glibc could cache or inline nothing here, but be explicit */
	for (uint64_t i = 0; i < n; i++)
		syscall(SYS_getppid);
}

int workload_udp_to_closed_port(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = loopback_socket(SOCK_DGRAM, port, false), tx;

	if (fd < 0)
		return fd;
	close(fd); /* the port is now closed */
	a.sin_port = htons(*port);
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tx < 0)
		return -errno;
	if (sendto(tx, "drop me", 7, 0, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = -errno;

		close(tx);
		return err;
	}
	close(tx);
	return 0;
}

int workload_tcp_to_closed_port(uint16_t *port)
{
	int fd = loopback_socket(SOCK_STREAM, port, false);

	if (fd < 0)
		return fd;
	close(fd); /* bound but never listening, and now closed */
	fd = connect_loopback(*port);
	if (fd >= 0) {
		close(fd);
		return -EEXIST; /* someone else took the port */
	}
	return fd == -ECONNREFUSED ? 0 : fd;
}

pid_t workload_exec_exit(int code)
{
	char arg[32];
	pid_t pid;
	int status;

	snprintf(arg, sizeof(arg), "exit %d", code);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", arg, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == code ? pid : -ECHILD;
}
