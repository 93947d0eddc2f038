/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* name_to_handle_at */
#include "cgroup_filter.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int fr_cgroup_filter__id(const char *dir, unsigned long long *id)
{
	/* a cgroup v2 directory's file handle is its 8-byte kernfs id */
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h = {.fh.handle_bytes = sizeof(uint64_t)};
	int mount_id;

	if (name_to_handle_at(AT_FDCWD, dir, &h.fh, &mount_id, 0))
		return -errno;
	if (h.fh.handle_bytes != sizeof(uint64_t))
		return -ENOTSUP; /* not a cgroup v2 (kernfs) directory */
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

int fr_cgroup_filter__apply(struct bpf_object *obj, const char *dir)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, "cgroup_filter");
	const uint32_t zero = 0;
	int fd, err;

	if (!map)
		return -ENOENT;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = bpf_map__update_elem(map, &zero, sizeof(zero), &fd, sizeof(fd), 0);
	close(fd);
	return err;
}
