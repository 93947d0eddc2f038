/* SPDX-License-Identifier: BSD-2-Clause */
#include "stats.h"
int fr_stats__write(struct fr_writer *w, const char *source, const char *reason, uint64_t seen,
		    uint64_t lost, uint64_t first_ns, uint64_t last_ns)
{
	return fr_writer__append_stats(w, source, reason, seen, lost, first_ns, last_ns);
}
