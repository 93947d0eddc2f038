/* SPDX-License-Identifier: BSD-2-Clause */
#include "proctable.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_small_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (int)n;
}

/* The unified (v2) path when there is one, else the first non-root v1 path. */
static void read_cgroup(uint32_t pid, struct fr_process *p)
{
	char path[64], buf[4096], *line, *save = NULL;
	struct fr_cgroup_ids ids;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *cg = strchr(line, ':');

		cg = cg ? strchr(cg + 1, ':') : NULL;
		if (!cg)
			continue;
		cg++;
		if (!p->container_id[0] && !fr_cgroup_ids__parse(cg, &ids))
			memcpy(p->container_id, ids.container_id, sizeof(p->container_id));
		if (!strncmp(line, "0::", 3) && strcmp(cg, "/"))
			snprintf(p->cgroup, sizeof(p->cgroup), "%s", cg);
		else if (!p->cgroup[0] && strcmp(cg, "/"))
			snprintf(p->cgroup, sizeof(p->cgroup), "%s", cg);
	}
	if (!p->cgroup[0])
		snprintf(p->cgroup, sizeof(p->cgroup), "/");
}

int fr_process__read(uint32_t pid, struct fr_process *p)
{
	char path[64], buf[1024], *open_paren, *close_paren;
	ssize_t n;
	int len;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	len = read_small_file(path, buf, sizeof(buf));
	if (len < 0)
		return len;
	/* comm may hold spaces and parentheses: it ends at the last ')' */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EBADMSG;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close_paren - open_paren - 1),
		 open_paren + 1);
	if (sscanf(close_paren + 1, " %*c %u", &p->ppid) != 1)
		return -EBADMSG;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0'; /* kernel threads have no exe */
	read_cgroup(pid, p);
	return 0;
}

static json_t *process_json(const struct fr_process *p)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:s}", "pid", (json_int_t)p->pid, "ppid",
			 (json_int_t)p->ppid, "comm", p->comm, "exe", p->exe, "cgroup", p->cgroup,
			 "container_id", p->container_id);
}

static int dump_owned(json_t *root, char **out)
{
	if (!root)
		return -ENOMEM;
	*out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return *out ? 0 : -ENOMEM;
}

int fr_proctable__snapshot_json(const char *host, char **out)
{
	json_t *root, *procs;
	struct dirent *de;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -errno;
	procs = json_array();
	root = json_pack("{s:s,s:s,s:o}", "source", "host", "host", host, "processes", procs);
	if (!root) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		struct fr_process p;
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid)
			continue;
		/* processes that exit while we scan are simply not listed */
		if (fr_process__read((uint32_t)pid, &p))
			continue;
		json_array_append_new(procs, process_json(&p));
	}
	closedir(d);
	return dump_owned(root, out);
}

int fr_process__change_json(const char *op, const struct fr_process *p, char **out)
{
	return dump_owned(
		json_pack("{s:s,s:s,s:o}", "op", op, "type", "process", "object", process_json(p)),
		out);
}
