/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Every object is keyed (pod: uid; service: namespace/name; node, namespace:
 * name; process: node/pid) and holds one open interval. An add or update
 * that changes the object closes the interval and opens a new one; an equal
 * object changes nothing, so several recorders reporting the same cluster
 * do not split intervals. A snapshot closes every object of the types it
 * lists (processes: of its node) that it does not contain.
 */
#include "analyzer/replay/meta.h"
#include "analyzer/db/db.h"
#include "format/cgroup_ids.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN_END INT64_MAX
#define NTYPES	 6

/* In the order of the T_* types. */
static const char *const type_names[NTYPES] = {"pod",  "service",   "process",
					       "node", "namespace", "endpointslice"};
static const char *const list_names[NTYPES] = {"pods",	"services",   "processes",
					       "nodes", "namespaces", "endpointslices"};

enum { T_POD, T_SVC, T_PROC, T_NODE, T_NS, T_SLICE };

enum {
	S_POD,
	S_POD_IP,
	S_POD_CTR,
	S_SVC,
	S_SVC_IP,
	S_PROC,
	S_NODE,
	S_NODE_IP,
	S_NS,
	S_SLICE,
	S_ENDPOINT,
	S_ERR,
	S_N
};

static const char *const stmt_sql[S_N] = {
	"INSERT INTO meta_pod VALUES (?,?,?,?,?,?,?,?,?)",
	"INSERT INTO meta_pod_ip VALUES (?,?,?,?)",
	"INSERT INTO meta_pod_container VALUES (?,?,?,?,?)",
	"INSERT INTO meta_service VALUES (?,?,?,?,?,?,?)",
	"INSERT INTO meta_service_ip VALUES (?,?,?,?,?)",
	"INSERT INTO meta_process VALUES (?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO meta_node VALUES (?,?,?,?)",
	"INSERT INTO meta_node_ip VALUES (?,?,?,?)",
	"INSERT INTO meta_namespace VALUES (?,?,?)",
	"INSERT INTO meta_endpointslice VALUES (?,?,?,?,?,?,?)",
	"INSERT INTO meta_endpoint VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	/* parenthesized: one element, though its literal is split */
	("INSERT INTO replay_errors SELECT path, ?, 'Bad message', ? FROM segments "
	 "WHERE segment = ?"),
};

struct meta {
	sqlite3 *db;
	sqlite3_stmt *st[S_N];
	json_t *cur; /* key -> {"type", "from", "obj", "node"} */
	int ignore_errors;
};

static int type_of(const char *name)
{
	for (int i = 0; i < NTYPES; i++)
		if (name && !strcmp(name, type_names[i]))
			return i;
	return -1;
}

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* "containerd://abc" and "abc" name the same container. */
static const char *bare_container_id(const char *id)
{
	const char *p = strstr(id, "://");

	return p ? p + 3 : id;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_json(sqlite3_stmt *st, int i, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;

	bind_text(st, i, s);
	free(s);
}

static int run(struct meta *m, int s)
{
	const int rc = sqlite3_step(m->st[s]);

	sqlite3_reset(m->st[s]);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "flightrec: replay: metadata tables: %s\n", sqlite3_errmsg(m->db));
		return -EIO;
	}
	return 0;
}

/* Insert into a table whose last two columns are valid_from, valid_to. */
static int run_interval(struct meta *m, int s, int ncols, int64_t from, int64_t to)
{
	sqlite3_bind_int64(m->st[s], ncols - 1, from);
	sqlite3_bind_int64(m->st[s], ncols, to);
	return run(m, s);
}

static int write_ips(struct meta *m, int s, json_t *ips, const char *owner, const char *owner2,
		     int64_t from, int64_t to)
{
	size_t i;
	json_t *ip;
	int err = 0;

	json_array_foreach(ips, i, ip)
	{
		if (!json_is_string(ip) || err)
			continue;
		bind_text(m->st[s], 1, json_string_value(ip));
		bind_text(m->st[s], 2, owner);
		if (owner2)
			bind_text(m->st[s], 3, owner2);
		err = run_interval(m, s, owner2 ? 5 : 4, from, to);
	}
	return err;
}

static int write_pod(struct meta *m, json_t *o, int64_t from, int64_t to)
{
	const char *uid = str(o, "uid");
	json_t *c;
	size_t i;
	int err;

	bind_text(m->st[S_POD], 1, uid);
	bind_text(m->st[S_POD], 2, str(o, "namespace"));
	bind_text(m->st[S_POD], 3, str(o, "name"));
	bind_text(m->st[S_POD], 4, str(o, "node"));
	bind_text(m->st[S_POD], 5, str(o, "workload_kind"));
	bind_text(m->st[S_POD], 6, str(o, "workload"));
	bind_json(m->st[S_POD], 7, json_object_get(o, "labels"));
	err = run_interval(m, S_POD, 9, from, to);
	if (!err)
		err = write_ips(m, S_POD_IP, json_object_get(o, "ips"), uid, NULL, from, to);
	json_array_foreach(json_object_get(o, "containers"), i, c)
	{
		if (err || !*str(c, "id"))
			continue;
		bind_text(m->st[S_POD_CTR], 1, bare_container_id(str(c, "id")));
		bind_text(m->st[S_POD_CTR], 2, uid);
		bind_text(m->st[S_POD_CTR], 3, str(c, "name"));
		err = run_interval(m, S_POD_CTR, 5, from, to);
	}
	return err;
}

/* The container id and pod uid of a process come from its cgroup path
 * when the record does not name them (format/cgroup_ids.h). */
static int write_process(struct meta *m, json_t *o, const char *node, int64_t from, int64_t to)
{
	sqlite3_stmt *st = m->st[S_PROC];
	const char *cid = bare_container_id(str(o, "container_id"));
	struct fr_cgroup_ids ids;
	const int parsed = !fr_cgroup_ids__parse(str(o, "cgroup"), &ids);

	bind_text(st, 1, node);
	sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(o, "pid")));
	sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(o, "ppid")));
	bind_text(st, 4, str(o, "comm"));
	bind_text(st, 5, str(o, "exe"));
	bind_text(st, 6, str(o, "cgroup"));
	bind_text(st, 7, *cid || !parsed ? cid : ids.container_id);
	bind_text(st, 8, parsed ? ids.pod_uid : NULL);
	return run_interval(m, S_PROC, 10, from, to);
}

/* A condition of an endpoint: absent (or null) is `dflt`. */
static int cond(json_t *ep, const char *key, int dflt)
{
	json_t *v = json_object_get(ep, key);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* One meta_endpoint row per address and port of each endpoint; a slice
 * without ports gives rows with port NULL (Kubernetes: no ports defined). */
static int write_endpoints(struct meta *m, json_t *o, int64_t from, int64_t to)
{
	sqlite3_stmt *st = m->st[S_ENDPOINT];
	json_t *ports = json_object_get(o, "ports"), *ep, *ip, *port;
	const size_t nports = json_array_size(ports);
	size_t i, j;
	int err = 0;

	json_array_foreach(json_object_get(o, "endpoints"), i, ep)
	{
		const int ready = cond(ep, "ready", 1);

		json_array_foreach(json_object_get(ep, "ips"), j, ip)
		{
			for (size_t k = 0; !err && json_is_string(ip) && k < (nports ? nports : 1);
			     k++) {
				json_t *pn;

				port = json_array_get(ports, k);
				pn = json_object_get(port, "port");
				bind_text(st, 1, str(o, "namespace"));
				bind_text(st, 2, str(o, "service"));
				bind_text(st, 3, str(o, "name"));
				bind_text(st, 4, json_string_value(ip));
				bind_text(st, 5, str(port, "name"));
				if (json_is_integer(pn))
					sqlite3_bind_int64(st, 6, json_integer_value(pn));
				else
					sqlite3_bind_null(st, 6);
				/* Kubernetes' default protocol */
				bind_text(st, 7,
					  !port			   ? NULL
					  : *str(port, "protocol") ? str(port, "protocol")
								   : "TCP");
				sqlite3_bind_int(st, 8, ready);
				sqlite3_bind_int(st, 9, cond(ep, "serving", ready));
				sqlite3_bind_int(st, 10, cond(ep, "terminating", 0));
				bind_text(st, 11, str(ep, "pod_uid"));
				bind_text(st, 12, str(ep, "node"));
				err = run_interval(m, S_ENDPOINT, 14, from, to);
			}
		}
	}
	return err;
}

static int write_slice(struct meta *m, json_t *o, int64_t from, int64_t to)
{
	sqlite3_stmt *st = m->st[S_SLICE];
	int err;

	bind_text(st, 1, str(o, "namespace"));
	bind_text(st, 2, str(o, "name"));
	bind_text(st, 3, str(o, "service"));
	bind_text(st, 4, str(o, "address_type"));
	bind_json(st, 5, json_object_get(o, "ports"));
	err = run_interval(m, S_SLICE, 7, from, to);
	return err ? err : write_endpoints(m, o, from, to);
}

static int write_row(struct meta *m, int type, json_t *o, const char *node, int64_t from,
		     int64_t to)
{
	sqlite3_stmt *st;
	int err;

	switch (type) {
	case T_POD:
		return write_pod(m, o, from, to);
	case T_SVC:
		st = m->st[S_SVC];
		bind_text(st, 1, str(o, "namespace"));
		bind_text(st, 2, str(o, "name"));
		bind_json(st, 3, json_object_get(o, "cluster_ips"));
		bind_json(st, 4, json_object_get(o, "ports"));
		bind_json(st, 5, json_object_get(o, "selector"));
		err = run_interval(m, S_SVC, 7, from, to);
		return err ? err
			   : write_ips(m, S_SVC_IP, json_object_get(o, "cluster_ips"),
				       str(o, "namespace"), str(o, "name"), from, to);
	case T_PROC:
		return write_process(m, o, node, from, to);
	case T_NODE:
		bind_text(m->st[S_NODE], 1, str(o, "name"));
		bind_json(m->st[S_NODE], 2, json_object_get(o, "ips"));
		err = run_interval(m, S_NODE, 4, from, to);
		return err ? err
			   : write_ips(m, S_NODE_IP, json_object_get(o, "ips"), str(o, "name"),
				       NULL, from, to);
	case T_NS:
		bind_text(m->st[S_NS], 1, str(o, "name"));
		return run_interval(m, S_NS, 3, from, to);
	default:
		return write_slice(m, o, from, to);
	}
}

static void key_of(int type, json_t *o, const char *node, char *key, size_t cap)
{
	switch (type) {
	case T_POD:
		snprintf(key, cap, "pod\x1f%s", *str(o, "uid") ? str(o, "uid") : str(o, "name"));
		break;
	case T_SVC:
	case T_SLICE:
		snprintf(key, cap, "%s\x1f%s/%s", type_names[type], str(o, "namespace"),
			 str(o, "name"));
		break;
	case T_PROC:
		snprintf(key, cap, "process\x1f%s\x1f%" JSON_INTEGER_FORMAT, node,
			 json_integer_value(json_object_get(o, "pid")));
		break;
	default:
		snprintf(key, cap, "%s\x1f%s", type_names[type], str(o, "name"));
	}
}

static int close_key(struct meta *m, const char *key, int64_t to)
{
	json_t *e = json_object_get(m->cur, key);
	int err;

	if (!e)
		return 0;
	err = write_row(m, (int)json_integer_value(json_object_get(e, "type")),
			json_object_get(e, "obj"), str(e, "node"),
			json_integer_value(json_object_get(e, "from")), to);
	json_object_del(m->cur, key);
	return err;
}

static int upsert(struct meta *m, int type, json_t *o, const char *node, int64_t ts)
{
	char key[512];
	json_t *e;
	int err;

	key_of(type, o, node, key, sizeof(key));
	e = json_object_get(m->cur, key);
	if (e && json_equal(json_object_get(e, "obj"), o))
		return 0;
	err = close_key(m, key, ts);
	if (err)
		return err;
	json_object_set_new(m->cur, key,
			    json_pack("{s:i,s:I,s:O,s:s}", "type", type, "from", (json_int_t)ts,
				      "obj", o, "node", node));
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Close every open object of `type` (processes: on `node`; pods: on
 * `pod_node` when it is set) not in `seen`, in key order; node NULL closes
 * everything at the end of the replay. */
static int close_missing(struct meta *m, int type, const char *node, const char *pod_node,
			 json_t *seen, int64_t ts)
{
	const size_t n = json_object_size(m->cur);
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *e;
	size_t nk = 0;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	json_object_foreach(m->cur, k, e)
	{
		if (type >= 0 && json_integer_value(json_object_get(e, "type")) != type)
			continue;
		if (type == T_PROC && node && strcmp(str(e, "node"), node))
			continue;
		if (type == T_POD && pod_node &&
		    strcmp(str(json_object_get(e, "obj"), "node"), pod_node))
			continue;
		if (!seen || !json_object_get(seen, k))
			keys[nk++] = strdup(k);
	}
	qsort(keys, nk, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < nk; i++) {
		if (!err && keys[i])
			err = close_key(m, keys[i], ts);
		free((void *)keys[i]);
	}
	free(keys);
	return err;
}

static int snapshot(struct meta *m, json_t *root, const char *node, int64_t ts)
{
	/* a recorder that lists only its node's pods (--kube-node) says so: its
	 * list closes no pod of another node */
	const char *pod_node = json_string_value(json_object_get(root, "pods_node"));

	for (int t = 0; t < NTYPES; t++) {
		json_t *list = json_object_get(root, list_names[t]), *o, *seen;
		char key[512];
		size_t i;
		int err = 0;

		if (!list)
			continue;
		if (!json_is_array(list))
			return -EBADMSG;
		seen = json_object();
		json_array_foreach(list, i, o)
		{
			if (!json_is_object(o))
				err = -EBADMSG;
			if (err)
				break;
			key_of(t, o, node, key, sizeof(key));
			json_object_set_new(seen, key, json_true());
			err = upsert(m, t, o, node, ts);
		}
		if (!err)
			err = close_missing(m, t, node, pod_node, seen, ts);
		json_decref(seen);
		if (err)
			return err;
	}
	return 0;
}

static int change(struct meta *m, json_t *root, const char *node, int64_t ts)
{
	const char *op = str(root, "op");
	const int t = type_of(json_string_value(json_object_get(root, "type")));
	json_t *o = json_object_get(root, "object");
	char key[512];

	if (!json_is_object(o) || !json_is_string(json_object_get(root, "type")))
		return -EBADMSG;
	if (t < 0)
		return 0; /* a type from a newer recorder: not modelled here */
	if (!strcmp(op, "add") || !strcmp(op, "update"))
		return upsert(m, t, o, node, ts);
	if (!strcmp(op, "delete")) {
		key_of(t, o, node, key, sizeof(key));
		return close_key(m, key, ts);
	}
	return -EBADMSG;
}

static int bad_record(struct meta *m, int64_t segment, int64_t seq, const char *why)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "metadata record %" PRId64 " of segment %" PRId64 ": %s", seq,
		 segment, why);
	fprintf(stderr, "flightrec: replay: %s%s\n", msg, m->ignore_errors ? " (skipped)" : "");
	if (!m->ignore_errors)
		return -EBADMSG;
	sqlite3_bind_int64(m->st[S_ERR], 1, seq);
	sqlite3_bind_text(m->st[S_ERR], 2, msg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(m->st[S_ERR], 3, segment);
	return run(m, S_ERR);
}

static int replay_records(struct meta *m)
{
	static const char sql[] =
		"SELECT r.ts, n.name, r.segment, r.seq, r.kind, r.json FROM meta_record r "
		"JOIN nodes n USING (node) ORDER BY r.ts, n.name, r.segment, r.seq";
	sqlite3_stmt *q;
	int rc, err = 0;

	if (fr_db__prepare(m->db, sql, &q, "meta_record"))
		return -EIO;
	while (!err && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const int64_t ts = sqlite3_column_int64(q, 0);
		const char *writer = (const char *)sqlite3_column_text(q, 1);
		const int is_snapshot =
			!strcmp((const char *)sqlite3_column_text(q, 4), "meta_snapshot");
		json_error_t jerr;
		json_t *root = json_loads((const char *)sqlite3_column_text(q, 5), 0, &jerr);
		char why[200];

		if (!json_is_object(root)) {
			snprintf(why, sizeof(why), "not a JSON object (%s at column %d)",
				 root ? "wrong type" : jerr.text, jerr.column);
			err = bad_record(m, sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3),
					 why);
			json_decref(root);
			continue;
		}
		/* objects belong to the writer's node unless the record names one */
		const char *node = json_is_string(json_object_get(root, "node"))
					   ? json_string_value(json_object_get(root, "node"))
					   : writer;

		err = is_snapshot ? snapshot(m, root, node, ts) : change(m, root, node, ts);
		if (err == -EBADMSG)
			err = bad_record(m, sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3),
					 "does not have the documented shape (docs/METADATA.md)");
		json_decref(root);
	}
	sqlite3_finalize(q);
	return err;
}

int fr_meta__build(sqlite3 *db, int ignore_errors)
{
	struct meta m = {.db = db, .ignore_errors = ignore_errors};
	int err = 0;

	m.cur = json_object();
	if (!m.cur)
		return -ENOMEM;
	for (int i = 0; i < S_N && !err; i++)
		err = fr_db__prepare(db, stmt_sql[i], &m.st[i], "metadata tables") ? -EIO : 0;
	if (!err)
		err = replay_records(&m);
	if (!err)
		err = close_missing(&m, -1, NULL, NULL, NULL, OPEN_END);
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(m.st[i]);
	json_decref(m.cur);
	return err;
}
