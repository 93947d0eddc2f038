/* SPDX-License-Identifier: BSD-2-Clause */
/* What the ringctl modules share and nobody else uses. */
#ifndef FR_FORMAT_RINGCTL_PRIV_H
#define FR_FORMAT_RINGCTL_PRIV_H

#include <stdbool.h>
#include <stddef.h>

/* Format the reason into why (may be NULL). Return: err. */
int fr_ringctl__say(char *why, size_t cap, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Write all of s to fd (sock: a socket, without SIGPIPE). Return: 0 or -errno. */
int fr_ringctl__write_all(int fd, const char *s, size_t n, bool sock);

#endif /* FR_FORMAT_RINGCTL_PRIV_H */
