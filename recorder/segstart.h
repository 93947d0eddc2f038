/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The records every segment starts with, so that any one segment can be
 * analyzed alone: a clock sync, then each source's snapshot in order (the
 * kernel's family status and name tables, the host's process table, ...).
 */
#ifndef FR_RECORDER_SEGSTART_H
#define FR_RECORDER_SEGSTART_H

#include <stddef.h>

#include "format/writer.h"
#include "source.h"

struct fr_segstart {
	const struct fr_source *sources;
	size_t nsources;
};

/* Write a CLOCK_SYNC record sampled now. Return: 0 or -errno. */
int fr_write_clock_sync(struct fr_writer *w);

/* The rotor's on_start callback: ctx is a struct fr_segstart. */
int fr_segstart__write(void *ctx, struct fr_writer *w, uint64_t seq);

#endif /* FR_RECORDER_SEGSTART_H */
