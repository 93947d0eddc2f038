/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the Kubernetes object converter (format/meta/) on
 * whatever an API server or a kubectl file could hand it. The whole input
 * goes through fr_kube__snapshot_from_text (Lists, single objects, owners
 * learned before pods); when it parses as one JSON document, each of its
 * items (or itself) also goes through fr_kube__convert as every contract
 * kind and fr_kube_owners__learn as every owner kind. Asserts the
 * contracts: 0 with a JSON object out, or -EBADMSG / -ENODATA / -EINVAL /
 * -ENOMEM with a reason; a converted object has a key of bounded length.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/meta/kubeobj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int err, const char *why)
{
	if (err && err != -EBADMSG && err != -ENODATA && err != -EINVAL && err != -ENOMEM)
		abort();
	if ((err == -EBADMSG || err == -ENODATA) && !why[0])
		abort(); /* refused without saying why */
}

static void convert_each(const json_t *obj, struct fr_kube_owners *owners)
{
	/* the longest key: namespace/name, each at most FR_KUBE_STR_MAX */
	static char key[2 * FR_KUBE_STR_MAX + 2];
	char why[512];

	for (int k = 0; k < FR_KUBE_NKINDS; k++) {
		json_t *out = NULL;
		int err;

		why[0] = '\0';
		if (k >= FR_KUBE_NCONTRACT) {
			err = fr_kube_owners__learn(owners, (enum fr_kube_kind)k, obj, k & 1, why,
						    sizeof(why));
			check_err(err, why);
			continue;
		}
		err = fr_kube__convert((enum fr_kube_kind)k, obj, owners, &out, why, sizeof(why));
		check_err(err, why);
		if (!err) {
			if (!json_is_object(out))
				abort();
			if (fr_kube__key((enum fr_kube_kind)k, out, key, sizeof(key)))
				abort(); /* a converted object always has a key */
		}
		json_decref(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fr_kube_snapshot_stats st;
	struct fr_kube_owners *owners;
	char why[512], *json = NULL;
	json_error_t jerr;
	json_t *doc, *items, *item;
	size_t i;
	int err;

	why[0] = '\0';
	err = fr_kube__snapshot_from_text((const char *)data, size, "node-a", &json, &st, why,
					  sizeof(why));
	check_err(err, why);
	if (!err) {
		json_t *snap = json_loads(json, 0, &jerr);

		if (!json_is_object(snap))
			abort(); /* the snapshot must be a JSON object */
		json_decref(snap);
	}
	free(json);

	doc = json_loadb((const char *)data, size, JSON_DISABLE_EOF_CHECK, &jerr);
	owners = fr_kube_owners__new();
	if (doc && owners) {
		items = json_object_get(doc, "items");
		if (json_is_array(items))
			json_array_foreach(items, i, item) convert_each(item, owners);
		else
			convert_each(doc, owners);
	}
	fr_kube_owners__free(owners);
	json_decref(doc);
	return 0;
}
