/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/attr/connattr.h"
#include "analyzer/attr/ident.h"
#include "analyzer/db/db.h"
#include "analyzer/out/fieldtext.h"
#include "analyzer/replay/rowbatch.h"
#include "format/kinds.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Records gathered in memory before one write: ~1.2 MB. A connection that
 * ends after its window was written is written alone. */
#define WINDOW 8192

/* cid is left to SQLite: rows come in cid order from 1 without a gap, so
 * the next rowid is the cid, and the append costs no search for the key. */
#define CONN_COLUMNS                                                                               \
	"conn (node, pair, is_client, active, open_ts, close_ts, err, bytes_acked,"                \
	" duration_ns, pk, sock_id, saddr, sport, daddr, dport, connect_latency_ns,"               \
	" bytes_received, client_uid, server_uid, data_acked)"

/* A kube_pair key: pod indexes in the identity index, and the server port. */
struct pair_key {
	uint32_t client, server;
	int64_t port;
};

struct fr_connattr {
	sqlite3 *db;
	int fd;		      /* the spool: record cid at (cid - 1) * sizeof */
	struct fr_conn *win;  /* records base + 1 .. base + WINDOW */
	int64_t base, win_hi; /* win_hi: highest used index + 1 */
	uint64_t n;	      /* records spooled */
	int64_t max_cid;
	struct fr_rowbatch conn_rows, kube_rows;
};

/* Pair numbers (index + 1) by key, open addressing. */
struct pairs {
	struct pair_key *keys;
	size_t n, cap;
	uint32_t *slot; /* 0: empty */
	size_t nslots;
};

static int spool_error(const char *what, int err)
{
	fprintf(stderr, "flightrec: replay: connection spool: %s: %s\n", what, strerror(-err));
	return err;
}

static int open_spool(sqlite3 *db, int *out)
{
	const char *dbfile = sqlite3_db_filename(db, "main");
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	int fd, n;

	if (dbfile && *dbfile) {
		n = snprintf(path, sizeof(path), "%s-conns", dbfile);
		if (n >= (int)sizeof(path))
			return spool_error(dbfile, -ENAMETOOLONG);
		unlink(path); /* left by a replay that was killed */
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	} else { /* a database in memory */
		n = snprintf(path, sizeof(path), "%s/flightrec-conns-XXXXXX",
			     tmpdir && *tmpdir ? tmpdir : "/tmp");
		if (n >= (int)sizeof(path))
			return spool_error(path, -ENAMETOOLONG);
		fd = mkstemp(path);
		if (fd >= 0)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (fd < 0)
		return spool_error(path, -errno);
	unlink(path); /* gone when closed, whatever happens */
	*out = fd;
	return 0;
}

int fr_connattr__new(sqlite3 *db, struct fr_rowwriter *writer, struct fr_connattr **out)
{
	struct fr_connattr *a = calloc(1, sizeof(*a));
	int err;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->db = db;
	a->fd = -1;
	a->win = calloc(WINDOW, sizeof(*a->win));
	err = a->win ? open_spool(db, &a->fd) : spool_error("window", -ENOMEM);
	if (!err)
		err = fr_rowbatch__init(&a->conn_rows, db, writer, CONN_COLUMNS, 20);
	if (!err)
		err = fr_rowbatch__init(&a->kube_rows, db, writer, "kube_pair", 4);
	if (err) {
		fr_connattr__free(a);
		return err;
	}
	*out = a;
	return 0;
}

static int write_at(int fd, const void *p, size_t len, int64_t cid)
{
	off_t off = (off_t)(cid - 1) * (off_t)sizeof(struct fr_conn);

	while (len) {
		const ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return spool_error("write", n < 0 ? -errno : -EIO);
		p = (const char *)p + n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int flush_window(struct fr_connattr *a)
{
	int err = 0;

	if (a->win_hi)
		err = write_at(a->fd, a->win, (size_t)a->win_hi * sizeof(*a->win), a->base + 1);
	memset(a->win, 0, (size_t)a->win_hi * sizeof(*a->win));
	a->base += WINDOW;
	a->win_hi = 0;
	return err;
}

int fr_connattr__add(struct fr_connattr *a, const struct fr_conn *c)
{
	int err;

	if (c->cid < 1 || c->cid > INT64_MAX / (int64_t)sizeof(*c) - WINDOW) {
		fprintf(stderr, "flightrec: replay: connection id %" PRId64 " out of range\n",
			c->cid);
		return -EINVAL;
	}
	if (c->cid <= a->base) {
		err = write_at(a->fd, c, sizeof(*c), c->cid);
	} else {
		err = c->cid > a->base + WINDOW ? flush_window(a) : 0;
		/* far ahead: skip the windows between, their cids come late */
		if (!err && c->cid > a->base + WINDOW)
			a->base = c->cid - 1;
		if (!err) {
			const int64_t i = c->cid - a->base - 1;

			a->win[i] = *c;
			if (i + 1 > a->win_hi)
				a->win_hi = i + 1;
		}
	}
	if (err)
		return err;
	a->n++;
	if (c->cid > a->max_cid)
		a->max_cid = c->cid;
	return 0;
}

/* Read back the records of cids first.. into buf (up to n). Return: how
 * many, or -errno. */
static int64_t read_at(int fd, struct fr_conn *buf, int64_t n, int64_t first)
{
	const size_t want = (size_t)n * sizeof(*buf);
	size_t got = 0;
	off_t off = (off_t)(first - 1) * (off_t)sizeof(*buf);

	while (got < want) {
		const ssize_t r = pread(fd, (char *)buf + got, want - got, off + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return spool_error("read", -errno);
		if (!r)
			break;
		got += (size_t)r;
	}
	return (int64_t)(got / sizeof(*buf));
}

static size_t pair_hash(const struct pair_key *k)
{
	uint64_t h = ((uint64_t)k->client << 32 | k->server) * 0x9e3779b97f4a7c15ull;

	h ^= (uint64_t)k->port * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ h >> 29);
}

static int pairs_grow(struct pairs *t)
{
	const size_t ns = t->nslots ? t->nslots * 2 : 256;
	uint32_t *slot = calloc(ns, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t s = pair_hash(&t->keys[i]) & (ns - 1);

		while (slot[s])
			s = (s + 1) & (ns - 1);
		slot[s] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslots = ns;
	return 0;
}

/* The pair number of `k`, numbered at its first connection. */
static int pairs_get(struct pairs *t, const struct pair_key *k, uint32_t *pair)
{
	size_t s;

	if ((t->n + 1) * 2 > t->nslots && pairs_grow(t))
		return -ENOMEM;
	for (s = pair_hash(k) & (t->nslots - 1); t->slot[s]; s = (s + 1) & (t->nslots - 1)) {
		const struct pair_key *o = &t->keys[t->slot[s] - 1];

		if (o->client == k->client && o->server == k->server && o->port == k->port) {
			*pair = t->slot[s];
			return 0;
		}
	}
	if (t->n == UINT32_MAX - 1)
		return -E2BIG;
	if (t->n == t->cap) {
		const size_t nc = t->cap ? t->cap * 2 : 64;
		struct pair_key *keys = realloc(t->keys, nc * sizeof(*keys));

		if (!keys)
			return -ENOMEM;
		t->keys = keys;
		t->cap = nc;
	}
	t->keys[t->n++] = *k;
	t->slot[s] = (uint32_t)t->n;
	*pair = (uint32_t)t->n;
	return 0;
}

/* Lookups of one build. */
struct attr_ctx {
	struct fr_ident *ident;
	struct pairs pairs;
};

static void add_text_or_null(struct fr_rowbatch *b, const char *s, int len)
{
	if (s)
		fr_rowbatch__text(b, s, (size_t)len);
	else
		fr_rowbatch__null(b);
}

/* Values an event may not have delivered: NULL when unseen. */
static void add_known(struct fr_rowbatch *b, int seen, int64_t v)
{
	if (seen)
		fr_rowbatch__int(b, v);
	else
		fr_rowbatch__null(b);
}

static int attribute(struct fr_connattr *a, struct attr_ctx *x, const struct fr_conn *c)
{
	const int is_client = c->active == 1 || (c->active != 0 && c->sport > c->dport);
	const char *local, *remote, *client, *server;
	int local_len = 0, remote_len = 0, client_len, server_len, err;
	struct fr_rowbatch *b = &a->conn_rows;
	char saddr[INET6_ADDRSTRLEN], daddr[INET6_ADDRSTRLEN];

	fr_fieldtext__addr(saddr, &(struct fr_value){.p = c->sa, .len = c->salen});
	fr_fieldtext__addr(daddr, &(struct fr_value){.p = c->da, .len = c->dalen});
	local = c->pk ? fr_ident__proc_pod(x->ident, c->pk, &local_len) : NULL;
	if (!local)
		local = fr_ident__pod_at_ip(x->ident, saddr, (int)strlen(saddr), c->open_ts,
					    &local_len);
	remote = fr_ident__pod_at_ip(x->ident, daddr, (int)strlen(daddr), c->open_ts, &remote_len);
	client = is_client ? local : remote;
	client_len = is_client ? local_len : remote_len;
	server = is_client ? remote : local;
	server_len = is_client ? remote_len : local_len;

	const int64_t ci = fr_ident__pod_index(x->ident, client, client_len);
	const int64_t si = fr_ident__pod_index(x->ident, server, server_len);
	uint32_t pair = 0;

	if (ci >= 0 && si >= 0) {
		err = pairs_get(&x->pairs,
				&(struct pair_key){(uint32_t)ci, (uint32_t)si,
						   is_client ? c->dport : c->sport},
				&pair);
		if (err) {
			fprintf(stderr, "flightrec: replay: kube_pair: %s\n", strerror(-err));
			return err;
		}
	}
	/* in the order of CONN_COLUMNS */
	fr_rowbatch__int(b, c->node);
	fr_rowbatch__int_or_null(b, pair);
	fr_rowbatch__int(b, is_client);
	fr_rowbatch__int(b, c->active);
	fr_rowbatch__int(b, c->open_ts);
	fr_rowbatch__int(b, c->close_ts);
	add_known(b, c->has_connect, c->err);
	add_known(b, c->has_close, c->bytes_acked);
	add_known(b, c->has_close, c->duration);
	fr_rowbatch__int_or_null(b, c->pk);
	fr_rowbatch__int(b, c->sock_id);
	fr_rowbatch__text(b, saddr, strlen(saddr));
	fr_rowbatch__int(b, c->sport);
	fr_rowbatch__text(b, daddr, strlen(daddr));
	fr_rowbatch__int(b, c->dport);
	add_known(b, c->has_connect, c->latency);
	add_known(b, c->has_close, c->bytes_received);
	add_text_or_null(b, client, client_len);
	add_text_or_null(b, server, server_len);
	/* the SYN and an acknowledged FIN take a sequence number each */
	add_known(b, c->has_close,
		  c->bytes_acked - (is_client && c->bytes_acked > 0) -
			  (c->fin_acked == FR_TCP_FIN_ACKED && c->bytes_acked > is_client));
	return fr_rowbatch__end_row(b);
}

static int write_pairs(struct fr_connattr *a, const struct attr_ctx *x)
{
	struct fr_rowbatch *b = &a->kube_rows;
	int err = 0;

	for (size_t i = 0; i < x->pairs.n && !err; i++) {
		const struct pair_key *k = &x->pairs.keys[i];
		int len;
		const char *uid = fr_ident__pod_uid(x->ident, k->client, &len);

		fr_rowbatch__int(b, (int64_t)i + 1);
		fr_rowbatch__text(b, uid, (size_t)len);
		uid = fr_ident__pod_uid(x->ident, k->server, &len);
		fr_rowbatch__text(b, uid, (size_t)len);
		fr_rowbatch__int(b, k->port);
		err = fr_rowbatch__end_row(b);
	}
	return err;
}

/* Every spooled connection in cid order. */
static int attribute_all(struct fr_connattr *a, struct attr_ctx *x)
{
	int64_t cid = 1;
	int err = flush_window(a);

	if (!err && (uint64_t)a->max_cid != a->n) {
		fprintf(stderr,
			"flightrec: replay: connection spool: %" PRIu64
			" connections for ids up to %" PRId64 "\n",
			a->n, a->max_cid);
		return -EIO;
	}
	while (!err && cid <= a->max_cid) {
		const int64_t want = a->max_cid - cid + 1 < WINDOW ? a->max_cid - cid + 1 : WINDOW;
		const int64_t got = read_at(a->fd, a->win, want, cid);

		if (got < 0)
			return (int)got;
		for (int64_t i = 0; i < want && !err; i++, cid++) {
			if (i >= got || a->win[i].cid != cid) {
				fprintf(stderr,
					"flightrec: replay: connection spool: connection %" PRId64
					" missing\n",
					cid);
				return -EIO;
			}
			err = attribute(a, x, &a->win[i]);
		}
	}
	return err;
}

int fr_connattr__build(struct fr_connattr *a)
{
	struct attr_ctx x = {0};
	int err;

	err = fr_ident__load(a->db, FR_IDENT_POD_IP | FR_IDENT_PROC | FR_IDENT_PODS, 1, &x.ident);
	if (!err)
		err = attribute_all(a, &x);
	if (!err)
		err = write_pairs(a, &x);
	if (!err)
		err = fr_rowbatch__flush(&a->conn_rows);
	if (!err)
		err = fr_rowbatch__flush(&a->kube_rows);
	fr_ident__free(x.ident);
	free(x.pairs.keys);
	free(x.pairs.slot);
	return err;
}

int fr_connattr__verify(struct fr_connattr *a)
{
	sqlite3_stmt *st;
	int64_t max;

	if (fr_db__prepare(a->db, "SELECT COALESCE(max(cid), 0) FROM conn", &st, "conn"))
		return -EIO;
	if (sqlite3_step(st) != SQLITE_ROW) {
		fprintf(stderr, "flightrec: replay: conn: %s\n", sqlite3_errmsg(a->db));
		sqlite3_finalize(st);
		return -EIO;
	}
	max = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (max != a->max_cid || (uint64_t)max != a->n) {
		fprintf(stderr,
			"flightrec: replay: conn ends at cid %" PRId64 " after %" PRIu64
			" connections\n",
			max, a->n);
		return -EPROTO;
	}
	return 0;
}

void fr_connattr__free(struct fr_connattr *a)
{
	if (!a)
		return;
	fr_rowbatch__free(&a->conn_rows);
	fr_rowbatch__free(&a->kube_rows);
	if (a->fd >= 0)
		close(a->fd);
	free(a->win);
	free(a);
}
