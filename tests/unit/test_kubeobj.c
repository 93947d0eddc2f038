/* SPDX-License-Identifier: BSD-2-Clause */
/* Kubernetes API objects to the metadata contract (format/meta/kubeobj.h):
 * a kubectl List converts to exactly the documented snapshot, owners name
 * workloads whatever the order, and malformed objects are refused with a
 * reason that names the object and the field, never a crash. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format/meta/kubeobj.h"

#ifndef FR_KUBE_TEST_DIR
#error "FR_KUBE_TEST_DIR: the folder of the test's JSON files"
#endif

static json_t *load(const char *name)
{
	char path[4096];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", FR_KUBE_TEST_DIR, name);
	j = json_load_file(path, 0, &e);
	if (!j)
		fail_msg("%s: %s", path, e.text);
	return j;
}

static char *dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	assert_non_null(s);
	return s;
}

static void assert_json_equal(json_t *got, json_t *want)
{
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_INDENT(1) | JSON_SORT_KEYS);
		char *w = json_dumps(want, JSON_INDENT(1) | JSON_SORT_KEYS);

		print_error("got:\n%s\nwant:\n%s\n", g, w);
		free(g);
		free(w);
		fail();
	}
}

/* The List of a real-looking cluster gives the expected snapshot, with the
 * ReplicaSet and Job after their pods in the input. */
static void list_to_snapshot(void **state)
{
	json_t *in = load("cluster.json"), *want = load("cluster.expected.json"), *got;
	struct fr_kube_snapshot_stats st;
	char *text = dump(in), *json = NULL, why[512] = "";
	int err = fr_kube__snapshot_from_text(text, strlen(text), "node-a", &json, &st, why,
					      sizeof(why));

	assert_int_equal(err, 0);
	got = json_loads(json, 0, NULL);
	assert_json_equal(got, want);
	assert_int_equal(st.objects[FR_KUBE_POD], 5);
	assert_int_equal(st.objects[FR_KUBE_REPLICASET], 1);
	assert_int_equal(st.objects[FR_KUBE_JOB], 1);
	assert_int_equal(st.other, 1); /* the ConfigMap */
	json_decref(got);
	json_decref(in);
	json_decref(want);
	free(text);
	free(json);
}

/* Several documents (kubectl run twice into one file), and a PodList
 * whose items carry no kind (the API's own list). */
static void several_documents(void **state)
{
	const char text[] = "{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"a\","
			    "\"namespace\":\"n\","
			    "\"uid\":\"u1\"},\"status\":{\"podIP\":\"10.0.0.1\"}}]}\n"
			    "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"n\"}}  \n";
	char *json = NULL, why[256];
	json_t *got;

	assert_int_equal(fr_kube__snapshot_from_text(text, strlen(text), NULL, &json, NULL, why,
						     sizeof(why)),
			 0);
	got = json_loads(json, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(got, "pods"), 0), "uid")),
			    "u1");
	assert_int_equal(json_array_size(json_object_get(got, "namespaces")), 1);
	/* absent kinds say nothing: no empty lists */
	assert_null(json_object_get(got, "services"));
	assert_null(json_object_get(got, "node"));
	json_decref(got);
	free(json);
}

/* A pod whose ReplicaSet was not seen: the pod-template-hash names the
 * Deployment; a ReplicaSet without an owner names itself. */
static void owners_unknown_and_ownerless(void **state)
{
	json_t *pod = json_loads(
		"{\"metadata\":{\"name\":\"web-5f6d7-abc\",\"namespace\":\"n\",\"uid\":\"u\","
		"\"labels\":{\"pod-template-hash\":\"5f6d7\"},\"ownerReferences\":[{\"kind\":"
		"\"ReplicaSet\",\"name\":\"web-5f6d7\",\"controller\":true}]}}",
		0, NULL);
	json_t *rs =
		json_loads("{\"metadata\":{\"name\":\"web-5f6d7\",\"namespace\":\"n\"}}", 0, NULL);
	struct fr_kube_owners *o = fr_kube_owners__new();
	char why[256];
	json_t *c;

	assert_int_equal(fr_kube__convert(FR_KUBE_POD, pod, o, &c, why, sizeof(why)), 0);
	assert_string_equal(json_string_value(json_object_get(c, "workload_kind")), "Deployment");
	assert_string_equal(json_string_value(json_object_get(c, "workload")), "web");
	json_decref(c);
	assert_int_equal(fr_kube_owners__learn(o, FR_KUBE_REPLICASET, rs, false, why, sizeof(why)),
			 0);
	assert_int_equal(fr_kube_owners__count(o), 1);
	assert_int_equal(fr_kube__convert(FR_KUBE_POD, pod, o, &c, why, sizeof(why)), 0);
	assert_string_equal(json_string_value(json_object_get(c, "workload_kind")), "ReplicaSet");
	assert_string_equal(json_string_value(json_object_get(c, "workload")), "web-5f6d7");
	json_decref(c);
	assert_int_equal(fr_kube_owners__learn(o, FR_KUBE_REPLICASET, rs, true, why, sizeof(why)),
			 0);
	assert_int_equal(fr_kube_owners__count(o), 0);
	assert_int_equal(fr_kube_owners__learn(o, FR_KUBE_POD, rs, false, why, sizeof(why)),
			 -EINVAL);
	fr_kube_owners__free(o);
	json_decref(pod);
	json_decref(rs);
}

struct bad_case {
	enum fr_kube_kind kind;
	const char *json;
	const char *reason; /* a substring of the message */
};

static const struct bad_case bad_cases[] = {
	{FR_KUBE_POD, "[]", "Pod (no name): not a JSON object"},
	{FR_KUBE_POD, "{}", "metadata is missing"},
	{FR_KUBE_POD, "{\"metadata\":7}", "metadata is not an object"},
	{FR_KUBE_POD, "{\"metadata\":{\"name\":\"a\"}}", "metadata.namespace is missing"},
	{FR_KUBE_POD, "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"}}",
	 "Pod n/a: metadata.uid is missing"},
	{FR_KUBE_POD, "{\"metadata\":{\"name\":5,\"namespace\":\"n\"}}",
	 "metadata.name is not a string"},
	{FR_KUBE_POD, "{\"metadata\":{\"name\":\"\",\"namespace\":\"n\"}}",
	 "metadata.name is empty"},
	{FR_KUBE_POD,
	 "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"u\",\"labels\":[]}}",
	 "metadata.labels is not an object"},
	{FR_KUBE_POD,
	 "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"u\",\"labels\":{\"x\":1}}}",
	 "metadata.labels[\"x\"] is not a string"},
	{FR_KUBE_POD,
	 "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"u\"},\"status\":{\"podIPs\":"
	 "{}}}",
	 "status.podIPs is not an array"},
	{FR_KUBE_POD,
	 "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"u\"},\"status\":{\"podIPs\":"
	 "[{\"ip\":false}]}}",
	 "status.podIPs is not a string"},
	{FR_KUBE_POD,
	 "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"u\"},\"status\":{"
	 "\"containerStatuses\":[3]}}",
	 "status.containerStatuses[0] is not an object"},
	{FR_KUBE_POD,
	 "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"u\",\"ownerReferences\":"
	 "[{\"controller\":true,\"kind\":\"ReplicaSet\"}]}}",
	 "metadata.ownerReferences[].name is missing"},
	{FR_KUBE_POD,
	 "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"u\"},\"spec\":{"
	 "\"hostNetwork\":\"yes\"}}",
	 "spec.hostNetwork is not a boolean"},
	{FR_KUBE_SERVICE,
	 "{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},\"spec\":{\"ports\":[{\"port\":70000}]"
	 "}}",
	 "Service n/s: spec.ports[].port is not a port number"},
	{FR_KUBE_SERVICE,
	 "{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},\"spec\":{\"clusterIPs\":[1]}}",
	 "spec.clusterIPs[0] is not a string"},
	{FR_KUBE_SERVICE,
	 "{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},\"spec\":{\"ports\":[{\"port\":1,"
	 "\"targetPort\":[]}]}}",
	 "spec.ports[0].targetPort is not a port"},
	{FR_KUBE_ENDPOINTSLICE,
	 "{\"metadata\":{\"name\":\"e\",\"namespace\":\"n\"},\"endpoints\":[{\"addresses\":[\"x\"],"
	 "\"conditions\":{\"ready\":\"true\"}}]}",
	 "EndpointSlice n/e: endpoints[].conditions.ready is not a boolean"},
	{FR_KUBE_ENDPOINTSLICE,
	 "{\"metadata\":{\"name\":\"e\",\"namespace\":\"n\"},\"endpoints\":[{\"addresses\":[7]}]}",
	 "endpoints[0].addresses[0] is not a string"},
	{FR_KUBE_ENDPOINTSLICE,
	 "{\"metadata\":{\"name\":\"e\",\"namespace\":\"n\"},\"ports\":[{\"port\":\"80\"}]}",
	 "ports[0].port is not a port number"},
	{FR_KUBE_NODE, "{\"metadata\":{\"name\":\"a\"},\"status\":{\"addresses\":[\"1.2.3.4\"]}}",
	 "Node a: status.addresses[0] is not an object"},
	{FR_KUBE_NAMESPACE, "{\"metadata\":{}}", "metadata.name is missing"},
};

static void malformed_objects(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		json_t *o = json_loads(b->json, JSON_DECODE_ANY, NULL), *c = (json_t *)1;
		char why[512] = "";
		int err;

		assert_non_null(o);
		err = fr_kube__convert(b->kind, o, NULL, &c, why, sizeof(why));
		if (err != -EBADMSG || !strstr(why, b->reason))
			fail_msg("case %zu: err %d, why '%s', want '%s'", i, err, why, b->reason);
		assert_null(c);
		json_decref(o);
	}
}

/* Strings over FR_KUBE_STR_MAX and lists over FR_KUBE_ITEMS_MAX are
 * refused; the message is bounded, not the string. */
static void huge_strings_and_lists(void **state)
{
	char *big = malloc(1u << 20);
	char why[300];
	json_t *o, *c = NULL, *ips = json_array();

	memset(big, 'x', (1u << 20) - 1);
	big[(1u << 20) - 1] = '\0';
	o = json_pack("{s:{s:s,s:s,s:s}}", "metadata", "name", big, "namespace", "n", "uid", "u");
	assert_int_equal(fr_kube__convert(FR_KUBE_POD, o, NULL, &c, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "metadata.name is longer than 4096 bytes"));
	json_decref(o);
	o = json_pack("{s:{s:s,s:s,s:s,s:{s:s}}}", "metadata", "name", "a", "namespace", "n", "uid",
		      "u", "labels", "app", big);
	assert_int_equal(fr_kube__convert(FR_KUBE_POD, o, NULL, &c, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "is longer than"));
	json_decref(o);
	for (int i = 0; i <= FR_KUBE_ITEMS_MAX; i++)
		json_array_append_new(ips, json_string("10.0.0.1"));
	o = json_pack("{s:{s:s,s:s},s:{s:o}}", "metadata", "name", "s", "namespace", "n", "spec",
		      "clusterIPs", ips);
	assert_int_equal(fr_kube__convert(FR_KUBE_SERVICE, o, NULL, &c, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "spec.clusterIPs has more than 4096 entries"));
	json_decref(o);
	/* a tiny message buffer truncates, and a zero-sized one is not written */
	o = json_pack("{}");
	assert_int_equal(fr_kube__convert(FR_KUBE_NODE, o, NULL, &c, why, 4), -EBADMSG);
	assert_int_equal(strlen(why), 3);
	assert_int_equal(fr_kube__convert(FR_KUBE_NODE, o, NULL, &c, NULL, 0), -EBADMSG);
	assert_int_equal(fr_kube__convert(FR_KUBE_REPLICASET, o, NULL, &c, why, sizeof(why)),
			 -EINVAL);
	json_decref(o);
	free(big);
}

static void bad_texts(void **state)
{
	static const struct {
		const char *text, *reason;
		int err;
	} cases[] = {
		{"", "no JSON document", -ENODATA},
		{"  \n", "no JSON document", -ENODATA},
		{"{\"kind\":\"List\",\"items\":[", "document 1: not JSON", -EBADMSG},
		{"{\"kind\":\"List\"}", "document 1: a List without an items array", -EBADMSG},
		{"[1]", "document 1: not a JSON object", -EBADMSG},
		{"{\"kind\":\"List\",\"items\":[]} 7", "document 2: not JSON", -EBADMSG},
		{"{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}]}",
		 "document 1, items[0]: Pod (no name): metadata.namespace is missing", -EBADMSG},
		{"{\"kind\":\"List\",\"items\":[{\"kind\":\"Job\",\"metadata\":{\"name\":\"a\","
		 "\"namespace\":\"n\",\"ownerReferences\":7}}]}",
		 "items[0]: Job n/a: metadata.ownerReferences is not an array", -EBADMSG},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *json = (char *)1, why[512] = "";
		const int err = fr_kube__snapshot_from_text(cases[i].text, strlen(cases[i].text),
							    NULL, &json, NULL, why, sizeof(why));

		if (err != cases[i].err || !strstr(why, cases[i].reason))
			fail_msg("case %zu: err %d, why '%s'", i, err, why);
		assert_null(json);
	}
}

/* Every prefix of a real List fails cleanly or converts; none crashes. */
static void truncated_lists(void **state)
{
	json_t *in = load("cluster.json");
	char *text = dump(in);
	const size_t n = strlen(text);

	for (size_t len = 0; len < n; len += 7) {
		char *json = NULL, why[512];
		const int err =
			fr_kube__snapshot_from_text(text, len, NULL, &json, NULL, why, sizeof(why));

		assert_true(err == -EBADMSG || err == -ENODATA);
		assert_null(json);
	}
	free(text);
	json_decref(in);
}

static void kinds_and_keys(void **state)
{
	json_t *pod = json_pack("{s:s,s:s}", "uid", "u1", "name", "p");
	json_t *svc = json_pack("{s:s,s:s}", "namespace", "n", "name", "s");
	char key[8];

	assert_int_equal(fr_kube__kind_of("EndpointSlice"), FR_KUBE_ENDPOINTSLICE);
	assert_int_equal(fr_kube__kind_of("Deployment"), -ENOENT);
	assert_int_equal(fr_kube__kind_of(NULL), -ENOENT);
	assert_null(fr_kube__kind_info(FR_KUBE_NKINDS));
	assert_string_equal(fr_kube__kind_info(FR_KUBE_JOB)->path, "/apis/batch/v1/jobs");
	assert_null(fr_kube__kind_info(FR_KUBE_JOB)->type);
	assert_int_equal(fr_kube__key(FR_KUBE_POD, pod, key, sizeof(key)), 0);
	assert_string_equal(key, "u1");
	assert_int_equal(fr_kube__key(FR_KUBE_SERVICE, svc, key, sizeof(key)), 0);
	assert_string_equal(key, "n/s");
	assert_int_equal(fr_kube__key(FR_KUBE_SERVICE, svc, key, 3), -ENAMETOOLONG);
	json_decref(pod);
	json_decref(svc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_to_snapshot),
		cmocka_unit_test(several_documents),
		cmocka_unit_test(owners_unknown_and_ownerless),
		cmocka_unit_test(malformed_objects),
		cmocka_unit_test(huge_strings_and_lists),
		cmocka_unit_test(bad_texts),
		cmocka_unit_test(truncated_lists),
		cmocka_unit_test(kinds_and_keys),
	};

	return cmocka_run_group_tests_name("kubeobj", tests, NULL, NULL);
}
