/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Row layout of ev_<kind>: ts, node, key columns, then the kind's fields in
 * kinds.c order. Key columns: `pk` for kinds with a pid (proc_fork: the
 * child; sched_switch: prev_pk and next_pk) and `cid` for kinds with a
 * sock_id. Address fields become text ("10.0.1.7"), other byte fields text,
 * histograms a JSON array of bucket counts.
 */
#include "analyzer/replay/loader.h"
#include "analyzer/replay/loader_conn.h"
#include "analyzer/db/db.h"
#include "analyzer/out/fieldtext.h"
#include "analyzer/replay/hubble_rows.h"
#include "analyzer/replay/idmap.h"
#include "analyzer/replay/incarn.h"
#include "analyzer/replay/rollup.h"
#include "analyzer/replay/rowbatch.h"
#include "analyzer/replay/rowwriter.h"
#include "analyzer/replay/slab.h"
#include "format/kinds.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Kinds with a sock_id, the most numerous, are narrow: their rows (table
 * <kind>) leave the socket tuple and sock_id to their connection (conn,
 * analyzer/replay/loader_conn.h); the view ev_<kind>, made here, puts them back.
 */
struct kind_ins {
	struct fr_rowbatch rows;
	uint64_t nrows;		  /* narrow kinds: rows so far, the id of the last */
	int8_t pk_field[2];	  /* field index feeding each pk column, -1: none */
	int8_t cid_field;	  /* sock_id field index, -1: none */
	int8_t span_field;	  /* aggregates: interval_ns field index, -1: none */
	uint8_t tail;		  /* may follow its process's exit record (incarn.h) */
	uint8_t ncols_key;	  /* number of key columns */
	int8_t tuple[FR_TUPLE_N]; /* socket kinds: field indexes of the tuple */
	uint32_t addr_mask;	  /* BYTES fields that hold an address */
	uint32_t conn_mask;	  /* fields the row leaves to conn */
};

struct live_proc {
	int64_t pk, parent_pk, start_ts, end_ts, exit_code, cgroup_id;
	uint32_t node, pid;
	int has_exit, forked; /* forked: its fork record was seen */
	char comm[64];
	char *exe;
};

struct fr_loader {
	sqlite3 *db;
	struct kind_ins ins[FR_KIND_MAX];
	sqlite3_stmt *count_ins;
	struct fr_rowwriter *writer;
	struct fr_rowbatch meta_rows, marker_rows, proc_rows;
	struct fr_hubble_rows hubble;
	struct fr_loader_conn conns;
	uint32_t node, segment;
	int64_t clock_boot, clock_wall;
	uint64_t seq, rows;
	uint64_t kind_counts[FR_KIND_MAX];
	struct fr_idmap procs;
	struct fr_slab proc_slab;
	struct fr_incarn_past past;   /* processes that ended lately (incarn.h) */
	int64_t node_ts_max, keep_ns; /* newest ts of this node; how long `past` keeps */
	struct fr_rollup *rollup;
	int64_t next_pk;
	struct fr_event ev;
	int64_t ts_min, ts_max;
};

static int db_err(struct fr_loader *l, const char *what)
{
	fprintf(stderr, "flightrec: replay: %s: %s\n", what, sqlite3_errmsg(l->db));
	return -EIO;
}

static int end_row(struct fr_loader *l, struct fr_rowbatch *b)
{
	const int err = fr_rowbatch__end_row(b);

	if (!err)
		l->rows++;
	return err;
}

static int step_reset(struct fr_loader *l, sqlite3_stmt *st, const char *what)
{
	const int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(l, what);
	l->rows++;
	return 0;
}

static int field_of(const struct fr_kind_info *ki, const char *name)
{
	for (unsigned i = 0; i < ki->nfields; i++)
		if (!strcmp(ki->fields[i].name, name))
			return (int)i;
	return -1;
}

/* Append to buf[*off] (cap bytes); a string too long fails at the end. */
static void put_sql(char *buf, size_t cap, size_t *off, const char *fmt, const char *a)
{
	if (*off < cap)
		*off += (size_t)snprintf(buf + *off, cap - *off, fmt, a, a, a);
}

/*
 * A narrow kind: its view ev_<kind> over the row, conn and sock_tuple, and
 * the INSERT of the columns the row keeps. `cols`: the view's columns.
 */
static int prepare_narrow(struct fr_loader *l, struct kind_ins *k, const char *kind,
			  const char **cols, int n)
{
	const char *keep[FR_EVENT_MAX_FIELDS + 6];
	char target[512], view[2048];
	size_t toff = 0, voff = 0;
	int m = 0, err;

	for (int t = 0; t < FR_TUPLE_N; t++) {
		if (k->tuple[t] < 0)
			return -EPROTO;
		k->conn_mask |= 1u << k->tuple[t];
	}
	keep[m++] = "id"; /* the row's key, assigned by SQLite: not inserted */
	put_sql(target, sizeof(target), &toff, "%s (", kind);
	put_sql(view, sizeof(view), &voff, "CREATE VIEW ev_%s AS SELECT ", kind);
	for (int i = 0; i < n; i++) {
		const int f = i - 2 - k->ncols_key; /* field index, < 0: ts, node, keys */

		if (i)
			put_sql(view, sizeof(view), &voff, "%s", ", ");
		if (f == k->tuple[FR_TUPLE_SOCK]) {
			put_sql(view, sizeof(view), &voff, "%s", "c.sock_id");
		} else if (f >= 0 && k->conn_mask >> f & 1) {
			put_sql(view, sizeof(view), &voff,
				"CASE WHEN t.id IS NULL THEN c.%s ELSE t.%s END AS %s", cols[i]);
		} else {
			put_sql(view, sizeof(view), &voff, "m.%s", cols[i]);
			put_sql(target, sizeof(target), &toff, m > 1 ? ",%s" : "%s", cols[i]);
			keep[m++] = cols[i];
		}
	}
	put_sql(target, sizeof(target), &toff, "%s", ")");
	put_sql(view, sizeof(view), &voff,
		" FROM %s m LEFT JOIN conn c ON c.cid = m.cid LEFT JOIN sock_tuple t"
		" ON t.kind = '%s' AND t.id = m.id",
		kind);
	if (toff >= sizeof(target) || voff >= sizeof(view))
		return -EPROTO;
	err = fr_db__check_columns(l->db, kind, keep, m);
	if (!err)
		err = fr_db__exec(l->db, view, kind);
	if (!err)
		err = fr_rowbatch__init(&k->rows, l->db, l->writer, target, (uint32_t)m - 1);
	return err;
}

/* What a process does itself in a system call: none follows its exit. */
static int own_call_kind(unsigned kind)
{
	switch (kind) {
	case FR_KIND_SYSCALL:
	case FR_KIND_SYSCALL_AGG:
	case FR_KIND_FILE_IO:
	case FR_KIND_FILE_OPEN:
	case FR_KIND_FILE_IO_AGG:
	case FR_KIND_PAGE_FAULT:
		return 1;
	default:
		return 0;
	}
}

static int prepare_kind(struct fr_loader *l, const struct fr_kind_info *ki)
{
	struct kind_ins *k = &l->ins[ki->kind];
	const char *cols[FR_EVENT_MAX_FIELDS + 5];
	char table[96];
	int n = 0, err;

	k->pk_field[0] = k->pk_field[1] = -1;
	cols[n++] = "ts";
	cols[n++] = "node";
	if (ki->kind == FR_KIND_SCHED_SWITCH) {
		k->pk_field[0] = FR_F_SCHED_SWITCH_PREV_PID;
		k->pk_field[1] = FR_F_SCHED_SWITCH_NEXT_PID;
		cols[n++] = "prev_pk";
		cols[n++] = "next_pk";
	} else if (ki->kind == FR_KIND_PROC_FORK) {
		k->pk_field[0] = FR_F_PROC_FORK_CHILD_PID;
		cols[n++] = "pk";
	} else if (field_of(ki, "pid") >= 0) { /* by name: any kind with a pid */
		k->pk_field[0] = (int8_t)field_of(ki, "pid");
		cols[n++] = "pk";
	}
	k->cid_field = (int8_t)field_of(ki, "sock_id");
	k->span_field = (int8_t)field_of(ki, "interval_ns");
	k->tail = !own_call_kind(ki->kind);
	k->tuple[FR_TUPLE_SOCK] = k->cid_field;
	k->tuple[FR_TUPLE_SADDR] = (int8_t)field_of(ki, "saddr");
	k->tuple[FR_TUPLE_DADDR] = (int8_t)field_of(ki, "daddr");
	k->tuple[FR_TUPLE_SPORT] = (int8_t)field_of(ki, "sport");
	k->tuple[FR_TUPLE_DPORT] = (int8_t)field_of(ki, "dport");
	for (unsigned i = 0; i < ki->nfields; i++) {
		const size_t nl = strlen(ki->fields[i].name);

		if (ki->fields[i].type == FR_FIELD_BYTES && nl >= 4 &&
		    !strcmp(ki->fields[i].name + nl - 4, "addr"))
			k->addr_mask |= 1u << i;
	}
	if (k->cid_field >= 0)
		cols[n++] = "cid";
	k->ncols_key = (uint8_t)(n - 2);
	for (unsigned i = 0; i < ki->nfields; i++)
		cols[n++] = ki->fields[i].name;
	snprintf(table, sizeof(table), "ev_%s", ki->name);
	err = k->cid_field >= 0 ? prepare_narrow(l, k, ki->name, cols, n) : 0;
	if (!err)
		err = fr_db__check_columns(l->db, table, cols, n);
	if (!err && !k->conn_mask)
		err = fr_rowbatch__init(&k->rows, l->db, l->writer, table, (uint32_t)n);
	return err == -ENOMEM ? err : err ? -EPROTO : 0;
}

int fr_loader__new(sqlite3 *db, struct fr_loader **out)
{
	struct fr_loader *l = calloc(1, sizeof(*l));
	int err = 0;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->db = db;
	l->proc_slab.size = sizeof(struct live_proc);
	l->keep_ns = FR_INCARN_KEEP_NS;
	l->node_ts_max = INT64_MIN;
	err = fr_rowbatch__register(db);
	if (!err)
		err = fr_rowwriter__new(&l->writer);
	if (!err)
		err = fr_loader_conn__init(&l->conns, db, l->writer, &l->rows);
	for (unsigned k = 1; k < FR_KIND_MAX && !err; k++) {
		const struct fr_kind_info *ki = fr_kind__info(k);

		if (ki && ki->has_schema)
			err = prepare_kind(l, ki);
	}
	if (!err)
		err = fr_rollup__new(db, l->writer, &l->rollup);
	if (!err)
		err = fr_rowbatch__init(&l->proc_rows, db, l->writer, "proc", 10);
	if (!err)
		err = fr_rowbatch__init(&l->meta_rows, db, l->writer, "meta_record", 6);
	if (!err)
		err = fr_rowbatch__init(&l->marker_rows, db, l->writer, "marker", 3);
	if (!err)
		err = fr_hubble_rows__init(&l->hubble, db, l->writer, &l->rows);
	if (!err)
		err = fr_db__prepare(db, "INSERT INTO kind_counts VALUES (?,?,?,?)", &l->count_ins,
				     "kind_counts");
	if (err) {
		fr_loader__free(l);
		return err == -ENOMEM ? err : -EPROTO;
	}
	*out = l;
	return 0;
}

void fr_loader__segment(struct fr_loader *l, uint32_t node, uint32_t segment,
			const struct fr_segment_info *info)
{
	if (node != l->node)
		l->node_ts_max = INT64_MIN; /* segments come node by node (pipeline.c) */
	l->node = node;
	l->segment = segment;
	l->clock_boot = (int64_t)info->boot_ns;
	l->clock_wall = (int64_t)info->wall_ns;
	l->seq = 0;
	memset(l->kind_counts, 0, sizeof(l->kind_counts));
	fr_hubble_rows__segment(&l->hubble);
}

static int64_t wall_of(const struct fr_loader *l, uint64_t boot_ts)
{
	return (int64_t)boot_ts - l->clock_boot + l->clock_wall;
}

static void note_ts(struct fr_loader *l, int64_t ts)
{
	if (!l->rows || ts < l->ts_min)
		l->ts_min = ts;
	if (!l->rows || ts > l->ts_max)
		l->ts_max = ts;
}

static int write_proc(struct fr_loader *l, const struct live_proc *p)
{
	struct fr_rowbatch *b = &l->proc_rows;

	fr_rowbatch__int(b, p->pk);
	fr_rowbatch__int(b, p->node);
	fr_rowbatch__int(b, p->pid);
	fr_rowbatch__int_or_null(b, p->parent_pk);
	fr_rowbatch__int(b, p->start_ts);
	fr_rowbatch__int(b, p->end_ts);
	if (p->comm[0])
		fr_rowbatch__text(b, p->comm, strlen(p->comm));
	else
		fr_rowbatch__null(b);
	if (p->exe)
		fr_rowbatch__text(b, p->exe, strlen(p->exe));
	else
		fr_rowbatch__null(b);
	fr_rowbatch__int_or_null(b, p->cgroup_id);
	if (p->has_exit)
		fr_rowbatch__int(b, p->exit_code);
	else
		fr_rowbatch__null(b); /* exit unseen */
	return end_row(l, b);
}

static void copy_text(char *dst, size_t cap, const struct fr_value *v)
{
	size_t n = v->len < cap - 1 ? v->len : cap - 1;

	memcpy(dst, v->p, n);
	dst[n] = 0;
}

/* End the incarnation at `idx` at `ts` and write it; records that arrive
 * later may still find it among the ended ones (incarn.h). */
static int proc_end(struct fr_loader *l, size_t idx, int64_t ts)
{
	struct live_proc *p = fr_slab__at(&l->proc_slab, idx);
	const struct fr_incarn inc = {.pk = p->pk, .start = p->start_ts, .end = ts};
	int err;

	p->end_ts = ts;
	err = write_proc(l, p);
	if (!err && ts != FR_LOADER_OPEN_END) {
		err = fr_incarn_past__add(&l->past, p->node, p->pid, &inc);
		fr_incarn_past__prune(&l->past, l->node,
				      l->node_ts_max > INT64_MIN + l->keep_ns
					      ? l->node_ts_max - l->keep_ns
					      : INT64_MIN);
	}
	fr_idmap__del(&l->procs, p->node, p->pid);
	free(p->exe);
	fr_slab__release(&l->proc_slab, idx);
	return err;
}

/* Live incarnation of (node, pid), created at `ts` when unknown. */
static int proc_get(struct fr_loader *l, uint32_t pid, int64_t ts, struct live_proc **out)
{
	uint64_t *v = fr_idmap__get(&l->procs, l->node, pid);
	size_t idx;
	int err;

	if (v) {
		*out = fr_slab__at(&l->proc_slab, (size_t)*v);
		return 0;
	}
	err = fr_slab__alloc(&l->proc_slab, &idx);
	if (!err)
		err = fr_idmap__put(&l->procs, l->node, pid, idx);
	if (err)
		return err;
	*out = fr_slab__at(&l->proc_slab, idx);
	(*out)->pk = ++l->next_pk;
	(*out)->node = l->node;
	(*out)->pid = pid;
	(*out)->start_ts = ts;
	(*out)->end_ts = FR_LOADER_OPEN_END;
	return 0;
}

/*
 * The incarnation of (node, pid) that a record covering [from, to] belongs
 * to (the rule of incarn.h): the live one or one that ended lately; when
 * none fits, the live one, else a new one from `to`. Return: 0 or -ENOMEM.
 */
static int proc_at(struct fr_loader *l, uint32_t pid, int64_t from, int64_t to, int64_t tail,
		   int64_t *pk)
{
	uint64_t *v = fr_idmap__get(&l->procs, l->node, pid);
	struct live_proc *p = v ? fr_slab__at(&l->proc_slab, (size_t)*v) : NULL;
	struct fr_incarn live;
	int err;

	if (p && p->start_ts <= from) {
		*pk = p->pk; /* alive all along: nothing ended overlaps more (most records) */
		return 0;
	}
	if (p)
		live = (struct fr_incarn){.pk = p->pk, .start = p->start_ts, .end = p->end_ts};
	if (!fr_incarn_past__pick(&l->past, l->node, pid, p ? &live : NULL, from, to, tail, pk))
		return 0;
	err = p ? 0 : proc_get(l, pid, to, &p);
	if (!err)
		*pk = p->pk;
	return err;
}

/*
 * A fork: the parent's incarnation at `ts` and the child's new one. An
 * incarnation of the child's pid first seen at most FR_INCARN_EARLY_NS
 * before, without a fork of its own, was the child: an aggregate stamped
 * just before the maps switched over holds what a child forked in between
 * did, and came first.
 */
static int proc_fork(struct fr_loader *l, const struct fr_event *ev, int64_t ts, int64_t *pk)
{
	const uint32_t child = (uint32_t)ev->f[FR_F_PROC_FORK_CHILD_PID].u;
	const uint64_t parent_pid = ev->f[FR_F_PROC_FORK_PARENT_PID].u;
	struct live_proc *p = NULL;
	int64_t parent = 0;
	uint64_t *old;
	int err = 0;

	if (parent_pid)
		err = proc_at(l, (uint32_t)parent_pid, ts, ts, 0, &parent);
	old = fr_idmap__get(&l->procs, l->node, child); /* after: proc_at may add */
	if (old)
		p = fr_slab__at(&l->proc_slab, (size_t)*old);
	if (!err && p &&
	    (p->forked || p->start_ts > ts ||
	     (uint64_t)ts - (uint64_t)p->start_ts > FR_INCARN_EARLY_NS))
		err = proc_end(l, (size_t)*old, ts); /* pid reused, exit unseen */
	if (!err)
		err = proc_get(l, child, ts, &p);
	if (err)
		return err;
	p->forked = 1;
	p->start_ts = ts;
	p->parent_pk = parent;
	p->cgroup_id = (int64_t)ev->f[FR_F_PROC_FORK_CGROUP_ID].u;
	copy_text(p->comm, sizeof(p->comm), &ev->f[FR_F_PROC_FORK_COMM]);
	*pk = p->pk;
	return 0;
}

/* Process semantics of lifecycle kinds; fills the pk key columns. */
static int resolve_procs(struct fr_loader *l, const struct kind_ins *k, const struct fr_event *ev,
			 int64_t ts, int64_t pks[2])
{
	const int64_t tail = k->tail ? FR_INCARN_TAIL_NS : 0;
	int64_t from = ts;
	struct live_proc *p;
	int err;

	pks[0] = pks[1] = 0;
	if (ev->kind == FR_KIND_PROC_FORK)
		return proc_fork(l, ev, ts, &pks[0]);
	if (k->span_field >= 0) {
		/* an aggregate flushed at ts covers the interval before it */
		const uint64_t span = ev->f[k->span_field].u;
		const int64_t keep = (int64_t)span + FR_INCARN_TAIL_NS + FR_INCARN_EARLY_NS;

		from = span < (uint64_t)FR_INCARN_MAX_SPAN_NS && ts > INT64_MIN + (int64_t)span
			       ? ts - (int64_t)span
			       : ts;
		if (from < ts && keep > l->keep_ns)
			l->keep_ns = keep;
	}
	for (int i = 0; i < 2; i++) {
		const uint32_t pid = k->pk_field[i] >= 0 ? (uint32_t)ev->f[k->pk_field[i]].u : 0;

		if (!pid)
			continue; /* idle task or softirq: no process */
		if (ev->kind != FR_KIND_PROC_EXEC && ev->kind != FR_KIND_PROC_EXIT) {
			err = proc_at(l, pid, from, ts, tail, &pks[i]);
			if (err)
				return err;
			continue;
		}
		err = proc_get(l, pid, ts, &p); /* exec and exit: the live one */
		if (err)
			return err;
		pks[i] = p->pk;
		if (ev->kind == FR_KIND_PROC_EXEC) {
			const struct fr_value *fn = &ev->f[FR_F_PROC_EXEC_FILENAME];

			copy_text(p->comm, sizeof(p->comm), &ev->f[FR_F_PROC_EXEC_COMM]);
			free(p->exe);
			p->exe = strndup((const char *)fn->p, fn->len);
			p->cgroup_id = (int64_t)ev->f[FR_F_PROC_EXEC_CGROUP_ID].u;
		} else {
			p->has_exit = 1;
			p->exit_code = fr_value__s64(&ev->f[FR_F_PROC_EXIT_EXIT_CODE]);
		}
	}
	return 0;
}

static int load_schema_kind(struct fr_loader *l, const struct fr_record *rec)
{
	struct kind_ins *k = &l->ins[rec->kind];
	struct fr_rowbatch *b = &k->rows;
	const struct fr_kind_info *ki = fr_kind__info(rec->kind);
	struct fr_event *ev = &l->ev;
	int64_t ts, pks[2] = {0, 0}, cid = 0;
	int err, same = 1;

	ev->kind = rec->kind;
	ev->ts_ns = rec->ts_ns;
	if (fr_event__decode(rec->kind, rec->payload, rec->len, ev))
		return -EBADMSG;
	if (rec->kind == FR_KIND_CLOCK_SYNC) {
		l->clock_boot = (int64_t)ev->f[FR_F_CLOCK_SYNC_BOOT_NS].u;
		l->clock_wall = (int64_t)ev->f[FR_F_CLOCK_SYNC_WALL_NS].u;
	}
	ts = wall_of(l, rec->ts_ns);
	if (rec->kind == FR_KIND_RECORDER_STATS) {
		/* the span a statistic covers: on the same UTC axis as ts (0: none) */
		for (int i = FR_F_RECORDER_STATS_FIRST_NS; i <= FR_F_RECORDER_STATS_LAST_NS; i++)
			if (ev->f[i].u)
				ev->f[i].u = (uint64_t)wall_of(l, ev->f[i].u);
	}
	note_ts(l, ts);
	if (ts > l->node_ts_max)
		l->node_ts_max = ts;
	err = resolve_procs(l, k, ev, ts, pks);
	if (!err && k->cid_field >= 0)
		err = fr_loader_conn__event(&l->conns, k->tuple, ev, l->node, ts, pks[0], &cid,
					    &same);
	if (err)
		return err == -ENOMEM ? err : -EIO;
	fr_rowbatch__int(b, ts);
	fr_rowbatch__int(b, l->node);
	for (int i = 0; i < 2 && k->pk_field[i] >= 0; i++)
		fr_rowbatch__int_or_null(b, pks[i]);
	if (k->cid_field >= 0)
		fr_rowbatch__int(b, cid);
	for (unsigned i = 0; i < ki->nfields; i++) {
		const struct fr_value *v = &ev->f[i];

		if (k->conn_mask >> i & 1)
			continue;
		switch (ki->fields[i].type) {
		case FR_FIELD_U64:
		case FR_FIELD_S64:
			fr_rowbatch__int(b, (int64_t)v->u);
			break;
		case FR_FIELD_BYTES:
			fr_fieldtext__add_bytes(b, (int)(k->addr_mask >> i & 1), v);
			break;
		case FR_FIELD_HIST:
			fr_fieldtext__add_hist(b, v);
			break;
		}
	}
	err = end_row(l, b);
	if (!err && k->conn_mask) {
		k->nrows++;
		if (!same)
			err = fr_loader_conn__add_tuple(&l->conns, k->tuple, ev, k->nrows);
	}
	if (!err && fr_rollup__wants(rec->kind))
		err = fr_rollup__event(l->rollup, ev, ts, l->node, pks);
	if (!err && rec->kind == FR_KIND_PROC_EXIT && pks[0]) {
		const uint64_t pid = ev->f[FR_F_PROC_EXIT_PID].u;

		err = proc_end(l, (size_t)*fr_idmap__get(&l->procs, l->node, pid), ts);
	}
	return err;
}

static int load_opaque(struct fr_loader *l, const struct fr_record *rec, const char *name)
{
	const int64_t ts = wall_of(l, rec->ts_ns);
	struct fr_rowbatch *b;

	note_ts(l, ts);
	switch (rec->kind) {
	case FR_KIND_META_SNAPSHOT:
	case FR_KIND_META_CHANGE:
		b = &l->meta_rows;
		fr_rowbatch__int(b, ts);
		fr_rowbatch__int(b, l->node);
		fr_rowbatch__int(b, l->segment);
		fr_rowbatch__int(b, (int64_t)l->seq);
		fr_rowbatch__text(b, name, strlen(name));
		fr_rowbatch__text(b, rec->payload, rec->len);
		break;
	case FR_KIND_MARKER:
		b = &l->marker_rows;
		fr_rowbatch__int(b, ts);
		fr_rowbatch__int(b, l->node);
		fr_rowbatch__text(b, rec->payload, rec->len);
		break;
	case FR_KIND_HUBBLE_FLOW_PB:
	case FR_KIND_HUBBLE_FLOW_JSON:
	case FR_KIND_HUBBLE_STATUS_PB: {
		const struct fr_hubble_where w = {
			.recv_ts = ts, .node = l->node, .segment = l->segment, .seq = l->seq};

		return fr_hubble_rows__record(&l->hubble, &w, rec);
	}
	default:
		return 0; /* an opaque kind this analyzer has no table for: counted only */
	}
	return end_row(l, b);
}

int fr_loader__record(struct fr_loader *l, const struct fr_record *rec)
{
	const struct fr_kind_info *ki = fr_kind__info(rec->kind);
	int err;

	l->seq++;
	l->kind_counts[rec->kind < FR_KIND_MAX ? rec->kind : 0]++;
	if (!ki)
		return 0; /* unknown kind from a newer recorder: counted, skipped */
	err = ki->has_schema ? load_schema_kind(l, rec) : load_opaque(l, rec, ki->name);
	return err;
}

/* Rows still buffered reach their tables before anything reads them. */
static int flush_rows(struct fr_loader *l)
{
	int err = 0;

	struct fr_rowbatch *other[] = {&l->meta_rows, &l->marker_rows, &l->proc_rows};

	for (unsigned k = 0; k < FR_KIND_MAX && !err; k++)
		if (l->ins[k].rows.db)
			err = fr_rowbatch__flush(&l->ins[k].rows);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]) && !err; i++)
		err = fr_rowbatch__flush(other[i]);
	if (!err)
		err = fr_hubble_rows__flush(&l->hubble);
	if (!err)
		err = fr_loader_conn__flush(&l->conns);
	return err ? err : fr_loader__sync(l);
}

int fr_loader__sync(struct fr_loader *l)
{
	return l->writer ? fr_rowwriter__sync(l->writer) : 0;
}

int fr_loader__end_segment(struct fr_loader *l)
{
	if (fr_rollup__flush(l->rollup) || flush_rows(l))
		return -EIO;
	for (unsigned k = 0; k < FR_KIND_MAX; k++) {
		const char *name = fr_kind__name(k);
		int err;

		if (!l->kind_counts[k])
			continue;
		sqlite3_bind_int64(l->count_ins, 1, l->segment);
		sqlite3_bind_int64(l->count_ins, 2, k);
		if (name)
			sqlite3_bind_text(l->count_ins, 3, name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(l->count_ins, 3);
		sqlite3_bind_int64(l->count_ins, 4, (int64_t)l->kind_counts[k]);
		err = step_reset(l, l->count_ins, "kind_counts");
		if (err)
			return err;
	}
	return 0;
}

int fr_loader__finish(struct fr_loader *l)
{
	int err = 0;

	/* slab order is deterministic for a given input, so rows are too */
	for (size_t i = 0; i < l->proc_slab.n && !err; i++) {
		struct live_proc *p = fr_slab__at(&l->proc_slab, i);
		uint64_t *v = p->pk ? fr_idmap__get(&l->procs, p->node, p->pid) : NULL;

		if (v && *v == i)
			err = proc_end(l, i, FR_LOADER_OPEN_END);
	}
	if (!err)
		err = fr_loader_conn__finish(&l->conns);
	return err ? err : flush_rows(l);
}

int fr_loader__attribute_conns(struct fr_loader *l)
{
	/* the attribution reads tables on this thread first */
	const int serr = fr_loader__sync(l);
	const int err = serr ? serr : fr_loader_conn__attribute(&l->conns);
	const int werr = fr_loader__sync(l);

	if (err || werr)
		return err ? err : werr;
	return fr_loader_conn__verify(&l->conns);
}

uint64_t fr_loader__hubble_bad(const struct fr_loader *l, uint64_t *seq, uint64_t *block,
			       const char **msg)
{
	*seq = l->hubble.bad_seq;
	*block = l->hubble.bad_block;
	*msg = l->hubble.bad_msg;
	return l->hubble.nbad;
}

uint64_t fr_loader__rows(const struct fr_loader *l)
{
	return l->rows;
}

int fr_loader__write_info(struct fr_loader *l)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO replay_info VALUES ('schema_version', '%d'), ('ts_min', '%" PRId64
		 "'), ('ts_max', '%" PRId64 "'), ('rows', '%" PRIu64 "')",
		 FR_DB_SCHEMA_VERSION, l->ts_min, l->ts_max, l->rows);
	return fr_db__exec(l->db, sql, "replay_info");
}

void fr_loader__free(struct fr_loader *l)
{
	if (!l)
		return;
	fr_rowwriter__free(l->writer); /* first: it may still use the batches */
	for (unsigned k = 0; k < FR_KIND_MAX; k++)
		fr_rowbatch__free(&l->ins[k].rows);
	fr_rowbatch__free(&l->meta_rows);
	fr_rowbatch__free(&l->marker_rows);
	fr_hubble_rows__free(&l->hubble);
	fr_rowbatch__free(&l->proc_rows);
	fr_loader_conn__free(&l->conns);
	sqlite3_finalize(l->count_ins);
	for (size_t i = 0; i < l->proc_slab.n; i++) {
		struct live_proc *p = fr_slab__at(&l->proc_slab, i);
		uint64_t *v = p->pk ? fr_idmap__get(&l->procs, p->node, p->pid) : NULL;

		if (v && *v == i)
			free(p->exe);
	}
	fr_idmap__free(&l->procs);
	fr_incarn_past__free(&l->past);
	fr_slab__free(&l->proc_slab);
	fr_rollup__free(l->rollup);
	free(l);
}
