/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SQL function pod_ip_at(ip, ts) for post_load.sql: the uid of the pod
 * that held `ip` at `ts`, exactly as
 *   (SELECT i.uid FROM meta_pod_ip i WHERE i.ip = ip AND i.valid_from <= ts
 *    AND i.valid_to > ts ORDER BY i.valid_from DESC LIMIT 1)
 * answers it through the index meta_pod_ip_by_ip (ip, valid_from): among
 * equal valid_from the highest rowid wins. A correlated subquery costs
 * ~0.25 us a row; this is a binary search in a copy of the (small) table.
 * Also proc_uid(pk): proc_attr.uid of pk, as LEFT JOIN proc_attr ON pk gives
 * it (copied at its first call, once post_load.sql has built proc_attr).
 */
#ifndef FR_ANALYZER_PODIP_H
#define FR_ANALYZER_PODIP_H

#include <sqlite3.h>

/* Snapshot meta_pod_ip (neither table may change after its copy) and
 * register both functions on `db`. Return: 0 or -errno (printed). */
int fr_podip__register(sqlite3 *db);

#endif /* FR_ANALYZER_PODIP_H */
