/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Connections of replay, attributed to pods. The loader ends socket
 * incarnations while records stream in, long before the metadata is
 * complete, so ended connections go to a spool file next to the database,
 * at the place of their cid (ids are dense): read back in cid order, their
 * rows are appended to the tables, not inserted in the middle, which costs
 * SQLite page splits. Once post_load.sql has built proc_attr and
 * pod_latest, one pass over the spool writes the tables conn (with the
 * client and server ends, their pods and pair) and kube_pair, which
 * SQL used to derive after the load:
 *  - is_client: 1 connect, 0 accept; origin unknown (-1): the side with the
 *    higher, ephemeral port is taken for the client;
 *  - the local end's pod: proc_attr.uid of the socket's process, else the
 *    pod that held the local address when the connection opened; the remote
 *    end's pod: the pod that held the remote address then (IPs are reused);
 *  - data_acked: bytes_acked without the SYN (counted by the socket that
 *    connected; for an unknown origin, the client's) and the FIN (when
 *    tcp_close.fin_acked says it is counted): the data the peer acknowledged;
 *  - kube_pair numbers (client pod, server pod, server port) of connections
 *    whose both ends are pods of pod_latest, in order of first connection;
 *    conn.pair is that number (the view conn_pair lists those connections).
 * Rows go through the row writer: its thread inserts while this one reads
 * and resolves.
 */
#ifndef FR_ANALYZER_ATTR_CONNATTR_H
#define FR_ANALYZER_ATTR_CONNATTR_H

#include <netinet/in.h>
#include <sqlite3.h>
#include <stdint.h>

struct fr_rowwriter;

/* A socket incarnation as the loader ends it; also its spool record. */
struct fr_conn {
	int64_t cid, pk, sock_id, active, open_ts, close_ts, latency, err;
	int64_t bytes_acked, bytes_received, duration, sport, dport;
	int64_t fin_acked; /* tcp_close.fin_acked (format/kinds.h) */
	uint32_t node;
	uint8_t has_connect, has_close; /* latency, err / bytes_*, duration known */
	uint8_t salen, dalen;		/* 4 or 16; 0: another length, written "" */
	uint8_t sa[16], da[16];		/* the addresses as recorded */
};

struct fr_connattr;

/* Create the spool (next to the database file, unlinked at once; a
 * temporary file for a database in memory) and prepare the INSERTs.
 * Return: 0 or -errno (printed). */
int fr_connattr__new(sqlite3 *db, struct fr_rowwriter *writer, struct fr_connattr **out);

/* Spool an ended connection (cid >= 1, each once).
 * Return: 0, -EINVAL for a cid out of range, -EIO (printed). */
int fr_connattr__add(struct fr_connattr *a, const struct fr_conn *c);

/* Write conn and kube_pair from the spool. Reads proc_attr,
 * pod_latest and meta_pod_ip first; the writer must be idle until then.
 * Rows are queued: sync the writer before reading the tables.
 * Return: 0, -EPROTO for a table of unexpected content, -errno (printed). */
int fr_connattr__build(struct fr_connattr *a);

/* Once the writer has inserted the rows: conn holds cids 1..n, each the
 * connection spooled with it. Return: 0 or -EPROTO (printed). */
int fr_connattr__verify(struct fr_connattr *a);

/* After the row writer is freed. */
void fr_connattr__free(struct fr_connattr *a);

#endif /* FR_ANALYZER_ATTR_CONNATTR_H */
