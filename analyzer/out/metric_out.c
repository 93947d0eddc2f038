/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/out/metric_out.h"
#include "analyzer/out/table.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct fr_metric_out {
	enum fr_metric_format fmt;
	FILE *f;
	int with_time;
	const struct fr_family *fam;
	json_t *root, *series; /* JSON: whole document */
};

int fr_metric_out__format(const char *s, enum fr_metric_format *fmt)
{
	static const char *const names[] = {
		[FR_FMT_PROM] = "prom", [FR_FMT_JSON] = "json", [FR_FMT_CSV] = "csv"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*fmt = (enum fr_metric_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

struct fr_metric_out *fr_metric_out__new(enum fr_metric_format fmt, FILE *f, int with_time,
					 int64_t from, int64_t to, int64_t step)
{
	struct fr_metric_out *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->fmt = fmt;
	o->f = f;
	o->with_time = with_time;
	if (fmt == FR_FMT_JSON)
		o->root = json_pack("{s:{s:I,s:I,s:I},s:[]}", "window", "from", (json_int_t)from,
				    "to", (json_int_t)to, "step", (json_int_t)step, "families");
	if (fmt == FR_FMT_CSV)
		fprintf(f, "family,type,time_ns,labels,le,value\n");
	return o;
}

/* Upper bound of bucket k as text, scaled. */
static void bucket_le(const struct fr_family *fam, int k, char *buf, size_t cap)
{
	const uint64_t ub = k >= 63 ? UINT64_MAX : (2ull << k) - 1;

	if (fam->nbounds)
		snprintf(buf, cap, "%.9g", fam->bounds[k]);
	else if (fam->scale == 1)
		snprintf(buf, cap, "%" PRIu64, ub);
	else
		snprintf(buf, cap, "%.9g", (double)ub * fam->scale);
}

static void sum_text(const struct fr_family *fam, int64_t sum, char *buf, size_t cap)
{
	if (fam->scale == 1)
		snprintf(buf, cap, "%" PRId64, sum);
	else
		snprintf(buf, cap, "%.9g", (double)sum * fam->scale);
}

static void prom_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void prom_labels(struct fr_metric_out *o, const struct fr_series *s, const char *le)
{
	int n = 0;

	for (int i = 0; i < s->nlabels; i++) {
		fprintf(o->f, "%s%s=\"", n++ ? "," : "{", s->names[i]);
		prom_escape(o->f, s->values[i]);
		fputc('"', o->f);
	}
	if (le)
		fprintf(o->f, "%sle=\"%s\"", n++ ? "," : "{", le);
	if (n)
		fputc('}', o->f);
}

static void prom_line(struct fr_metric_out *o, const char *suffix, const struct fr_series *s,
		      const char *le, const char *value)
{
	fprintf(o->f, "%s%s", o->fam->name, suffix);
	prom_labels(o, s, le);
	fprintf(o->f, " %s", value);
	if (o->with_time) /* exposition timestamps are milliseconds */
		fprintf(o->f, " %" PRId64, s->t / 1000000);
	fputc('\n', o->f);
}

/* First non-empty log2 bucket: lower ones would only repeat zeros.
 * Explicit bounds are all printed, as a Prometheus client does. */
static int first_bucket(const struct fr_family *fam, const struct fr_series *s)
{
	int k = 0;

	while (!fam->nbounds && k < s->nbuckets && !s->buckets[k])
		k++;
	return k;
}

/* One past the last bucket with a finite bound to print. */
static int end_bucket(const struct fr_family *fam, const struct fr_series *s)
{
	return fam->nbounds ? fam->nbounds : s->nbuckets;
}

static void prom_series(struct fr_metric_out *o, const struct fr_series *s)
{
	char v[64], le[64];
	uint64_t cum = 0;

	if (o->fam->type != FR_FAMILY_HISTOGRAM) {
		snprintf(v, sizeof(v), "%" PRId64, s->value);
		prom_line(o, "", s, NULL, v);
		return;
	}
	for (int k = first_bucket(o->fam, s); k < end_bucket(o->fam, s); k++) {
		cum += s->buckets[k];
		bucket_le(o->fam, k, le, sizeof(le));
		snprintf(v, sizeof(v), "%" PRIu64, cum);
		prom_line(o, "_bucket", s, le, v);
	}
	snprintf(v, sizeof(v), "%" PRIu64, s->count);
	prom_line(o, "_bucket", s, "+Inf", v);
	sum_text(o->fam, s->sum, v, sizeof(v));
	prom_line(o, "_sum", s, NULL, v);
	snprintf(v, sizeof(v), "%" PRIu64, s->count);
	prom_line(o, "_count", s, NULL, v);
}

static void csv_row(struct fr_metric_out *o, const struct fr_series *s, const char *le,
		    const char *value)
{
	char labels[2048];
	size_t off = 0;

	labels[0] = 0;
	for (int i = 0; i < s->nlabels && off < sizeof(labels); i++)
		off += (size_t)snprintf(labels + off, sizeof(labels) - off, "%s%s=%s", i ? ";" : "",
					s->names[i], s->values[i]);
	fprintf(o->f, "%s,%s,%" PRId64 ",", o->fam->name, fr_family__type_name(o->fam->type), s->t);
	fr_table__csv_cell(o->f, labels);
	fprintf(o->f, ",%s,%s\n", le, value);
}

static void csv_series(struct fr_metric_out *o, const struct fr_series *s)
{
	char v[64], le[64];
	uint64_t cum = 0;

	if (o->fam->type != FR_FAMILY_HISTOGRAM) {
		snprintf(v, sizeof(v), "%" PRId64, s->value);
		csv_row(o, s, "", v);
		return;
	}
	for (int k = first_bucket(o->fam, s); k < end_bucket(o->fam, s); k++) {
		cum += s->buckets[k];
		bucket_le(o->fam, k, le, sizeof(le));
		snprintf(v, sizeof(v), "%" PRIu64, cum);
		csv_row(o, s, le, v);
	}
	snprintf(v, sizeof(v), "%" PRIu64, s->count);
	csv_row(o, s, "+Inf", v);
	sum_text(o->fam, s->sum, v, sizeof(v));
	csv_row(o, s, "sum", v);
}

static void json_series(struct fr_metric_out *o, const struct fr_series *s)
{
	json_t *labels = json_object(), *js = json_object();

	for (int i = 0; i < s->nlabels; i++)
		json_object_set_new(labels, s->names[i], json_string(s->values[i]));
	json_object_set_new(js, "labels", labels);
	if (o->with_time)
		json_object_set_new(js, "t", json_integer(s->t));
	if (o->fam->type != FR_FAMILY_HISTOGRAM) {
		json_object_set_new(js, "value", json_integer(s->value));
	} else {
		json_t *b = json_array();

		/* not cumulative: log2 buckets, index k holds [2^k, 2^(k+1)); or
		 * the family's bounds, k holds (bound k-1, bound k], the last
		 * index what is above them all */
		for (int k = 0; k < s->nbuckets; k++)
			json_array_append_new(b, json_integer((json_int_t)s->buckets[k]));
		json_object_set_new(js, "buckets", b);
		json_object_set_new(js, "count", json_integer((json_int_t)s->count));
		json_object_set_new(js, "sum",
				    o->fam->scale == 1 ? json_integer(s->sum)
						       : json_real((double)s->sum * o->fam->scale));
	}
	json_array_append_new(o->series, js);
}

void fr_metric_out__family(struct fr_metric_out *o, const struct fr_family *fam)
{
	o->fam = fam;
	if (o->fmt == FR_FMT_PROM) {
		fprintf(o->f, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name,
			fr_family__type_name(fam->type));
	} else if (o->fmt == FR_FMT_JSON) {
		o->series = json_array();
		json_t *jf = json_pack("{s:s,s:s,s:s}", "name", fam->name, "type",
				       fr_family__type_name(fam->type), "help", fam->help);

		if (fam->nbounds) {
			json_t *le = json_array();

			for (int k = 0; k < fam->nbounds; k++)
				json_array_append_new(le, json_real(fam->bounds[k]));
			json_object_set_new(jf, "le", le);
		}
		json_object_set_new(jf, "series", o->series);
		json_array_append_new(json_object_get(o->root, "families"), jf);
	}
}

void fr_metric_out__series(struct fr_metric_out *o, const struct fr_series *s)
{
	if (o->fmt == FR_FMT_PROM)
		prom_series(o, s);
	else if (o->fmt == FR_FMT_CSV)
		csv_series(o, s);
	else
		json_series(o, s);
}

int fr_metric_out__finish(struct fr_metric_out *o)
{
	if (o->fmt == FR_FMT_JSON) {
		if (json_dumpf(o->root, o->f, JSON_INDENT(1) | JSON_PRESERVE_ORDER))
			return -EIO;
		fputc('\n', o->f);
	}
	return fflush(o->f) || ferror(o->f) ? -EIO : 0;
}

void fr_metric_out__free(struct fr_metric_out *o)
{
	if (!o)
		return;
	json_decref(o->root);
	free(o);
}
