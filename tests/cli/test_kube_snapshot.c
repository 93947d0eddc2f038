/* SPDX-License-Identifier: BSD-2-Clause */
/* `flightrec replay --kube-snapshot FILE`: the tables hold what the kubectl
 * output says, valid from the recording's start; a bad file stops the
 * replay before anything is written, naming the file, item and field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/kinds.h"
#include "format/writer.h"
#include "run_cmd.h"
#include "seg_helpers.h"

#define WALL0 1795000000000000000ll /* the segment's clock pair: boot 1 s */

static const char *flightrec, *cluster;
static char *dir;
static char seg[512], db[512];
static struct cmd_result res;

static int setup(void **state)
{
	const struct fr_writer_opts o = {.host = "node-a",
					 .boot_id = "b00t",
					 .kernel = "6.18-test",
					 .boot_ns = 1000000000ull,
					 .wall_ns = (uint64_t)WALL0,
					 .block_size = 64};
	static const char host[] =
		"{\"source\":\"host\",\"processes\":[{\"pid\":1,\"comm\":\"init\"}]}";
	struct fr_writer *w;

	dir = test_tmpdir();
	snprintf(seg, sizeof(seg), "%s/seg-00000001.frseg", dir);
	snprintf(db, sizeof(db), "%s/out.db", dir);
	assert_int_equal(fr_writer__open(seg, &o, &w), 0);
	/* the host snapshot 2 s after the segment's start */
	assert_int_equal(
		fr_writer__append(w, FR_KIND_META_SNAPSHOT, 3000000000ull, host, sizeof(host) - 1),
		0);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
	return 0;
}

static int teardown(void **state)
{
	test_rmdir(dir);
	return 0;
}

/* Every row of `sql` as "a|b|c" lines, sorted by the query. */
static char *rows(const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	size_t len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *v = sqlite3_column_text(st, i);

			fprintf(f, "%s%s", i ? "|" : "", v ? (const char *)v : "");
		}
		fputc('\n', f);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	fclose(f);
	return text;
}

static void assert_rows(const char *sql, const char *want)
{
	char *got = rows(sql);

	if (strcmp(got, want))
		fail_msg("%s\ngot:\n%swant:\n%s", sql, got, want);
	free(got);
}

static void replayed_tables(void **state)
{
	const char *argv[] = {flightrec, "replay", "--kube-snapshot", cluster, "-o", db, seg, NULL};
	char sql[256];

	cmd_run(argv, &res);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.err, "--kube-snapshot: 5 pods, 2 services, 1 endpoint slices"));
	assert_rows("SELECT uid, namespace, name, node, workload_kind, workload, labels "
		    "FROM meta_pod ORDER BY uid",
		    "0f1e2d3c-aaaa-4bbb-8ccc-000000000001|shop|cart-7d9f8b6c5-x2xkq|node-a|"
		    "Deployment|cart|{\"app\":\"cart\",\"pod-template-hash\":\"7d9f8b6c5\"}\n"
		    "pod-db-0|shop|db-0|node-a|StatefulSet|db|{\"app\":\"db\"}\n"
		    "pod-debug|default|debug|node-a|||\n"
		    "pod-pending|default|pending||||\n"
		    "pod-report|shop|report-29480160-abcde|node-b|CronJob|report|\n");
	/* the host-network pod's address is the node's, the finished pod's is free */
	assert_rows("SELECT ip, uid FROM meta_pod_ip ORDER BY ip",
		    "10.0.1.7|0f1e2d3c-aaaa-4bbb-8ccc-000000000001\n"
		    "10.0.1.9|pod-db-0\n"
		    "fd00::7|0f1e2d3c-aaaa-4bbb-8ccc-000000000001\n");
	assert_rows("SELECT container_id, uid, name FROM meta_pod_container ORDER BY container_id",
		    "11aa22bb|0f1e2d3c-aaaa-4bbb-8ccc-000000000001|migrate\n"
		    "8c3f0e6b9a1d|0f1e2d3c-aaaa-4bbb-8ccc-000000000001|cart\n");
	assert_rows("SELECT namespace, name, cluster_ips, ports, selector FROM meta_service "
		    "ORDER BY name",
		    "shop|cart|[\"10.96.0.11\"]|[{\"name\":\"http\",\"port\":8080,\"protocol\":"
		    "\"TCP\",\"target_port\":8080},{\"name\":\"admin\",\"port\":9090,\"protocol\":"
		    "\"TCP\",\"target_port\":\"admin\"}]|{\"app\":\"cart\"}\n"
		    "shop|db|[]|[{\"port\":5432,\"protocol\":\"TCP\"}]|{\"app\":\"db\"}\n");
	assert_rows("SELECT ip, namespace, name FROM meta_service_ip", "10.96.0.11|shop|cart\n");
	assert_rows("SELECT name, ips FROM meta_node", "node-a|[\"192.168.10.11\"]\n");
	assert_rows("SELECT ip, name FROM meta_node_ip", "192.168.10.11|node-a\n");
	assert_rows("SELECT name FROM meta_namespace", "shop\n");
	/* valid from the recording's start (the segment's clock pair), before
	 * the host's first record, to the end */
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM (SELECT valid_from, valid_to FROM meta_pod UNION ALL "
		 "SELECT valid_from, valid_to FROM meta_service UNION ALL SELECT valid_from, "
		 "valid_to FROM meta_namespace) WHERE valid_from = %lld AND valid_to = %lld",
		 WALL0, 9223372036854775807ll);
	assert_rows(sql, "8\n");
	/* the process table of the segment is replayed too */
	assert_rows("SELECT pid, comm FROM meta_process", "1|init\n");
}

static void bad_files(void **state)
{
	static const char text[] = "{\"kind\":\"List\",\"items\":[{\"kind\":\"Service\","
				   "\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},"
				   "\"spec\":{\"ports\":[{\"port\":\"http\"}]}}]}";
	char bad[600], missing[600];
	const char *argv[] = {flightrec, "replay", "--kube-snapshot", bad, "-o", db, seg, NULL};

	snprintf(bad, sizeof(bad), "%s/bad.json", dir);
	snprintf(missing, sizeof(missing), "%s/missing.json", dir);
	test_spit(bad, (const uint8_t *)text, sizeof(text) - 1);
	cmd_run(argv, &res);
	assert_int_equal(res.status, 1);
	assert_non_null(strstr(res.err, "bad.json: document 1, items[0]: Service n/s: "
					"spec.ports[].port is not a port number"));
	assert_int_equal(access(db, F_OK), -1);
	argv[3] = missing;
	cmd_run(argv, &res);
	assert_int_equal(res.status, 1);
	assert_non_null(strstr(res.err, "missing.json: No such file or directory"));
	argv[3] = dir;
	cmd_run(argv, &res);
	assert_int_equal(res.status, 1);
	assert_non_null(strstr(res.err, "not a regular file"));
	assert_int_equal(access(db, F_OK), -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replayed_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_files, setup, teardown),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: test_kube_snapshot PATH-TO-flightrec CLUSTER.json\n");
		return 2;
	}
	flightrec = argv[1];
	cluster = argv[2];
	return cmocka_run_group_tests_name("kube_snapshot", tests, NULL, NULL);
}
