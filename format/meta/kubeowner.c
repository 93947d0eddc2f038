/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A pod names its direct controller; the workload people know is often one
 * level up: a Deployment owns the ReplicaSet that owns the pod, a CronJob
 * the Job. The owners table remembers each ReplicaSet's and Job's own
 * controller so a pod can be named after the top one.
 */
#include "format/meta/kubeobj_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fr_kube_owners {
	/* "<R|J>\x1f<namespace>\x1f<name>" -> {"kind", "name"} of its
	 * controller, or null for none */
	json_t *by_name;
};

struct fr_kube_owners *fr_kube_owners__new(void)
{
	struct fr_kube_owners *o = calloc(1, sizeof(*o));

	if (o && !(o->by_name = json_object())) {
		free(o);
		o = NULL;
	}
	if (!o)
		errno = ENOMEM;
	return o;
}

void fr_kube_owners__free(struct fr_kube_owners *o)
{
	if (!o)
		return;
	json_decref(o->by_name);
	free(o);
}

size_t fr_kube_owners__count(const struct fr_kube_owners *o)
{
	return o ? json_object_size(o->by_name) : 0;
}

static int owner_key(char tag, const char *ns, const char *name, char *key, size_t cap)
{
	const int n = snprintf(key, cap, "%c\x1f%s\x1f%s", tag, ns ? ns : "", name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* The controller among metadata.ownerReferences: kind and name, or NULLs. */
static int controller_of(struct fr_kube_conv *c, const json_t *md, const char **kind,
			 const char **name)
{
	const json_t *refs, *r;
	size_t i;
	int err = fr_kube_get_arr(c, md, "ownerReferences", "metadata.ownerReferences", &refs);

	*kind = *name = NULL;
	json_array_foreach((json_t *)refs, i, r)
	{
		const char *k, *n;

		if (err)
			break;
		if (!json_is_object(r))
			return fr_kube_fail(c, "metadata.ownerReferences[%zu] is not an object", i);
		if (!json_is_true(json_object_get(r, "controller")))
			continue;
		err = fr_kube_get_str(c, r, "kind", "metadata.ownerReferences[].kind", true, &k);
		err = err
			      ?: fr_kube_get_str(c, r, "name", "metadata.ownerReferences[].name",
						 true, &n);
		if (!err) {
			*kind = k;
			*name = n;
			break;
		}
	}
	return err;
}

int fr_kube_owners__learn(struct fr_kube_owners *o, enum fr_kube_kind k, const json_t *obj,
			  bool deleted, char *why, size_t why_len)
{
	const struct fr_kube_kind_info *info = fr_kube__kind_info(k);
	struct fr_kube_conv c = {.why = why, .why_len = why_len};
	const char *kind = NULL, *name = NULL;
	const json_t *md = NULL;
	char key[2 * FR_KUBE_STR_MAX + 8];
	json_t *v;
	int err;

	if (k != FR_KUBE_REPLICASET && k != FR_KUBE_JOB)
		return -EINVAL;
	c.kind = info->kind;
	if (!json_is_object(obj))
		return fr_kube_fail(&c, "not a JSON object");
	err = fr_kube_get_obj(&c, obj, "metadata", "metadata", &md);
	if (!err && !md)
		err = fr_kube_fail(&c, "metadata is missing");
	err = err ?: fr_kube_get_str(&c, md, "namespace", "metadata.namespace", true, &c.ns);
	err = err ?: fr_kube_get_str(&c, md, "name", "metadata.name", true, &c.name);
	err = err ?: controller_of(&c, md, &kind, &name);
	err = err ?: owner_key(k == FR_KUBE_JOB ? 'J' : 'R', c.ns, c.name, key, sizeof(key));
	if (err)
		return err;
	if (deleted) {
		json_object_del(o->by_name, key);
		return 0;
	}
	v = kind ? json_pack("{s:s,s:s}", "kind", kind, "name", name) : json_null();
	return v && !json_object_set_new(o->by_name, key, v) ? 0 : -ENOMEM;
}

/*
 * A Deployment names its ReplicaSets "<deployment>-<pod-template-hash>"
 * and labels their pods with the hash: when the ReplicaSet has not been
 * seen (yet), that names the Deployment.
 */
static const char *deployment_by_hash(const json_t *labels, const char *rs, size_t *len)
{
	const char *h = json_string_value(json_object_get(labels, "pod-template-hash"));
	const size_t n = strlen(rs), hn = h ? strlen(h) : 0;

	if (!hn || n < hn + 2 || rs[n - hn - 1] != '-' || strcmp(rs + n - hn, h))
		return NULL;
	*len = n - hn - 1;
	return rs;
}

int fr_kube_workload(struct fr_kube_conv *c, const json_t *md, const json_t *labels,
		     const struct fr_kube_owners *owners, json_t *pod)
{
	const char *kind, *name, *top_kind = NULL, *top_name = NULL;
	char key[2 * FR_KUBE_STR_MAX + 8];
	size_t len = 0;
	json_t *top = NULL;
	int err = controller_of(c, md, &kind, &name);

	if (err || !kind)
		return err; /* a bare pod: no workload */
	const bool rs = !strcmp(kind, "ReplicaSet"), job = !strcmp(kind, "Job");

	if ((rs || job) && owners && !owner_key(rs ? 'R' : 'J', c->ns, name, key, sizeof(key)))
		top = json_object_get(owners->by_name, key);
	if (json_is_object(top)) {
		top_kind = json_string_value(json_object_get(top, "kind"));
		top_name = json_string_value(json_object_get(top, "name"));
	} else if (rs && !top && deployment_by_hash(labels, name, &len)) {
		top_kind = "Deployment";
		top_name = name;
	}
	if (!top_kind) {
		top_kind = kind;
		top_name = name;
	}
	if (json_object_set_new(pod, "workload_kind", json_string(top_kind)) ||
	    json_object_set_new(pod, "workload",
				len ? json_stringn(top_name, len) : json_string(top_name)))
		return -ENOMEM;
	return 0;
}
