/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/replay/loader_conn.h"
#include "analyzer/out/fieldtext.h"
#include "analyzer/replay/loader.h"

#include <netinet/in.h>
#include <errno.h>
#include <string.h>

int fr_loader_conn__init(struct fr_loader_conn *c, sqlite3 *db, struct fr_rowwriter *writer,
			 uint64_t *rows)
{
	int err;

	c->slab.size = sizeof(struct fr_conn);
	c->rows = rows;
	err = fr_rowbatch__init(&c->tuple_rows, db, writer, "sock_tuple", 6);
	if (!err)
		err = fr_connattr__new(db, writer, &c->ended);
	return err;
}

static int conn_end(struct fr_loader_conn *lc, size_t idx, int64_t ts)
{
	struct fr_conn *c = fr_slab__at(&lc->slab, idx);
	int err;

	c->close_ts = ts;
	err = fr_connattr__add(lc->ended, c);
	if (!err)
		(*lc->rows)++;
	fr_idmap__del(&lc->live, c->node, (uint64_t)c->sock_id);
	fr_slab__release(&lc->slab, idx);
	return err;
}

static void keep_addr(uint8_t *dst, uint8_t *len, const struct fr_value *v)
{
	*len = v->len == 4 || v->len == 16 ? (uint8_t)v->len : 0;
	if (*len)
		memcpy(dst, v->p, *len);
}

/* Whether the event's tuple is its connection's, the same text included. */
static int same_tuple(const struct fr_conn *c, const int8_t *tuple, const struct fr_event *ev)
{
	const struct fr_value *s = &ev->f[tuple[FR_TUPLE_SADDR]];
	const struct fr_value *d = &ev->f[tuple[FR_TUPLE_DADDR]];

	return c->salen && c->dalen && s->len == c->salen && d->len == c->dalen &&
	       !memcmp(s->p, c->sa, c->salen) && !memcmp(d->p, c->da, c->dalen) &&
	       (int64_t)ev->f[tuple[FR_TUPLE_SPORT]].u == c->sport &&
	       (int64_t)ev->f[tuple[FR_TUPLE_DPORT]].u == c->dport;
}

/* Live socket of (node, sock_id); `fresh` starts a new incarnation. */
static int conn_get(struct fr_loader_conn *lc, const int8_t *tuple, const struct fr_event *ev,
		    uint32_t node, int64_t ts, int64_t pk, int fresh, struct fr_conn **out)
{
	const uint64_t sock = ev->f[tuple[FR_TUPLE_SOCK]].u;
	uint64_t *v = fr_idmap__get(&lc->live, node, sock);
	size_t idx;
	int err;

	if (v && !fresh) {
		*out = fr_slab__at(&lc->slab, (size_t)*v);
		return 0;
	}
	if (v) {
		err = conn_end(lc, (size_t)*v, ts); /* socket reused without a close */
		if (err)
			return err;
	}
	err = fr_slab__alloc(&lc->slab, &idx);
	if (!err)
		err = fr_idmap__put(&lc->live, node, sock, idx);
	if (err)
		return err;
	struct fr_conn *c = fr_slab__at(&lc->slab, idx);

	c->cid = ++lc->next_cid;
	c->node = node;
	c->pk = pk;
	c->sock_id = (int64_t)sock;
	c->active = -1;
	c->open_ts = ts;
	c->close_ts = FR_LOADER_OPEN_END;
	keep_addr(c->sa, &c->salen, &ev->f[tuple[FR_TUPLE_SADDR]]);
	keep_addr(c->da, &c->dalen, &ev->f[tuple[FR_TUPLE_DADDR]]);
	c->sport = (int64_t)ev->f[tuple[FR_TUPLE_SPORT]].u;
	c->dport = (int64_t)ev->f[tuple[FR_TUPLE_DPORT]].u;
	*out = c;
	return 0;
}

int fr_loader_conn__event(struct fr_loader_conn *lc, const int8_t tuple[FR_TUPLE_N],
			  const struct fr_event *ev, uint32_t node, int64_t ts, int64_t pk,
			  int64_t *cid, int *same)
{
	const int opens = ev->kind == FR_KIND_TCP_CONNECT || ev->kind == FR_KIND_TCP_ACCEPT;
	struct fr_conn *c;
	int err;

	/* sock_id 0: no socket (a reset answering a packet nobody wanted) */
	if (!ev->f[tuple[FR_TUPLE_SOCK]].u) {
		*cid = 0;
		*same = 0;
		return 0;
	}
	err = conn_get(lc, tuple, ev, node, ts, pk, opens, &c);
	if (err)
		return err;
	*cid = c->cid;
	*same = same_tuple(c, tuple, ev);
	if (!c->pk)
		c->pk = pk;
	switch (ev->kind) {
	case FR_KIND_TCP_CONNECT:
		c->active = 1;
		c->has_connect = 1;
		c->latency = (int64_t)ev->f[FR_F_TCP_CONNECT_LATENCY_NS].u;
		c->err = fr_value__s64(&ev->f[FR_F_TCP_CONNECT_ERR]);
		if (c->err) /* failed: the incarnation ends here */
			return conn_end(
				lc, (size_t)*fr_idmap__get(&lc->live, node, (uint64_t)c->sock_id),
				ts);
		break;
	case FR_KIND_TCP_ACCEPT:
		c->active = 0;
		break;
	case FR_KIND_TCP_CLOSE:
		c->has_close = 1;
		c->bytes_acked = (int64_t)ev->f[FR_F_TCP_CLOSE_BYTES_ACKED].u;
		c->bytes_received = (int64_t)ev->f[FR_F_TCP_CLOSE_BYTES_RECEIVED].u;
		c->duration = (int64_t)ev->f[FR_F_TCP_CLOSE_DURATION_NS].u;
		if (c->active < 0) { /* no open seen: the recorder may still know */
			const uint64_t origin = ev->f[FR_F_TCP_CLOSE_ACTIVE].u;

			c->active = origin == FR_TCP_ORIGIN_CONNECTED  ? 1
				    : origin == FR_TCP_ORIGIN_ACCEPTED ? 0
								       : -1;
		}
		return conn_end(lc, (size_t)*fr_idmap__get(&lc->live, node, (uint64_t)c->sock_id),
				ts);
	default:
		break;
	}
	return 0;
}

int fr_loader_conn__add_tuple(struct fr_loader_conn *lc, const int8_t tuple[FR_TUPLE_N],
			      const struct fr_event *ev, uint64_t id)
{
	const char *kind_name = fr_kind__name(ev->kind);
	struct fr_rowbatch *b = &lc->tuple_rows;

	fr_rowbatch__text(b, kind_name, strlen(kind_name));
	fr_rowbatch__int(b, (int64_t)id);
	fr_fieldtext__add_bytes(b, 1, &ev->f[tuple[FR_TUPLE_SADDR]]);
	fr_fieldtext__add_bytes(b, 1, &ev->f[tuple[FR_TUPLE_DADDR]]);
	fr_rowbatch__int(b, (int64_t)ev->f[tuple[FR_TUPLE_SPORT]].u);
	fr_rowbatch__int(b, (int64_t)ev->f[tuple[FR_TUPLE_DPORT]].u);
	return fr_rowbatch__end_row(b); /* part of the event's row: not counted */
}

int fr_loader_conn__finish(struct fr_loader_conn *lc)
{
	int err = 0;

	/* slab order is deterministic for a given input, so rows are too */
	for (size_t i = 0; i < lc->slab.n && !err; i++) {
		const struct fr_conn *c = fr_slab__at(&lc->slab, i);
		uint64_t *v =
			c->cid ? fr_idmap__get(&lc->live, c->node, (uint64_t)c->sock_id) : NULL;

		if (v && *v == i)
			err = conn_end(lc, i, FR_LOADER_OPEN_END);
	}
	return err;
}

int fr_loader_conn__flush(struct fr_loader_conn *lc)
{
	return fr_rowbatch__flush(&lc->tuple_rows);
}

int fr_loader_conn__attribute(struct fr_loader_conn *lc)
{
	return fr_connattr__build(lc->ended);
}

int fr_loader_conn__verify(struct fr_loader_conn *lc)
{
	return fr_connattr__verify(lc->ended);
}

void fr_loader_conn__free(struct fr_loader_conn *lc)
{
	fr_connattr__free(lc->ended);
	fr_rowbatch__free(&lc->tuple_rows);
	fr_idmap__free(&lc->live);
	fr_slab__free(&lc->slab);
}
