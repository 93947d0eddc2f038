/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel addresses as they may leave the machine (docs/FORMAT.md, "Kernel
 * addresses"): mixed with a run's secret through a bijection (splitmix64's
 * finalizer between two xors with the key), so equal addresses stay equal
 * (a socket keeps its id) and distinct ones distinct, but the address and
 * the kernel's layout cannot be read back without the key, which is never
 * written. User-space addresses (lower half) and 0 pass.
 */
#ifndef FR_FORMAT_KADDR_H
#define FR_FORMAT_KADDR_H

#include <stdint.h>

static inline uint64_t fr_kaddr__hide(const uint64_t key[2], uint64_t v)
{
	if (v < (1ull << 63))
		return v;
	v ^= key[0];
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
	v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
	return (v ^ (v >> 31)) ^ key[1];
}

#endif /* FR_FORMAT_KADDR_H */
