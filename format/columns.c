/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Column stream layout (all varints unless noted):
 *   n, rows_len,
 *   kind[n], ts_delta[n], len[n],
 *   for each kind present, ascending:
 *     kind, mode (u8: 0 payloads back to back, 1 integer columns),
 *     mode 1 only: nfields, then per field the n_kind values in record order.
 * Sections are self-describing (nfields is stored), so a reader needs no
 * schema to undo the transform.
 */
#include "format/columns.h"
#include "format/kinds.h"
#include "format/varint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 64

struct row {
	uint64_t dts;
	uint32_t kind, len;
	const uint8_t *payload;
};

size_t fr_columns__bound(size_t rows_len)
{
	/* columns never hold more than the rows plus section headers */
	return rows_len + 2 * FR_VARINT_MAX + FR_KIND_MAX * (2 * FR_VARINT_MAX + 1);
}

/* Number of integer fields when every payload of this kind is exactly that
 * many varints of an all-integer schema; 0 otherwise. `idx` lists the
 * kind's records. */
static unsigned columnar_fields(unsigned kind, const struct row *rows, const uint32_t *idx,
				uint32_t cnt)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);

	if (!ki || !ki->has_schema)
		return 0;
	for (unsigned f = 0; f < ki->nfields; f++)
		if (ki->fields[f].type != FR_FIELD_U64 && ki->fields[f].type != FR_FIELD_S64)
			return 0;
	for (uint32_t i = 0; i < cnt; i++) {
		const struct row *r = &rows[idx[i]];
		const uint8_t *p = r->payload, *end = p + r->len;
		uint64_t v;

		for (unsigned f = 0; f < ki->nfields; f++) {
			const size_t k = fr_varint__get(p, end, &v);

			if (!k)
				return 0;
			p += k;
		}
		if (p != end)
			return 0;
	}
	return ki->nfields;
}

int fr_columns__encode(const uint8_t *src, size_t rows_len, uint32_t n, uint8_t *dst)
{
	const uint8_t *p = src, *const end = src + rows_len;
	uint32_t count[FR_KIND_MAX] = {0}, first[FR_KIND_MAX];
	struct row *rows = malloc((n ? n : 1) * sizeof(*rows));
	uint32_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	uint8_t *o = dst;
	int err = -EINVAL;

	if (!rows || !idx) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t kind = 0, dts = 0, len = 0;
		size_t k1 = fr_varint__get(p, end, &kind);
		size_t k2 = k1 ? fr_varint__get(p + k1, end, &dts) : 0;
		size_t k3 = k2 ? fr_varint__get(p + k1 + k2, end, &len) : 0;

		if (!k3 || !kind || kind >= FR_KIND_MAX || len > (uint64_t)(end - p - k1 - k2 - k3))
			goto out;
		p += k1 + k2 + k3;
		rows[i] = (struct row){dts, (uint32_t)kind, (uint32_t)len, p};
		p += len;
		count[kind]++;
	}
	if (p != end)
		goto out;
	/* group record indexes by kind, keeping record order inside a kind */
	for (uint32_t kind = 0, at = 0; kind < FR_KIND_MAX; kind++) {
		first[kind] = at;
		at += count[kind];
	}
	for (uint32_t i = 0; i < n; i++)
		idx[first[rows[i].kind]++] = i;
	o += fr_varint__put(o, n);
	o += fr_varint__put(o, rows_len);
	for (uint32_t i = 0; i < n; i++)
		o += fr_varint__put(o, rows[i].kind);
	for (uint32_t i = 0; i < n; i++)
		o += fr_varint__put(o, rows[i].dts);
	for (uint32_t i = 0; i < n; i++)
		o += fr_varint__put(o, rows[i].len);
	for (uint32_t kind = 1; kind < FR_KIND_MAX; kind++) {
		const uint32_t cnt = count[kind], *ki = idx + first[kind] - cnt;
		unsigned nf;

		if (!cnt)
			continue;
		nf = columnar_fields(kind, rows, ki, cnt);
		o += fr_varint__put(o, kind);
		*o++ = nf ? 1 : 0;
		if (!nf) {
			for (uint32_t i = 0; i < cnt; i++) {
				memcpy(o, rows[ki[i]].payload, rows[ki[i]].len);
				o += rows[ki[i]].len;
			}
			continue;
		}
		o += fr_varint__put(o, nf);
		for (unsigned f = 0; f < nf; f++)
			for (uint32_t i = 0; i < cnt; i++) {
				struct row *r = &rows[ki[i]];
				uint64_t v;
				/* payload points at field f: take one varint, advance */
				const size_t k =
					fr_varint__get(r->payload, r->payload + r->len, &v);

				memcpy(o, r->payload, k);
				o += k;
				r->payload += k;
				r->len -= (uint32_t)k;
			}
	}
	err = (int)(o - dst);
out:
	free(rows);
	free(idx);
	return err;
}

struct section {
	const uint8_t *cur[MAX_COLUMNS]; /* per column; cur[0] alone in mode 0 */
	unsigned nf;			 /* 0: payloads back to back */
};

/* Skip `count` varints; return the end or NULL. */
static const uint8_t *skip_varints(const uint8_t *p, const uint8_t *end, uint32_t count)
{
	uint64_t v;

	for (uint32_t i = 0; i < count; i++) {
		const size_t k = fr_varint__get(p, end, &v);

		if (!k)
			return NULL;
		p += k;
	}
	return p;
}

int fr_columns__decode(const uint8_t *cols, size_t cols_len, uint32_t n, uint8_t *dst, size_t cap)
{
	const uint8_t *p = cols, *const end = cols + cols_len, *kp, *dp, *lp;
	uint32_t count[FR_KIND_MAX] = {0};
	uint64_t bytes[FR_KIND_MAX] = {0};
	struct section *sec[FR_KIND_MAX] = {0};
	uint64_t v, rows_len;
	uint8_t *o = dst;
	int err = -EBADMSG;
	size_t k;

	k = fr_varint__get(p, end, &v);
	if (!k || v != n)
		return -EBADMSG;
	p += k;
	k = fr_varint__get(p, end, &rows_len);
	if (!k || rows_len > cap)
		return -EBADMSG;
	p += k;
	kp = p;
	for (uint32_t i = 0; i < n; i++) {
		k = fr_varint__get(p, end, &v);
		if (!k || !v || v >= FR_KIND_MAX)
			return -EBADMSG;
		count[v]++;
		p += k;
	}
	dp = p;
	lp = skip_varints(dp, end, n);
	if (!lp)
		return -EBADMSG;
	p = lp;
	for (const uint8_t *q = kp; q < dp;) {
		uint64_t kind = 0, len = 0;

		q += fr_varint__get(q, dp, &kind);
		k = fr_varint__get(p, end, &len);
		if (!k)
			return -EBADMSG;
		p += k;
		bytes[kind] += len;
	}
	for (unsigned kind = 1; kind < FR_KIND_MAX; kind++) {
		struct section *s;
		uint64_t mode;

		if (!count[kind])
			continue;
		s = sec[kind] = calloc(1, sizeof(*s));
		if (!s) {
			err = -ENOMEM;
			goto out;
		}
		k = fr_varint__get(p, end, &v);
		if (!k || v != kind || p + k >= end)
			goto out;
		p += k;
		mode = *p++;
		if (mode == 0) {
			/* lengths come from the len column, summed per kind above */
			s->cur[0] = p;
			if (bytes[kind] > (uint64_t)(end - p))
				goto out;
			p += bytes[kind];
			continue;
		}
		if (mode != 1)
			goto out;
		k = fr_varint__get(p, end, &v);
		if (!k || !v || v > MAX_COLUMNS)
			goto out;
		p += k;
		s->nf = (unsigned)v;
		for (unsigned f = 0; f < s->nf; f++) {
			s->cur[f] = p;
			p = skip_varints(p, end, count[kind]);
			if (!p)
				goto out;
		}
	}
	if (p != end)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t kind = 0, dts = 0, len = 0;
		struct section *s;

		/* every column was bounded above; copy varint bytes as they are */
		const size_t wk = fr_varint__get(kp, end, &kind);
		const size_t wd = fr_varint__get(dp, end, &dts);
		const size_t wl = fr_varint__get(lp, end, &len);

		s = sec[kind];
		if (wk + wd + wl + len > (uint64_t)(dst + cap - o))
			goto out;
		memcpy(o, kp, wk);
		memcpy(o + wk, dp, wd);
		memcpy(o + wk + wd, lp, wl);
		o += wk + wd + wl;
		kp += wk;
		dp += wd;
		lp += wl;
		if (!s->nf) {
			memcpy(o, s->cur[0], len);
			s->cur[0] += len;
			o += len;
			continue;
		}
		uint64_t got = 0;

		for (unsigned f = 0; f < s->nf; f++) {
			/* columns were bounded by skip_varints above */
			const uint8_t *c = s->cur[f];
			size_t w = 1;

			/* columns were checked by skip_varints: each ends within 10 bytes */
			while (c[w - 1] & 0x80)
				w++;
			got += w;
			if (got > len)
				goto out;
			for (size_t b = 0; b < w; b++)
				o[b] = c[b];
			o += w;
			s->cur[f] = c + w;
		}
		if (got != len)
			goto out;
	}
	err = (uint64_t)(o - dst) == rows_len ? (int)(o - dst) : -EBADMSG;
out:
	for (unsigned kind = 0; kind < FR_KIND_MAX; kind++)
		free(sec[kind]);
	return err;
}

size_t fr_columns__kinds_end(const uint8_t *cols, size_t len)
{
	const uint8_t *p = cols, *const end = cols + len;
	uint64_t n, v;
	size_t k = fr_varint__get(p, end, &n);

	if (k)
		p += k, k = fr_varint__get(p, end, &v);
	for (uint64_t i = 0; k && i <= n; i++) {
		p += k;
		if (i < n)
			k = fr_varint__get(p, end, &v);
	}
	return k ? (size_t)(p - cols) : 0;
}
