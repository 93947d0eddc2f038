/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/bundle/redact_json.h"

#include <errno.h>
#include <string.h>

#define ON(r, c) ((r)->classes & (1u << (c)))

int fr_redact__wants_meta(const struct fr_redact *r)
{
	return ON(r, FR_REDACT_IPS) || ON(r, FR_REDACT_COMM_ARGS) || ON(r, FR_REDACT_EXE_PATHS) ||
	       ON(r, FR_REDACT_LABELS);
}

int fr_redact__wants_flows(const struct fr_redact *r)
{
	return ON(r, FR_REDACT_IPS) || ON(r, FR_REDACT_L7_URLS) || ON(r, FR_REDACT_L7_HEADERS) ||
	       ON(r, FR_REDACT_DNS_NAMES) || ON(r, FR_REDACT_LABELS);
}

/* Replace a string by its pseudonym; a DNS name keeps its trailing dot. */
static int pseudo_string(struct fr_redact *r, json_t *s, const char *tag, int c)
{
	const char *v = json_string_value(s);
	const size_t len = json_string_length(s);
	char out[64];

	if (!v || !len)
		return 0;
	fr_pseudo__str(&r->ps, tag, v, len, out, sizeof(out) - 1);
	if (c == FR_REDACT_DNS_NAMES && v[len - 1] == '.')
		strcat(out, ".");
	r->values[c]++;
	return json_string_set(s, out) ? -ENOMEM : 0;
}

static int pseudo_strings(struct fr_redact *r, json_t *v, const char *tag, int c)
{
	size_t i;
	json_t *e;
	int err = 0;

	if (json_is_string(v))
		return pseudo_string(r, v, tag, c);
	json_array_foreach(v, i, e) if (!err && json_is_string(e)) err =
		pseudo_string(r, e, tag, c);
	return err;
}

/* A Hubble label "source:key=value": the value part only. */
static int label_item(struct fr_redact *r, json_t *s)
{
	const char *v = json_string_value(s), *eq = v ? strchr(v, '=') : NULL;
	char out[512];

	if (!eq || !eq[1] || (size_t)(eq - v) > sizeof(out) - 64)
		return 0;
	memcpy(out, v, (size_t)(eq - v) + 1);
	fr_pseudo__str(&r->ps, "label", eq + 1, strlen(eq + 1), out + (eq - v) + 1, 40);
	r->values[FR_REDACT_LABELS]++;
	return json_string_set(s, out) ? -ENOMEM : 0;
}

/* labels / selector objects: values; Hubble label arrays: the part after '='. */
static int labels(struct fr_redact *r, json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;
	int err = 0;

	if (json_is_object(v)) {
		json_object_foreach(v, k, e) if (!err && json_is_string(e)) err =
			pseudo_string(r, e, "label", FR_REDACT_LABELS);
		/* selector: {"matchLabels": {...}} */
		json_object_foreach(v, k, e) if (!err && json_is_object(e)) err = labels(r, e);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) if (!err && json_is_string(e)) err = label_item(r, e);
	}
	return err;
}

static int headers(struct fr_redact *r, json_t *v)
{
	json_t *e;
	size_t i;
	int err = 0;

	json_array_foreach(v, i, e)
	{
		json_t *val = json_object_get(e, "value");

		if (!err && json_is_string(val))
			err = pseudo_string(r, val, "hdr", FR_REDACT_L7_HEADERS);
	}
	return err;
}

struct key_rule {
	const char *key;
	int c;
	const char *tag;
};

/* Keys whose string (or array of strings) values a class replaces. */
static const struct key_rule rules[] = {
	{"comm", FR_REDACT_COMM_ARGS, "comm"},
	{"cmdline", FR_REDACT_COMM_ARGS, "args"},
	{"args", FR_REDACT_COMM_ARGS, "args"},
	{"arguments", FR_REDACT_COMM_ARGS, "args"},
	{"exe", FR_REDACT_EXE_PATHS, "exe"},
	{"filename", FR_REDACT_EXE_PATHS, "exe"},
	{"binary", FR_REDACT_EXE_PATHS, "exe"},
	{"url", FR_REDACT_L7_URLS, "url"},
	{"cnames", FR_REDACT_DNS_NAMES, "dns"},
	{"source_names", FR_REDACT_DNS_NAMES, "dns"},
	{"destination_names", FR_REDACT_DNS_NAMES, "dns"},
	{"sourceNames", FR_REDACT_DNS_NAMES, "dns"},
	{"destinationNames", FR_REDACT_DNS_NAMES, "dns"},
};

static int walk(struct fr_redact *r, json_t *v, const char *parent);

static int member(struct fr_redact *r, const char *k, json_t *e, const char *parent)
{
	if (ON(r, FR_REDACT_LABELS) &&
	    (!strcmp(k, "labels") || !strcmp(k, "selector") || !strcmp(k, "matchLabels")))
		return labels(r, e);
	if (ON(r, FR_REDACT_L7_HEADERS) && !strcmp(k, "headers") && json_is_array(e))
		return headers(r, e);
	/* a DNS question, not any "query" (an HTTP URL's query is in url) */
	if (ON(r, FR_REDACT_DNS_NAMES) && !strcmp(k, "query") && parent && !strcmp(parent, "dns"))
		return pseudo_strings(r, e, "dns", FR_REDACT_DNS_NAMES);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (ON(r, rules[i].c) && !strcmp(k, rules[i].key) &&
		    (json_is_string(e) || json_is_array(e)))
			return pseudo_strings(r, e, rules[i].tag, rules[i].c);
	return walk(r, e, k);
}

static int walk(struct fr_redact *r, json_t *v, const char *parent)
{
	const char *k;
	json_t *e;
	size_t i;
	int err = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, k, e) if (!err) err = member(r, k, e, parent);
		return err;
	case JSON_ARRAY:
		json_array_foreach(v, i, e) if (!err) err = walk(r, e, parent);
		return err;
	case JSON_STRING:
		if (ON(r, FR_REDACT_IPS)) {
			char out[64];
			const int rc =
				fr_pseudo__ip_text(&r->ps, json_string_value(v), out, sizeof(out));

			if (rc == 1) {
				r->values[FR_REDACT_IPS]++;
				return json_string_set(v, out) ? -ENOMEM : 0;
			}
		}
		return 0;
	default:
		return 0;
	}
}

int fr_redact__json(struct fr_redact *r, json_t *v)
{
	return walk(r, v, NULL);
}
