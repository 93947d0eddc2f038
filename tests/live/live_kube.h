/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The test API server (tests/kubeapi) from the live tests (live_kube.c),
 * shared by the kube_* scenarios and kube_e2e (live_kube_e2e.c). One
 * server at a time; every helper fails the test on an error.
 */
#ifndef FR_TESTS_LIVE_KUBE_H
#define FR_TESTS_LIVE_KUBE_H

#include <stddef.h>

#include "live_util.h"

/* Start the server (ctl.py start EXTRA) in a fresh directory; wait until ready. */
void live_kube_server_start(const char *extra);
void live_kube_server_stop(void);

/* The server's directory (token, ca.crt) and its URL. */
const char *live_kube_dir(void);
const char *live_kube_url(void);

/* Run `ctl.py --dir DIR` with the arguments; its answer (JSON) in out (may be NULL). */
void live_kube_ctl(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* First line of `sqlite3 db sql` into out; its integer. */
const char *live_kube_sql1(const char *db, const char *sql, char *out, size_t cap);
long long live_kube_sqlnum(const char *db, const char *sql);

/* Read the recorder's stderr until a line holds needle; the line in out. */
void live_kube_wait_stderr(struct live_recorder *r, const char *needle, char *out, size_t cap);

/* live_kube_e2e.c: pods, workloads and traffic against the flightrec answers. Return 0. */
int live_scenario_kube_e2e(const char *recorder);

#endif /* FR_TESTS_LIVE_KUBE_H */
