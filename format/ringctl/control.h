/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The recorder's control socket: DIR/.control.sock, a unix stream socket
 * (0600) that `flightrec mark`, `pin` and `unpin` talk to. One request per
 * connection: a JSON object on one line ({"op": "mark", "text": "..."}),
 * answered by one JSON object on one line ({"ok": true, ...} or
 * {"ok": false, "error": "why"}). Only root and the owner of the ring
 * directory are served (SO_PEERCRED). The recorder serves requests in its
 * event loop, so a marker goes through the one writer and a pin is
 * decided between two deletions. libc and jansson; nothing here prints.
 */
#ifndef FR_FORMAT_RINGCTL_CONTROL_H
#define FR_FORMAT_RINGCTL_CONTROL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define FR_CONTROL_SOCK	   ".control.sock"
#define FR_MARK_TEXT_MAX   1024 /* bytes of UTF-8 */
#define FR_CONTROL_REQ_MAX (16 * 1024)

/* Marker text: 1 to FR_MARK_TEXT_MAX bytes of valid UTF-8 without
 * control characters (C0, DEL, C1). Return: 0, or -EINVAL with `why`. */
int fr_mark__check_text(const char *s, size_t len, char *why, size_t cap);

/*
 * Send `req` to the recorder of `dir` and wait (at most timeout_ms) for
 * its answer (*resp, owned by the caller). Return: 0, -ENOTCONN when no
 * recorder listens there (no socket, or a stale one), or -errno with
 * `why`.
 */
int fr_control__call(const char *dir, json_t *req, int timeout_ms, json_t **resp, char *why,
		     size_t cap);

struct fr_control;

/* A request's handler: returns the answer (the server sends and frees it). */
typedef json_t *(*fr_control_fn)(void *ctx, const json_t *req);

/*
 * Listen on DIR/.control.sock: a stale socket (nobody answers) is
 * replaced; -EADDRINUSE when another process serves it (a recorder is
 * running on this directory). Return: 0 or -errno with `why`.
 */
int fr_control__listen(const char *dir, struct fr_control **out, char *why, size_t cap);

/* The listening fd, for the event loop (EPOLLIN: a client waits). */
int fr_control__fd(const struct fr_control *c);

/* Accept the clients waiting and answer each through `fn` (a client that
 * sends nothing within a short timeout is dropped). Return: requests served. */
int fr_control__serve(struct fr_control *c, fr_control_fn fn, void *ctx);

/* Close and remove the socket. Accepts NULL. */
void fr_control__close(struct fr_control *c);

/* {"ok": false, "error": why} */
json_t *fr_control__error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* FR_FORMAT_RINGCTL_CONTROL_H */
