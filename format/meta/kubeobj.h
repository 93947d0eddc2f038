/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kubernetes API objects to the metadata contract (docs/METADATA.md).
 *
 * The recorder's kubernetes source and `flightrec replay --kube-snapshot`
 * both read objects as the API server (or `kubectl get ... -o json`)
 * returns them: Pod, Service, EndpointSlice, Node, Namespace, and the
 * owners that name a pod's workload, ReplicaSet and Job. This library
 * keeps of each only the fields the analyzer uses and writes them in the
 * contract's shape (the "pod", "service", "endpointslice", "node" and
 * "namespace" objects of META_SNAPSHOT and META_CHANGE). A pod's workload
 * is its top owner: ReplicaSet -> Deployment and Job -> CronJob through a
 * table of the owners seen (struct fr_kube_owners), else its controller.
 *
 * Untrusted input: an object of the wrong shape (a field of the wrong
 * type, a missing name, a string over FR_KUBE_STR_MAX bytes, a list over
 * FR_KUBE_ITEMS_MAX entries) is refused with -EBADMSG and a reason that
 * names the object and the field; nothing here crashes, exits or prints.
 * Depends on libc and jansson only, so that the recorder and the analyzer
 * link it without depending on each other.
 */
#ifndef FR_FORMAT_META_KUBEOBJ_H
#define FR_FORMAT_META_KUBEOBJ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest string kept (names are at most 253 bytes, label values 63). */
#define FR_KUBE_STR_MAX 4096
/* Most entries in one list or map of one object (an EndpointSlice holds
 * at most 1000 endpoints). */
#define FR_KUBE_ITEMS_MAX 4096

/* The kinds read. The first FR_KUBE_NCONTRACT are contract types, in the
 * order of their snapshot lists; the rest only name workloads. */
enum fr_kube_kind {
	FR_KUBE_POD = 0,
	FR_KUBE_SERVICE,
	FR_KUBE_ENDPOINTSLICE,
	FR_KUBE_NODE,
	FR_KUBE_NAMESPACE,
	FR_KUBE_REPLICASET,
	FR_KUBE_JOB,
	FR_KUBE_NKINDS,
};
#define FR_KUBE_NCONTRACT 5

struct fr_kube_kind_info {
	const char *kind;     /* "Pod": the API's kind */
	const char *resource; /* "pods": the API's resource, and RBAC's */
	const char *path;     /* "/api/v1/pods": the cluster-wide collection */
	const char *type;     /* "pod": META_CHANGE's type; NULL for owners */
	const char *list;     /* "pods": META_SNAPSHOT's key; NULL for owners */
};

/* Return: the static description of k, or NULL when k is out of range. */
const struct fr_kube_kind_info *fr_kube__kind_info(enum fr_kube_kind k);

/* Return: the kind named `kind` ("Pod", "EndpointSlice", ...), or -ENOENT. */
int fr_kube__kind_of(const char *kind);

/*
 * The owners seen: ReplicaSets and Jobs by namespace and name, each with
 * its own controller (a Deployment, a CronJob) or none.
 */
struct fr_kube_owners;

/* Return: a new empty table, or NULL with errno set. */
struct fr_kube_owners *fr_kube_owners__new(void);

/* Accepts NULL. */
void fr_kube_owners__free(struct fr_kube_owners *o);

/*
 * Learn (or, when `deleted`, forget) the ReplicaSet or Job `obj` (API
 * shape). Return: 0; -EINVAL when k is not an owner kind; -EBADMSG with
 * the reason in why; -ENOMEM.
 */
int fr_kube_owners__learn(struct fr_kube_owners *o, enum fr_kube_kind k, const json_t *obj,
			  bool deleted, char *why, size_t why_len);

/* Return: how many owners the table holds. */
size_t fr_kube_owners__count(const struct fr_kube_owners *o);

/*
 * Convert the API object `obj` of contract kind k into a new contract
 * object in *out (the caller's reference). `owners` (may be NULL) names
 * pods' workloads. Return: 0; -EINVAL when k is not a contract kind;
 * -EBADMSG with "<Kind> <namespace/name>: <field> <problem>" in why;
 * -ENOMEM.
 */
int fr_kube__convert(enum fr_kube_kind k, const json_t *obj, const struct fr_kube_owners *owners,
		     json_t **out, char *why, size_t why_len);

/*
 * The identity of contract object `c` of kind k as the replay keys it
 * (pod: uid; service, endpointslice: namespace/name; node, namespace:
 * name), into key. Return: 0, or -ENAMETOOLONG when cap is too small.
 */
int fr_kube__key(enum fr_kube_kind k, const json_t *c, char *key, size_t cap);

struct fr_kube_snapshot_stats {
	size_t objects[FR_KUBE_NKINDS]; /* objects read, by kind */
	size_t other;			/* items of other kinds, ignored */
};

/*
 * A META_SNAPSHOT of source "kubernetes" from `kubectl get ... -o json`
 * output: one or several JSON documents in text, each a List (kind "List"
 * or "PodList", ...), or a single object. Owners are learned before pods
 * are converted, whatever the order. The snapshot holds a list for each
 * contract kind that the input holds at least one object of (a list
 * present is complete; one absent says nothing); `node`, when not NULL,
 * becomes its "node". On success *json is a NUL-terminated compact JSON
 * text the caller frees with free(); st (may be NULL) counts what was
 * read. Return: 0; -EBADMSG with "document N, items[M]: reason" in why;
 * -ENODATA when the text holds no document; -ENOMEM.
 */
int fr_kube__snapshot_from_text(const char *text, size_t len, const char *node, char **json,
				struct fr_kube_snapshot_stats *st, char *why, size_t why_len);

/* Largest --kube-snapshot file read (a list of 100 000 pods is a few
 * hundred MiB). */
#define FR_KUBE_FILE_MAX (1ull << 30)

/*
 * fr_kube__snapshot_from_text over the concatenated contents of n files
 * (each a regular file of at most FR_KUBE_FILE_MAX bytes). Return: as
 * fr_kube__snapshot_from_text, the reason prefixed by the file names; or
 * -errno when a file cannot be read ("PATH: reason" in why).
 */
int fr_kube__snapshot_from_files(const char *const *paths, size_t n, const char *node, char **json,
				 struct fr_kube_snapshot_stats *st, char *why, size_t why_len);

#endif /* FR_FORMAT_META_KUBEOBJ_H */
