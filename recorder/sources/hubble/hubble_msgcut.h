/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gRPC's message framing cut out of a response body: each message is a
 * 5-byte prefix (a compressed flag, a 32-bit big-endian length) and that
 * many bytes. The body arrives as the payloads of HTTP/2 DATA frames, cut
 * wherever the sender or the socket cut it; fed chunk by chunk, the cutter
 * hands on every whole message, pointing into the chunk when the message
 * lies in it whole (no copy: the common case) and gathered in a buffer of
 * its own when it spans chunks. A message with the compressed flag (never
 * asked for: the client says grpc-accept-encoding identity) or longer
 * than the bound is reported once at its prefix and then skipped without
 * being buffered: the framing stays in step and the stream goes on.
 * Whatever the chunks, the same messages come out in the same order
 * (tests/hubble/test_msgcut.c, fuzz_msgcut).
 */
#ifndef FR_RECORDER_HUBBLE_MSGCUT_H
#define FR_RECORDER_HUBBLE_MSGCUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FR_HUBBLE_MSGCUT_PREFIX 5

enum fr_hubble_msgcut_what {
	FR_HUBBLE_MSGCUT_MESSAGE = 0,	 /* a whole message: msg[0..len) */
	FR_HUBBLE_MSGCUT_COMPRESSED = 1, /* flag set: len bytes skipped, msg NULL */
	FR_HUBBLE_MSGCUT_TOO_BIG = 2,	 /* over the bound: len bytes skipped, msg NULL */
};

/* Return 0 to go on, or -errno to stop the feed (returned by it). */
typedef int (*fr_hubble_msgcut_fn)(void *ctx, enum fr_hubble_msgcut_what what, const uint8_t *msg,
				   size_t len);

struct fr_hubble_msgcut {
	size_t max;			      /* longest message taken */
	uint8_t pre[FR_HUBBLE_MSGCUT_PREFIX]; /* a prefix cut across chunks */
	size_t npre;			      /* its bytes so far */
	bool in_body;			      /* past the prefix of the message */
	bool skip;			      /* its body is dropped */
	uint32_t need;			      /* its body's length */
	uint32_t have;			      /* of which seen */
	uint8_t *buf;			      /* a body that spans chunks */
	size_t cap;
};

/* An empty cutter for messages of at most max bytes (max < 4 GiB). */
void fr_hubble_msgcut__init(struct fr_hubble_msgcut *c, size_t max);

/*
 * Cuts data[0..len) on from where the last chunk ended, calling fn for
 * each message completed (or refused) in it, in order.
 * Return: 0, -ENOMEM (a spanning message's buffer), or fn's -errno (the
 * rest of the chunk is not looked at: the stream is to be given up).
 */
int fr_hubble_msgcut__feed(struct fr_hubble_msgcut *c, const uint8_t *data, size_t len,
			   fr_hubble_msgcut_fn fn, void *ctx);

/* Bytes of a message begun and not finished (0: the body ended between
 * messages); *want: that message's whole size, prefix included (0 while
 * its prefix is incomplete). */
size_t fr_hubble_msgcut__pending(const struct fr_hubble_msgcut *c, size_t *want);

/* Forgets any message in progress (a new stream); keeps the buffer. */
void fr_hubble_msgcut__reset(struct fr_hubble_msgcut *c);

/* Frees the buffer. */
void fr_hubble_msgcut__free(struct fr_hubble_msgcut *c);

#endif /* FR_RECORDER_HUBBLE_MSGCUT_H */
