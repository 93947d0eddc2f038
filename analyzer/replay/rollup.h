/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-minute rollups of the high-volume stream kinds (syscall, sched_switch,
 * file_io, page_fault, mem_alloc, sock_msg, udp_msg and their *_agg kinds;
 * tcp_close for the packets no message booked),
 * computed in C during replay into the roll_* tables (queries/schema.sql).
 * Raw rows stay in ev_*; the metric SQL reads a rollup row only for a
 * minute that lies whole inside one step of the window and falls back to
 * the raw rows for the others, so results are exact for any window/step
 * (the views of queries/metric_views.sql).
 *
 * Rows are additive: a cell (minute, node, keys) may appear in several rows
 * (cells are flushed when the table fills), so readers always sum.
 */
#ifndef FR_ANALYZER_REPLAY_ROLLUP_H
#define FR_ANALYZER_REPLAY_ROLLUP_H

#include <sqlite3.h>
#include <stdint.h>

#include "format/kinds.h"

#define FR_ROLLUP_NS 60000000000LL /* rollup granularity: one minute */

struct fr_rollup;

struct fr_rowwriter;

/* Prepare the roll_* INSERTs, run by `writer` (NULL: by the caller).
 * Return: 0, -ENOMEM or -EPROTO (printed). */
int fr_rollup__new(sqlite3 *db, struct fr_rowwriter *writer, struct fr_rollup **out);

/* Whether events of `kind` feed a rollup. */
int fr_rollup__wants(unsigned kind);

/* Add one decoded event at wall-clock `ts` of `node`; pks are its process
 * incarnations (0: none) as bound to the ev_ table. Return: 0 or -EIO. */
int fr_rollup__event(struct fr_rollup *r, const struct fr_event *ev, int64_t ts, uint32_t node,
		     const int64_t pks[2]);

/* Write every pending cell. Return: 0 or -EIO (printed). */
int fr_rollup__flush(struct fr_rollup *r);

void fr_rollup__free(struct fr_rollup *r);

/* Floor of ts / FR_ROLLUP_NS, the `minute` column. */
static inline int64_t fr_rollup__minute(int64_t ts)
{
	return ts >= 0 ? ts / FR_ROLLUP_NS : -((-ts - 1) / FR_ROLLUP_NS) - 1;
}

#endif /* FR_ANALYZER_REPLAY_ROLLUP_H */
