/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Metric files: YAML (libyaml) -> struct fr_um_metric. Three shapes, told
 * apart by the form of the top-level `metrics` (docs/METRICS_FILE.md):
 *   native:   metrics: [{name, help, type, source, selector, labels, value,
 *             buckets, scale, unit, max_label_sets}]
 *   IG-like:  the same list, with category + gadget for source, field for
 *             value and bucket for buckets (Inspektor Gadget's metrics)
 *   ebpf_exporter-like: metrics: {counters: [...], histograms: [...]} with
 *             labels [{name, decoders}], bucket_type, bucket_min, ...
 * Hostile input is refused before the document is built: files over
 * MAX_FILE bytes, nesting past MAX_DEPTH, more than MAX_ALIASES aliases,
 * more than one document; merge keys (<<) are unknown keys.
 */
#include "analyzer/usermetric/yamlnode.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE     (1 << 20)
#define MAX_DEPTH    16
#define MAX_ALIASES  8
#define MAX_VISITS   200000
#define DEF_MAX_SETS 10000

enum shape { NATIVE, EXPORTER };

/* Bucket settings as read, checked and turned into bounds at the end. */
struct bspec {
	int set;
	char type[16];
	double min, max, start, width, mult;
	long count;
	int has_min, has_max, has_start, has_width, has_count;
	yaml_mark_t at;
};

static int name_ok(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_' || *s == ':'))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != ':')
			return 0;
	return 1;
}

static int value_of(struct fr_um_y *c, yaml_node_t *v, struct fr_um_metric *m)
{
	const char *s;
	size_t n;

	m->value_at = fr_um_y__mark_of(c, v);
	if (v->type == YAML_MAPPING_NODE) {
		struct fr_um_pair p;

		if (fr_um_y__pair(c, v, 0, &p) <= 0 || fr_um_y__pair(c, v, 1, &p) != 0 ||
		    fr_um_y__pair(c, v, 0, &p) <= 0 || strcmp(p.key, "sum")) {
			fr_um_y__say(c, &v->start_mark,
				     "a value is count, sum(FIELD), FIELD or {sum: FIELD}");
			return -EINVAL;
		}
		return fr_um_y__copy(c, p.v, "the summed field", m->sum_field,
				     sizeof(m->sum_field));
	}
	if (!(s = fr_um_y__scalar(c, v, "value")))
		return -EINVAL;
	if (!strcmp(s, "count")) {
		m->sum_field[0] = 0;
		return 0;
	}
	n = strlen(s);
	if (!strncmp(s, "sum(", 4) && n > 5 && s[n - 1] == ')') {
		s += 4;
		n -= 5;
	}
	if (n >= sizeof(m->sum_field) || !n) {
		fr_um_y__say(c, &v->start_mark,
			     "a value is count, sum(FIELD), FIELD or {sum: FIELD}");
		return -EINVAL;
	}
	memcpy(m->sum_field, s, n);
	m->sum_field[n] = 0;
	return 0;
}

static int bucket_map(struct fr_um_y *c, yaml_node_t *n, struct bspec *b)
{
	struct fr_um_pair p;
	int r;

	b->set = 1;
	b->at = n->start_mark;
	for (size_t i = 0; (r = fr_um_y__pair(c, n, i, &p)) > 0; i++) {
		yaml_node_t *v = p.v;
		const char *key = p.key;
		int err;

		if (!strcmp(key, "type"))
			err = fr_um_y__copy(c, v, "bucket type", b->type, sizeof(b->type));
		else if (!strcmp(key, "min"))
			err = fr_um_y__number(c, v, "bucket min", &b->min), b->has_min = 1;
		else if (!strcmp(key, "max"))
			err = fr_um_y__number(c, v, "bucket max", &b->max), b->has_max = 1;
		else if (!strcmp(key, "start"))
			err = fr_um_y__number(c, v, "bucket start", &b->start), b->has_start = 1;
		else if (!strcmp(key, "width"))
			err = fr_um_y__number(c, v, "bucket width", &b->width), b->has_width = 1;
		else if (!strcmp(key, "multiplier"))
			err = fr_um_y__number(c, v, "bucket multiplier", &b->mult);
		else if (!strcmp(key, "count"))
			err = fr_um_y__integer(c, v, "bucket count", &b->count), b->has_count = 1;
		else if (!strcmp(key, "unit"))
			err = fr_um_y__scalar(c, v, "bucket unit") ? 0 : -EINVAL;
		else {
			fr_um_y__say(
				c, &p.k->start_mark,
				"unknown key '%s' in buckets; keys: type (exp2, linear, log2), "
				"min, max, multiplier, start, width, count",
				key);
			return -EINVAL;
		}
		if (err)
			return -EINVAL;
	}
	return r;
}

static int bucket_list(struct fr_um_y *c, yaml_node_t *n, struct fr_um_metric *m)
{
	struct fr_family *f = &m->fam;

	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *e = fr_um_y__node(c, *i);
		double v;

		if (fr_um_y__number(c, e, "a bucket bound", &v))
			return -EINVAL;
		if (f->nbounds == FR_FAMILY_MAX_BOUNDS) {
			fr_um_y__say(c, &e->start_mark, "bad buckets: at most %d bounds",
				     FR_FAMILY_MAX_BOUNDS);
			return -EINVAL;
		}
		if (f->nbounds && v <= f->bounds[f->nbounds - 1]) {
			fr_um_y__say(c, &e->start_mark,
				     "bad buckets: bounds must increase, %g after %g", v,
				     f->bounds[f->nbounds - 1]);
			return -EINVAL;
		}
		f->bounds[f->nbounds++] = v;
	}
	if (!f->nbounds) {
		fr_um_y__say(c, &n->start_mark, "bad buckets: the list is empty");
		return -EINVAL;
	}
	m->bkind = FR_UM_B_EXPLICIT;
	return 0;
}

/* Bounds of an exp2 or linear spec (exporter: linear is min..max steps of
 * the multiplier, the multiplier is the scale). */
static int bucket_bounds(struct fr_um_y *c, struct bspec *b, enum shape sh, struct fr_um_metric *m)
{
	struct fr_family *f = &m->fam;
	const int exp2 = !strcmp(b->type, "exp2");
	long n;

	if (sh == NATIVE && !strcmp(b->type, "log2")) { /* the built-ins' buckets */
		if (b->has_min || b->has_max || b->has_start || b->has_width || b->has_count ||
		    b->mult) {
			fr_um_y__say(c, &b->at, "bad buckets: log2 buckets take no other key");
			return -EINVAL;
		}
		m->bkind = FR_UM_B_LOG2;
		return 0;
	}
	if (!exp2 && strcmp(b->type, "linear")) {
		fr_um_y__say(c, &b->at,
			     "bad buckets: type '%s' is not exp2, linear or log2 (or give a list "
			     "of bounds)",
			     b->type);
		return -EINVAL;
	}
	if (exp2 || sh == EXPORTER || !b->has_start) {
		if (!b->has_min || !b->has_max) {
			fr_um_y__say(c, &b->at, "missing key: %s buckets need min and max",
				     b->type);
			return -EINVAL;
		}
		if (b->min > b->max || b->min != floor(b->min) || b->max != floor(b->max)) {
			fr_um_y__say(c, &b->at,
				     "bad buckets: min (%g) and max (%g) must be integers, min <= "
				     "max",
				     b->min, b->max);
			return -EINVAL;
		}
		if (exp2 && (b->min < -60 || b->max > 62)) {
			fr_um_y__say(c, &b->at, "bad buckets: exp2 exponents are -60..62");
			return -EINVAL;
		}
		n = (long)(b->max - b->min) + 1;
		if (!exp2 && sh != EXPORTER) { /* IG: min, max, width */
			if (!b->has_width || b->width <= 0) {
				fr_um_y__say(c, &b->at, "bad buckets: linear width must be > 0");
				return -EINVAL;
			}
			n = (long)floor((b->max - b->min) / b->width) + 1;
		}
	} else {
		if (!b->has_width || !b->has_count) {
			fr_um_y__say(c, &b->at,
				     "missing key: linear buckets need start, width "
				     "and count");
			return -EINVAL;
		}
		if (b->width <= 0) {
			fr_um_y__say(c, &b->at, "bad buckets: width must be > 0, not %g", b->width);
			return -EINVAL;
		}
		n = b->count;
	}
	if (n < 1 || n > FR_FAMILY_MAX_BOUNDS) {
		fr_um_y__say(c, &b->at, "bad buckets: %ld buckets; 1 to %d are allowed", n,
			     FR_FAMILY_MAX_BOUNDS);
		return -EINVAL;
	}
	for (long i = 0; i < n; i++) {
		if (exp2)
			f->bounds[i] = ldexp(1.0, (int)(b->min + (double)i));
		else if (sh == EXPORTER)
			f->bounds[i] = b->min + (double)i;
		else if (b->has_start)
			f->bounds[i] = b->start + (double)i * b->width;
		else
			f->bounds[i] = b->min + (double)i * b->width;
		if (sh != EXPORTER && b->mult > 0)
			f->bounds[i] *= b->mult;
	}
	f->nbounds = (int)n;
	m->bkind = exp2 ? FR_UM_B_EXP2 : FR_UM_B_LINEAR;
	return 0;
}

/* Keys of a metric entry, by shape: what each means is in the big if below. */
static const char *const native_keys =
	"name, help, type, source, selector, labels, value, buckets, scale, unit, "
	"max_label_sets, attribution, context (or Inspektor Gadget's category, gadget, field, "
	"bucket)";
static const char *const exporter_keys =
	"name, help, source, selector, labels, value, bucket_type, bucket_min, bucket_max, "
	"bucket_multiplier, bucket_keys, max_label_sets, attribution, context";

/* What entry() gathers past the metric itself. */
struct ent {
	struct bspec b;
	char cat[32], gad[32];
	int type_seen, ctx_seen;
	yaml_mark_t ctx_at;
};

/* attribution: none | process | hubble. */
static int attribution(struct fr_um_y *c, yaml_node_t *v, struct fr_um_metric *m)
{
	static const char *const names[] = {[FR_UM_A_NONE] = "none",
					    [FR_UM_A_PROCESS] = "process",
					    [FR_UM_A_HUBBLE] = "hubble"};
	char a[16];

	m->attr_at = fr_um_y__mark_of(c, v);
	if (fr_um_y__copy(c, v, "attribution", a, sizeof(a)))
		return -EINVAL;
	for (int i = 0; i < 3; i++)
		if (!strcmp(a, names[i])) {
			m->attr = (enum fr_um_attr)i;
			return 0;
		}
	fr_um_y__say(c, &v->start_mark, "attribution '%s' is not none, process or hubble", a);
	return -EINVAL;
}

static int entry_key(struct fr_um_y *c, const char *key, yaml_node_t *k, yaml_node_t *v,
		     enum shape sh, struct fr_um_metric *m, struct ent *e)
{
	const int ex = sh == EXPORTER;
	struct bspec *b = &e->b;
	char type[16];

	if (!strcmp(key, "name")) {
		m->at = fr_um_y__mark_of(c, v);
		return fr_um_y__copy(c, v, "name", m->fam.name, sizeof(m->fam.name));
	}
	if (!strcmp(key, "help"))
		return fr_um_y__copy(c, v, "help", m->fam.help, sizeof(m->fam.help));
	if (!strcmp(key, "source")) {
		m->source_at = fr_um_y__mark_of(c, v);
		return fr_um_y__copy(c, v, "source", m->source, sizeof(m->source));
	}
	if (!strcmp(key, "selector"))
		return fr_um_y__selector(c, v, m);
	if (!strcmp(key, "labels"))
		return fr_um_y__labels(c, v, m);
	if (!strcmp(key, "value") || (!ex && !strcmp(key, "field")))
		return value_of(c, v, m);
	if (!strcmp(key, "max_label_sets")) {
		if (fr_um_y__integer(c, v, "max_label_sets", &m->max_label_sets))
			return -EINVAL;
		if (m->max_label_sets < 0 || m->max_label_sets > 1000000) {
			fr_um_y__say(c, &v->start_mark,
				     "max_label_sets must be 1 to 1000000, or 0 for no limit");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "attribution"))
		return attribution(c, v, m);
	if (!strcmp(key, "context")) {
		if (fr_um_y__copy(c, v, "context", type, sizeof(type)))
			return -EINVAL;
		if (strcmp(type, "first") && strcmp(type, "last")) {
			fr_um_y__say(c, &v->start_mark, "context '%s' is not first or last", type);
			return -EINVAL;
		}
		m->fam.ctx_first = !strcmp(type, "first");
		e->ctx_seen = 1;
		e->ctx_at = v->start_mark;
		return 0;
	}
	if (!ex && !strcmp(key, "type")) {
		if (fr_um_y__copy(c, v, "type", type, sizeof(type)))
			return -EINVAL;
		if (!strcmp(type, "counter"))
			m->fam.type = FR_FAMILY_COUNTER;
		else if (!strcmp(type, "gauge"))
			m->fam.type = FR_FAMILY_GAUGE;
		else if (!strcmp(type, "histogram"))
			m->fam.type = FR_FAMILY_HISTOGRAM;
		else {
			fr_um_y__say(c, &v->start_mark,
				     "type '%s' is not counter, gauge or histogram", type);
			return -EINVAL;
		}
		e->type_seen = 1;
		return 0;
	}
	if (!ex && (!strcmp(key, "category") || !strcmp(key, "gadget"))) {
		m->source_at = fr_um_y__mark_of(c, v);
		return fr_um_y__copy(c, v, key, key[0] == 'c' ? e->cat : e->gad, 32);
	}
	if (!ex && (!strcmp(key, "buckets") || !strcmp(key, "bucket"))) {
		m->buckets_at = fr_um_y__mark_of(c, v);
		if (v->type == YAML_SEQUENCE_NODE)
			return bucket_list(c, v, m);
		if (fr_um_y__want(c, v, YAML_MAPPING_NODE, "buckets"))
			return -EINVAL;
		return bucket_map(c, v, b);
	}
	if (!ex && !strcmp(key, "scale"))
		return fr_um_y__number(c, v, "scale", &m->fam.scale);
	if (!ex && !strcmp(key, "unit"))
		return fr_um_y__scalar(c, v, "unit") ? 0 : -EINVAL;
	if (ex && !strncmp(key, "bucket_", 7)) {
		m->buckets_at = fr_um_y__mark_of(c, v);
		b->set = 1;
		b->at = v->start_mark;
		if (!strcmp(key, "bucket_type")) {
			if (fr_um_y__copy(c, v, "bucket_type", b->type, sizeof(b->type)))
				return -EINVAL;
			if (!strcmp(b->type, "fixed"))
				return 0;
			return strcmp(b->type, "exp2") && strcmp(b->type, "linear")
				       ? (fr_um_y__say(c, &v->start_mark,
						       "bad buckets: bucket_type '%s' is not "
						       "exp2, linear or fixed",
						       b->type),
					  -EINVAL)
				       : 0;
		}
		if (!strcmp(key, "bucket_min"))
			return b->has_min = 1, fr_um_y__number(c, v, key, &b->min);
		if (!strcmp(key, "bucket_max"))
			return b->has_max = 1, fr_um_y__number(c, v, key, &b->max);
		if (!strcmp(key, "bucket_multiplier"))
			return fr_um_y__number(c, v, key, &m->fam.scale);
		if (!strcmp(key, "bucket_keys")) {
			if (fr_um_y__want(c, v, YAML_SEQUENCE_NODE, key))
				return -EINVAL;
			return bucket_list(c, v, m);
		}
	}
	fr_um_y__say(c, &k->start_mark, "unknown key '%s'%s; keys: %s", key,
		     !strcmp(key, "<<") ? " (merge keys are not supported)" : "",
		     ex ? exporter_keys : native_keys);
	return -EINVAL;
}

static int entry(struct fr_um_y *c, yaml_node_t *n, enum shape sh, enum fr_family_type t,
		 struct fr_um_metric *m)
{
	struct ent e = {.b = {.mult = 0}};
	struct bspec *b = &e.b;
	struct fr_um_pair p;
	int r;

	memset(m, 0, sizeof(*m));
	m->fam.scale = 1;
	m->fam.type = t;
	m->max_label_sets = DEF_MAX_SETS;
	m->at = m->source_at = m->value_at = m->buckets_at = fr_um_y__mark_of(c, n);
	if (fr_um_y__want(c, n, YAML_MAPPING_NODE, "a metric"))
		return -EINVAL;
	for (size_t i = 0; (r = fr_um_y__pair(c, n, i, &p)) > 0; i++)
		if (entry_key(c, p.key, p.k, p.v, sh, m, &e))
			return -EINVAL;
	if (r)
		return -EINVAL;
	if (!*m->fam.name) {
		fr_um_y__say(c, &n->start_mark, "missing key: a metric needs 'name'");
		return -EINVAL;
	}
	if (!name_ok(m->fam.name)) {
		fr_um_y__say(c, &(yaml_mark_t){0, (size_t)m->at.line - 1, (size_t)m->at.col - 1},
			     "invalid metric name '%s': Prometheus names are "
			     "[a-zA-Z_:][a-zA-Z0-9_:]*",
			     m->fam.name);
		return -EINVAL;
	}
	if (sh == NATIVE && !e.type_seen) {
		fr_um_y__say(c, &n->start_mark,
			     "missing key: metric '%s' needs 'type' (counter, gauge, histogram)",
			     m->fam.name);
		return -EINVAL;
	}
	if (*e.cat || *e.gad) {
		if (!*e.cat || !*e.gad || *m->source) {
			fr_um_y__say(c, &n->start_mark,
				     "metric '%s': give category and gadget together, or source",
				     m->fam.name);
			return -EINVAL;
		}
		snprintf(m->source, sizeof(m->source), "%.31s/%.31s", e.cat, e.gad);
	}
	if (!*m->source) {
		fr_um_y__say(c, &n->start_mark, "missing key: metric '%s' needs 'source'",
			     m->fam.name);
		return -EINVAL;
	}
	if (!*m->fam.help)
		snprintf(m->fam.help, sizeof(m->fam.help), "User metric %s (%s).", m->fam.name,
			 c->path);
	if (!(m->fam.scale > 0)) {
		fr_um_y__say(c, &n->start_mark, "metric '%s': scale must be > 0", m->fam.name);
		return -EINVAL;
	}
	if (e.ctx_seen && m->attr != FR_UM_A_HUBBLE) {
		fr_um_y__say(c, &e.ctx_at,
			     "metric '%s': context (of Hubble's labels) needs attribution: hubble",
			     m->fam.name);
		return -EINVAL;
	}
	m->fam.plain = m->attr == FR_UM_A_NONE;
	m->fam.hubble = m->attr == FR_UM_A_HUBBLE;
	if (b->set && strcmp(b->type, "fixed") && bucket_bounds(c, b, sh, m))
		return -EINVAL;
	if (m->fam.type != FR_FAMILY_HISTOGRAM) {
		if (m->fam.nbounds || b->set) {
			fr_um_y__say(c, &b->at, "metric '%s': buckets are for histograms only",
				     m->fam.name);
			return -EINVAL;
		}
		return 0;
	}
	if (m->bkind == FR_UM_B_NONE) {
		fr_um_y__say(c, &n->start_mark, "missing key: histogram '%s' needs buckets",
			     m->fam.name);
		return -EINVAL;
	}
	if (!*m->sum_field) {
		fr_um_y__say(c,
			     &(yaml_mark_t){0, (size_t)m->value_at.line - 1,
					    (size_t)m->value_at.col - 1},
			     "histogram '%s' needs a numeric value to observe (value: FIELD), "
			     "not a count",
			     m->fam.name);
		return -EINVAL;
	}
	for (int i = 0; i < m->fam.nbounds; i++)
		m->fam.bounds[i] *= m->fam.scale; /* in the family's unit (family.h) */
	return 0;
}

static int add(struct fr_um_y *c, struct fr_um_file *f, yaml_node_t *n, enum shape sh,
	       enum fr_family_type t)
{
	struct fr_um_metric *m;

	if (f->n == FR_UM_MAX_METRICS) {
		fr_um_y__say(c, &n->start_mark, "at most %d metrics in a file", FR_UM_MAX_METRICS);
		return -EINVAL;
	}
	if (!(m = fr_um__file_room(f)))
		return -ENOMEM;
	if (entry(c, n, sh, t, m))
		return -EINVAL;
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->m[i].fam.name, m->fam.name)) {
			fr_um_y__say(c, &n->start_mark,
				     "duplicate metric name '%s' (first at line %d)", m->fam.name,
				     f->m[i].at.line);
			return -EINVAL;
		}
	f->n++;
	return 0;
}

static int list(struct fr_um_y *c, struct fr_um_file *f, yaml_node_t *n, enum shape sh,
		enum fr_family_type t, const char *what)
{
	if (fr_um_y__want(c, n, YAML_SEQUENCE_NODE, what))
		return -EINVAL;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++)
		if (add(c, f, fr_um_y__node(c, *i), sh, t))
			return -EINVAL;
	return 0;
}

/* metrics: {counters: [...], histograms: [...]} (ebpf_exporter). */
static int exporter(struct fr_um_y *c, struct fr_um_file *f, yaml_node_t *n)
{
	struct fr_um_pair p;
	int r;

	for (size_t i = 0; (r = fr_um_y__pair(c, n, i, &p)) > 0; i++) {
		int err;

		if (!strcmp(p.key, "counters"))
			err = list(c, f, p.v, EXPORTER, FR_FAMILY_COUNTER, "counters");
		else if (!strcmp(p.key, "histograms"))
			err = list(c, f, p.v, EXPORTER, FR_FAMILY_HISTOGRAM, "histograms");
		else {
			fr_um_y__say(c, &p.k->start_mark,
				     "unknown key '%s' in metrics; keys: counters, histograms",
				     p.key);
			return -EINVAL;
		}
		if (err)
			return -EINVAL;
	}
	return r;
}

static int top(struct fr_um_y *c, struct fr_um_file *f)
{
	yaml_node_t *root = yaml_document_get_root_node(&c->doc), *metrics = NULL;
	struct fr_um_pair p;
	int r;

	if (!root) {
		fprintf(stderr, "%s:1:1: missing key: the file is empty, expected 'metrics'\n",
			c->path);
		return -EINVAL;
	}
	if (fr_um_y__want(c, root, YAML_MAPPING_NODE, "the file"))
		return -EINVAL;
	for (size_t i = 0; (r = fr_um_y__pair(c, root, i, &p)) > 0; i++) {
		if (!strcmp(p.key, "metrics"))
			metrics = p.v;
		else if (strcmp(p.key, "metrics_name")) { /* IG's prefix, not used */
			fr_um_y__say(c, &p.k->start_mark,
				     "unknown key '%s' at the top; keys: metrics", p.key);
			return -EINVAL;
		}
	}
	if (r)
		return -EINVAL;
	if (!metrics) {
		fr_um_y__say(c, &root->start_mark, "missing key: 'metrics'");
		return -EINVAL;
	}
	if (metrics->type == YAML_MAPPING_NODE)
		return exporter(c, f, metrics);
	return list(c, f, metrics, NATIVE, FR_FAMILY_COUNTER, "'metrics'");
}

#define STR_(x) #x
#define STR(x)	STR_(x)

/* One more of a bounded thing at `ev`: past `max`, say `what` and fail. */
static int count_up(const char *path, const yaml_event_t *ev, int *n, int max, const char *what)
{
	if (++*n <= max)
		return 0;
	fprintf(stderr, "%s:%zu:%zu: %s\n", path, ev->start_mark.line + 1,
		ev->start_mark.column + 1, what);
	return -EINVAL;
}

/* A first pass over the events: bounds on what building the document and
 * reading it may cost. */
static int prescan(const char *path, const char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, aliases = 0, docs = 0, err = 0, done = 0;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && !err) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "%s:%zu:%zu: YAML syntax error: %s%s%s\n", path,
				p.problem_mark.line + 1, p.problem_mark.column + 1,
				p.problem ? p.problem : "bad input", p.context ? " " : "",
				p.context ? p.context : "");
			err = -EINVAL;
			break;
		}
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			err = count_up(path, &ev, &depth, MAX_DEPTH,
				       "nesting deeper than " STR(MAX_DEPTH) " levels");
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			err = count_up(path, &ev, &aliases, MAX_ALIASES,
				       "more than " STR(MAX_ALIASES) " aliases");
			break;
		case YAML_DOCUMENT_START_EVENT:
			err = count_up(path, &ev, &docs, 1, "one YAML document per file");
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return err;
}

int fr_um__parse_buf(const char *path, const char *buf, size_t len, struct fr_um_file *f)
{
	struct fr_um_y c = {.path = path};
	yaml_parser_t p;
	int err;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (len > MAX_FILE) {
		fprintf(stderr, "%s:1:1: the file is larger than %d bytes\n", path, MAX_FILE);
		return -EINVAL;
	}
	if ((err = prescan(path, buf, len)))
		return err;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&p, &c.doc)) {
		fprintf(stderr, "%s:%zu:%zu: YAML error: %s\n", path, p.problem_mark.line + 1,
			p.problem_mark.column + 1, p.problem ? p.problem : "bad input");
		yaml_parser_delete(&p);
		return -EINVAL;
	}
	err = top(&c, f);
	if (!err && c.visited > MAX_VISITS) {
		fprintf(stderr, "%s:1:1: the file's aliases expand too far\n", path);
		err = -EINVAL;
	}
	yaml_document_delete(&c.doc);
	yaml_parser_delete(&p);
	return err;
}

int fr_um__parse_file(const char *path, struct fr_um_file *f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	struct stat sb;
	char *buf;
	ssize_t n;

	memset(f, 0, sizeof(*f));
	if (fd < 0 || fstat(fd, &sb)) {
		err = -errno;
		fprintf(stderr, "flightrec metrics: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (sb.st_size > MAX_FILE) {
		fprintf(stderr, "%s:1:1: the file is larger than %d bytes\n", path, MAX_FILE);
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	n = buf ? read(fd, buf, (size_t)sb.st_size) : -1;
	close(fd);
	if (n != sb.st_size) {
		free(buf);
		fprintf(stderr, "flightrec metrics: %s: cannot read\n", path);
		return -EIO;
	}
	err = fr_um__parse_buf(path, buf, (size_t)n, f);
	free(buf);
	return err;
}

void fr_um__free_file(struct fr_um_file *f)
{
	for (int i = 0; f->m && i < f->n; i++) {
		free((char *)f->m[i].fam.sql);
		free(f->m[i].param);
	}
	free(f->m);
	f->m = NULL;
	f->n = f->cap = 0;
}

struct fr_um_metric *fr_um__file_room(struct fr_um_file *f)
{
	if (f->n == FR_UM_MAX_METRICS)
		return NULL;
	if (f->n == f->cap) { /* most files hold a few metrics (one a built-in) */
		const int cap = f->cap ? 2 * f->cap : 2;
		struct fr_um_metric *m = realloc(f->m, (size_t)cap * sizeof(*m));

		if (!m)
			return NULL;
		f->m = m;
		f->cap = cap;
	}
	memset(&f->m[f->n], 0, sizeof(f->m[f->n]));
	return &f->m[f->n];
}
