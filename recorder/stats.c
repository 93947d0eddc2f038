/* SPDX-License-Identifier: BSD-2-Clause */
#include "stats.h"

#include <string.h>

int fr_stats__write(struct fr_writer *w, const char *source, const char *reason, uint64_t seen,
		    uint64_t lost, uint64_t first_ns, uint64_t last_ns)
{
	const struct fr_value v[] = {
		[FR_F_RECORDER_STATS_SOURCE] = {.p = (const uint8_t *)source,
						.len = (uint32_t)strlen(source)},
		[FR_F_RECORDER_STATS_REASON] = {.p = (const uint8_t *)reason,
						.len = (uint32_t)strlen(reason)},
		[FR_F_RECORDER_STATS_SEEN] = {.u = seen},
		[FR_F_RECORDER_STATS_LOST] = {.u = lost},
		[FR_F_RECORDER_STATS_FIRST_NS] = {.u = first_ns},
		[FR_F_RECORDER_STATS_LAST_NS] = {.u = last_ns},
	};

	return fr_writer__append_event(w, FR_KIND_RECORDER_STATS, last_ns, v,
				       FR_NVALS(RECORDER_STATS, v));
}
