/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Metadata intervals (docs/METADATA.md): replays the meta_record rows of all
 * nodes on one time axis and writes meta_pod, meta_pod_ip,
 * meta_pod_container, meta_service, meta_service_ip, meta_process,
 * meta_node, meta_node_ip and meta_namespace with valid_from/valid_to.
 */
#ifndef FR_ANALYZER_REPLAY_META_H
#define FR_ANALYZER_REPLAY_META_H

#include <sqlite3.h>

/*
 * Return: 0; -EBADMSG for a metadata record that is not a JSON object of
 * the documented shape (printed with its segment and record number), unless
 * `ignore_errors`, which records it in replay_errors and goes on; -EIO.
 */
int fr_meta__build(sqlite3 *db, int ignore_errors);

#endif /* FR_ANALYZER_REPLAY_META_H */
