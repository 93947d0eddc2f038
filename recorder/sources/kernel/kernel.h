/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel source: the BPF programs of every family (probes.c), their
 * ring buffers and aggregate maps drained into records (pump.c). Each
 * segment starts with the families' status and the syscall and drop
 * reason name tables, so one segment can be read alone.
 */
#ifndef FR_RECORDER_KERNEL_SOURCE_H
#define FR_RECORDER_KERNEL_SOURCE_H

#include "config.h"
#include "probes.h"
#include "pump.h"
#include "source.h"

struct fr_kernel_source;

/*
 * Over probes already started (fr_probes__start); `on_process` hears of
 * every exec and exit (the host source's process changes).
 * Return: 0 or -errno.
 */
int fr_kernel_source__new(struct fr_probes *probes, const struct fr_config *cfg,
			  fr_pump_process_fn on_process, void *ctx, struct fr_kernel_source **out);

void fr_kernel_source__as_source(struct fr_kernel_source *k, struct fr_source *s);

/* Totals for --stats (zero before start). */
void fr_kernel_source__totals(const struct fr_kernel_source *k, struct fr_pump_totals *t);

/* Accepts NULL. Does not stop the probes (the caller started them). */
void fr_kernel_source__free(struct fr_kernel_source *k);

#endif /* FR_RECORDER_KERNEL_SOURCE_H */
