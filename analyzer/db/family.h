/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Metric families: one embedded SQL file each under queries/metrics/, with
 * a header of "-- key: value" lines (family, type, help, attribution and
 * optionally scale) followed by one SELECT; or a metric file there
 * (NAME.yaml, docs/METRICS_FILE.md), compiled to the same contract by
 * analyzer/usermetric/ (fr_family__count and __get give the .sql ones).
 *
 * The SELECT binds :from and :to (wall-clock ns, window [from, to)) and
 * :step (ns, 0 for one sample), may call step_end(ts) and read the views
 * of queries/metric_views.sql (a source's rows in the window), and returns
 *   t, node, pk, <family label columns...>, value            (counter, gauge)
 *   t, node, pk, <family label columns...>, b, cnt, sum      (histogram)
 * where b is a log2 bucket index (NULL on rows that carry only a sum).
 * attribution "process" means pk is a process incarnation whose pod,
 * workload, namespace and container become labels.
 *
 * attribution "conn" (kube_ebpf_*): the SELECT returns
 *   t, src_uid, dst_uid, src_ip, dst_ip, dst_port, value   (or b, cnt, sum)
 * the two ends of TCP connections (pod uids, NULL for no pod), and the
 * header line "labels: NAME=DIM, ..." names the family's own labels after
 * the end dimensions of analyzer/cmd/metrics_kube.h (source_namespace,
 * destination_port, ...); `--by` may add more of those dimensions.
 *
 * attribution "hubble" (hubble_*): the SELECT returns
 *   t, flow, <family label columns...>, value               (or b, cnt, sum)
 * where flow is the hubble_flow.id whose endpoints give the Hubble context
 * labels (analyzer/cmd/metrics_hubble.h; NULL: the context labels are
 * empty). "context: first" puts the context labels before the family's
 * own, as Hubble's handlers marked ctx-first do; default after them.
 *
 * attribution "none": the SELECT returns t, <family label columns...>,
 * value (or b, cnt, sum): the labels are the family's own, nothing else.
 *
 * A histogram's b is a log2 bucket index, unless the header line
 * "buckets: B1, B2, ..." gives explicit upper bounds (inclusive, as
 * Prometheus' le, in the family's unit: after scale); then b is the index
 * of the first bound >= the value, as le_bucket(value) computes it, and
 * the number of bounds for a value above them all.
 */
#ifndef FR_ANALYZER_DB_FAMILY_H
#define FR_ANALYZER_DB_FAMILY_H

#include <stddef.h>

enum fr_family_type { FR_FAMILY_COUNTER, FR_FAMILY_GAUGE, FR_FAMILY_HISTOGRAM };

#define FR_FAMILY_MAX_BOUNDS 32
#define FR_FAMILY_MAX_OWN    8 /* labels of a conn family's header */

struct fr_family {
	char name[96];
	char help[512]; /* a longer help is refused, not cut */
	enum fr_family_type type;
	int conn;	 /* attribution: conn */
	int hubble;	 /* attribution: hubble */
	int plain;	 /* attribution: none */
	int ctx_first;	 /* hubble: context labels before the family's own */
	double scale;	 /* multiplies sums and bucket bounds (ns -> s: 1e-9) */
	const char *sql; /* borrowed, static */
	/* explicit histogram bounds in the family's unit; 0: log2 buckets */
	int nbounds;
	double bounds[FR_FAMILY_MAX_BOUNDS];
	/* conn: the header's labels, "NAME=DIM" split at '=' */
	int nown;
	char own_name[FR_FAMILY_MAX_OWN][48], own_dim[FR_FAMILY_MAX_OWN][48];
};

/* Parse the header of `sql`. Return: 0 or -EINVAL (printed with `file`). */
int fr_family__parse(const char *file, const char *sql, struct fr_family *f);

/* Number of embedded families; the i-th in name order. Return: 0/-errno. */
size_t fr_family__count(void);
int fr_family__get(size_t i, struct fr_family *f);

const char *fr_family__type_name(enum fr_family_type t);

#endif /* FR_ANALYZER_DB_FAMILY_H */
