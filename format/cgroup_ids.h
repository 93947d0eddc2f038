/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Container id and Kubernetes pod uid in a cgroup path, as the container
 * runtimes and the kubelet name their cgroups (v1 and v2, cgroupfs and
 * systemd drivers). The recorder's process table and the analyzer's replay
 * both read paths with it, so a path means the same on both sides.
 *
 *   containerd  .../cri-containerd-<id>.scope, /kubepods/<qos>/pod<uid>/<id>,
 *               ...slice:cri-containerd:<id> (a systemd cgroupsPath)
 *   CRI-O       .../crio-<id>.scope (crio-conmon-<id>.scope is its monitor)
 *   Docker      /docker/<id>, /system.slice/docker-<id>.scope
 *   podman      .../libpod-<id>.scope[/container], /libpod_parent/libpod-<id>
 *   kubelet     pod<uid> (cgroupfs), kubepods-<qos>-pod<uid>.slice (systemd,
 *               which writes each '-' of the uid as '_')
 *
 * Pure string work: libc only, no allocation.
 */
#ifndef FR_FORMAT_CGROUP_IDS_H
#define FR_FORMAT_CGROUP_IDS_H

#define FR_CONTAINER_ID_LEN 64
#define FR_POD_UID_MAX	    36

struct fr_cgroup_ids {
	char container_id[FR_CONTAINER_ID_LEN + 1]; /* 64 lowercase hex digits, "" for none */
	char pod_uid[FR_POD_UID_MAX + 1];	    /* with its '-', "" for none */
	/* "containerd", "cri-o", "docker", "podman", or "" when a bare id
	 * does not say (a static string) */
	const char *runtime;
};

/*
 * Parse `path` (one cgroup path, as in /proc/PID/cgroup after the second
 * ':'). The innermost container and pod components win. A pod uid is a
 * UUID (8-4-4-4-12 hex) or, for static pods, 32 hex digits.
 * Return: 0 when a container id or a pod uid was found, else -ENOENT
 * (`out` is then all empty); -EINVAL for a NULL argument.
 */
int fr_cgroup_ids__parse(const char *path, struct fr_cgroup_ids *out);

#endif /* FR_FORMAT_CGROUP_IDS_H */
