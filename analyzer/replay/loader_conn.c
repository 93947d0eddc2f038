/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/replay/loader_conn.h"
#include "analyzer/out/fieldtext.h"
#include "analyzer/replay/loader.h"

#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * A socket incarnation. Its close record ends the connection, but not what
 * the socket still does: the owner reads what arrived before the close (the
 * reply of a half-closed RPC is read after the FIN moved the socket to
 * CLOSE), and a close with unread data sends its reset after the CLOSE.
 * So an ended incarnation stays under its sock_id, and events of the same
 * tuple are its own, until an open or another close starts the next one,
 * or until it is older than TAIL_NS or the TAIL_MAX-th oldest kept: the
 * reset of a close comes at once, a late read with the owner's next steps.
 */
struct live_conn {
	struct fr_conn c;
	int ended;
};

#define TAIL_NS	 (60ull * 1000 * 1000 * 1000)
#define TAIL_MAX ((size_t)1 << 16)

struct fr_conn_tail {
	uint64_t sock;
	int64_t cid, close_ts;
	uint32_t node;
};

/* Forget the oldest ended incarnation, unless its socket started another. */
static void tail_drop(struct fr_loader_conn *lc)
{
	const struct fr_conn_tail *t = &lc->tail[lc->tail_head];
	uint64_t *v = fr_idmap__get(&lc->live, t->node, t->sock);
	struct live_conn *l = v ? fr_slab__at(&lc->slab, (size_t)*v) : NULL;

	if (l && l->ended && l->c.cid == t->cid) {
		fr_slab__release(&lc->slab, (size_t)*v);
		fr_idmap__del(&lc->live, t->node, t->sock);
	}
	lc->tail_head = (lc->tail_head + 1) & (lc->tail_cap - 1);
	lc->tail_n--;
}

static int tail_push(struct fr_loader_conn *lc, const struct fr_conn *c)
{
	if (lc->tail_n == TAIL_MAX)
		tail_drop(lc);
	if (lc->tail_n == lc->tail_cap) {
		const size_t cap = lc->tail_cap ? lc->tail_cap * 2 : 1024;
		struct fr_conn_tail *t = malloc(cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < lc->tail_n; i++)
			t[i] = lc->tail[(lc->tail_head + i) & (lc->tail_cap - 1)];
		free(lc->tail);
		lc->tail = t;
		lc->tail_cap = cap;
		lc->tail_head = 0;
	}
	lc->tail[(lc->tail_head + lc->tail_n++) & (lc->tail_cap - 1)] =
		(struct fr_conn_tail){.sock = (uint64_t)c->sock_id,
				      .cid = c->cid,
				      .close_ts = c->close_ts,
				      .node = c->node};
	return 0;
}

static void tail_expire(struct fr_loader_conn *lc, int64_t ts)
{
	while (lc->tail_n) {
		const int64_t end = lc->tail[lc->tail_head].close_ts;

		/* unsigned: no overflow whatever the input's times */
		if (end >= ts || (uint64_t)ts - (uint64_t)end <= TAIL_NS)
			break;
		tail_drop(lc);
	}
}

int fr_loader_conn__init(struct fr_loader_conn *c, sqlite3 *db, struct fr_rowwriter *writer,
			 uint64_t *rows)
{
	int err;

	c->slab.size = sizeof(struct live_conn);
	c->rows = rows;
	err = fr_rowbatch__init(&c->tuple_rows, db, writer, "sock_tuple", 6);
	if (!err)
		err = fr_connattr__new(db, writer, &c->ended);
	return err;
}

/* The connection ends: spool its row; the socket stays known (live_conn). */
static int conn_end(struct fr_loader_conn *lc, struct live_conn *l, int64_t ts)
{
	int err;

	l->c.close_ts = ts;
	l->ended = 1;
	err = fr_connattr__add(lc->ended, &l->c);
	if (!err)
		(*lc->rows)++;
	if (!err && ts != FR_LOADER_OPEN_END)
		err = tail_push(lc, &l->c);
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

/* Incarnation of (node, sock_id) the event belongs to; `fresh`: it starts one. */
static int conn_get(struct fr_loader_conn *lc, const int8_t *tuple, const struct fr_event *ev,
		    uint32_t node, int64_t ts, int64_t pk, int fresh, struct live_conn **out)
{
	const uint64_t sock = ev->f[tuple[FR_TUPLE_SOCK]].u;
	uint64_t *v = fr_idmap__get(&lc->live, node, sock);
	struct live_conn *l;
	size_t idx;
	int err;

	if (v) {
		l = fr_slab__at(&lc->slab, (size_t)*v);
		/* after the close, only the same tuple is the same socket */
		if (!fresh && (!l->ended || same_tuple(&l->c, tuple, ev))) {
			*out = l;
			return 0;
		}
		if (!l->ended) {
			err = conn_end(lc, l, ts); /* socket reused without a close */
			if (err)
				return err;
		}
		fr_slab__release(&lc->slab, (size_t)*v);
		fr_idmap__del(&lc->live, node, sock);
	}
	err = fr_slab__alloc(&lc->slab, &idx);
	if (!err)
		err = fr_idmap__put(&lc->live, node, sock, idx);
	if (err)
		return err;
	l = fr_slab__at(&lc->slab, idx);
	struct fr_conn *c = &l->c;

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
	*out = l;
	return 0;
}

int fr_loader_conn__event(struct fr_loader_conn *lc, const int8_t tuple[FR_TUPLE_N],
			  const struct fr_event *ev, uint32_t node, int64_t ts, int64_t pk,
			  int64_t *cid, int *same)
{
	const int opens = ev->kind == FR_KIND_TCP_CONNECT || ev->kind == FR_KIND_TCP_ACCEPT;
	struct live_conn *l;
	struct fr_conn *c;
	int err;

	tail_expire(lc, ts);
	/* sock_id 0: no socket (a reset answering a packet nobody wanted) */
	if (!ev->f[tuple[FR_TUPLE_SOCK]].u) {
		*cid = 0;
		*same = 0;
		return 0;
	}
	err = conn_get(lc, tuple, ev, node, ts, pk, opens, &l);
	/* an incarnation closes once: a second close is another's */
	if (!err && ev->kind == FR_KIND_TCP_CLOSE && l->ended)
		err = conn_get(lc, tuple, ev, node, ts, pk, 1, &l);
	if (err)
		return err;
	c = &l->c;
	*cid = c->cid;
	*same = same_tuple(c, tuple, ev);
	if (l->ended) /* its row is written: the event only joins it */
		return 0;
	if (!c->pk)
		c->pk = pk;
	switch (ev->kind) {
	case FR_KIND_TCP_CONNECT:
		c->active = 1;
		c->has_connect = 1;
		c->latency = (int64_t)ev->f[FR_F_TCP_CONNECT_LATENCY_NS].u;
		c->err = fr_value__s64(&ev->f[FR_F_TCP_CONNECT_ERR]);
		if (c->err) /* failed: the incarnation ends here */
			return conn_end(lc, l, ts);
		break;
	case FR_KIND_TCP_ACCEPT:
		c->active = 0;
		break;
	case FR_KIND_TCP_CLOSE:
		c->has_close = 1;
		c->bytes_acked = (int64_t)ev->f[FR_F_TCP_CLOSE_BYTES_ACKED].u;
		c->bytes_received = (int64_t)ev->f[FR_F_TCP_CLOSE_BYTES_RECEIVED].u;
		c->fin_acked = (int64_t)ev->f[FR_F_TCP_CLOSE_FIN_ACKED].u;
		c->duration = (int64_t)ev->f[FR_F_TCP_CLOSE_DURATION_NS].u;
		if (c->active < 0) { /* no open seen: the recorder may still know */
			const uint64_t origin = ev->f[FR_F_TCP_CLOSE_ACTIVE].u;

			c->active = origin == FR_TCP_ORIGIN_CONNECTED  ? 1
				    : origin == FR_TCP_ORIGIN_ACCEPTED ? 0
								       : -1;
		}
		return conn_end(lc, l, ts);
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
		struct live_conn *l = fr_slab__at(&lc->slab, i);
		uint64_t *v = l->c.cid ? fr_idmap__get(&lc->live, l->c.node, (uint64_t)l->c.sock_id)
				       : NULL;

		if (v && *v == i && !l->ended)
			err = conn_end(lc, l, FR_LOADER_OPEN_END);
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
	free(lc->tail);
	fr_connattr__free(lc->ended);
	fr_rowbatch__free(&lc->tuple_rows);
	fr_idmap__free(&lc->live);
	fr_slab__free(&lc->slab);
}
