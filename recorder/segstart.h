/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The records every segment starts with, so that any one segment can be
 * analyzed alone: a clock sync, the status of every family, the syscall
 * and drop-reason name tables, and a snapshot of the host's processes.
 */
#ifndef FR_RECORDER_SEGSTART_H
#define FR_RECORDER_SEGSTART_H

#include "format/writer.h"
#include "names.h"
#include "probes.h"

struct fr_segstart {
	const struct fr_probes *probes;
	struct fr_drop_reasons drops; /* empty when the kernel has none */
	char host[256];
};

/* Write a CLOCK_SYNC record sampled now. Return: 0 or -errno. */
int fr_write_clock_sync(struct fr_writer *w);

/* FAMILY_STATUS for every family. Return: 0 or -errno. */
int fr_segstart__write_status(const struct fr_segstart *s, struct fr_writer *w);

/* The rotor's on_start callback: ctx is a struct fr_segstart. */
int fr_segstart__write(void *ctx, struct fr_writer *w, uint64_t seq);

#endif /* FR_RECORDER_SEGSTART_H */
