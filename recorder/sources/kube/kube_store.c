/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* asprintf */
/*
 * Objects are held as their compact contract JSON (a few hundred bytes
 * each, far less than a jansson tree), which is also what a snapshot
 * concatenates and what tells whether a modification changed anything
 * the contract keeps: a pod's status changes often in ways it does not.
 */
#include "kube_store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fr_kube_store {
	pthread_mutex_t lock;		    /* maps and listed; not owners or pending */
	json_t *map[FR_KUBE_NCONTRACT];	    /* key -> string (contract JSON) */
	json_t *pending[FR_KUBE_NCONTRACT]; /* a list in progress (source thread) */
	bool listed[FR_KUBE_NCONTRACT];
	struct fr_kube_owners *owners; /* source thread only */
};

int fr_kube_store__new(struct fr_kube_store **out)
{
	struct fr_kube_store *s = calloc(1, sizeof(*s));
	int err = s ? 0 : -ENOMEM;

	if (!err)
		err = -pthread_mutex_init(&s->lock, NULL);
	for (int k = 0; !err && k < FR_KUBE_NCONTRACT; k++)
		if (!(s->map[k] = json_object()))
			err = -ENOMEM;
	if (!err && !(s->owners = fr_kube_owners__new()))
		err = -ENOMEM;
	if (err && s) {
		for (int k = 0; k < FR_KUBE_NCONTRACT; k++)
			json_decref(s->map[k]);
		free(s);
		return err;
	}
	*out = s;
	return err;
}

void fr_kube_store__free(struct fr_kube_store *s)
{
	if (!s)
		return;
	for (int k = 0; k < FR_KUBE_NCONTRACT; k++) {
		json_decref(s->map[k]);
		json_decref(s->pending[k]);
	}
	fr_kube_owners__free(s->owners);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Convert obj into its key and compact JSON (the caller frees *text). */
static int convert(struct fr_kube_store *s, enum fr_kube_kind k, const json_t *obj, char *key,
		   size_t key_cap, char **text, char *why, size_t why_len)
{
	json_t *c = NULL;
	int err = fr_kube__convert(k, obj, s->owners, &c, why, why_len);

	if (!err && fr_kube__key(k, c, key, key_cap)) {
		snprintf(why, why_len, "%s: identity longer than %zu bytes",
			 fr_kube__kind_info(k)->kind, key_cap);
		err = -EBADMSG;
	}
	if (!err) {
		*text = json_dumps(c, JSON_COMPACT);
		err = *text ? 0 : -ENOMEM;
	}
	json_decref(c);
	return err;
}

static int change_json(const char *op, enum fr_kube_kind k, const char *obj, char **change)
{
	return asprintf(change, "{\"op\":\"%s\",\"type\":\"%s\",\"object\":%s}", op,
			fr_kube__kind_info(k)->type, obj) < 0
		       ? -ENOMEM
		       : 0;
}

int fr_kube_store__apply(struct fr_kube_store *s, enum fr_kube_kind k, enum fr_kube_op op,
			 const json_t *obj, char **change, char *why, size_t why_len)
{
	char key[2 * FR_KUBE_STR_MAX + 8], *text = NULL;
	const char *old, *verb = NULL;
	int err;

	*change = NULL;
	if (k >= FR_KUBE_NCONTRACT)
		return fr_kube_owners__learn(s->owners, k, obj, op == FR_KUBE_DELETED, why,
					     why_len);
	err = convert(s, k, obj, key, sizeof(key), &text, why, why_len);
	if (err)
		return err;
	pthread_mutex_lock(&s->lock);
	old = json_string_value(json_object_get(s->map[k], key));
	if (op == FR_KUBE_DELETED) {
		/* deleting what was never seen changes nothing */
		verb = old ? "delete" : NULL;
		json_object_del(s->map[k], key);
	} else if (!old || strcmp(old, text)) {
		verb = old ? "update" : "add";
		err = json_object_set_new(s->map[k], key, json_string(text)) ? -ENOMEM : 0;
	}
	pthread_mutex_unlock(&s->lock);
	if (!err && verb)
		err = change_json(verb, k, text, change);
	free(text);
	return err;
}

int fr_kube_store__list_begin(struct fr_kube_store *s, enum fr_kube_kind k)
{
	if (k >= FR_KUBE_NCONTRACT)
		return 0;
	json_decref(s->pending[k]);
	s->pending[k] = json_object();
	return s->pending[k] ? 0 : -ENOMEM;
}

int fr_kube_store__list_add(struct fr_kube_store *s, enum fr_kube_kind k, const json_t *items,
			    size_t *bad, char *why, size_t why_len)
{
	char key[2 * FR_KUBE_STR_MAX + 8], reason[512];
	const json_t *item;
	char *text;
	size_t i;
	int err = 0;

	json_array_foreach((json_t *)items, i, item)
	{
		if (k >= FR_KUBE_NCONTRACT) {
			err = fr_kube_owners__learn(s->owners, k, item, false, reason,
						    sizeof(reason));
		} else {
			err = convert(s, k, item, key, sizeof(key), &text, reason, sizeof(reason));
			if (!err) {
				err = json_object_set_new(s->pending[k], key, json_string(text))
					      ? -ENOMEM
					      : 0;
				free(text);
			}
		}
		if (err == -ENOMEM)
			return err;
		if (err && !(*bad)++)
			snprintf(why, why_len, "%s", reason);
	}
	return 0;
}

int fr_kube_store__list_commit(struct fr_kube_store *s, enum fr_kube_kind k)
{
	json_t *old;

	if (k >= FR_KUBE_NCONTRACT)
		return 0;
	if (!s->pending[k])
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	old = s->map[k];
	s->map[k] = s->pending[k];
	s->listed[k] = true;
	pthread_mutex_unlock(&s->lock);
	s->pending[k] = NULL;
	json_decref(old);
	return 0;
}

static void put_json_string(FILE *f, const char *s)
{
	json_t *j = json_string(s);

	json_dumpf(j, f, JSON_ENCODE_ANY);
	json_decref(j);
}

int fr_kube_store__snapshot(struct fr_kube_store *s, const char *node, bool pods_of_node_only,
			    char **json)
{
	size_t len = 0, n = 0;
	FILE *f = open_memstream(json, &len);
	const char *key;
	json_t *v;

	if (!f)
		return -ENOMEM;
	fputs("{\"source\":\"kubernetes\"", f);
	if (node && *node) {
		fputs(",\"node\":", f);
		put_json_string(f, node);
	}
	if (node && *node && pods_of_node_only) {
		fputs(",\"pods_node\":", f);
		put_json_string(f, node);
	}
	pthread_mutex_lock(&s->lock);
	for (int k = 0; k < FR_KUBE_NCONTRACT; k++) {
		const char *sep = "";

		if (!s->listed[k])
			continue;
		n++;
		fprintf(f, ",\"%s\":[", fr_kube__kind_info(k)->list);
		json_object_foreach(s->map[k], key, v)
		{
			fputs(sep, f);
			fputs(json_string_value(v), f);
			sep = ",";
		}
		fputc(']', f);
	}
	pthread_mutex_unlock(&s->lock);
	fputc('}', f);
	if (fclose(f)) {
		free(*json);
		*json = NULL;
		return -ENOMEM;
	}
	if (!n) {
		free(*json);
		*json = NULL;
	}
	return 0;
}

size_t fr_kube_store__count(struct fr_kube_store *s, enum fr_kube_kind k)
{
	size_t n;

	if (k >= FR_KUBE_NCONTRACT)
		return fr_kube_owners__count(s->owners);
	pthread_mutex_lock(&s->lock);
	n = json_object_size(s->map[k]);
	pthread_mutex_unlock(&s->lock);
	return n;
}
