/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-bundle pseudonyms: one random key per bundle, so the same value maps
 * to the same pseudonym everywhere in a bundle (reports still join) and to
 * unrelated ones in another bundle (bundles cannot be linked).
 *
 *  - kernel pointers and socket ids: a keyed bijection of the 64-bit value
 *    (distinct sockets stay distinct; 0, "unknown", stays 0);
 *  - IP addresses: a keyed permutation of the address space of the family,
 *    or with `keep_subnets` a prefix-preserving one (two addresses sharing
 *    n leading bits share n leading bits after), so subnets stay visible.
 *    Unspecified and loopback addresses pass: they name no one. An
 *    IPv4-mapped IPv6 address maps its IPv4 part as IPv4, so both forms of
 *    one address keep joining;
 *  - strings: "<tag>-" and 16 hex digits of HMAC-SHA256(key, value).
 */
#ifndef FR_ANALYZER_BUNDLE_PSEUDO_H
#define FR_ANALYZER_BUNDLE_PSEUDO_H

#include <stddef.h>
#include <stdint.h>

struct fr_pseudo {
	uint8_t key[32];
	uint64_t k64[4]; /* derived from key for the integer permutations */
	int keep_subnets;
};

/* A fresh random key. Return: 0 or -errno of getrandom(2). */
int fr_pseudo__init(struct fr_pseudo *p, int keep_subnets);

/* Same with a given key (tests). */
void fr_pseudo__init_key(struct fr_pseudo *p, const uint8_t key[32], int keep_subnets);

/* The per-bundle id of a kernel pointer or socket id (0 stays 0). */
uint64_t fr_pseudo__kptr(const struct fr_pseudo *p, uint64_t v);

/* Rewrite an address of `len` bytes (4 or 16) in place. Return: 1 when it
 * changed, 0 when it passes (special address or other length). */
int fr_pseudo__ip(const struct fr_pseudo *p, uint8_t *addr, size_t len);

/* Rewrite an address in text form in place into `out` (INET6_ADDRSTRLEN).
 * Return: 1 rewritten, 0 passes as is, -1 not an address. */
int fr_pseudo__ip_text(const struct fr_pseudo *p, const char *in, char *out, size_t cap);

/* "<tag>-<16 hex>" of `s[0..len)` into out (cap >= strlen(tag) + 18). */
void fr_pseudo__str(const struct fr_pseudo *p, const char *tag, const void *s, size_t len,
		    char *out, size_t cap);

#endif /* FR_ANALYZER_BUNDLE_PSEUDO_H */
