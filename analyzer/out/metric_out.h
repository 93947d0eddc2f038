/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writers for metric series: Prometheus text exposition (0.0.4), JSON and
 * CSV. Series arrive family by family, in a stable order.
 *
 * Histograms use the recorder's log2 buckets (or the family's explicit
 * bounds, analyzer/db/family.h): log2 bucket k holds integer
 * values in [2^k, 2^(k+1)) (bucket 0 also holds 0), so its inclusive upper
 * bound is 2^(k+1)-1, times the family's scale.
 */
#ifndef FR_ANALYZER_OUT_METRIC_OUT_H
#define FR_ANALYZER_OUT_METRIC_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "analyzer/db/family.h"

#define FR_SERIES_MAX_LABELS 16

enum fr_metric_format { FR_FMT_PROM, FR_FMT_JSON, FR_FMT_CSV };

struct fr_series {
	int64_t t; /* sample time: end of the step, or of the window */
	int nlabels;
	const char *names[FR_SERIES_MAX_LABELS];
	const char *values[FR_SERIES_MAX_LABELS];
	int64_t value;	      /* counter, gauge */
	uint64_t buckets[64]; /* histogram, not cumulative */
	int nbuckets;	      /* 1 + highest non-empty bucket */
	uint64_t count;
	int64_t sum; /* in the family's base unit (before scale) */
};

struct fr_metric_out;

/* Parse "prom", "json", "csv". Return: 0 or -EINVAL. */
int fr_metric_out__format(const char *s, enum fr_metric_format *fmt);

/* `with_time`: print each sample's time (a --step series). NULL on ENOMEM. */
struct fr_metric_out *fr_metric_out__new(enum fr_metric_format fmt, FILE *f, int with_time,
					 int64_t from, int64_t to, int64_t step);
void fr_metric_out__family(struct fr_metric_out *o, const struct fr_family *fam);
void fr_metric_out__series(struct fr_metric_out *o, const struct fr_series *s);
/* Flush everything (JSON is written here). Return: 0 or -EIO. */
int fr_metric_out__finish(struct fr_metric_out *o);
void fr_metric_out__free(struct fr_metric_out *o);

#endif /* FR_ANALYZER_OUT_METRIC_OUT_H */
