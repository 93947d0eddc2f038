/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Socket incarnations of the loader (analyzer/replay/loader.c): the live sockets
 * of every node, keyed by sock_id, each a row of conn (cid) once it ends
 * and is attributed (analyzer/attr/connattr.h).
 * Socket kinds are narrow: their rows leave the tuple to the connection,
 * and only a tuple that is not the connection's adds a row to sock_tuple.
 */
#ifndef FR_ANALYZER_REPLAY_LOADER_CONN_H
#define FR_ANALYZER_REPLAY_LOADER_CONN_H

#include <sqlite3.h>
#include <stdint.h>

#include "analyzer/attr/connattr.h"
#include "analyzer/replay/idmap.h"
#include "analyzer/replay/rowbatch.h"
#include "analyzer/replay/slab.h"
#include "format/kinds.h"

/* Field indexes of a socket kind's tuple, in this order. */
enum { FR_TUPLE_SOCK, FR_TUPLE_SADDR, FR_TUPLE_DADDR, FR_TUPLE_SPORT, FR_TUPLE_DPORT, FR_TUPLE_N };

struct fr_loader_conn {
	struct fr_idmap live; /* (node, sock_id) -> slab index */
	struct fr_slab slab;
	struct fr_rowbatch tuple_rows;
	struct fr_connattr *ended; /* connections that ended, to attribute */
	int64_t next_cid;
	uint64_t *rows;		   /* the loader's row count: conn rows add to it */
	struct fr_conn_tail *tail; /* ended incarnations still kept, oldest first */
	size_t tail_head, tail_n, tail_cap;
};

/* Prepare the INSERTs into conn and sock_tuple. Return: 0 or -errno. */
int fr_loader_conn__init(struct fr_loader_conn *c, sqlite3 *db, struct fr_rowwriter *writer,
			 uint64_t *rows);

/* Socket semantics of an event of a socket kind (`tuple`: its field
 * indexes) on `node` at `ts` by process `pk`: the connection's `cid`, and
 * `same`: whether the event's tuple is the connection's. */
int fr_loader_conn__event(struct fr_loader_conn *c, const int8_t tuple[FR_TUPLE_N],
			  const struct fr_event *ev, uint32_t node, int64_t ts, int64_t pk,
			  int64_t *cid, int *same);

/* The tuple of narrow row `id` of the event's kind, not its connection's. */
int fr_loader_conn__add_tuple(struct fr_loader_conn *c, const int8_t tuple[FR_TUPLE_N],
			      const struct fr_event *ev, uint64_t id);

/* End every live socket (open to the end of the recording). */
int fr_loader_conn__finish(struct fr_loader_conn *c);

/* Hand the buffered rows to the writer. */
int fr_loader_conn__flush(struct fr_loader_conn *c);

/* Write conn and kube_pair (analyzer/attr/connattr.h) once
 * post_load.sql has run; the writer must be idle. */
int fr_loader_conn__attribute(struct fr_loader_conn *c);

/* After the writer has inserted them (analyzer/attr/connattr.h). */
int fr_loader_conn__verify(struct fr_loader_conn *c);

/* After the row writer is freed. */
void fr_loader_conn__free(struct fr_loader_conn *c);

#endif /* FR_ANALYZER_REPLAY_LOADER_CONN_H */
