/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host process table: pid, ppid, comm, exe, cgroup path and container id
 * (format/cgroup_ids.h), read from /proc and rendered as the JSON of
 * META_SNAPSHOT and META_CHANGE records.
 */
#ifndef FR_RECORDER_PROCTABLE_H
#define FR_RECORDER_PROCTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "format/cgroup_ids.h"

struct fr_process {
	uint32_t pid;
	uint32_t ppid;
	char comm[64];
	char exe[512];
	char cgroup[512];
	char container_id[FR_CONTAINER_ID_LEN + 1];
};

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
