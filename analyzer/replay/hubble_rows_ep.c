/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/replay/hubble_rows_ep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The map's bounds: a cluster has far fewer distinct endpoints; a stream
 * that never repeats one must not grow the replay without limit. */
#define MAX_EPS	  (1u << 18)
#define MAX_BYTES (128u << 20)

struct fr_hubble_ep_slot {
	uint64_t hash;
	int64_t ep; /* 0: empty */
	uint8_t *bytes;
	size_t len;
};

int fr_hubble_eps__init(struct fr_hubble_eps *e, sqlite3 *db, struct fr_rowwriter *w)
{
	memset(e, 0, sizeof(*e));
	e->next_ep = 1;
	return fr_rowbatch__init(&e->rows, db, w, "hubble_endpoint", 11);
}

/* Four independent lanes of 8 bytes over p[0..n), seeded. */
static uint64_t hash_lanes(const uint8_t *p, size_t n, uint64_t seed)
{
	const uint64_t k = 0xff51afd7ed558ccdull;
	uint64_t h[4] = {0x9e3779b97f4a7c15ull ^ seed, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull,
			 0x27d4eb2f165667c5ull},
		 v;

	for (; n >= 32; p += 32, n -= 32) {
		for (int i = 0; i < 4; i++) {
			memcpy(&v, p + 8 * i, 8);
			h[i] = (h[i] ^ v) * k;
			h[i] ^= h[i] >> 29;
		}
	}
	for (int i = 0; n; i++) {
		const size_t m = n < 8 ? n : 8;

		v = 0;
		memcpy(&v, p, m);
		h[i] = (h[i] ^ v) * k;
		p += m;
		n -= m;
	}
	v = h[0] ^ (h[1] << 16 | h[1] >> 48) ^ (h[2] << 32 | h[2] >> 32) ^
	    (h[3] << 48 | h[3] >> 16);
	v *= 0xc4ceb9fe1a85ec53ull;
	return v ^ v >> 29;
}

/* An endpoint is a few hundred bytes, looked up twice a flow: its hash
 * reads its length and its first and last 64 bytes (endpoint and
 * identity numbers, namespace, pod name, workload), and the map compares
 * all the bytes. */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	if (n <= 128)
		return hash_lanes(p, n, n);
	return hash_lanes(p, 64, n) ^
	       hash_lanes(p + n - 64, 64, ~(uint64_t)n) * 0x9e3779b97f4a7c15ull;
}

static void clear(struct fr_hubble_eps *e)
{
	for (size_t i = 0; i < e->cap; i++)
		free(e->slots[i].bytes);
	memset(e->slots, 0, e->cap * sizeof(*e->slots));
	e->n = 0;
	e->bytes = 0;
	e->recent[0] = e->recent[1] = NULL;
}

static int grow(struct fr_hubble_eps *e)
{
	const size_t cap = e->cap ? e->cap * 2 : 1024;
	struct fr_hubble_ep_slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < e->cap; i++) {
		size_t j = e->slots[i].hash & (cap - 1);

		if (!e->slots[i].ep)
			continue;
		while (s[j].ep)
			j = (j + 1) & (cap - 1);
		s[j] = e->slots[i];
	}
	free(e->slots);
	e->slots = s;
	e->cap = cap;
	e->recent[0] = e->recent[1] = NULL; /* the slots moved */
	return 0;
}

/* Hubble's `app` context: the first label found of these, in this order. */
static const char *app_of(const Flow__Endpoint *m)
{
	static const char *const keys[] = {
		"k8s:app.kubernetes.io/name=", "k8s:k8s-app=", "k8s:app="};

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const size_t kl = strlen(keys[k]);

		for (size_t i = 0; i < m->n_labels; i++)
			if (!strncmp(m->labels[i], keys[k], kl))
				return m->labels[i] + kl;
	}
	return NULL;
}

static int add_row(struct fr_hubble_eps *e, int64_t ep, const Flow__Endpoint *m, const uint8_t *raw,
		   size_t len)
{
	const Flow__Workload *w = m->n_workloads ? m->workloads[0] : NULL;
	struct fr_rowbatch *b = &e->rows;

	fr_rowbatch__int(b, ep);
	fr_rowbatch__blob(b, raw, len);
	fr_rowbatch__int_or_null(b, m->id);
	fr_rowbatch__int_or_null(b, m->identity);
	fr_rowbatch__text_or_null(b, m->cluster_name);
	fr_rowbatch__text_or_null(b, m->namespace_);
	fr_rowbatch__text_or_null(b, m->pod_name);
	fr_rowbatch__json_strings(b, m->n_labels, m->labels);
	fr_rowbatch__text_or_null(b, w ? w->name : NULL);
	fr_rowbatch__text_or_null(b, w ? w->kind : NULL);
	fr_rowbatch__text_or_null(b, app_of(m));
	return fr_rowbatch__end_row(b);
}

static int encode(struct fr_hubble_eps *e, const Flow__Endpoint *m, size_t *len)
{
	const size_t n = protobuf_c_message_get_packed_size(&m->base);

	if (n > e->scratch_cap || !e->scratch) { /* never NULL: memcmp, memcpy */
		const size_t cap = n > 256 ? n : 256;
		uint8_t *p = realloc(e->scratch, cap);

		if (!p)
			return -ENOMEM;
		e->scratch = p;
		e->scratch_cap = cap;
	}
	*len = n ? protobuf_c_message_pack(&m->base, e->scratch) : 0;
	return 0;
}

/* s becomes the most recent endpoint found. */
static void seen(struct fr_hubble_eps *e, const struct fr_hubble_ep_slot *s)
{
	if (e->recent[0] == s)
		return;
	e->recent[1] = e->recent[0];
	e->recent[0] = s;
}

int64_t fr_hubble_eps__find(struct fr_hubble_eps *e, const uint8_t *raw, size_t len, uint64_t *hash)
{
	uint64_t h;

	/* a flow's ends are often the last flow's, either way round */
	for (int i = 0; i < 2; i++) {
		const struct fr_hubble_ep_slot *s = e->recent[i];

		if (s && s->len == len && !memcmp(s->bytes, raw, len)) {
			seen(e, s);
			return s->ep;
		}
	}
	h = hash_bytes(raw, len);
	*hash = h;
	for (size_t j = h & (e->cap - 1); e->cap && e->slots[j].ep; j = (j + 1) & (e->cap - 1)) {
		const struct fr_hubble_ep_slot *s = &e->slots[j];

		if (s->hash == h && s->len == len && !memcmp(s->bytes, raw, len)) {
			seen(e, s);
			return s->ep;
		}
	}
	return 0;
}

int64_t fr_hubble_eps__add(struct fr_hubble_eps *e, const Flow__Endpoint *m, const uint8_t *raw,
			   size_t len, uint64_t hash, uint64_t *rows)
{
	struct fr_hubble_ep_slot *s;
	size_t j;
	int err;

	if (e->n >= MAX_EPS || e->bytes + len > MAX_BYTES)
		clear(e);
	if ((e->n + 1) * 2 > e->cap && (err = grow(e)))
		return err;
	for (j = hash & (e->cap - 1); e->slots[j].ep; j = (j + 1) & (e->cap - 1))
		;
	s = &e->slots[j];
	s->bytes = malloc(len ? len : 1);
	if (!s->bytes)
		return -ENOMEM;
	memcpy(s->bytes, raw, len);
	s->len = len;
	s->hash = hash;
	s->ep = e->next_ep++;
	e->n++;
	e->bytes += len;
	seen(e, s);
	err = add_row(e, s->ep, m, raw, len);
	if (err)
		return err;
	(*rows)++;
	return s->ep;
}

int64_t fr_hubble_eps__id(struct fr_hubble_eps *e, const Flow__Endpoint *m, const uint8_t *raw,
			  size_t len, uint64_t *rows)
{
	uint64_t hash;
	int64_t ep;
	int err;

	if (!raw) {
		err = encode(e, m, &len);
		if (err)
			return err;
		raw = e->scratch;
	}
	ep = fr_hubble_eps__find(e, raw, len, &hash);
	return ep ? ep : fr_hubble_eps__add(e, m, raw, len, hash, rows);
}

static int rd_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned sh = 0; sh < 64 && *pos < len; sh += 7) {
		const uint8_t b = p[(*pos)++];

		r |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* The next field of p[0..len) at *pos: its number (with the wire type
 * in bits 61..63 when it is 2, 1 or 5) and, for wire type 2, where its
 * value starts (*val) and its length. */
static int next_field(const uint8_t *p, size_t len, size_t *pos, uint64_t *num, size_t *val,
		      size_t *n)
{
	uint64_t tag, v;

	if (rd_varint(p, len, pos, &tag))
		return -1;
	*num = tag >> 3;
	*n = 0;
	switch (tag & 7) {
	case 0:
		return rd_varint(p, len, pos, &v);
	case 1:
	case 5:
		v = (tag & 7) == 1 ? 8 : 4;
		break;
	case 2:
		if (rd_varint(p, len, pos, &v))
			return -1;
		*val = *pos;
		*n = (size_t)v;
		break;
	default:
		return -1;
	}
	if (v > len - *pos)
		return -1;
	*pos += (size_t)v;
	*num |= (tag & 7) << 61;
	return 0;
}

#define LEN_FIELD(n) ((uint64_t)2 << 61 | (n))

void fr_hubble_eps__locate(const uint8_t *buf, size_t len, struct fr_hubble_loc *l)
{
	size_t pos = 0, at, val = 0, n, flow;
	unsigned nflow = 0, nsrc = 0, ndst = 0;
	uint64_t num;

	memset(l, 0, sizeof(*l));
	l->flow_tag = l->src.off = l->dst.off = -1;
	while (pos < len) {
		at = pos;
		if (next_field(buf, len, &pos, &num, &val, &n))
			goto none;
		if (num == LEN_FIELD(1)) { /* GetFlowsResponse.flow */
			l->flow_tag = (long long)at;
			l->flow_val = val;
			l->flow_len = n;
			nflow++;
		}
	}
	if (nflow != 1)
		goto none;
	flow = l->flow_val;
	for (pos = 0; pos < l->flow_len;) {
		if (next_field(buf + flow, l->flow_len, &pos, &num, &val, &n))
			goto none;
		if (num == LEN_FIELD(8) && !nsrc++)
			l->src = (struct fr_hubble_cut){(long long)(flow + val), n};
		else if (num == LEN_FIELD(9) && !ndst++)
			l->dst = (struct fr_hubble_cut){(long long)(flow + val), n};
	}
	if (nsrc != 1)
		l->src.off = -1;
	if (ndst != 1)
		l->dst.off = -1;
	return;
none:
	l->flow_tag = l->src.off = l->dst.off = -1;
}

int fr_hubble_eps__flush(struct fr_hubble_eps *e)
{
	return fr_rowbatch__flush(&e->rows);
}

void fr_hubble_eps__free(struct fr_hubble_eps *e)
{
	if (e->slots)
		clear(e);
	free(e->slots);
	free(e->scratch);
	fr_rowbatch__free(&e->rows);
	memset(e, 0, sizeof(*e));
}
