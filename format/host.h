/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Facts about the running host that every segment header carries, and the
 * clock pair that maps CLOCK_BOOTTIME to wall-clock time.
 */
#ifndef FR_FORMAT_HOST_H
#define FR_FORMAT_HOST_H

#include <stdint.h>

struct fr_host_info {
	char host[256];
	char boot_id[64];
	char kernel[128];
};

/* Fill from uname(2) and /proc/sys/kernel/random/boot_id ("unknown" when
 * unreadable). Return: 0 or -errno from uname. */
int fr_host_info__read(struct fr_host_info *hi);

/*
 * Sample CLOCK_BOOTTIME and CLOCK_REALTIME as close together as possible:
 * the pair with the smallest bracketing interval out of a few tries.
 */
void fr_clock_pair__sample(uint64_t *boot_ns, uint64_t *wall_ns);

uint64_t fr_clock__boot_ns(void);
uint64_t fr_clock__mono_ns(void);

#endif /* FR_FORMAT_HOST_H */
