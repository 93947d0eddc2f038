/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The identity index of a replay database: which pod an address or a
 * process was, and the pods that are, from copies of small tables answered
 * by binary search (a correlated subquery costs ~0.25 us a row). The
 * connection attribution (analyzer/attr/connattr.h) reads it in C, the
 * drops in post_attr.sql through the SQL function pod_ip_at(); another
 * source (Hubble flows) is attributed with the same lookups.
 * - IP -> pod at a time (meta_pod_ip): fr_ident__pod_at_ip(ip, ts) answers
 *   exactly as
 *     (SELECT i.uid FROM meta_pod_ip i WHERE i.ip = ip AND i.valid_from <= ts
 *      AND i.valid_to > ts ORDER BY i.valid_from DESC LIMIT 1)
 *   through the index meta_pod_ip_by_ip (ip, valid_from): among equal
 *   valid_from the highest rowid wins.
 * - process incarnation -> pod (proc_attr): fr_ident__proc_pod(pk), as
 *   LEFT JOIN proc_attr ON pk gives it.
 * - pods of pod_latest: fr_ident__pod_index(uid), fr_ident__pod_uid(i).
 * No copied table may change while the index is used.
 */
#ifndef FR_ANALYZER_ATTR_IDENT_H
#define FR_ANALYZER_ATTR_IDENT_H

#include <sqlite3.h>
#include <stdint.h>

/* The tables an index copies. */
enum {
	FR_IDENT_POD_IP = 1, /* meta_pod_ip: fr_ident__pod_at_ip */
	FR_IDENT_PROC = 2,   /* proc_attr: fr_ident__proc_pod */
	FR_IDENT_PODS = 4,   /* pod_latest: fr_ident__pod_index, fr_ident__pod_uid */
};

struct fr_ident;

/* Copy the tables of `what` (FR_IDENT_*), in that order. `strict`: a value
 * of meta_pod_ip not of its declared type is an error; otherwise
 * pod_ip_at() asks SQL for every row. proc_attr (a pk twice too) and
 * pod_latest are always strict.
 * Return: 0, -EPROTO for a table of unexpected content, or -errno (printed). */
int fr_ident__load(sqlite3 *db, unsigned what, int strict, struct fr_ident **out);

/* The uid of the pod that held `ip` (`len` bytes) at `ts` (`*uid_len`
 * bytes, valid while `x` is) or NULL. */
const char *fr_ident__pod_at_ip(const struct fr_ident *x, const char *ip, int len, int64_t ts,
				int *uid_len);

/* proc_attr.uid of process incarnation `pk` (`*len` bytes, valid while `x`
 * is) or NULL. */
const char *fr_ident__proc_pod(const struct fr_ident *x, int64_t pk, int *len);

/* Index of `uid` (NULL: none) among the pods in BINARY order, or -1. */
int64_t fr_ident__pod_index(const struct fr_ident *x, const char *uid, int len);

/* The uid at an index fr_ident__pod_index gave (valid while `x` is). */
const char *fr_ident__pod_uid(const struct fr_ident *x, int64_t i, int *len);

void fr_ident__free(struct fr_ident *x);

/* Copy meta_pod_ip and register pod_ip_at(ip, ts) on `db`.
 * Return: 0 or -errno (printed). */
int fr_ident__register(sqlite3 *db);

#endif /* FR_ANALYZER_ATTR_IDENT_H */
