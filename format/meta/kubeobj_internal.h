/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the converters of kubeobj.c, kubeslice.c and kubeowner.c. */
#ifndef FR_FORMAT_META_KUBEOBJ_INTERNAL_H
#define FR_FORMAT_META_KUBEOBJ_INTERNAL_H

#include "format/meta/kubeobj.h"

/* One conversion: the object's kind and name, for messages. */
struct fr_kube_conv {
	const char *kind, *ns, *name;
	char *why;
	size_t why_len;
};

/* "<Kind> <ns/name>: <detail>" into c->why. Return: -EBADMSG. */
int fr_kube_fail(struct fr_kube_conv *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Checked getters: a member of the wrong type (or too long, too many
 * entries) is -EBADMSG naming `path`; absent or null is NULL, or for a
 * required string -EBADMSG. Borrowed results. */
int fr_kube_get_str(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		    bool required, const char **out);
int fr_kube_get_obj(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		    const json_t **out);
int fr_kube_get_arr(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		    const json_t **out);
/* An optional boolean; absent or null: dflt. */
int fr_kube_get_bool(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		     bool dflt, bool *out);

/* workload_kind and workload of a pod from its metadata (md) and labels. */
int fr_kube_workload(struct fr_kube_conv *c, const json_t *md, const json_t *labels,
		     const struct fr_kube_owners *owners, json_t *pod);

int fr_kube_convert_slice(struct fr_kube_conv *c, const json_t *obj, json_t *out);

#endif /* FR_FORMAT_META_KUBEOBJ_INTERNAL_H */
