/* SPDX-License-Identifier: BSD-2-Clause */
#include "stats.h"

#include <string.h>

int fr_stats__write(struct fr_writer *w, const char *source, const char *reason, uint64_t seen,
		    uint64_t lost, uint64_t first_ns, uint64_t last_ns)
{
	const struct fr_value v[] = {
		{.p = (const uint8_t *)source, .len = (uint32_t)strlen(source)},
		{.p = (const uint8_t *)reason, .len = (uint32_t)strlen(reason)},
		{.u = seen},
		{.u = lost},
		{.u = first_ns},
		{.u = last_ns},
	};

	return fr_writer__append_event(w, FR_KIND_RECORDER_STATS, last_ns, v, 6);
}
