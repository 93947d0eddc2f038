/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One converter per contract kind. Every field read goes through the
 * checked getters below, which say which field of which object was wrong;
 * a field the analyzer does not use is never looked at, so the API may add
 * or change those freely.
 */
#include "format/meta/kubeobj.h"
#include "format/meta/kubeobj_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct fr_kube_kind_info kinds[FR_KUBE_NKINDS] = {
	[FR_KUBE_POD] = {"Pod", "pods", "/api/v1/pods", "pod", "pods"},
	[FR_KUBE_SERVICE] = {"Service", "services", "/api/v1/services", "service", "services"},
	[FR_KUBE_ENDPOINTSLICE] = {"EndpointSlice", "endpointslices",
				   "/apis/discovery.k8s.io/v1/endpointslices", "endpointslice",
				   "endpointslices"},
	[FR_KUBE_NODE] = {"Node", "nodes", "/api/v1/nodes", "node", "nodes"},
	[FR_KUBE_NAMESPACE] = {"Namespace", "namespaces", "/api/v1/namespaces", "namespace",
			       "namespaces"},
	[FR_KUBE_REPLICASET] = {"ReplicaSet", "replicasets", "/apis/apps/v1/replicasets", NULL,
				NULL},
	[FR_KUBE_JOB] = {"Job", "jobs", "/apis/batch/v1/jobs", NULL, NULL},
};

const struct fr_kube_kind_info *fr_kube__kind_info(enum fr_kube_kind k)
{
	return (unsigned)k < FR_KUBE_NKINDS ? &kinds[k] : NULL;
}

int fr_kube__kind_of(const char *kind)
{
	for (int i = 0; kind && i < FR_KUBE_NKINDS; i++)
		if (!strcmp(kind, kinds[i].kind))
			return i;
	return -ENOENT;
}

int fr_kube_fail(struct fr_kube_conv *c, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (c->why_len)
		snprintf(c->why, c->why_len, "%s %s%s%s: %s", c->kind, c->ns ? c->ns : "",
			 c->ns ? "/" : "", c->name ? c->name : "(no name)", detail);
	return -EBADMSG;
}

int fr_kube_get_str(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		    bool required, const char **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return required ? fr_kube_fail(c, "%s is missing", path) : 0;
	if (!json_is_string(v))
		return fr_kube_fail(c, "%s is not a string", path);
	if (json_string_length(v) > FR_KUBE_STR_MAX)
		return fr_kube_fail(c, "%s is longer than %d bytes", path, FR_KUBE_STR_MAX);
	if (required && !json_string_length(v))
		return fr_kube_fail(c, "%s is empty", path);
	*out = json_string_value(v);
	return 0;
}

/* A member that must be `type` when present; absent or null: NULL. */
static int get_typed(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		     json_type type, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_typeof(v) != type)
		return fr_kube_fail(c, "%s is not %s", path,
				    type == JSON_OBJECT ? "an object" : "an array");
	if ((type == JSON_ARRAY ? json_array_size(v) : json_object_size(v)) > FR_KUBE_ITEMS_MAX)
		return fr_kube_fail(c, "%s has more than %d entries", path, FR_KUBE_ITEMS_MAX);
	*out = v;
	return 0;
}

int fr_kube_get_obj(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		    const json_t **out)
{
	return get_typed(c, obj, key, path, JSON_OBJECT, out);
}

int fr_kube_get_arr(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		    const json_t **out)
{
	return get_typed(c, obj, key, path, JSON_ARRAY, out);
}

int fr_kube_get_bool(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		     bool dflt, bool *out)
{
	const json_t *v = json_object_get(obj, key);

	*out = dflt;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return fr_kube_fail(c, "%s is not a boolean", path);
	*out = json_is_true(v);
	return 0;
}

/* A port number: an integer in 0..65535 (0: absent). */
static int get_port(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		    json_int_t *out)
{
	const json_t *v = json_object_get(obj, key);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535)
		return fr_kube_fail(c, "%s is not a port number", path);
	*out = json_integer_value(v);
	return 0;
}

/* Set key to a new string, or nothing for NULL. Return: 0 or -ENOMEM. */
static int set_str(json_t *o, const char *key, const char *s)
{
	return !s || !json_object_set_new(o, key, json_string(s)) ? 0 : -ENOMEM;
}

static int append(json_t *a, json_t *v)
{
	return json_array_append_new(a, v) ? -ENOMEM : 0;
}

/* A map of strings (labels, a selector), copied; NULL when absent. */
static int str_map(struct fr_kube_conv *c, const json_t *obj, const char *key, const char *path,
		   json_t **out)
{
	const json_t *m, *v;
	const char *k;
	int err = fr_kube_get_obj(c, obj, key, path, &m);

	*out = NULL;
	if (err || !m)
		return err;
	*out = json_object();
	if (!*out)
		return -ENOMEM;
	json_object_foreach((json_t *)m, k, v)
	{
		if (!json_is_string(v))
			err = fr_kube_fail(c, "%s[\"%.64s\"] is not a string", path, k);
		else if (json_string_length(v) > FR_KUBE_STR_MAX || strlen(k) > FR_KUBE_STR_MAX)
			err = fr_kube_fail(c, "%s[\"%.64s\"] is longer than %d bytes", path, k,
					   FR_KUBE_STR_MAX);
		else if (json_object_set_new(*out, k, json_string(json_string_value(v))))
			err = -ENOMEM;
		if (err)
			break;
	}
	if (err) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

/* metadata: the object's name (required) and namespace (required when ns). */
static int meta(struct fr_kube_conv *c, const json_t *obj, bool ns, const json_t **md)
{
	int err;

	if (!json_is_object(obj))
		return fr_kube_fail(c, "not a JSON object");
	err = fr_kube_get_obj(c, obj, "metadata", "metadata", md);
	if (!err && !*md)
		err = fr_kube_fail(c, "metadata is missing");
	/* the namespace first, so that a bad name's message names it */
	if (!err && ns)
		err = fr_kube_get_str(c, *md, "namespace", "metadata.namespace", true, &c->ns);
	if (!err)
		err = fr_kube_get_str(c, *md, "name", "metadata.name", true, &c->name);
	return err;
}

/* Strings of `arr` (an array of objects) at member `key`, or the strings
 * of `arr` itself when key is NULL, appended to out. */
static int collect_strs(struct fr_kube_conv *c, const json_t *arr, const char *key,
			const char *path, json_t *out)
{
	const json_t *v;
	const char *s;
	size_t i;
	int err = 0;

	json_array_foreach((json_t *)arr, i, v)
	{
		if (key && !json_is_object(v))
			err = fr_kube_fail(c, "%s[%zu] is not an object", path, i);
		else if (key)
			err = fr_kube_get_str(c, v, key, path, false, &s);
		else if (!json_is_string(v) || json_string_length(v) > FR_KUBE_STR_MAX)
			err = fr_kube_fail(c, "%s[%zu] is not a string", path, i);
		else
			s = json_string_value(v);
		if (!err && s && *s)
			err = append(out, json_string(s));
		if (err)
			break;
	}
	return err;
}

static int pod_ips(struct fr_kube_conv *c, const json_t *st, json_t *pod)
{
	const json_t *ips;
	const char *ip;
	json_t *out = json_array();
	int err = out ? 0 : -ENOMEM;

	err = err ?: fr_kube_get_arr(c, st, "podIPs", "status.podIPs", &ips);
	if (!err && ips && json_array_size(ips))
		err = collect_strs(c, ips, "ip", "status.podIPs", out);
	else if (!err) {
		err = fr_kube_get_str(c, st, "podIP", "status.podIP", false, &ip);
		if (!err && ip && *ip)
			err = append(out, json_string(ip));
	}
	if (!err && json_array_size(out))
		return json_object_set_new(pod, "ips", out) ? -ENOMEM : 0;
	json_decref(out);
	return err;
}

/* Every container that has an id (it ran): init, app and ephemeral. */
static int pod_containers(struct fr_kube_conv *c, const json_t *st, json_t *pod)
{
	static const char *const lists[] = {"initContainerStatuses", "containerStatuses",
					    "ephemeralContainerStatuses"};
	json_t *out = json_array();
	int err = out ? 0 : -ENOMEM;

	for (size_t l = 0; !err && l < sizeof(lists) / sizeof(lists[0]); l++) {
		const json_t *arr, *cs;
		size_t i;

		err = fr_kube_get_arr(c, st, lists[l], lists[l], &arr);
		json_array_foreach((json_t *)arr, i, cs)
		{
			const char *id = NULL, *name = NULL;
			json_t *o;

			if (err)
				break;
			if (!json_is_object(cs)) {
				err = fr_kube_fail(c, "status.%s[%zu] is not an object", lists[l],
						   i);
				break;
			}
			err = fr_kube_get_str(c, cs, "containerID", "containerID", false, &id);
			err = err ?: fr_kube_get_str(c, cs, "name", "name", false, &name);
			if (err || !id || !*id)
				continue;
			o = json_pack("{s:s}", "id", id);
			err = o ? set_str(o, "name", name) : -ENOMEM;
			err = err ?: append(out, o);
		}
	}
	if (!err && json_array_size(out))
		return json_object_set_new(pod, "containers", out) ? -ENOMEM : 0;
	json_decref(out);
	return err;
}

static int convert_pod(struct fr_kube_conv *c, const json_t *obj,
		       const struct fr_kube_owners *owners, json_t *pod)
{
	const json_t *md, *spec = NULL, *st = NULL;
	const char *uid = NULL, *node = NULL, *phase = NULL;
	json_t *labels = NULL;
	bool host_net = false;
	int err = meta(c, obj, true, &md);

	err = err ?: fr_kube_get_str(c, md, "uid", "metadata.uid", true, &uid);
	err = err ?: fr_kube_get_obj(c, obj, "spec", "spec", &spec);
	err = err ?: fr_kube_get_obj(c, obj, "status", "status", &st);
	err = err ?: fr_kube_get_str(c, spec, "nodeName", "spec.nodeName", false, &node);
	err = err ?: fr_kube_get_bool(c, spec, "hostNetwork", "spec.hostNetwork", false, &host_net);
	err = err ?: fr_kube_get_str(c, st, "phase", "status.phase", false, &phase);
	err = err ?: str_map(c, md, "labels", "metadata.labels", &labels);
	err = err ?: set_str(pod, "uid", uid);
	err = err ?: set_str(pod, "namespace", c->ns);
	err = err ?: set_str(pod, "name", c->name);
	err = err ?: set_str(pod, "node", node);
	/* a host-network pod's address is its node's, shared with every other
	 * such pod; a finished pod's address is free for the next one */
	if (!err && st && !host_net &&
	    !(phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))))
		err = pod_ips(c, st, pod);
	if (!err && host_net)
		err = json_object_set_new(pod, "host_network", json_true()) ? -ENOMEM : 0;
	err = err ?: fr_kube_workload(c, md, labels, owners, pod);
	if (!err && labels)
		err = json_object_set(pod, "labels", labels) ? -ENOMEM : 0;
	if (!err && st)
		err = pod_containers(c, st, pod);
	json_decref(labels);
	return err;
}

static int convert_service(struct fr_kube_conv *c, const json_t *obj, json_t *svc)
{
	const json_t *md, *spec = NULL, *arr = NULL, *p;
	json_t *ips = json_array(), *ports = json_array(), *sel = NULL;
	const char *ip = NULL;
	size_t i;
	int err = ips && ports ? meta(c, obj, true, &md) : -ENOMEM;

	err = err ?: fr_kube_get_obj(c, obj, "spec", "spec", &spec);
	err = err ?: fr_kube_get_arr(c, spec, "clusterIPs", "spec.clusterIPs", &arr);
	if (!err && arr && json_array_size(arr))
		err = collect_strs(c, arr, NULL, "spec.clusterIPs", ips);
	else if (!err)
		err = fr_kube_get_str(c, spec, "clusterIP", "spec.clusterIP", false, &ip);
	if (!err && ip && *ip)
		err = append(ips, json_string(ip));
	/* a headless service has the address "None" */
	for (i = 0; !err && i < json_array_size(ips); i++)
		if (!strcmp(json_string_value(json_array_get(ips, i)), "None"))
			json_array_remove(ips, i--);
	err = err ?: fr_kube_get_arr(c, spec, "ports", "spec.ports", &arr);
	json_array_foreach((json_t *)arr, i, p)
	{
		const json_t *tp;
		const char *proto = NULL, *name = NULL;
		json_int_t port = 0;
		json_t *o;

		if (err)
			break;
		if (!json_is_object(p)) {
			err = fr_kube_fail(c, "spec.ports[%zu] is not an object", i);
			break;
		}
		err = get_port(c, p, "port", "spec.ports[].port", &port);
		err = err
			      ?: fr_kube_get_str(c, p, "protocol", "spec.ports[].protocol", false,
						 &proto);
		err = err ?: fr_kube_get_str(c, p, "name", "spec.ports[].name", false, &name);
		if (err)
			break;
		tp = json_object_get(p, "targetPort");
		if (tp && !json_is_null(tp) && !json_is_integer(tp) &&
		    !(json_is_string(tp) && json_string_length(tp) <= FR_KUBE_STR_MAX)) {
			err = fr_kube_fail(c, "spec.ports[%zu].targetPort is not a port", i);
			break;
		}
		o = json_pack("{s:I,s:s}", "port", port, "protocol", proto ? proto : "TCP");
		err = o ? 0 : -ENOMEM;
		if (!err && tp && !json_is_null(tp))
			err = json_object_set_new(o, "target_port", json_deep_copy(tp)) ? -ENOMEM
											: 0;
		if (!err && name && *name)
			err = set_str(o, "name", name);
		err = err ?: append(ports, o);
	}
	err = err ?: str_map(c, spec, "selector", "spec.selector", &sel);
	err = err ?: set_str(svc, "namespace", c->ns);
	err = err ?: set_str(svc, "name", c->name);
	if (!err)
		err = json_object_set(svc, "cluster_ips", ips) ||
				      json_object_set(svc, "ports", ports)
			      ? -ENOMEM
			      : 0;
	if (!err && sel)
		err = json_object_set(svc, "selector", sel) ? -ENOMEM : 0;
	json_decref(ips);
	json_decref(ports);
	json_decref(sel);
	return err;
}

static int convert_node(struct fr_kube_conv *c, const json_t *obj, json_t *node)
{
	const json_t *md, *st = NULL, *addrs = NULL, *a;
	json_t *ips = json_array();
	size_t i;
	int err = ips ? meta(c, obj, false, &md) : -ENOMEM;

	err = err ?: fr_kube_get_obj(c, obj, "status", "status", &st);
	err = err ?: fr_kube_get_arr(c, st, "addresses", "status.addresses", &addrs);
	json_array_foreach((json_t *)addrs, i, a)
	{
		const char *type = NULL, *addr = NULL;

		if (err)
			break;
		if (!json_is_object(a)) {
			err = fr_kube_fail(c, "status.addresses[%zu] is not an object", i);
			break;
		}
		err = fr_kube_get_str(c, a, "type", "status.addresses[].type", false, &type);
		err = err
			      ?: fr_kube_get_str(c, a, "address", "status.addresses[].address",
						 false, &addr);
		/* addresses, not names (Hostname, InternalDNS) */
		if (!err && type && addr && *addr &&
		    (!strcmp(type, "InternalIP") || !strcmp(type, "ExternalIP")))
			err = append(ips, json_string(addr));
	}
	err = err ?: set_str(node, "name", c->name);
	if (!err)
		err = json_object_set(node, "ips", ips) ? -ENOMEM : 0;
	json_decref(ips);
	return err;
}

int fr_kube__convert(enum fr_kube_kind k, const json_t *obj, const struct fr_kube_owners *owners,
		     json_t **out, char *why, size_t why_len)
{
	struct fr_kube_conv c = {.why = why, .why_len = why_len};
	const json_t *md;
	json_t *o;
	int err;

	*out = NULL;
	if ((unsigned)k >= FR_KUBE_NCONTRACT)
		return -EINVAL;
	c.kind = kinds[k].kind;
	o = json_object();
	if (!o)
		return -ENOMEM;
	switch (k) {
	case FR_KUBE_POD:
		err = convert_pod(&c, obj, owners, o);
		break;
	case FR_KUBE_SERVICE:
		err = convert_service(&c, obj, o);
		break;
	case FR_KUBE_ENDPOINTSLICE:
		err = fr_kube_convert_slice(&c, obj, o);
		break;
	case FR_KUBE_NODE:
		err = convert_node(&c, obj, o);
		break;
	default:
		err = meta(&c, obj, false, &md);
		err = err ?: set_str(o, "name", c.name);
	}
	if (err == -ENOMEM && why_len)
		snprintf(why, why_len, "%s: out of memory", c.kind);
	if (err) {
		json_decref(o);
		return err;
	}
	*out = o;
	return 0;
}

int fr_kube__key(enum fr_kube_kind k, const json_t *c, char *key, size_t cap)
{
	const char *ns = json_string_value(json_object_get(c, "namespace"));
	const char *name = json_string_value(json_object_get(c, "name"));
	const char *uid = json_string_value(json_object_get(c, "uid"));
	int n;

	if (k == FR_KUBE_POD)
		n = snprintf(key, cap, "%s", uid && *uid ? uid : name ? name : "");
	else if (k == FR_KUBE_SERVICE || k == FR_KUBE_ENDPOINTSLICE)
		n = snprintf(key, cap, "%s/%s", ns ? ns : "", name ? name : "");
	else
		n = snprintf(key, cap, "%s", name ? name : "");
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}
