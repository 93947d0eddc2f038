/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/metrics_kube.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* s: the source's pod, d: the destination's, f: the family's row */
static const struct {
	const char *name, *expr;
} dims[FR_MKUBE_NDIMS] = {
	{"source_namespace", "COALESCE(s.namespace, '')"},
	{"source_name", "COALESCE(s.name, '')"},
	{"source_workload", "COALESCE(s.workload, '')"},
	{"source_node", "COALESCE(s.node, '')"},
	{"source_ip", "COALESCE(f.src_ip, '')"},
	{"destination_namespace", "COALESCE(d.namespace, '')"},
	{"destination_name", "COALESCE(d.name, '')"},
	{"destination_workload", "COALESCE(d.workload, '')"},
	{"destination_node", "COALESCE(d.node, '')"},
	{"destination_ip", "COALESCE(f.dst_ip, '')"},
	{"destination_port", "COALESCE(CAST(f.dst_port AS TEXT), '')"},
};

int fr_mkube__dim(const char *name)
{
	for (int i = 0; i < FR_MKUBE_NDIMS; i++)
		if (!strcmp(name, dims[i].name))
			return i;
	return -1;
}

const char *fr_mkube__dim_name(int i)
{
	return dims[i].name;
}

const char *fr_mkube__dim_list(void)
{
	return "source_namespace, source_name, source_workload, source_node, source_ip, "
	       "destination_namespace, destination_name, destination_workload, "
	       "destination_node, destination_ip, destination_port";
}

int fr_mkube__sql(const struct fr_family *fam, const char *inner, const int *by, int nby, char *sql,
		  size_t cap, char (*names)[FR_METRIC_LABEL_NAME_MAX], int max_labels)
{
	const int hist = fam->type == FR_FAMILY_HISTOGRAM;
	int label[FR_FAMILY_MAX_OWN + FR_MKUBE_NDIMS], n = 0, off;

	for (int i = 0; i < fam->nown; i++) {
		const int d = fr_mkube__dim(fam->own_dim[i]);

		if (d < 0 || n == max_labels) {
			fprintf(stderr, "flightrec: metrics: %s: bad label '%s=%s'\n", fam->name,
				fam->own_name[i], fam->own_dim[i]);
			return -EINVAL;
		}
		snprintf(names[n], sizeof(names[n]), "%s", fam->own_name[i]);
		label[n++] = d;
	}
	for (int i = 0; i < nby; i++) {
		int have = 0;

		for (int k = 0; k < n; k++)
			have |= label[k] == by[i];
		if (have)
			continue;
		if (n == max_labels)
			return -E2BIG;
		snprintf(names[n], sizeof(names[n]), "%s", dims[by[i]].name);
		label[n++] = by[i];
	}
	off = snprintf(sql, cap, "SELECT f.t");
	for (int i = 0; i < n && off < (int)cap; i++)
		off += snprintf(sql + off, cap - (size_t)off, ", %s", dims[label[i]].expr);
	if (off < (int)cap)
		off += snprintf(sql + off, cap - (size_t)off,
				"%s FROM (%s) f LEFT JOIN pod_latest s ON s.uid = f.src_uid "
				"LEFT JOIN pod_latest d ON d.uid = f.dst_uid GROUP BY 1",
				hist ? ", f.b, sum(f.cnt), sum(f.sum)" : ", sum(f.value)", inner);
	for (int i = 2; i <= 1 + n + hist && off < (int)cap; i++)
		off += snprintf(sql + off, cap - (size_t)off, ", %d", i);
	if (off < (int)cap)
		off += snprintf(sql + off, cap - (size_t)off, " ORDER BY 1");
	for (int i = 2; i <= 1 + n + hist && off < (int)cap; i++)
		off += snprintf(sql + off, cap - (size_t)off, ", %d", i);
	if (off >= (int)cap) {
		fprintf(stderr, "flightrec: metrics: %s: query too long\n", fam->name);
		return -E2BIG;
	}
	return n;
}

static void le_bucket(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct fr_family *fam = *(const struct fr_family *const *)sqlite3_user_data(ctx);
	const double v = (double)sqlite3_value_int64(argv[0]);
	int k = 0;

	(void)argc;
	/* bounds in the base unit; the margin keeps 0.005 s / 1e-9 at 5000000 */
	while (fam && k < fam->nbounds && v > fam->bounds[k] / fam->scale * (1 + 1e-12))
		k++;
	sqlite3_result_int(ctx, k);
}

int fr_mkube__register(sqlite3 *db, const struct fr_family *const *cur)
{
	return sqlite3_create_function(db, "le_bucket", 1, SQLITE_UTF8, (void *)cur, le_bucket,
				       NULL, NULL) == SQLITE_OK
		       ? 0
		       : -EIO;
}
