/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hubble_* families of `flightrec metrics` (attribution "hubble" and
 * "none", analyzer/db/family.h) and their context labels, with the grammar
 * and meaning of Hubble's metric context options
 * (pkg/hubble/metrics/api/context.go; /work/shared/ref/hubble.md §3.1):
 *
 *   sourceContext=ID|ID...;destinationContext=ID|...;labelsContext=L,L...
 *
 * plus sourceEgressContext, sourceIngressContext, destinationEgressContext
 * and destinationIngressContext, which replace the generic option for flows
 * of that traffic direction. Keys are case-insensitive. ID is one of
 * identity, namespace, pod, pod-short, pod-name, dns, ip, reserved-identity,
 * workload, workload-name, app; the first that is not empty for the flow's
 * endpoint is the value of the label `source` (`destination`). L is one of
 * source_ip, source_pod, source_namespace, source_workload,
 * source_workload_kind, source_app, the same with destination_, and
 * traffic_direction: each its own label, always present (empty when the
 * flow has no value), in that fixed order whatever the order given. The
 * labels come in Hubble's order: labelsContext's, then source, then
 * destination.
 */
#ifndef FR_ANALYZER_CMD_METRICS_HUBBLE_H
#define FR_ANALYZER_CMD_METRICS_HUBBLE_H

#include <sqlite3.h>
#include <stddef.h>

#include "analyzer/cmd/metrics_kube.h"
#include "analyzer/db/family.h"

/* What `flightrec metrics` uses without --hubble-context: series per
 * workload (namespace/name), else per pod, else per reserved identity
 * (world, host, ...), else per IP. */
#define FR_MHUBBLE_DEFAULT                                                                         \
	"sourceContext=workload|pod|reserved-identity|ip;"                                         \
	"destinationContext=workload|pod|reserved-identity|ip"

#define FR_MHUBBLE_MAX_IDS 12

enum { FR_MHUBBLE_SRC, FR_MHUBBLE_DST };
enum { FR_MHUBBLE_ANY, FR_MHUBBLE_EGRESS, FR_MHUBBLE_INGRESS };

struct fr_mhubble_ctx {
	unsigned labels; /* labelsContext: bit i is label i of the fixed order */
	/* [end][direction]: identifier indices, nid[..] of them; -1: not set */
	int id[2][3][FR_MHUBBLE_MAX_IDS], nid[2][3];
};

/* Parse a --hubble-context value ("" gives no context labels).
 * Return: 0 or -EINVAL (printed). */
int fr_mhubble__parse(const char *arg, struct fr_mhubble_ctx *c);

/* The --by dimensions a hubble family takes: `node` (node_by), and the end
 * dimensions kby[0..nkby) of metrics_kube.h but source_node and
 * destination_node, taken from the flow's own endpoints. */
struct fr_mhubble_by {
	int node;
	const int *kby;
	int nkby;
};

/*
 * The query of hubble or none family `fam` (its SELECT `inner` on `db`
 * wrapped): columns t, the labels, then value or b, cnt, sum; grouped and
 * ordered by every column but the sums. names[i] receives the i-th label's
 * name. Return: the number of labels, or -EINVAL / -E2BIG / -EIO (printed).
 */
int fr_mhubble__sql(sqlite3 *db, const struct fr_family *fam, const char *inner,
		    const struct fr_mhubble_ctx *c, const struct fr_mhubble_by *by, char *sql,
		    size_t cap, char (*names)[FR_METRIC_LABEL_NAME_MAX], int max_labels);

/* Register on `db`: pod_short(ns, pod) (Hubble's pod-short context),
 * url_path(url) (the path, '/' when empty) and path_template(url) (the
 * path with every decimal or UUID segment replaced by {id}).
 * Return: 0 or -EIO. */
int fr_mhubble__register(sqlite3 *db);

#endif /* FR_ANALYZER_CMD_METRICS_HUBBLE_H */
