/* SPDX-License-Identifier: BSD-2-Clause */
/* Where the kubernetes source gets its objects: a file, an API server
 * named on the command line, the in-cluster one, or nowhere. */
#include "kube.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/layout.h"
#include "format/meta/kubeobj.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

static int load_snapshots(const struct fr_config *cfg, struct fr_kube_settings *s, char *msg,
			  size_t msg_len)
{
	struct fr_kube_snapshot_stats st;
	char why[1024];
	size_t pods;
	int err = fr_kube__snapshot_from_files((const char *const *)cfg->kube_snapshots,
					       cfg->nkube_snapshots, s->node[0] ? s->node : NULL,
					       &s->snapshot_json, &st, why, sizeof(why));

	if (err && err != -ENOMEM) {
		snprintf(msg, msg_len, "--kube-snapshot %s", why);
		err = -EINVAL;
	}
	if (!err && strlen(s->snapshot_json) > FR_RECORD_MAX) {
		snprintf(msg, msg_len,
			 "--kube-snapshot: the snapshot is %zu MiB, over the %u MiB a record holds",
			 strlen(s->snapshot_json) >> 20, FR_RECORD_MAX >> 20);
		free(s->snapshot_json);
		s->snapshot_json = NULL;
		err = -EINVAL;
	}
	if (!err) {
		pods = st.objects[FR_KUBE_POD];
		fprintf(stderr,
			"flightrec-record: kubernetes: snapshot from %zu file%s: %zu pods, %zu "
			"services, %zu endpoint slices, %zu nodes, %zu namespaces\n",
			cfg->nkube_snapshots, cfg->nkube_snapshots > 1 ? "s" : "", pods,
			st.objects[FR_KUBE_SERVICE], st.objects[FR_KUBE_ENDPOINTSLICE],
			st.objects[FR_KUBE_NODE], st.objects[FR_KUBE_NAMESPACE]);
	}
	return err;
}

/* The in-cluster API server, from the environment Kubernetes gives pods. */
static bool in_cluster(struct fr_kube_settings *s)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");

	if (!host || !*host || access(SA_DIR "/token", R_OK))
		return false;
	snprintf(s->url, sizeof(s->url), strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
		 host, port && *port ? port : "443");
	return true;
}

int fr_kube_settings__resolve(const struct fr_config *cfg, struct fr_kube_settings *s, char *msg,
			      size_t msg_len)
{
	const char *node = cfg->kube_node ? cfg->kube_node : getenv("NODE_NAME");
	bool cluster;

	memset(s, 0, sizeof(*s));
	if (cfg->kube == FR_KUBE_MODE_OFF)
		return 0;
	snprintf(s->node, sizeof(s->node), "%s", node ? node : "");
	if (cfg->nkube_snapshots) {
		if (cfg->kube_api) {
			snprintf(msg, msg_len, "--kube-snapshot and --kube-api exclude each other");
			return -EINVAL;
		}
		s->on = true;
		return load_snapshots(cfg, s, msg, msg_len);
	}
	cluster = !cfg->kube_api && in_cluster(s);
	if (cfg->kube_api)
		snprintf(s->url, sizeof(s->url), "%s", cfg->kube_api);
	if (!cfg->kube_api && !cluster) {
		if (cfg->kube == FR_KUBE_MODE_AUTO)
			return 0;
		snprintf(msg, msg_len,
			 "--kube=on: not in a cluster (no KUBERNETES_SERVICE_HOST or no %s/token) "
			 "and no --kube-api",
			 SA_DIR);
		return -EINVAL;
	}
	s->on = true;
	if (cfg->kube_token_file || cluster)
		snprintf(s->token_file, sizeof(s->token_file), "%s",
			 cfg->kube_token_file ? cfg->kube_token_file : SA_DIR "/token");
	if (cfg->kube_ca || (cluster && !access(SA_DIR "/ca.crt", R_OK)))
		snprintf(s->ca_file, sizeof(s->ca_file), "%s",
			 cfg->kube_ca ? cfg->kube_ca : SA_DIR "/ca.crt");
	return 0;
}

void fr_kube_settings__free(struct fr_kube_settings *s)
{
	free(s->snapshot_json);
	s->snapshot_json = NULL;
}
