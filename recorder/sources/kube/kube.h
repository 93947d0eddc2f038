/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kubernetes source: pods, services, endpoint slices, nodes and
 * namespaces as the metadata contract (docs/METADATA.md) describes them.
 * Live, from the API server (kube_client.c) on its own thread: a
 * META_SNAPSHOT of the current state at every segment start and after
 * every (re)list, a META_CHANGE per event as it arrives. Offline
 * (--kube-snapshot), a fixed snapshot from `kubectl get -o json` output at
 * every segment start. Records reach the writer through a bounded queue;
 * what it refuses, and the API's outages, relists, reconnects, denials and
 * malformed objects, are statistics records of source "kubernetes". The
 * kernel path never waits for the API: at most for the snapshot's copy.
 */
#ifndef FR_RECORDER_KUBE_SOURCE_H
#define FR_RECORDER_KUBE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "kube_client.h"
#include "source.h"

/* How the source runs, resolved from the options and the environment. */
struct fr_kube_settings {
	bool on;
	char *snapshot_json;	 /* offline: this snapshot, no API; owned */
	char url[1024];		 /* live: the API server */
	char token_file[4096];	 /* "" for none */
	char ca_file[4096];	 /* "" for the system's CAs */
	char node[256];		 /* pods of this node only; "" for all */
	size_t queue_bytes;	 /* 0: 4 MiB */
	uint32_t backoff_max_ms; /* 0: 30 s */
};

/*
 * --kube=off|auto|on, --kube-api/--kube-token-file/--kube-ca (else the
 * in-cluster service account: KUBERNETES_SERVICE_HOST/PORT and
 * /var/run/secrets/kubernetes.io/serviceaccount), --kube-node (else
 * $NODE_NAME), --kube-snapshot files (read and converted here). auto is on
 * with --kube-api, --kube-snapshot or in a cluster. Return: 0; -EINVAL with
 * the reason in msg (on without a way to the API, a bad snapshot file);
 * -ENOMEM.
 */
int fr_kube_settings__resolve(const struct fr_config *cfg, struct fr_kube_settings *s, char *msg,
			      size_t msg_len);

/* Frees snapshot_json. */
void fr_kube_settings__free(struct fr_kube_settings *s);

struct fr_kube_source;

/* Start the source (and, live, its thread). s must outlive it.
 * Return: 0 or -errno. */
int fr_kube_source__new(const struct fr_kube_settings *s, struct fr_kube_source **out);

void fr_kube_source__as_source(struct fr_kube_source *k, struct fr_source *s);

/* Stops the thread first. Accepts NULL. */
void fr_kube_source__free(struct fr_kube_source *k);

#endif /* FR_RECORDER_KUBE_SOURCE_H */
