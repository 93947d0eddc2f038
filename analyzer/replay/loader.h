/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Record loader of `flightrec replay`: turns decoded records into rows with
 * one prepared INSERT per kind. Kernel timestamps become wall-clock UTC ns
 * through the segment's clock pair, updated by CLOCK_SYNC records. Live
 * process and socket tables give every event its process incarnation (pk)
 * and socket incarnation (cid); only what is alive is held in memory.
 */
#ifndef FR_ANALYZER_REPLAY_LOADER_H
#define FR_ANALYZER_REPLAY_LOADER_H

#include <sqlite3.h>
#include <stdint.h>

#include "format/reader.h"

/* End of an incarnation still alive when the recording ends. */
#define FR_LOADER_OPEN_END INT64_MAX

struct fr_loader;

/* Prepare every INSERT and check the ev_* tables against format/kinds.c.
 * Return: 0, -EPROTO when schema.sql and kinds.c disagree (printed). */
int fr_loader__new(sqlite3 *db, struct fr_loader **out);

/* Start a segment: its node id (>= 1), segment id, and clock pair. */
void fr_loader__segment(struct fr_loader *l, uint32_t node, uint32_t segment,
			const struct fr_segment_info *info);

/* Load one record. Return: 0; -EBADMSG for a payload that does not decode
 * (nothing inserted); -EIO for a database error (printed). */
int fr_loader__record(struct fr_loader *l, const struct fr_record *rec);

/* Wait until every row handed to the writer thread is in the database; the
 * caller may then use the connection itself. Return: 0 or -EIO. */
int fr_loader__sync(struct fr_loader *l);

/* Records per kind in the current segment are written to kind_counts. */
int fr_loader__end_segment(struct fr_loader *l);

/* Write the processes and sockets still alive (valid to the end). */
int fr_loader__finish(struct fr_loader *l);

uint64_t fr_loader__rows(const struct fr_loader *l);

/* Hubble records of the current segment that did not decode (kept in
 * hubble_bad_record, not fatal): the count, and the first one's record
 * number, block offset and reason. */
uint64_t fr_loader__hubble_bad(const struct fr_loader *l, uint64_t *seq, uint64_t *block,
			       const char **msg);

/* Write the connections with their pods and pairs (conn, kube_pair:
 * analyzer/attr/connattr.h) once post_load.sql has built proc_attr and
 * pod_latest, and wait for the rows. Return: 0 or -errno (printed). */
int fr_loader__attribute_conns(struct fr_loader *l);

/* Record the loaded time range and row count in replay_info. */
int fr_loader__write_info(struct fr_loader *l);

void fr_loader__free(struct fr_loader *l);

#endif /* FR_ANALYZER_REPLAY_LOADER_H */
