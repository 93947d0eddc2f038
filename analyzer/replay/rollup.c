/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cells live in a small open-addressing table, in insertion order, and are
 * written when a later minute starts, when the table fills and at the end
 * of every segment: memory stays bounded whatever the input, the live cells
 * stay in the cache, and the row order depends on the input only.
 * Values follow SQLite's view of the ev_ columns (U64 fields as int64), so
 * that sums and log2 buckets match the raw-row SQL exactly.
 */
#include "analyzer/replay/rollup.h"
#include "analyzer/db/db.h"
#include "analyzer/replay/rowbatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CELLS 65536
#define SLOTS	  (MAX_CELLS * 2) /* power of two */
#define NO_BUCKET -1		  /* b IS NULL: a row carrying no histogram count */

enum roll_table {
	R_SYSCALL,
	R_SCHED_OUT,
	R_RUNQ,
	R_FILE_IO,
	R_PAGE_FAULT,
	R_MEM_ALLOC,
	R_NET,
	R_N
};

static const struct {
	const char *name;
	uint8_t nkeys; /* key columns after pk */
	int8_t bucket; /* which key is the histogram bucket b (the last), -1: none */
	uint8_t nvals;
} tables[R_N] = {
	[R_SYSCALL] = {"roll_syscall", 2, 1, 4},	/* nr, b; calls, errors, obs, sum_ns */
	[R_SCHED_OUT] = {"roll_sched_out", 0, -1, 2},	/* switches, runtime_ns */
	[R_RUNQ] = {"roll_runq", 1, 0, 2},		/* b; obs, sum_ns */
	[R_FILE_IO] = {"roll_file_io", 3, 2, 3},	/* op, fd_kind, b; bytes, obs, sum_ns */
	[R_PAGE_FAULT] = {"roll_page_fault", 1, -1, 1}, /* user; faults */
	[R_MEM_ALLOC] = {"roll_mem_alloc", 0, -1, 1},	/* allocs */
	[R_NET] = {"roll_net", 2, -1, 4}, /* protocol, received; msgs, bytes, pkts_out, pkts_in */
};

struct cell {
	int64_t minute, pk, k[3];
	uint32_t node;
	uint8_t table;
	int64_t v[4];
};

struct fr_rollup {
	sqlite3 *db;
	struct fr_rowbatch rows[R_N];
	struct cell cells[MAX_CELLS];
	int32_t slot[SLOTS]; /* cell index + 1; 0: empty */
	size_t n;
	int64_t last_minute; /* the latest minute of an event so far */
	/* field indexes, looked up once */
	int8_t f[FR_KIND_MAX][8];
};

static const char *const field_names[FR_KIND_MAX][8] = {
	[FR_KIND_SYSCALL] = {"pid", "nr", "latency_ns", "ret", "flags"},
	[FR_KIND_SYSCALL_AGG] = {"pid", "nr", "count", "errors", "total_ns", "latency_hist"},
	[FR_KIND_SCHED_SWITCH] = {"prev_runtime_ns", "runq_latency_ns"},
	[FR_KIND_SCHED_AGG] = {"pid", "runtime_ns", "switches", "runq_total_ns", "runq_hist"},
	[FR_KIND_FILE_IO] = {"pid", "op", "ret", "latency_ns", "fd_kind"},
	[FR_KIND_FILE_IO_AGG] = {"pid", "op", "bytes", "total_ns", "latency_hist", "fd_kind"},
	[FR_KIND_PAGE_FAULT] = {"pid", "user"},
	[FR_KIND_MEM_ALLOC] = {"pid", "count"},
	[FR_KIND_MEM_AGG] = {"pid", "user_faults", "kernel_faults", "allocs"},
	[FR_KIND_SOCK_MSG] = {"pid", "protocol", "received", "bytes", "pkts_out", "pkts_in"},
	[FR_KIND_UDP_MSG] = {"pid", "received", "bytes"},
	[FR_KIND_SOCK_MSG_AGG] = {"pid", "protocol", "received", "count", "bytes"},
	[FR_KIND_TCP_CLOSE] = {"pid", "pkts_out", "pkts_in"},
};

int fr_rollup__wants(unsigned kind)
{
	return kind < FR_KIND_MAX && field_names[kind][0] != NULL;
}

int fr_rollup__new(sqlite3 *db, struct fr_rowwriter *writer, struct fr_rollup **out)
{
	struct fr_rollup *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->db = db;
	r->last_minute = INT64_MIN;
	for (unsigned k = 0; k < FR_KIND_MAX; k++) {
		for (int i = 0; i < 8 && field_names[k][i]; i++) {
			const int idx = fr_kind__field_index(k, field_names[k][i]);

			if (idx < 0) {
				fprintf(stderr,
					"flightrec: replay: rollup: no field %s in kind %u\n",
					field_names[k][i], k);
				fr_rollup__free(r);
				return -EPROTO;
			}
			r->f[k][i] = (int8_t)idx;
		}
	}
	for (int t = 0; t < R_N; t++) {
		const uint32_t ncols = 3u + tables[t].nkeys + tables[t].nvals;
		const int err = fr_rowbatch__init(&r->rows[t], db, writer, tables[t].name, ncols);

		if (err) {
			fr_rollup__free(r);
			return err == -ENOMEM ? err : -EPROTO;
		}
	}
	*out = r;
	return 0;
}

static int write_cell(struct fr_rollup *r, const struct cell *c)
{
	struct fr_rowbatch *b = &r->rows[c->table];

	fr_rowbatch__int(b, c->minute);
	fr_rowbatch__int(b, c->node);
	fr_rowbatch__int_or_null(b, c->pk);
	for (int i = 0; i < tables[c->table].nkeys; i++) {
		if (i == tables[c->table].bucket && c->k[i] == NO_BUCKET)
			fr_rowbatch__null(b);
		else
			fr_rowbatch__int(b, c->k[i]);
	}
	for (int i = 0; i < tables[c->table].nvals; i++)
		fr_rowbatch__int(b, c->v[i]);
	return fr_rowbatch__end_row(b);
}

static uint64_t cell_hash(const struct cell *c)
{
	uint64_t h = (uint64_t)c->minute * 0x9E3779B97F4A7C15ull;

	h ^= ((uint64_t)c->pk + ((uint64_t)c->node << 40)) * 0xC2B2AE3D27D4EB4Full;
	h ^= ((uint64_t)c->k[0] * 0x165667B19E3779F9ull) ^ ((uint64_t)c->k[1] << 17) ^
	     ((uint64_t)c->k[2] << 41) ^ c->table;
	return h ^ (h >> 29);
}

/* Cells to rows; with the rows go the cells' slots, cleared one by one: a
 * table of a few live cells then stays in the cache. */
static int write_cells(struct fr_rollup *r)
{
	int err = 0;

	for (size_t i = 0; i < r->n && !err; i++)
		err = write_cell(r, &r->cells[i]);
	for (size_t i = 0; i < r->n; i++) {
		size_t s = cell_hash(&r->cells[i]) & (SLOTS - 1);

		while (r->slot[s] != (int32_t)i + 1)
			s = (s + 1) & (SLOTS - 1);
		r->slot[s] = 0;
	}
	r->n = 0;
	return err;
}

int fr_rollup__flush(struct fr_rollup *r)
{
	int err = write_cells(r);

	r->last_minute = INT64_MIN; /* the next segment may start earlier */

	for (int t = 0; t < R_N && !err; t++)
		err = fr_rowbatch__flush(&r->rows[t]);
	return err;
}

/* The values of cell (table, minute, node, pk, k), created at zero. */
static int64_t *cell_values(struct fr_rollup *r, int table, int64_t minute, uint32_t node,
			    int64_t pk, const int64_t k[3], int *err)
{
	const struct cell key = {minute, pk, {k[0], k[1], k[2]}, node, (uint8_t)table, {0}};
	size_t s = cell_hash(&key) & (SLOTS - 1);

	for (; r->slot[s]; s = (s + 1) & (SLOTS - 1)) {
		struct cell *c = &r->cells[r->slot[s] - 1];

		if (c->minute == minute && c->pk == pk && c->k[0] == k[0] && c->k[1] == k[1] &&
		    c->k[2] == k[2] && c->node == node && c->table == table)
			return c->v;
	}
	if (r->n == MAX_CELLS) {
		*err = write_cells(r);
		if (*err)
			return NULL;
		s = cell_hash(&key) & (SLOTS - 1);
	}
	r->cells[r->n] = key;
	r->slot[s] = (int32_t)++r->n;
	return r->cells[r->n - 1].v;
}

static int64_t log2_bucket(int64_t v)
{
	return v < 2 ? 0 : 63 - __builtin_clzll((uint64_t)v);
}

/* ADD(table, KEYS(k0, k1, k2), values...): add to a cell; keys the table lacks are 0 */
#define KEYS(...) ((const int64_t[3]){__VA_ARGS__})
#define ADD(table, keys, ...)                                                                      \
	do {                                                                                       \
		int64_t *v_ = cell_values(r, table, minute, node, pk, keys, &err);                 \
		const int64_t add_[] = {__VA_ARGS__};                                              \
		if (!v_)                                                                           \
			return err;                                                                \
		for (size_t i_ = 0; i_ < sizeof(add_) / sizeof(add_[0]); i_++)                     \
			v_[i_] += add_[i_];                                                        \
	} while (0)

/* Histogram buckets of an *_agg record: one row per non-empty bucket.
 * keys: the cell's keys before the bucket, which is the last key. */
static int add_hist(struct fr_rollup *r, int table, int64_t minute, uint32_t node, int64_t pk,
		    const int64_t keys[3], const struct fr_value *h, int obs_col)
{
	const uint64_t *b = (const uint64_t *)(const void *)h->p;
	int64_t k[3] = {keys[0], keys[1], keys[2]};
	int err = 0;

	for (uint32_t i = 0; i < h->len && i < 64; i++) {
		int64_t *v;

		if (!b[i])
			continue;
		k[tables[table].bucket] = i;
		v = cell_values(r, table, minute, node, pk, k, &err);
		if (!v)
			return err;
		v[obs_col] += (int64_t)b[i];
	}
	return 0;
}

int fr_rollup__event(struct fr_rollup *r, const struct fr_event *ev, int64_t ts, uint32_t node,
		     const int64_t pks[2])
{
	const int8_t *f = r->f[ev->kind];
	const int64_t minute = fr_rollup__minute(ts);
	int64_t pk = pks[0];
	int err = 0;

	/* A segment's events come about in time order: once a later minute
	 * starts, the cells so far are (nearly) complete. A late event only
	 * adds a row to a cell. */
	if (minute > r->last_minute) {
		if (r->n && (err = write_cells(r)))
			return err;
		r->last_minute = minute;
	}

#define I(n) ((int64_t)ev->f[f[n]].u)
	switch (ev->kind) {
	case FR_KIND_SYSCALL:
		/* a call that does not return (exit_group...) is counted, not timed */
		if (I(4) & FR_SYSCALL_FLAG_NO_RETURN)
			ADD(R_SYSCALL, KEYS(I(1), NO_BUCKET), 1, 0, 0, 0);
		/* errors: errno values only, as the aggregating BPF side counts them */
		else
			ADD(R_SYSCALL, KEYS(I(1), log2_bucket(I(2))), 1, I(3) < 0 && I(3) >= -4095,
			    1, I(2));
		break;
	case FR_KIND_SYSCALL_AGG:
		ADD(R_SYSCALL, KEYS(I(1), NO_BUCKET), I(2), I(3), 0, I(4));
		return add_hist(r, R_SYSCALL, minute, node, pk, KEYS(I(1)), &ev->f[f[5]], 2);
	case FR_KIND_SCHED_SWITCH:
		/* pid 0 (no pk): a side the recorder did not select; runq 0: unknown */
		if (pks[0])
			ADD(R_SCHED_OUT, KEYS(0), 1, I(0));
		pk = pks[1];
		if (pk && I(1) > 0)
			ADD(R_RUNQ, KEYS(log2_bucket(I(1))), 1, I(1));
		break;
	case FR_KIND_SCHED_AGG:
		ADD(R_SCHED_OUT, KEYS(0), I(2), I(1));
		ADD(R_RUNQ, KEYS(NO_BUCKET), 0, I(3));
		return add_hist(r, R_RUNQ, minute, node, pk, KEYS(0), &ev->f[f[4]], 0);
	case FR_KIND_FILE_IO:
		/* latency 0: a copy call's side whose latency is on its other entry */
		if (I(3) > 0)
			ADD(R_FILE_IO, KEYS(I(1), I(4), log2_bucket(I(3))), I(2) > 0 ? I(2) : 0, 1,
			    I(3));
		else
			ADD(R_FILE_IO, KEYS(I(1), I(4), NO_BUCKET), I(2) > 0 ? I(2) : 0, 0, 0);
		break;
	case FR_KIND_FILE_IO_AGG:
		ADD(R_FILE_IO, KEYS(I(1), I(5), NO_BUCKET), I(2), 0, I(3));
		return add_hist(r, R_FILE_IO, minute, node, pk, KEYS(I(1), I(5)), &ev->f[f[4]], 1);
	case FR_KIND_PAGE_FAULT:
		ADD(R_PAGE_FAULT, KEYS(I(1) != 0), 1);
		break;
	case FR_KIND_MEM_ALLOC:
		ADD(R_MEM_ALLOC, KEYS(0), I(1));
		break;
	case FR_KIND_MEM_AGG:
		ADD(R_PAGE_FAULT, KEYS(1), I(1));
		ADD(R_PAGE_FAULT, KEYS(0), I(2));
		ADD(R_MEM_ALLOC, KEYS(0), I(3));
		break;
	case FR_KIND_SOCK_MSG:
		ADD(R_NET, KEYS(I(1), I(2) != 0), 1, I(3) > 0 ? I(3) : 0, I(4), I(5));
		break;
	case FR_KIND_UDP_MSG: /* one datagram */
		ADD(R_NET, KEYS(17, I(1) != 0), 1, I(2) > 0 ? I(2) : 0, I(1) == 0, I(1) != 0);
		break;
	case FR_KIND_SOCK_MSG_AGG: /* datagrams; TCP aggregates carry no segment counts */
		ADD(R_NET, KEYS(I(1), I(2) != 0), I(3), I(4), I(1) != 6 && !I(2) ? I(3) : 0,
		    I(1) != 6 && I(2) ? I(3) : 0);
		break;
	case FR_KIND_TCP_CLOSE: /* segments no message booked */
		ADD(R_NET, KEYS(6, 0), 0, 0, I(1), I(2));
		break;
	default:
		break;
	}
#undef I
	return 0;
}

void fr_rollup__free(struct fr_rollup *r)
{
	if (!r)
		return;
	for (int t = 0; t < R_N; t++)
		fr_rowbatch__free(&r->rows[t]);
	free(r);
}
