/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SQL function pod_ip_at(ip, ts) for post_load.sql: the uid of the pod
 * that held `ip` at `ts`, exactly as
 *   (SELECT i.uid FROM meta_pod_ip i WHERE i.ip = ip AND i.valid_from <= ts
 *    AND i.valid_to > ts ORDER BY i.valid_from DESC LIMIT 1)
 * answers it through the index meta_pod_ip_by_ip (ip, valid_from): among
 * equal valid_from the highest rowid wins. A correlated subquery costs
 * ~0.7 us a row; this is a binary search in a copy of the (small) table.
 */
#ifndef FR_ANALYZER_PODIP_H
#define FR_ANALYZER_PODIP_H

#include <sqlite3.h>

/* Snapshot meta_pod_ip (it must not change afterwards) and register the
 * function on `db`. Return: 0 or -errno (printed). */
int fr_podip__register(sqlite3 *db);

#endif /* FR_ANALYZER_PODIP_H */
