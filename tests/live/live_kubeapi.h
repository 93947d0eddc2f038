/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The test Kubernetes API server (tests/kubeapi, through ctl.py, whose path
 * FR_KUBEAPI_CTL names) from the live tests, and the queries they share.
 */
#ifndef FR_TESTS_LIVE_KUBEAPI_H
#define FR_TESTS_LIVE_KUBEAPI_H

#include <stddef.h>
#include <sys/types.h>

#include "live_util.h"

/* The server's directory (ca.crt, token, ports.json) and its API URL. */
extern char live_kube_srv[256], live_kube_url[256];

/* Run ctl.py --dir live_kube_srv with the arguments; its answer (JSON) in
 * out (NULL: dropped); fail the test unless it exits 0. */
void live_kube__ctl(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Start a server in a fresh directory; extra: ctl.py start's arguments
 * ("-- --generate-pods N" passes server options). */
void live_kube__server_start(const char *extra);

/* Start it again in the same directory (its CA and token kept). */
void live_kube__server_launch(const char *extra);

void live_kube__server_stop(void);

/* The running server's pid and API port, from ports.json. */
pid_t live_kube__server_pid(void);
int live_kube__server_port(void);

/* The recorder's arguments for the server (--families proc, --kube-api,
 * --kube-token-file tok, --kube-ca ca), NULL-terminated: a[9] at least. */
void live_kube__args(const char **a, char *tok, char *ca, size_t cap);

/* First line of `sqlite3 db sql`, into out. */
const char *live_kube__sql1(const char *db, const char *sql, char *out, size_t cap);
long long live_kube__sqlnum(const char *db, const char *sql);

/* Read the recorder's stderr until a line holds needle; the line in out. */
void live_kube__wait_stderr(struct live_recorder *r, const char *needle, char *out, size_t cap);

/* The same, failing the test at a line with avoid first. */
void live_kube__wait_stderr_not(struct live_recorder *r, const char *needle, const char *avoid,
				char *out, size_t cap);

/* The statistics of source kubernetes for reason, summed: col seen or lost. */
long long live_kube__stat(const char *db, const char *reason, const char *col);

/* Namespace shop, node-a, Deployment cart → ReplicaSet cart-5f6d7 → pods
 * cart-5f6d7-aaaaa (10.0.1.7, uid-a) and -bbbbb (10.0.1.8, uid-b1), service
 * cart (10.96.0.11) and its endpoint slice. */
void live_kube__add_base_objects(void);

/* live_kube_e2e.c: pods, workloads and traffic against the flightrec answers. Return 0. */
int live_scenario_kube_e2e(const char *recorder);

#endif /* FR_TESTS_LIVE_KUBEAPI_H */
