/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * EndpointSlices: which addresses back a service's ports, ready or not.
 * Conditions follow the API's documented defaults: ready absent is true,
 * serving absent is ready, terminating absent is false.
 */
#include "format/meta/kubeobj_internal.h"

#include <errno.h>
#include <string.h>

static int slice_ports(struct fr_kube_conv *c, const json_t *obj, json_t *out)
{
	const json_t *arr, *p;
	json_t *ports = json_array();
	size_t i;
	int err = ports ? fr_kube_get_arr(c, obj, "ports", "ports", &arr) : -ENOMEM;

	json_array_foreach((json_t *)arr, i, p)
	{
		const char *name = NULL, *proto = NULL;
		const json_t *port;
		json_t *o;

		if (err)
			break;
		if (!json_is_object(p)) {
			err = fr_kube_fail(c, "ports[%zu] is not an object", i);
			break;
		}
		err = fr_kube_get_str(c, p, "name", "ports[].name", false, &name);
		err = err ?: fr_kube_get_str(c, p, "protocol", "ports[].protocol", false, &proto);
		port = json_object_get(p, "port");
		/* a slice's port may be unset: "all ports" (a selector-less service) */
		if (!err && port && !json_is_null(port) &&
		    (!json_is_integer(port) || json_integer_value(port) < 0 ||
		     json_integer_value(port) > 65535))
			err = fr_kube_fail(c, "ports[%zu].port is not a port number", i);
		if (err)
			break;
		o = json_pack("{s:s,s:I,s:s}", "name", name ? name : "", "port",
			      json_is_integer(port) ? json_integer_value(port) : 0, "protocol",
			      proto ? proto : "TCP");
		err = o && !json_array_append_new(ports, o) ? 0 : -ENOMEM;
	}
	if (!err && json_object_set(out, "ports", ports))
		err = -ENOMEM;
	json_decref(ports);
	return err;
}

static int one_endpoint(struct fr_kube_conv *c, const json_t *e, size_t i, json_t *eps)
{
	const json_t *addrs, *conds = NULL, *ref = NULL, *a;
	const char *node = NULL, *ref_kind = NULL, *uid = NULL;
	bool ready, serving, terminating;
	json_t *ips, *o;
	size_t j;
	int err;

	if (!json_is_object(e))
		return fr_kube_fail(c, "endpoints[%zu] is not an object", i);
	err = fr_kube_get_arr(c, e, "addresses", "endpoints[].addresses", &addrs);
	err = err ?: fr_kube_get_obj(c, e, "conditions", "endpoints[].conditions", &conds);
	err = err ?: fr_kube_get_obj(c, e, "targetRef", "endpoints[].targetRef", &ref);
	err = err ?: fr_kube_get_str(c, e, "nodeName", "endpoints[].nodeName", false, &node);
	err = err
		      ?: fr_kube_get_str(c, ref, "kind", "endpoints[].targetRef.kind", false,
					 &ref_kind);
	err = err ?: fr_kube_get_str(c, ref, "uid", "endpoints[].targetRef.uid", false, &uid);
	err = err
		      ?: fr_kube_get_bool(c, conds, "ready", "endpoints[].conditions.ready", true,
					  &ready);
	err = err
		      ?: fr_kube_get_bool(c, conds, "serving", "endpoints[].conditions.serving",
					  ready, &serving);
	err = err
		      ?: fr_kube_get_bool(c, conds, "terminating",
					  "endpoints[].conditions.terminating", false,
					  &terminating);
	if (err)
		return err;
	ips = json_array();
	json_array_foreach((json_t *)addrs, j, a)
	{
		if (!json_is_string(a) || json_string_length(a) > FR_KUBE_STR_MAX) {
			json_decref(ips);
			return fr_kube_fail(c, "endpoints[%zu].addresses[%zu] is not a string", i,
					    j);
		}
		if (!ips || json_array_append_new(ips, json_string(json_string_value(a))))
			err = -ENOMEM;
	}
	o = json_pack("{s:o,s:b,s:b,s:b}", "ips", ips, "ready", ready, "serving", serving,
		      "terminating", terminating);
	if (!o || err) {
		json_decref(o);
		return -ENOMEM;
	}
	if (ref_kind && !strcmp(ref_kind, "Pod") && uid && *uid)
		err = json_object_set_new(o, "pod_uid", json_string(uid)) ? -ENOMEM : 0;
	if (!err && node && *node)
		err = json_object_set_new(o, "node", json_string(node)) ? -ENOMEM : 0;
	if (!err && json_array_append_new(eps, o))
		return -ENOMEM;
	if (err)
		json_decref(o);
	return err;
}

int fr_kube_convert_slice(struct fr_kube_conv *c, const json_t *obj, json_t *out)
{
	const json_t *md = NULL, *labels = NULL, *arr = NULL, *e;
	const char *svc = NULL, *atype = NULL;
	json_t *eps = NULL;
	size_t i;
	int err;

	if (!json_is_object(obj))
		return fr_kube_fail(c, "not a JSON object");
	err = fr_kube_get_obj(c, obj, "metadata", "metadata", &md);
	if (!err && !md)
		err = fr_kube_fail(c, "metadata is missing");
	err = err ?: fr_kube_get_str(c, md, "namespace", "metadata.namespace", true, &c->ns);
	err = err ?: fr_kube_get_str(c, md, "name", "metadata.name", true, &c->name);
	err = err ?: fr_kube_get_obj(c, md, "labels", "metadata.labels", &labels);
	err = err
		      ?: fr_kube_get_str(c, labels, "kubernetes.io/service-name",
					 "metadata.labels[\"kubernetes.io/service-name\"]", false,
					 &svc);
	err = err ?: fr_kube_get_str(c, obj, "addressType", "addressType", false, &atype);
	err = err ?: fr_kube_get_arr(c, obj, "endpoints", "endpoints", &arr);
	if (err)
		return err;
	if (json_object_set_new(out, "namespace", json_string(c->ns)) ||
	    json_object_set_new(out, "name", json_string(c->name)) ||
	    (svc && json_object_set_new(out, "service", json_string(svc))) ||
	    json_object_set_new(out, "address_type", json_string(atype ? atype : "IPv4")))
		return -ENOMEM;
	err = slice_ports(c, obj, out);
	eps = err ? NULL : json_array();
	if (!err && !eps)
		err = -ENOMEM;
	json_array_foreach((json_t *)arr, i, e)
	{
		err = err ?: one_endpoint(c, e, i, eps);
	}
	if (!err && json_object_set(out, "endpoints", eps))
		err = -ENOMEM;
	json_decref(eps);
	return err;
}
