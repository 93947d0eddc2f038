/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kube_ebpf_* families of `flightrec metrics` (attribution "conn",
 * analyzer/db/family.h): their labels are dimensions of a connection's two
 * ends, and their histograms may have explicit bounds.
 *
 * End dimensions: source_namespace, source_name (the pod), source_workload,
 * source_node (the pod's node), source_ip, and the same for destination,
 * plus destination_port. The source is the client (the end that
 * connected), the destination the server. An end that is no pod (an
 * external address, a host process) has "" for every dimension but its ip.
 * A family's header names its own labels after these dimensions; `--by`
 * adds the end dimensions it lists that the family does not have yet.
 */
#ifndef FR_ANALYZER_CMD_METRICS_KUBE_H
#define FR_ANALYZER_CMD_METRICS_KUBE_H

#include <sqlite3.h>
#include <stddef.h>

#include "analyzer/db/family.h"

/* Room for one output label's name (label_ + a Kubernetes label key). */
#define FR_METRIC_LABEL_NAME_MAX 328

#define FR_MKUBE_NDIMS 11

/* Index of end dimension `name`, or -1. */
int fr_mkube__dim(const char *name);

/* Name of end dimension i (0 <= i < FR_MKUBE_NDIMS). */
const char *fr_mkube__dim_name(int i);

/* The names of the end dimensions, comma separated, for messages. */
const char *fr_mkube__dim_list(void);

/*
 * The query of conn family `fam` (its SELECT `inner` wrapped): columns t,
 * the labels (the family's own, then the dimensions by[0..nby) it lacks),
 * then value or b, cnt, sum; grouped and ordered by every column but the
 * sums. names[i] receives the i-th label's name.
 * Return: the number of labels, or -EINVAL / -E2BIG (printed).
 */
int fr_mkube__sql(const struct fr_family *fam, const char *inner, const int *by, int nby, char *sql,
		  size_t cap, char (*names)[FR_METRIC_LABEL_NAME_MAX], int max_labels);

/*
 * Register le_bucket(v) on `db`: the index of the first explicit bound of
 * *cur (the family being run) that v, in the family's base unit, does not
 * exceed; the number of bounds when it exceeds them all. Return: 0 or -EIO.
 */
int fr_mkube__register(sqlite3 *db, const struct fr_family *const *cur);

#endif /* FR_ANALYZER_CMD_METRICS_KUBE_H */
