/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* struct ucred, accept4 */
#include "format/ringctl/control.h"
#include "format/ringctl/ringctl_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SERVE_MAX      8   /* clients answered per wake of the loop */
#define CLIENT_TIMEOUT 200 /* ms a client may take to send its request */

struct fr_control {
	int fd, dfd;
	uid_t owner; /* of the ring directory */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *unlink_path;
};

int fr_ringctl__say(char *why, size_t cap, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && cap) {
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Decode one UTF-8 sequence at s[i]; Return: its length, 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len, size_t i, unsigned *cp)
{
	const unsigned char c = s[i];
	size_t n;
	unsigned v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07;
	else
		return 0;
	if (i + n > len)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i + k] & 0x3f);
	}
	/* overlong forms, surrogates, past U+10FFFF */
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

int fr_mark__check_text(const char *s, size_t len, char *why, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!len)
		return fr_ringctl__say(why, cap, -EINVAL, "the marker text is empty");
	if (len > FR_MARK_TEXT_MAX)
		return fr_ringctl__say(why, cap, -EINVAL,
				       "the marker text has %zu bytes: at most %d", len,
				       FR_MARK_TEXT_MAX);
	for (size_t i = 0; i < len;) {
		unsigned cp;
		const size_t n = utf8_seq(u, len, i, &cp);

		if (!n)
			return fr_ringctl__say(why, cap, -EINVAL,
					       "the marker text is not UTF-8 (byte %zu: 0x%02x)", i,
					       u[i]);
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return fr_ringctl__say(
				why, cap, -EINVAL,
				"the marker text holds a control character (U+%04X at byte "
				"%zu): one line of printable text",
				cp, i);
		i += n;
	}
	return 0;
}

/* The socket's address: DIR/.control.sock, or through /proc/self/fd when
 * the directory's path is too long for sun_path. *dfd: that fd, or -1. */
static int address(const char *dir, struct sockaddr_un *sa, int *dfd)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	*dfd = -1;
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir, FR_CONTROL_SOCK);
	if (n >= 0 && (size_t)n < sizeof(sa->sun_path))
		return 0;
	*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dfd < 0)
		return -errno;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dfd, FR_CONTROL_SOCK);
	return 0;
}

static void timeouts(int fd, int ms)
{
	const struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int fr_ringctl__write_all(int fd, const char *s, size_t n, bool sock)
{
	while (n) {
		/* a client gone must not SIGPIPE the recorder */
		const ssize_t w = sock ? send(fd, s, n, MSG_NOSIGNAL) : write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One line (up to '\n' or EOF) into a malloc'd buffer. Return: bytes or -errno. */
static ssize_t recv_line(int fd, char **out)
{
	char *buf = malloc(FR_CONTROL_REQ_MAX + 1);
	size_t n = 0;

	*out = buf;
	if (!buf)
		return -ENOMEM;
	while (n < FR_CONTROL_REQ_MAX && !memchr(buf, '\n', n)) {
		const ssize_t r = recv(fd, buf + n, FR_CONTROL_REQ_MAX - n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (!r)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	if (n == FR_CONTROL_REQ_MAX && !memchr(buf, '\n', n))
		return -EMSGSIZE;
	return (ssize_t)n;
}

static int connect_to(const char *dir, int *out)
{
	struct sockaddr_un sa;
	int dfd, fd, err = address(dir, &sa, &dfd);

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = -errno;
	else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = -errno;
	if (dfd >= 0)
		close(dfd);
	if (err && fd >= 0)
		close(fd);
	if (!err)
		*out = fd;
	return err;
}

int fr_control__call(const char *dir, json_t *req, int timeout_ms, json_t **resp, char *why,
		     size_t cap)
{
	char *line = json_dumps(req, JSON_COMPACT), *ans = NULL;
	json_error_t jerr;
	ssize_t n;
	int fd = -1, err;

	*resp = NULL;
	if (!line)
		return fr_ringctl__say(why, cap, -ENOMEM, "out of memory");
	err = connect_to(dir, &fd);
	if (err == -ENOENT || err == -ECONNREFUSED) {
		free(line);
		return fr_ringctl__say(why, cap, -ENOTCONN,
				       "no recorder is running on %s (no one answers on %s/%s)",
				       dir, dir, FR_CONTROL_SOCK);
	}
	if (err) {
		free(line);
		return fr_ringctl__say(why, cap, err, "cannot reach the recorder of %s: %s", dir,
				       strerror(-err));
	}
	timeouts(fd, timeout_ms);
	err = fr_ringctl__write_all(fd, line, strlen(line), true);
	err = err ?: fr_ringctl__write_all(fd, "\n", 1, true);
	free(line);
	if (!err)
		shutdown(fd, SHUT_WR);
	n = err ? err : recv_line(fd, &ans);
	close(fd);
	if (n < 0) {
		free(ans);
		return fr_ringctl__say(why, cap, (int)n, "no answer from the recorder of %s: %s",
				       dir, strerror((int)-n));
	}
	*resp = json_loadb(ans, (size_t)n, 0, &jerr);
	free(ans);
	if (!*resp || !json_is_object(*resp)) {
		json_decref(*resp);
		*resp = NULL;
		return fr_ringctl__say(why, cap, -EPROTO,
				       "the recorder of %s answered no JSON object", dir);
	}
	return 0;
}

json_t *fr_control__error(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_pack("{s:b,s:s}", "ok", 0, "error", buf);
}

int fr_control__listen(const char *dir, struct fr_control **out, char *why, size_t cap)
{
	struct fr_control *c = calloc(1, sizeof(*c));
	struct sockaddr_un sa;
	struct stat sb;
	int err, probe;

	if (!c)
		return fr_ringctl__say(why, cap, -ENOMEM, "out of memory");
	c->fd = -1;
	err = stat(dir, &sb) < 0 ? -errno : address(dir, &sa, &c->dfd);
	if (err) {
		free(c);
		return fr_ringctl__say(why, cap, err, "%s: %s", dir, strerror(-err));
	}
	c->owner = sb.st_uid;
	memcpy(c->path, sa.sun_path, sizeof(c->path));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	err = c->fd < 0 ? -errno : 0;
	if (!err && bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		/* left by a recorder that died: nobody answers on it */
		if (err == -EADDRINUSE && connect_to(dir, &probe) == 0) {
			close(probe);
		} else if (err == -EADDRINUSE && unlink(c->path) == 0) {
			err = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
		}
	}
	if (err == -EADDRINUSE) {
		fr_control__close(c);
		return fr_ringctl__say(
			why, cap, err,
			"another process serves %s/%s: is a recorder already writing %s?", dir,
			FR_CONTROL_SOCK, dir);
	}
	c->unlink_path = err ? NULL : strdup(c->path);
	/* SO_PEERCRED below holds for the instant before the chmod */
	if (!err && chmod(c->path, 0600) < 0)
		err = -errno;
	if (!err && listen(c->fd, 16) < 0)
		err = -errno;
	if (err) {
		fr_control__close(c);
		return fr_ringctl__say(why, cap, err, "cannot listen on %s/%s: %s", dir,
				       FR_CONTROL_SOCK, strerror(-err));
	}
	*out = c;
	return 0;
}

int fr_control__fd(const struct fr_control *c)
{
	return c->fd;
}

static json_t *answer(struct fr_control *c, int fd, fr_control_fn fn, void *ctx)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	json_error_t jerr;
	json_t *req, *resp;
	char *line;
	ssize_t n;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return fr_control__error("cannot tell who is asking: %s", strerror(errno));
	if (cr.uid != 0 && cr.uid != c->owner && cr.uid != geteuid())
		return fr_control__error("permission denied: uid %u is neither root nor the "
					 "owner of the ring directory",
					 (unsigned)cr.uid);
	n = recv_line(fd, &line);
	if (n < 0) {
		free(line);
		return fr_control__error("bad request: %s", strerror((int)-n));
	}
	req = json_loadb(line, (size_t)n, 0, &jerr);
	free(line);
	if (!json_is_object(req)) {
		json_decref(req);
		return fr_control__error("bad request: not a JSON object");
	}
	resp = fn(ctx, req);
	json_decref(req);
	return resp ? resp : fr_control__error("out of memory");
}

int fr_control__serve(struct fr_control *c, fr_control_fn fn, void *ctx)
{
	int served = 0;

	while (served < SERVE_MAX) {
		const int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		json_t *resp;
		char *line;

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			break;
		timeouts(fd, CLIENT_TIMEOUT);
		resp = answer(c, fd, fn, ctx);
		line = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
		if (line && !fr_ringctl__write_all(fd, line, strlen(line), true))
			fr_ringctl__write_all(fd, "\n", 1, true);
		free(line);
		json_decref(resp);
		close(fd);
		served++;
	}
	return served;
}

void fr_control__close(struct fr_control *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->unlink_path)
		unlink(c->unlink_path);
	if (c->dfd >= 0)
		close(c->dfd);
	free(c->unlink_path);
	free(c);
}
