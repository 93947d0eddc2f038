/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/bundle/pseudo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* splitmix64's finalizer: a bijection of 64-bit values */
static uint64_t mix(uint64_t v)
{
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
	v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
	return v ^ (v >> 31);
}

void fr_pseudo__init_key(struct fr_pseudo *p, const uint8_t key[32], int keep_subnets)
{
	memcpy(p->key, key, sizeof(p->key));
	for (int i = 0; i < 4; i++) {
		uint64_t k;

		memcpy(&k, key + 8 * i, 8);
		p->k64[i] = mix(k + 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1));
	}
	p->keep_subnets = keep_subnets;
}

int fr_pseudo__init(struct fr_pseudo *p, int keep_subnets)
{
	uint8_t key[32];
	size_t got = 0;

	while (got < sizeof(key)) {
		const ssize_t n = getrandom(key + got, sizeof(key) - got, 0);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	fr_pseudo__init_key(p, key, keep_subnets);
	memset(key, 0, sizeof(key));
	return 0;
}

uint64_t fr_pseudo__kptr(const struct fr_pseudo *p, uint64_t v)
{
	uint64_t r;

	if (!v)
		return 0;
	/* xor-key, bijective mix, xor-key: a keyed permutation; 0 is reserved
	 * for "unknown", so a value mapping to 0 takes the image of 0 */
	r = mix(v ^ p->k64[0]) ^ p->k64[1];
	return r ? r : (mix(p->k64[0]) ^ p->k64[1]);
}

/* Round function of the Feistel networks: key, round and input mixed. */
static uint64_t round_f(const struct fr_pseudo *p, unsigned round, uint64_t x)
{
	return mix(x ^ p->k64[2] ^ (0x9e3779b97f4a7c15ull * (round + 1)));
}

static uint32_t perm32(const struct fr_pseudo *p, uint32_t v)
{
	uint16_t l = (uint16_t)(v >> 16), r = (uint16_t)v;

	for (unsigned i = 0; i < 4; i++) {
		const uint16_t t = r;

		r = l ^ (uint16_t)round_f(p, i, r);
		l = t;
	}
	return ((uint32_t)l << 16) | r;
}

/* Prefix-preserving: byte i is xored with a function of bytes 0..i-1, so
 * equal prefixes give equal prefixes and each step is invertible. */
static void prefix_perm(const struct fr_pseudo *p, uint8_t *a, size_t len)
{
	uint64_t h = p->k64[3];

	for (size_t i = 0; i < len; i++) {
		const uint8_t in = a[i];

		a[i] ^= (uint8_t)mix(h ^ (0x100ull * i));
		h = mix(h ^ in ^ ((uint64_t)(i + 1) << 8));
	}
}

static void v4(const struct fr_pseudo *p, uint8_t *a)
{
	uint32_t v;

	if (p->keep_subnets) {
		prefix_perm(p, a, 4);
		return;
	}
	v = ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
	v = perm32(p, v);
	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
}

static void v6(const struct fr_pseudo *p, uint8_t *a)
{
	uint64_t l, r;

	if (p->keep_subnets) {
		prefix_perm(p, a, 16);
		return;
	}
	memcpy(&l, a, 8);
	memcpy(&r, a + 8, 8);
	for (unsigned i = 0; i < 4; i++) {
		const uint64_t t = r;

		r = l ^ round_f(p, i + 8, r);
		l = t;
	}
	memcpy(a, &l, 8);
	memcpy(a + 8, &r, 8);
}

int fr_pseudo__ip(const struct fr_pseudo *p, uint8_t *a, size_t len)
{
	static const uint8_t zero[16], mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (len == 4) {
		if (a[0] == 127 || !memcmp(a, zero, 4))
			return 0;
		v4(p, a);
		return 1;
	}
	if (len != 16 || !memcmp(a, zero, 16) || (!memcmp(a, zero, 15) && a[15] == 1))
		return 0;
	if (!memcmp(a, mapped, 12))
		return fr_pseudo__ip(p, a + 12, 4);
	v6(p, a);
	return 1;
}

int fr_pseudo__ip_text(const struct fr_pseudo *p, const char *in, char *out, size_t cap)
{
	uint8_t a[16];
	int af = AF_INET, changed;

	if (inet_pton(AF_INET, in, a) != 1) {
		af = AF_INET6;
		if (!strchr(in, ':') || inet_pton(AF_INET6, in, a) != 1)
			return -1;
	}
	changed = fr_pseudo__ip(p, a, af == AF_INET ? 4 : 16);
	if (!changed)
		return 0;
	return inet_ntop(af, a, out, (socklen_t)cap) ? 1 : -1;
}

void fr_pseudo__str(const struct fr_pseudo *p, const char *tag, const void *s, size_t len,
		    char *out, size_t cap)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	HMAC(EVP_sha256(), p->key, sizeof(p->key), s, len, md, &mdlen);
	snprintf(out, cap, "%s-%02x%02x%02x%02x%02x%02x%02x%02x", tag, md[0], md[1], md[2], md[3],
		 md[4], md[5], md[6], md[7]);
}
