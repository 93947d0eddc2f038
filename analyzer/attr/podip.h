/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Pod lookups of replay, in copies of small tables:
 * - fr_podip__at(ip, ts): the uid of the pod that held `ip` at `ts`, exactly
 *   as
 *     (SELECT i.uid FROM meta_pod_ip i WHERE i.ip = ip AND i.valid_from <= ts
 *      AND i.valid_to > ts ORDER BY i.valid_from DESC LIMIT 1)
 *   answers it through the index meta_pod_ip_by_ip (ip, valid_from): among
 *   equal valid_from the highest rowid wins. Also the SQL function
 *   pod_ip_at(ip, ts) for post_attr.sql: a correlated subquery costs ~0.25 us
 *   a row, this a binary search.
 * - fr_procuid__get(pk): proc_attr.uid of pk, as LEFT JOIN proc_attr ON pk
 *   gives it.
 * - fr_pods__find(uid): whether uid is a pod of pod_latest (its index).
 * Neither table may change after its copy is loaded.
 */
#ifndef FR_ANALYZER_ATTR_PODIP_H
#define FR_ANALYZER_ATTR_PODIP_H

#include <sqlite3.h>
#include <stdint.h>

struct fr_podip;

/* Copy meta_pod_ip. `strict`: a value not of its declared type is an error
 * (-EPROTO, printed); otherwise pod_ip_at() asks SQL for every row.
 * Return: 0 or -errno (printed). */
int fr_podip__load(sqlite3 *db, int strict, struct fr_podip **out);

/* The uid (`*uid_len` bytes, valid while `t` is) or NULL. */
const char *fr_podip__at(const struct fr_podip *t, const char *ip, int len, int64_t ts,
			 int *uid_len);

void fr_podip__free(struct fr_podip *t);

/* Snapshot meta_pod_ip and register pod_ip_at() on `db`.
 * Return: 0 or -errno (printed). */
int fr_podip__register(sqlite3 *db);

struct fr_procuid;

/* Copy proc_attr (pk, uid). Return: 0, -EPROTO for a value of an
 * unexpected type, or -errno (printed). */
int fr_procuid__load(sqlite3 *db, struct fr_procuid **out);

/* The uid (`*len` bytes, valid while `t` is) or NULL. */
const char *fr_procuid__get(const struct fr_procuid *t, int64_t pk, int *len);

void fr_procuid__free(struct fr_procuid *t);

struct fr_pods;

/* Copy the uids of pod_latest. Return: 0, -EPROTO for a uid not text, or
 * -errno (printed). */
int fr_pods__load(sqlite3 *db, struct fr_pods **out);

/* Index of `uid` (NULL: none) among the pods in BINARY order, or -1. */
int64_t fr_pods__find(const struct fr_pods *p, const char *uid, int len);

/* The uid at an index fr_pods__find gave (valid while `p` is). */
const char *fr_pods__uid(const struct fr_pods *p, int64_t i, int *len);

void fr_pods__free(struct fr_pods *p);

#endif /* FR_ANALYZER_ATTR_PODIP_H */
