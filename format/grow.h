/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Growing a heap array by doubling: the one copy of the loop the writer,
 * the bundle cutter, the replay's row batches, the recorder's aggregate
 * reads and its Kubernetes reads all need.
 */
#ifndef FR_FORMAT_GROW_H
#define FR_FORMAT_GROW_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Make *buf hold at least `need` elements of `elem` bytes; *cap counts
 * elements. A first allocation takes `first` (or `need`, if more), later
 * ones double. On failure *buf and *cap are left as they were.
 * Return: 0, or -ENOMEM (out of memory, or a size past SIZE_MAX).
 */
static inline int fr_grow(void **buf, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t c = *cap ? *cap : first ? first : 1;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return -ENOMEM;
		c *= 2;
	}
	if (elem && c > SIZE_MAX / elem)
		return -ENOMEM;
	p = realloc(*buf, c * elem);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = c;
	return 0;
}

#endif /* FR_FORMAT_GROW_H */
