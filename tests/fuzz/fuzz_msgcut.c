/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the recorder's gRPC message cutter
 * (recorder/sources/hubble/hubble_msgcut.h) on any response body. Input:
 * byte 0 picks the size bound, bytes 1..4 seed the chunking, the rest is
 * the body. Asserts that the messages handed on (kind, length, bytes) are
 * those of a plain sequential reading of the body, whether it is fed
 * whole, a byte at a time, split in two at every offset (small bodies;
 * 64 offsets otherwise) or in seeded random chunks, and that what is held
 * at the end is the unfinished rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hubble_msgcut.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EVENTS_MAX 4096

struct ev {
	uint8_t what;
	uint32_t len;
	uint64_t hash; /* FNV-1a of the bytes */
};

struct evlog {
	struct ev ev[EVENTS_MAX];
	size_t n;
};

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void add(struct evlog *l, uint8_t what, size_t len, uint64_t hash)
{
	if (l->n < EVENTS_MAX)
		l->ev[l->n] = (struct ev){what, (uint32_t)len, hash};
	l->n++;
}

static int on_msg(void *ctx, enum fr_hubble_msgcut_what what, const uint8_t *m, size_t len)
{
	if ((what == FR_HUBBLE_MSGCUT_MESSAGE) != !!m)
		abort();
	add(ctx, (uint8_t)what, len, m ? fnv(m, len) : 0);
	return 0;
}

/* The truth: the body read front to back, prefix by prefix. */
static size_t reference(const uint8_t *b, size_t n, size_t max, struct evlog *l)
{
	size_t at = 0;

	l->n = 0;
	while (n - at >= 5) {
		const uint32_t len = (uint32_t)b[at + 1] << 24 | (uint32_t)b[at + 2] << 16 |
				     (uint32_t)b[at + 3] << 8 | b[at + 4];
		const uint8_t what = b[at]	 ? FR_HUBBLE_MSGCUT_COMPRESSED
				     : len > max ? FR_HUBBLE_MSGCUT_TOO_BIG
						 : FR_HUBBLE_MSGCUT_MESSAGE;

		if (what == FR_HUBBLE_MSGCUT_MESSAGE && n - at - 5 < len)
			break; /* unfinished: held */
		add(l, what, len, what == FR_HUBBLE_MSGCUT_MESSAGE ? fnv(b + at + 5, len) : 0);
		if (n - at - 5 < len)
			return n - at; /* a refused one's body, cut short */
		at += 5 + (size_t)len;
	}
	return n - at;
}

static unsigned next_rand(unsigned *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Feeds b in chunks ending at cuts[]; the log and what is held must be
 * the reference's. */
static void check(const uint8_t *b, size_t n, size_t max, const size_t *cuts, size_t ncuts,
		  const struct evlog *want, size_t held)
{
	static struct evlog got;
	struct fr_hubble_msgcut c;
	size_t from = 0, w;

	got.n = 0;
	fr_hubble_msgcut__init(&c, max);
	for (size_t i = 0; i < ncuts; i++) {
		if (fr_hubble_msgcut__feed(&c, b + from, cuts[i] - from, on_msg, &got))
			abort();
		from = cuts[i];
	}
	if (from != n || got.n != want->n ||
	    memcmp(got.ev, want->ev, (got.n < EVENTS_MAX ? got.n : EVENTS_MAX) * sizeof(got.ev[0])))
		abort();
	/* a refused body cut short is held as bytes of that message too */
	if (fr_hubble_msgcut__pending(&c, &w) != held)
		abort();
	fr_hubble_msgcut__free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct evlog want;
	static size_t cuts[1 << 16];
	const uint8_t *b = data + 5;
	size_t n, max, held;
	unsigned seed;

	if (size < 5 || size - 5 >= sizeof(cuts) / sizeof(cuts[0]))
		return 0;
	n = size - 5;
	max = (size_t)data[0] * 16;
	memcpy(&seed, data + 1, 4);
	seed |= 1;
	held = reference(b, n, max, &want);

	cuts[0] = n;
	check(b, n, max, cuts, 1, &want, held);
	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	check(b, n, max, cuts, n, &want, held);
	for (size_t k = 0; k <= n && k < 1024; k++) {
		cuts[0] = n <= 1024 ? k : next_rand(&seed) % (n + 1);
		cuts[1] = n;
		check(b, n, max, cuts, 2, &want, held);
		if (n > 1024 && k == 64)
			break;
	}
	for (int round = 0; round < 8; round++) {
		size_t nc = 0, at = 0;

		while (at < n) {
			const unsigned r = next_rand(&seed);

			at += r % 4 == 0 ? r % 4096 : r % 7;
			cuts[nc++] = at < n ? at : n;
		}
		check(b, n, max, cuts, nc, &want, held);
	}
	return 0;
}
