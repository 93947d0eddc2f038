/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `kubectl get ... -o json` output to one META_SNAPSHOT. All documents are
 * parsed first so that owners are known before any pod is named, whatever
 * the order kubectl printed them in.
 */
#include "format/meta/kubeobj_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Parse every document of text into docs. */
static int parse_docs(const char *text, size_t len, json_t *docs, char *why, size_t why_len)
{
	size_t off = 0;

	for (;;) {
		json_error_t jerr;
		json_t *d;

		while (off < len && strchr(" \t\r\n", text[off]) && text[off])
			off++;
		if (off >= len)
			break;
		d = json_loadb(text + off, len - off, JSON_DISABLE_EOF_CHECK, &jerr);
		if (!d) {
			snprintf(why, why_len, "document %zu: not JSON: %s (line %d, column %d)",
				 json_array_size(docs) + 1, jerr.text, jerr.line, jerr.column);
			return -EBADMSG;
		}
		if (json_array_append_new(docs, d))
			return -ENOMEM;
		if (!jerr.position) /* cannot happen; never loop forever */
			return -EBADMSG;
		off += (size_t)jerr.position;
	}
	if (!json_array_size(docs)) {
		snprintf(why, why_len, "no JSON document");
		return -ENODATA;
	}
	return 0;
}

/* The items of a document (a List or one object) and the kind an item
 * without "kind" has (a PodList's items carry none). */
static int doc_items(json_t *doc, size_t d, json_t **items, char *dflt, size_t dcap, char *why,
		     size_t why_len)
{
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	const size_t n = kind ? strlen(kind) : 0;

	dflt[0] = '\0';
	if (!json_is_object(doc)) {
		snprintf(why, why_len, "document %zu: not a JSON object", d);
		return -EBADMSG;
	}
	if (n < 4 || strcmp(kind + n - 4, "List")) {
		*items = json_pack("[O]", doc);
		return *items ? 0 : -ENOMEM;
	}
	*items = json_object_get(doc, "items");
	if (!json_is_array(*items)) {
		snprintf(why, why_len, "document %zu: a %s without an items array", d, kind);
		return -EBADMSG;
	}
	if (n - 4 < dcap)
		snprintf(dflt, dcap, "%.*s", (int)(n - 4), kind);
	json_incref(*items);
	return 0;
}

static int item_kind(json_t *item, const char *dflt)
{
	const char *k = json_string_value(json_object_get(item, "kind"));

	return fr_kube__kind_of(k ? k : dflt);
}

/* Pass 0 learns owners, pass 1 converts into lists (key -> object). */
static int one_pass(int pass, json_t *docs, struct fr_kube_owners *owners, json_t **lists,
		    struct fr_kube_snapshot_stats *st, char *why, size_t why_len)
{
	char reason[512], dflt[64], key[2 * FR_KUBE_STR_MAX + 8];
	json_t *doc, *items, *item, *c;
	size_t d, i;
	int err = 0;

	json_array_foreach(docs, d, doc)
	{
		err = doc_items(doc, d + 1, &items, dflt, sizeof(dflt), why, why_len);
		if (err)
			return err;
		json_array_foreach(items, i, item)
		{
			const int k = item_kind(item, dflt);

			if (k < 0) {
				st->other += pass;
				continue;
			}
			if (pass == 0 && k < FR_KUBE_NCONTRACT)
				continue;
			if (pass == 0)
				err = fr_kube_owners__learn(owners, k, item, false, reason,
							    sizeof(reason));
			else if (k < FR_KUBE_NCONTRACT)
				err = fr_kube__convert(k, item, owners, &c, reason, sizeof(reason));
			else
				err = 0;
			if (!err && pass == 1 && k < FR_KUBE_NCONTRACT) {
				if (!lists[k])
					lists[k] = json_object();
				err = lists[k] && !fr_kube__key(k, c, key, sizeof(key)) &&
						      !json_object_set_new(lists[k], key, c)
					      ? 0
					      : -ENOMEM;
			}
			if (!err && pass == 1)
				st->objects[k]++;
			if (err) {
				snprintf(why, why_len, "document %zu, items[%zu]: %s", d + 1, i,
					 err == -ENOMEM ? "out of memory" : reason);
				break;
			}
		}
		json_decref(items);
		if (err)
			return err;
	}
	return 0;
}

static int build(json_t **lists, const char *node, char **json)
{
	json_t *root = json_pack("{s:s}", "source", "kubernetes"), *v;
	const char *k;
	int err = root ? 0 : -ENOMEM;

	if (!err && node && json_object_set_new(root, "node", json_string(node)))
		err = -ENOMEM;
	for (int t = 0; !err && t < FR_KUBE_NCONTRACT; t++) {
		json_t *arr = lists[t] ? json_array() : NULL;

		if (!lists[t])
			continue;
		json_object_foreach(lists[t], k, v)
		{
			if (!arr || json_array_append(arr, v))
				err = -ENOMEM;
		}
		if (!err && json_object_set_new(root, fr_kube__kind_info(t)->list, arr))
			err = -ENOMEM;
		else if (err)
			json_decref(arr);
	}
	if (!err) {
		*json = json_dumps(root, JSON_COMPACT);
		err = *json ? 0 : -ENOMEM;
	}
	json_decref(root);
	return err;
}

int fr_kube__snapshot_from_text(const char *text, size_t len, const char *node, char **json,
				struct fr_kube_snapshot_stats *st, char *why, size_t why_len)
{
	struct fr_kube_snapshot_stats local;
	struct fr_kube_owners *owners = fr_kube_owners__new();
	json_t *docs = json_array(), *lists[FR_KUBE_NCONTRACT] = {NULL};
	int err = owners && docs ? 0 : -ENOMEM;

	*json = NULL;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	err = err ?: parse_docs(text, len, docs, why, why_len);
	err = err ?: one_pass(0, docs, owners, lists, st, why, why_len);
	err = err ?: one_pass(1, docs, owners, lists, st, why, why_len);
	err = err ?: build(lists, node, json);
	if (err == -ENOMEM && why_len)
		snprintf(why, why_len, "out of memory");
	for (int t = 0; t < FR_KUBE_NCONTRACT; t++)
		json_decref(lists[t]);
	json_decref(docs);
	fr_kube_owners__free(owners);
	return err;
}

/* Append the regular file at path to *text. */
static int slurp(const char *path, char **text, size_t *len, char *why, size_t why_len)
{
	FILE *f = fopen(path, "rbe");
	struct stat sb;
	char *more;
	size_t n;
	int err = f && !fstat(fileno(f), &sb) ? 0 : -errno;

	if (!err && !S_ISREG(sb.st_mode))
		err = -EINVAL;
	else if (!err && (uint64_t)sb.st_size > FR_KUBE_FILE_MAX)
		err = -EFBIG;
	if (err) {
		snprintf(why, why_len, "%s: %s", path,
			 err == -EINVAL ? "not a regular file" : strerror(-err));
		if (f)
			fclose(f);
		return err;
	}
	more = realloc(*text, *len + (size_t)sb.st_size + 2);
	if (!more) {
		fclose(f);
		return -ENOMEM;
	}
	*text = more;
	n = fread(*text + *len, 1, (size_t)sb.st_size, f);
	fclose(f);
	*len += n;
	(*text)[(*len)++] = '\n'; /* the documents of two files never touch */
	(*text)[*len] = '\0';
	return 0;
}

int fr_kube__snapshot_from_files(const char *const *paths, size_t n, const char *node, char **json,
				 struct fr_kube_snapshot_stats *st, char *why, size_t why_len)
{
	char *text = NULL, reason[512];
	size_t len = 0;
	int err = 0;

	*json = NULL;
	for (size_t i = 0; i < n && !err; i++)
		err = slurp(paths[i], &text, &len, why, why_len);
	if (!err) {
		err = fr_kube__snapshot_from_text(text ? text : "", len, node, json, st, reason,
						  sizeof(reason));
		if (err)
			snprintf(why, why_len, "%s%s: %s", paths[0], n > 1 ? " ..." : "", reason);
	}
	free(text);
	return err;
}
