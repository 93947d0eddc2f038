/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The replay pipeline: segments into a new replay database, as a list of
 * stages run in order, each reading what the ones before wrote (the table
 * stages[] in pipeline.c): rows (records into ev_*, proc, meta_record, the
 * rollups), metadata (meta_* intervals), post-load SQL (indexes, proc_attr,
 * pod_latest), attribution (conn, kube_pair; pod_ip_at() for SQL),
 * post-attribution SQL (drops, services, views), commit.
 * FR_REPLAY_TIMING=1 in the environment prints each stage's wall time.
 */
#ifndef FR_ANALYZER_REPLAY_PIPELINE_H
#define FR_ANALYZER_REPLAY_PIPELINE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct fr_pipeline_opts {
	int ignore_errors; /* skip what is unreadable; record it in replay_errors */
	int progress;	   /* count records on stderr */
	/* a META_SNAPSHOT (kubectl output converted, format/meta/kubeobj.h)
	 * taken as valid from the recording's start; NULL: none */
	const char *kube_snapshot;
};

/*
 * Replay the segment files `paths` into `db`, a database fr_db__create made.
 * Problems in the inputs (a file or block that does not read, a record that
 * does not decode) are printed; fatal unless ignore_errors, which counts
 * them in *problems and records them in replay_errors.
 * Return: 0 or -errno (printed).
 */
int fr_pipeline__run(sqlite3 *db, char *const *paths, size_t n, const struct fr_pipeline_opts *o,
		     uint64_t *problems);

#endif /* FR_ANALYZER_REPLAY_PIPELINE_H */
