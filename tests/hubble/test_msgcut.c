/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The gRPC message cutter (recorder/sources/hubble/hubble_msgcut.h)
 * against the messages a stream was built from: fed whole, split in two
 * at every byte offset, a byte at a time and in seeded random chunks, it
 * must hand on exactly those messages (bytes equal), report the
 * compressed and oversized ones with their lengths and skip their bodies,
 * say how much of an unfinished message it holds, and pass a callback's
 * error back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubble_msgcut.h"

#define MAX_MSG	 1024
#define NMSG_MAX 32

struct msg {
	enum fr_hubble_msgcut_what what;
	uint8_t flag;
	size_t len;
	size_t off; /* the body's offset in the stream */
};

struct log {
	const uint8_t *stream;
	const struct msg *want;
	size_t n, nwant;
	int bad;
	int stop_at; /* return -EPIPE at this message (-1: never) */
};

static int failures;

#define CHECK(c, ...)                                                                              \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			failures++;                                                                \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

/* Each message handed on, checked against the next one built. */
static int on_msg(void *ctx, enum fr_hubble_msgcut_what what, const uint8_t *m, size_t len)
{
	struct log *l = ctx;
	const struct msg *w = l->n < l->nwant ? &l->want[l->n] : NULL;

	if (!w || w->what != what || w->len != len ||
	    (what == FR_HUBBLE_MSGCUT_MESSAGE ? !m || memcmp(m, l->stream + w->off, len) : !!m))
		l->bad++;
	if ((int)l->n++ == l->stop_at)
		return -EPIPE;
	return 0;
}

static size_t put(uint8_t *s, size_t at, uint8_t flag, size_t len, struct msg *m, size_t *nm,
		  enum fr_hubble_msgcut_what what, unsigned seed)
{
	s[at] = flag;
	s[at + 1] = (uint8_t)(len >> 24);
	s[at + 2] = (uint8_t)(len >> 16);
	s[at + 3] = (uint8_t)(len >> 8);
	s[at + 4] = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		s[at + 5 + i] = (uint8_t)(seed * 131 + i * 7);
	m[*nm] = (struct msg){.what = what, .flag = flag, .len = len, .off = at + 5};
	(*nm)++;
	return at + 5 + len;
}

/* The stream: sizes around the prefix's, a flow's, the bound's; a
 * compressed message, one with flag 2, one over the bound. */
static size_t build(uint8_t *s, struct msg *m, size_t *nm)
{
	static const size_t sizes[] = {0, 1, 4, 5, 6, 100, 907, 0, MAX_MSG, 3};
	size_t at = 0;
	unsigned k = 0;

	*nm = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		at = put(s, at, 0, sizes[i], m, nm, FR_HUBBLE_MSGCUT_MESSAGE, k++);
	at = put(s, at, 1, 50, m, nm, FR_HUBBLE_MSGCUT_COMPRESSED, k++);
	at = put(s, at, 0, 907, m, nm, FR_HUBBLE_MSGCUT_MESSAGE, k++);
	at = put(s, at, 2, 3, m, nm, FR_HUBBLE_MSGCUT_COMPRESSED, k++);
	at = put(s, at, 0, MAX_MSG + 1, m, nm, FR_HUBBLE_MSGCUT_TOO_BIG, k++);
	at = put(s, at, 0, 2, m, nm, FR_HUBBLE_MSGCUT_MESSAGE, k++);
	at = put(s, at, 1, 0, m, nm, FR_HUBBLE_MSGCUT_COMPRESSED, k++);
	at = put(s, at, 0, 907, m, nm, FR_HUBBLE_MSGCUT_MESSAGE, k++);
	return at;
}

/* Feeds s in the chunks cuts[] ends (ascending, the last = len). */
static void feed_cuts(const uint8_t *s, size_t len, const size_t *cuts, size_t ncuts, struct log *l)
{
	struct fr_hubble_msgcut c;
	size_t from = 0, want = 1;

	fr_hubble_msgcut__init(&c, MAX_MSG);
	l->n = 0;
	l->bad = 0;
	for (size_t i = 0; i < ncuts; i++) {
		/* a copy: a message handed on must not be read past its chunk */
		uint8_t *chunk = malloc(cuts[i] - from + 1);

		memcpy(chunk, s + from, cuts[i] - from);
		if (fr_hubble_msgcut__feed(&c, chunk, cuts[i] - from, on_msg, l))
			l->bad++;
		free(chunk);
		from = cuts[i];
	}
	if (fr_hubble_msgcut__pending(&c, &want) || want)
		l->bad++;
	fr_hubble_msgcut__free(&c);
}

static unsigned next_rand(unsigned *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

int main(void)
{
	static uint8_t s[16384];
	struct msg m[NMSG_MAX];
	size_t nm, len = build(s, m, &nm), cuts[16384];
	struct log l = {.stream = s, .want = m, .nwant = nm, .stop_at = -1};
	unsigned seed = 12345;
	int bad_splits = 0;

	feed_cuts(s, len, &len, 1, &l);
	CHECK(!l.bad && l.n == nm, "whole: %zu of %zu messages, %d wrong", l.n, nm, l.bad);

	for (size_t i = 0; i <= len; i++) {
		cuts[0] = i;
		cuts[1] = len;
		feed_cuts(s, len, cuts, 2, &l);
		bad_splits += l.bad || l.n != nm;
	}
	CHECK(!bad_splits, "split in two: %d of %zu offsets wrong", bad_splits, len + 1);

	for (size_t i = 0; i < len; i++)
		cuts[i] = i + 1;
	feed_cuts(s, len, cuts, len, &l);
	CHECK(!l.bad && l.n == nm, "a byte at a time: %zu of %zu messages, %d wrong", l.n, nm,
	      l.bad);

	bad_splits = 0;
	for (int round = 0; round < 2000; round++) {
		size_t n = 0, at = 0;

		while (at < len) {
			const unsigned r = next_rand(&seed);

			at += r % 8 == 0 ? r % 2000 : r % 9; /* empty chunks too */
			cuts[n++] = at < len ? at : len;
		}
		feed_cuts(s, len, cuts, n, &l);
		bad_splits += l.bad || l.n != nm;
	}
	CHECK(!bad_splits, "random chunks: %d of 2000 rounds wrong", bad_splits);

	/* unfinished: inside a prefix, then inside a body */
	{
		struct fr_hubble_msgcut c;
		size_t want = 0, got;

		fr_hubble_msgcut__init(&c, MAX_MSG);
		l.n = 0;
		l.bad = 0;
		fr_hubble_msgcut__feed(&c, s, m[6].off - 2, on_msg, &l); /* 907's prefix, 3 of 5 */
		got = fr_hubble_msgcut__pending(&c, &want);
		CHECK(got == 3 && want == 0 && l.n == 6, "inside a prefix: %zu held, want %zu", got,
		      want);
		fr_hubble_msgcut__feed(&c, s + m[6].off - 2, 102, on_msg, &l);
		got = fr_hubble_msgcut__pending(&c, &want);
		CHECK(got == 105 && want == 912 && l.n == 6, "inside a body: %zu of %zu", got,
		      want);
		fr_hubble_msgcut__reset(&c);
		got = fr_hubble_msgcut__pending(&c, &want);
		CHECK(!got && !want, "reset: nothing held");
		fr_hubble_msgcut__free(&c);
	}

	/* a callback's error ends the feed there */
	{
		struct fr_hubble_msgcut c;
		int rc;

		fr_hubble_msgcut__init(&c, MAX_MSG);
		l.n = 0;
		l.bad = 0;
		l.stop_at = 3;
		rc = fr_hubble_msgcut__feed(&c, s, len, on_msg, &l);
		CHECK(rc == -EPIPE && l.n == 4 && !l.bad, "stop: rc %d after %zu messages", rc,
		      l.n);
		fr_hubble_msgcut__free(&c);
	}
	printf("%s: %zu messages in %zu bytes, every split\n", failures ? "FAIL" : "ok", nm, len);
	return failures ? 1 : 0;
}
