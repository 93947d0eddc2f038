/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hubble records at replay (docs/HUBBLE.md): a GetFlowsResponse (protobuf
 * or jsonpb line) or a ServerStatusResponse decoded into the hubble_*
 * tables of queries/schema.sql. A flow is one hubble_flow_row row, its
 * endpoints shared rows of hubble_endpoint (hubble_rows_ep.h), with its
 * HTTP headers and named policies beside it; lost_events, node_status and
 * ServerStatus answers have tables of their own. A record that does not
 * decode is kept in hubble_bad_record with the reason and counted: never
 * fatal. Rows go through row batches (rowbatch.h) like every other table.
 */
#ifndef FR_ANALYZER_REPLAY_HUBBLE_ROWS_H
#define FR_ANALYZER_REPLAY_HUBBLE_ROWS_H

#include <sqlite3.h>
#include <stdint.h>

#include "analyzer/replay/hubble_rows_ep.h"
#include "analyzer/replay/rowbatch.h"
#include "format/hubble/flow_arena.h"
#include "format/hubble/flow_cols.h"
#include "format/reader.h"

struct fr_rowwriter;

struct fr_hubble_rows {
	struct fr_rowbatch flow, header, policy, lost, node_status, server_status, bad;
	struct fr_hubble_eps eps;     /* hubble_endpoint */
	struct fr_hubble_arena arena; /* an endpoint being decoded */
	struct fr_hubble_cols cols;   /* the flow's columns */
	uint64_t *rows;		      /* the loader's row count, added to */
	int64_t next_id;	      /* hubble_flow.id of the next flow */
	/* records of the current segment that did not decode: count, first one */
	uint64_t nbad, bad_seq, bad_block;
	char bad_msg[200];
};

/* Where a record sits and when it arrived, for its rows. */
struct fr_hubble_where {
	int64_t recv_ts; /* the record's time, UTC ns */
	uint32_t node, segment;
	uint64_t seq; /* record number in the segment */
};

/* Prepare the inserts and fill hubble_enum from the compiled .proto
 * (on this thread: call before any row is queued). Return: 0 or -errno. */
int fr_hubble_rows__init(struct fr_hubble_rows *h, sqlite3 *db, struct fr_rowwriter *w,
			 uint64_t *rows);

/* Is `kind` a record this module loads? */
int fr_hubble_rows__wants(unsigned kind);

/* One Hubble record into its rows (or hubble_bad_record). Return: 0,
 * -ENOMEM, -E2BIG or -EIO (database, printed). */
int fr_hubble_rows__record(struct fr_hubble_rows *h, const struct fr_hubble_where *w,
			   const struct fr_record *rec);

/* Start counting bad records of a new segment. */
void fr_hubble_rows__segment(struct fr_hubble_rows *h);

/* Queue every buffered row. Return: 0 or -EIO. */
int fr_hubble_rows__flush(struct fr_hubble_rows *h);

void fr_hubble_rows__free(struct fr_hubble_rows *h);

#endif /* FR_ANALYZER_REPLAY_HUBBLE_ROWS_H */
