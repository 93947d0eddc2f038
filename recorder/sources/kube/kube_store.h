/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the kubernetes source knows of the cluster: per contract kind, each
 * object's contract JSON (format/meta/kubeobj.h) by identity, and the
 * owners that name workloads. The source's thread applies API events and
 * lists to it; the loop's thread reads a snapshot from it at each segment
 * start. A mutex guards it; the converting (the slow part) is done
 * outside it, so the loop waits at most for one map update.
 */
#ifndef FR_RECORDER_KUBE_STORE_H
#define FR_RECORDER_KUBE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "format/meta/kubeobj.h"

struct fr_kube_store;

/* Return: 0 or -ENOMEM. */
int fr_kube_store__new(struct fr_kube_store **out);

/* Accepts NULL. */
void fr_kube_store__free(struct fr_kube_store *s);

enum fr_kube_op { FR_KUBE_ADDED, FR_KUBE_MODIFIED, FR_KUBE_DELETED };

/*
 * Apply one watch event on an object of kind k (API shape). For a contract
 * kind whose description changed, *change is the META_CHANGE JSON to
 * write (the caller frees it); NULL when nothing the contract keeps
 * changed, or for an owner. Return: 0; -EBADMSG with the reason in why
 * (the object is skipped); -ENOMEM.
 */
int fr_kube_store__apply(struct fr_kube_store *s, enum fr_kube_kind k, enum fr_kube_op op,
			 const json_t *obj, char **change, char *why, size_t why_len);

/*
 * A (re)list of kind k, page by page: begin, add each page's items, then
 * commit replaces what the store held of k (owners: adds to them) and
 * marks k listed. Items of the wrong shape are skipped and counted in
 * *bad, the first reason kept in why. Return: 0 or -ENOMEM.
 */
int fr_kube_store__list_begin(struct fr_kube_store *s, enum fr_kube_kind k);
int fr_kube_store__list_add(struct fr_kube_store *s, enum fr_kube_kind k, const json_t *items,
			    size_t *bad, char *why, size_t why_len);
int fr_kube_store__list_commit(struct fr_kube_store *s, enum fr_kube_kind k);

/*
 * The META_SNAPSHOT of everything listed so far: a list for each contract
 * kind listed at least once ("pods_node": node when pods are only this
 * node's). *json is NULL when nothing was listed yet. The caller frees
 * it. Return: 0 or -ENOMEM.
 */
int fr_kube_store__snapshot(struct fr_kube_store *s, const char *node, bool pods_of_node_only,
			    char **json);

/* Objects held of kind k (contract kinds; owners: the owners table). */
size_t fr_kube_store__count(struct fr_kube_store *s, enum fr_kube_kind k);

#endif /* FR_RECORDER_KUBE_STORE_H */
