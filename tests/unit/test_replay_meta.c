/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Replay of metadata that needs more than the IP of a pod: two hostNetwork
 * pods share the node's IP and list no containers, so only the pod uid in
 * a process's cgroup path says whose it is (and the process's children
 * and cgroup mates inherit it); EndpointSlices become meta_endpointslice
 * and meta_endpoint intervals with Kubernetes' default conditions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "format/writer.h"
#include "replay_helpers.h"
#include "seg_helpers.h"

#define BOOT 1000000000ull
#define WALL 1768478400000000000ull
#define UA   "5b9a1f0e-7c2d-4e8a-9b61-0d3c2a4f8e17"
#define UA_  "5b9a1f0e_7c2d_4e8a_9b61_0d3c2a4f8e17"
#define UB   "0c4d2e6f-1a3b-4c5d-8e7f-9a0b1c2d3e4f"
/* a byte value of a string literal */
#define STR(s) ((struct fr_value){.p = (const uint8_t *)(s), .len = sizeof(s) - 1})
#define CID    "3f1c8b2e9a7d4c6b5e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"

static struct fr_value u(uint64_t x)
{
	return (struct fr_value){.u = x};
}

static void meta(struct fr_writer *w, unsigned kind, uint64_t ts, const char *json)
{
	assert_int_equal(fr_writer__append(w, kind, ts, json, strlen(json)), 0);
}

static void write_segment(const char *path)
{
	static const uint8_t node_ip[4] = {192, 168, 1, 5}, peer[4] = {10, 0, 0, 9};
	/* UB comes first: an IP lookup alone would name it */
	static const char pods[] =
		"{\"source\":\"kubernetes\",\"pods\":["
		"{\"uid\":\"" UB "\",\"namespace\":\"kube-system\",\"name\":\"proxy-b\","
		"\"ips\":[\"192.168.1.5\"],\"workload_kind\":\"DaemonSet\",\"workload\":\"proxy\","
		"\"labels\":{\"app\":\"proxy\"}},"
		"{\"uid\":\"" UA "\",\"namespace\":\"kube-system\",\"name\":\"agent-a\","
		"\"ips\":[\"192.168.1.5\"],\"workload_kind\":\"DaemonSet\",\"workload\":\"agent\","
		"\"labels\":{\"app\":\"agent\"}}],"
		"\"endpointslices\":[{\"namespace\":\"kube-system\",\"name\":\"agent-x1\","
		"\"service\":\"agent\",\"address_type\":\"IPv4\","
		"\"ports\":[{\"name\":\"metrics\",\"port\":9100,\"protocol\":\"TCP\"},"
		"{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"}],"
		"\"endpoints\":[{\"ips\":[\"192.168.1.5\"],\"pod_uid\":\"" UA "\",\"node\":\"n1\"},"
		"{\"ips\":[\"192.168.1.6\"],\"ready\":false}]}]}";
	/* no container_id: only the path names the container and the pod */
	static const char procs[] =
		"{\"source\":\"host\",\"processes\":[{\"pid\":200,\"comm\":\"agent\","
		"\"cgroup\":\"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UA_
		".slice/cri-containerd-" CID ".scope\"}]}";
	static const char slice_change[] =
		"{\"op\":\"update\",\"type\":\"endpointslice\",\"object\":{\"namespace\":"
		"\"kube-system\",\"name\":\"agent-x1\",\"service\":\"agent\",\"ports\":[],"
		"\"endpoints\":[{\"ips\":[\"192.168.1.5\"],\"ready\":false,\"serving\":true,"
		"\"terminating\":true,\"pod_uid\":\"" UA "\"}]}}";
	static const char slice_delete[] = "{\"op\":\"delete\",\"type\":\"endpointslice\","
					   "\"object\":{\"namespace\":\"kube-system\","
					   "\"name\":\"agent-x1\"}}";
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, &test_writer_opts, &w), 0);
	meta(w, FR_KIND_META_SNAPSHOT, BOOT, pods);
	meta(w, FR_KIND_META_SNAPSHOT, BOOT, procs);
	/* pid 200 (first seen here, cgroup 55) forks 300; 400 execs in cgroup 55 */
	assert_int_equal(fr_writer__append_event(
				 w, FR_KIND_SYSCALL, BOOT + 10,
				 (struct fr_value[]){u(200), u(200), u(0), u(50), u(0), u(0)}, 6),
			 0);
	assert_int_equal(fr_writer__append_event(
				 w, FR_KIND_PROC_FORK, BOOT + 20,
				 (struct fr_value[]){u(200), u(300), u(300), u(55), STR("agent")},
				 5),
			 0);
	assert_int_equal(
		fr_writer__append_event(w, FR_KIND_PROC_EXEC, BOOT + 30,
					(struct fr_value[]){u(400), u(400), u(1), u(0), u(55),
							    STR("helper"), STR("/bin/helper")},
					7),
		0);
	/* pid 200 connects from the shared node IP */
	assert_int_equal(
		fr_writer__append_event(
			w, FR_KIND_TCP_CONNECT, BOOT + 40,
			(struct fr_value[]){u(200), u(2), (struct fr_value){.p = node_ip, .len = 4},
					    (struct fr_value){.p = peer, .len = 4}, u(40000),
					    u(443), u(9), u(1000), u(0)},
			9),
		0);
	meta(w, FR_KIND_META_CHANGE, BOOT + 100, slice_change);
	meta(w, FR_KIND_META_CHANGE, BOOT + 200, slice_delete);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
}

static int64_t one(sqlite3 *db, const char *sql)
{
	return test_sql_int(db, sql);
}

static void test_pod_by_cgroup_path(void **state)
{
	sqlite3 *db;
	char *dir = test_replay_segment(write_segment, &db);

	assert_int_equal(one(db, "SELECT count(*) FROM meta_process WHERE pod_uid = '" UA
				 "' AND container_id = '" CID "'"),
			 1);
	/* 200 by its path, 300 by its parent, 400 by its cgroup id */
	assert_int_equal(one(db, "SELECT count(*) FROM proc_attr WHERE pod = 'agent-a' AND "
				 "namespace = 'kube-system' AND workload = 'agent' AND uid = '" UA
				 "' AND pid IN (200, 300, 400)"),
			 3);
	/* no pod names the container: its short id labels it */
	assert_int_equal(one(db, "SELECT count(*) FROM proc_attr WHERE container = '3f1c8b2e9a7d' "
				 "AND cgroup LIKE '%/cri-containerd-" CID ".scope'"),
			 3);
	/* the connection's local end is the process's pod, not the IP's */
	assert_int_equal(one(db, "SELECT count(*) FROM conn WHERE client_uid = '" UA "'"), 1);
	sqlite3_close(db);
	test_rmdir(dir);
}

static void test_endpoint_slices(void **state)
{
	const int64_t t0 = (int64_t)WALL, t1 = t0 + 100, t2 = t0 + 200;
	sqlite3 *db;
	char *dir = test_replay_segment(write_segment, &db);
	char sql[512];

	assert_int_equal(one(db, "SELECT count(*) FROM meta_endpointslice"), 2);
	/* 2 endpoints x 2 ports, then 1 endpoint without ports */
	assert_int_equal(one(db, "SELECT count(*) FROM meta_endpoint"), 5);
	/* absent conditions: ready, serving = ready, not terminating */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM meta_endpoint WHERE ip = '192.168.1.5' AND ready = 1 AND "
		 "serving = 1 AND terminating = 0 AND pod_uid = '" UA "' AND node = 'n1' AND "
		 "service = 'agent' AND slice = 'agent-x1' AND valid_from = %lld AND "
		 "valid_to = %lld AND ((port = 9100 AND protocol = 'TCP' AND port_name = "
		 "'metrics') OR (port = 53 AND protocol = 'UDP' AND port_name = 'dns'))",
		 (long long)t0, (long long)t1);
	assert_int_equal(one(db, sql), 2);
	assert_int_equal(one(db,
			     "SELECT count(*) FROM meta_endpoint WHERE ip = '192.168.1.6' AND "
			     "ready = 0 AND serving = 0 AND terminating = 0 AND pod_uid IS NULL"),
			 2);
	/* the change: no ports, terminating; the delete closes it */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM meta_endpoint WHERE port IS NULL AND protocol IS NULL AND "
		 "ready = 0 AND serving = 1 AND terminating = 1 AND valid_from = %lld AND "
		 "valid_to = %lld",
		 (long long)t1, (long long)t2);
	assert_int_equal(one(db, sql), 1);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM meta_endpointslice WHERE address_type IS NULL AND "
		 "ports = '[]' AND valid_to = %lld",
		 (long long)t2);
	assert_int_equal(one(db, sql), 1);
	sqlite3_close(db);
	test_rmdir(dir);
}

/* Recorders that list only their node's pods (--kube-node) say so with
 * "pods_node": n2's list must not close n1's pods. */
static void write_per_node_pods(const char *path)
{
	static const char n1_pods[] =
		"{\"source\":\"kubernetes\",\"pods_node\":\"n1\",\"pods\":[{\"uid\":\"p1\","
		"\"namespace\":\"shop\",\"name\":\"cart-1\",\"node\":\"n1\",\"ips\":[\"10.0.1.7\"]}"
		"]}";
	static const char n2_pods[] =
		"{\"source\":\"kubernetes\",\"pods_node\":\"n2\",\"pods\":[{\"uid\":\"p2\","
		"\"namespace\":\"shop\",\"name\":\"cart-2\",\"node\":\"n2\",\"ips\":[\"10.0.2.7\"]}"
		"]}";
	static const char n1_empty[] = "{\"source\":\"kubernetes\",\"pods_node\":\"n1\","
				       "\"pods\":[]}";
	struct fr_writer *w;

	assert_int_equal(fr_writer__open(path, &test_writer_opts, &w), 0);
	meta(w, FR_KIND_META_SNAPSHOT, BOOT, n1_pods);
	meta(w, FR_KIND_META_SNAPSHOT, BOOT + 100, n2_pods);
	meta(w, FR_KIND_META_SNAPSHOT, BOOT + 200, n1_empty);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
}

static void test_pods_per_node(void **state)
{
	const int64_t t0 = (int64_t)WALL;
	sqlite3 *db;
	char *dir = test_replay_segment(write_per_node_pods, &db);
	char sql[256];

	/* p1 lives until n1's own list drops it, not until n2's list */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM meta_pod WHERE uid = 'p1' AND valid_from = %lld AND "
		 "valid_to = %lld",
		 (long long)t0, (long long)t0 + 200);
	assert_int_equal(one(db, sql), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM meta_pod WHERE uid = 'p2' AND "
				 "valid_to = 9223372036854775807"),
			 1);
	sqlite3_close(db);
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_by_cgroup_path),
		cmocka_unit_test(test_endpoint_slices),
		cmocka_unit_test(test_pods_per_node),
	};

	return cmocka_run_group_tests_name("replay_meta", tests, NULL, NULL);
}
