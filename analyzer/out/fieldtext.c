/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/out/fieldtext.h"

#include <arpa/inet.h>
#include <string.h>

/* Decimal digits of v at dst; returns the end. */
static char *put_u64(char *dst, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*dst++ = tmp[--n];
	return dst;
}

/* Address text; IPv4 by hand because inet_ntop goes through printf. */
void fr_fieldtext__addr(char *dst, const struct fr_value *v)
{
	if (v->len == 4) {
		for (int i = 0; i < 4; i++) {
			dst = put_u64(dst, v->p[i]);
			*dst++ = i < 3 ? '.' : 0;
		}
	} else if (v->len == 16) {
		inet_ntop(AF_INET6, v->p, dst, INET6_ADDRSTRLEN);
	} else {
		dst[0] = 0;
	}
}

void fr_fieldtext__add_hist(struct fr_rowbatch *b, const struct fr_value *v)
{
	const uint64_t *bucket = (const uint64_t *)(const void *)v->p;
	char *start = fr_rowbatch__text_reserve(b, (size_t)v->len * 21 + 3), *p = start;

	if (!start) {
		fr_rowbatch__null(b);
		return;
	}
	*p++ = '[';
	for (uint32_t i = 0; i < v->len; i++) {
		if (i)
			*p++ = ',';
		p = put_u64(p, bucket[i]);
	}
	*p++ = ']';
	fr_rowbatch__text_commit(b, (size_t)(p - start));
}

void fr_fieldtext__add_bytes(struct fr_rowbatch *b, int is_addr, const struct fr_value *v)
{
	uint32_t len = v->len;

	if (is_addr && (len == 4 || len == 16)) {
		char *dst = fr_rowbatch__text_reserve(b, INET6_ADDRSTRLEN);

		if (!dst) {
			fr_rowbatch__null(b);
			return;
		}
		fr_fieldtext__addr(dst, v);
		fr_rowbatch__text_commit(b, strlen(dst));
		return;
	}
	while (len && !v->p[len - 1]) /* C strings from BPF keep their NULs */
		len--;
	fr_rowbatch__text(b, v->p, len);
}
