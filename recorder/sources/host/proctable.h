/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host process table: pid, ppid, comm, exe, cgroup path and container id
 * (from containerd, CRI-O and Docker cgroup paths), read from /proc and
 * rendered as the JSON of META_SNAPSHOT and META_CHANGE records.
 */
#ifndef FR_RECORDER_PROCTABLE_H
#define FR_RECORDER_PROCTABLE_H

#include <stddef.h>
#include <stdint.h>

#define FR_CONTAINER_ID_LEN 64

struct fr_process {
	uint32_t pid;
	uint32_t ppid;
	char comm[64];
	char exe[512];
	char cgroup[512];
	char container_id[FR_CONTAINER_ID_LEN + 1];
};

/*
 * Container id in a cgroup path: the last component that is 64 hex digits,
 * optionally as docker-<id>.scope, cri-containerd-<id>.scope,
 * crio-<id>.scope, libpod-<id>.scope or a bare <id> under /docker/ or
 * /kubepods/. Return: 0 with `out` filled, or -ENOENT.
 */
int fr_container_id__from_cgroup(const char *path, char out[FR_CONTAINER_ID_LEN + 1]);

/* Read one process from /proc. Return: 0, or -errno (-ENOENT: it is gone). */
int fr_process__read(uint32_t pid, struct fr_process *p);

/*
 * {"source":"host","host":..., "processes":[{pid,ppid,comm,exe,cgroup,container_id}...]}
 * Return: 0 and a malloc'ed string the caller frees, or -errno.
 */
int fr_proctable__snapshot_json(const char *host, char **out);

/* {"op":op,"type":"process","object":{...}}. Return: 0 and a malloc'ed string, or -errno. */
int fr_process__change_json(const char *op, const struct fr_process *p, char **out);

#endif /* FR_RECORDER_PROCTABLE_H */
