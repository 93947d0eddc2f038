/* SPDX-License-Identifier: BSD-2-Clause */
#include "format/host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t fr_clock__boot_ns(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t fr_clock__mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

void fr_clock_pair__sample(uint64_t *boot_ns, uint64_t *wall_ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		const uint64_t b0 = clock_ns(CLOCK_BOOTTIME);
		const uint64_t w = clock_ns(CLOCK_REALTIME);
		const uint64_t b1 = clock_ns(CLOCK_BOOTTIME);

		if (b1 - b0 < best) {
			best = b1 - b0;
			*boot_ns = b0 + (b1 - b0) / 2;
			*wall_ns = w;
		}
	}
}

int fr_host_info__read(struct fr_host_info *hi)
{
	struct utsname u;
	ssize_t n = -1;
	int fd;

	memset(hi, 0, sizeof(*hi));
	if (uname(&u) < 0)
		return -errno;
	snprintf(hi->host, sizeof(hi->host), "%s", u.nodename);
	snprintf(hi->kernel, sizeof(hi->kernel), "%s", u.release);
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, hi->boot_id, sizeof(hi->boot_id) - 1);
		close(fd);
	}
	if (n <= 0)
		snprintf(hi->boot_id, sizeof(hi->boot_id), "unknown");
	else
		hi->boot_id[strcspn(hi->boot_id, "\n")] = '\0';
	return 0;
}
