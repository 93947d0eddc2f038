/* SPDX-License-Identifier: BSD-2-Clause */
/* RECORDER_STATS records: what a source saw and lost, and why, over
 * [first_ns, last_ns], so that no loss is silent. */
#ifndef FR_RECORDER_STATS_H
#define FR_RECORDER_STATS_H

#include <stdint.h>

#include "format/writer.h"

/* Return: 0 or -errno of the writer. */
int fr_stats__write(struct fr_writer *w, const char *source, const char *reason, uint64_t seen,
		    uint64_t lost, uint64_t first_ns, uint64_t last_ns);

#endif /* FR_RECORDER_STATS_H */
