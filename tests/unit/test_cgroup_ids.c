/* SPDX-License-Identifier: BSD-2-Clause */
/* Container ids and pod uids in the cgroup paths each runtime and kubelet
 * driver writes (format/cgroup_ids.h): one row per real-looking path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "format/cgroup_ids.h"

#define CID "3f1c8b2e9a7d4c6b5e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"
#define UID "5b9a1f0e-7c2d-4e8a-9b61-0d3c2a4f8e17"
/* the same uid as systemd writes it in a slice name */
#define UID_	   "5b9a1f0e_7c2d_4e8a_9b61_0d3c2a4f8e17"
#define STATIC_UID "8f3e0b6c1d2a49e7b5c4a3f2e1d0c9b8"

struct row {
	const char *path, *cid, *uid, *runtime;
};

static const struct row rows[] = {
	/* containerd, systemd driver, cgroup v2 */
	{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	 ".slice/cri-containerd-" CID ".scope",
	 CID, UID, "containerd"},
	/* containerd, guaranteed QoS has no QoS slice */
	{"/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" CID ".scope", CID, UID,
	 "containerd"},
	/* containerd, cgroupfs driver (v1 and v2) */
	{"/kubepods/besteffort/pod" UID "/" CID, CID, UID, ""},
	{"/kubepods/pod" UID "/" CID, CID, UID, ""},
	/* containerd's systemd cgroupsPath, as in kind's nested cgroups */
	{"/system.slice/containerd.service/kubepods-besteffort-pod" UID_
	 ".slice:cri-containerd:" CID,
	 CID, UID, "containerd"},
	/* kind node inside a container: the kubelet's slices are prefixed */
	{"/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	 "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" CID ".scope",
	 CID, UID, "containerd"},
	/* CRI-O, systemd driver */
	{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/crio-" CID
	 ".scope",
	 CID, UID, "cri-o"},
	/* CRI-O's conmon: the pod's, not a container's */
	{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	 ".slice/crio-conmon-" CID ".scope",
	 "", UID, ""},
	/* CRI-O, cgroupfs driver */
	{"/kubepods/burstable/pod" UID "/crio-" CID, CID, UID, "cri-o"},
	/* Docker alone: cgroupfs v1, systemd v2 */
	{"/docker/" CID, CID, "", "docker"},
	{"/system.slice/docker-" CID ".scope", CID, "", "docker"},
	/* Docker under the kubelet (cri-dockerd), systemd driver */
	{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	 ".slice/docker-" CID ".scope",
	 CID, UID, "docker"},
	/* podman: root, rootless (v2 adds a "container" child), cgroupfs */
	{"/machine.slice/libpod-" CID ".scope", CID, "", "podman"},
	{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" CID ".scope/container",
	 CID, "", "podman"},
	{"/libpod_parent/libpod-" CID, CID, "", "podman"},
	{"/machine.slice/libpod-conmon-" CID ".scope", "", "", ""},
	/* podman pod: its slice is not a Kubernetes pod */
	{"/machine.slice/machine-libpod_pod_" CID ".slice/libpod-" CID ".scope", CID, "", "podman"},
	/* a static pod: its uid is the manifest's hash */
	{"/kubepods/burstable/pod" STATIC_UID "/" CID, CID, STATIC_UID, ""},
	/* the pod's own cgroup (the pause process's parent) */
	{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", "", UID,
	 ""},
	/* plain containerd (ctr), namespace "default" */
	{"/default/" CID, CID, "", ""},
	/* nothing */
	{"/user.slice/user-0.slice/session-1.scope", "", "", ""},
	{"/", "", "", ""},
	{"", "", "", ""},
	{"/system.slice/kubelet.service", "", "", ""},
	{"/docker/" CID "0", "", "", ""}, /* 65 digits */
	{"/docker/3F1C8B2E9A7D4C6B5E0F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F", "", "", ""},
	{"/kubepods/burstable/podnot-a-uid/x", "", "", ""},
	{"/kubepods.slice/kubepods-burstable-pod5b9a1f0e_7c2d_4e8a_9b61.slice", "", "", ""},
	{"/kubepods/pod5b9a1f0e-7c2d-4e8a-9b61-0d3c2a4f8e1g/", "", "", ""}, /* 'g' */
	{"/kubepods/pod5b9a1f0e-7c2d-4e8a9-b61-0d3c2a4f8e17/", "", "", ""}, /* dash moved */
	{"//::/:", "", "", ""},
};

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct fr_cgroup_ids ids;
		const int want = r->cid[0] || r->uid[0] ? 0 : -ENOENT;

		print_message("%s\n", r->path);
		assert_int_equal(fr_cgroup_ids__parse(r->path, &ids), want);
		assert_string_equal(ids.container_id, r->cid);
		assert_string_equal(ids.pod_uid, r->uid);
		assert_string_equal(ids.runtime, r->runtime);
	}
}

/* The innermost container wins; a NULL path is an error, not a crash. */
static void test_innermost_and_null(void **state)
{
	struct fr_cgroup_ids ids;

	assert_int_equal(fr_cgroup_ids__parse("/docker/" CID "/docker-" UID_ "/crio-"
					      "00000000000000000000000000000000000000000000000000"
					      "00000000000000.scope",
					      &ids),
			 0);
	assert_string_equal(ids.container_id,
			    "0000000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(ids.runtime, "cri-o");
	assert_int_equal(fr_cgroup_ids__parse(NULL, &ids), -EINVAL);
	assert_int_equal(fr_cgroup_ids__parse("/", NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_innermost_and_null),
	};

	return cmocka_run_group_tests_name("cgroup_ids", tests, NULL, NULL);
}
