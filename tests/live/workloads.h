/* SPDX-License-Identifier: BSD-2-Clause */
/* Workloads the live tests record: each reports what it did. Return 0 or -errno. */
#ifndef FR_TESTS_WORKLOADS_H
#define FR_TESTS_WORKLOADS_H

#include <stdint.h>
#include <sys/types.h>

struct tcp_result {
	uint16_t port; /* listening port on 127.0.0.1 */
	unsigned connections;
	uint64_t bytes; /* sent by clients = received by the server */
};

/* `n` connections on loopback, each sending a different amount, then closing. */
int workload_tcp_loopback(unsigned n, struct tcp_result *res);

struct file_result {
	int fd; /* descriptor number the writes used */
	uint64_t written, read;
};

/* Write nblocks x blksz bytes to `path`, fsync, then read it back. */
int workload_file(const char *path, unsigned nblocks, size_t blksz, struct file_result *res);

void workload_getppid(uint64_t n);

/* One UDP datagram to a port nobody listens on (dropped: NO_SOCKET). */
int workload_udp_to_closed_port(uint16_t *port);

/* A TCP connect to a closed port (SYN dropped, RST sent, ECONNREFUSED). */
int workload_tcp_to_closed_port(uint16_t *port);

/* fork + exec /bin/sh -c "exit CODE"; waits. Return: child pid or -errno. */
pid_t workload_exec_exit(int code);

#endif /* FR_TESTS_WORKLOADS_H */
