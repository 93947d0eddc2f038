/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The pump moves kernel records into segments: it drains every family's
 * ring buffer, converts each fr_abi.h record into the schema fields of
 * format/kinds.h, reads and clears the aggregate maps every interval, and
 * writes per-source statistics (seen, lost and why) so no loss is silent.
 */
#ifndef FR_RECORDER_PUMP_H
#define FR_RECORDER_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes.h"
#include "rotate.h"

struct fr_pump;

struct fr_pump_family_totals {
	uint64_t seen;		    /* events: records drained, or counts aggregated */
	uint64_t records;	    /* records handed to the writer */
	uint64_t lost[FR_LOSS_MAX]; /* kernel-side losses */
};

struct fr_pump_totals {
	struct fr_pump_family_totals fam[FR_FAM_COUNT];
	uint64_t malformed; /* ring records too short or of an unknown op */
	uint64_t append_errors;
};

/*
 * Told of every exec (exec true) and exit, with the ring record's fields
 * (`comm` not always NUL-terminated within comm_cap; `exe` may be NULL),
 * on the drain path: it must not block.
 */
typedef void (*fr_pump_process_fn)(void *ctx, bool exec, uint32_t pid, uint32_t ppid,
				   const char *comm, size_t comm_cap, const char *exe,
				   uint64_t ts_ns);

/*
 * Attach to the ring buffers of every running family; `on_process` (may
 * be NULL) hears of execs and exits. Return: 0 or -errno.
 */
int fr_pump__new(struct fr_probes *probes, struct fr_rotor *rotor, fr_pump_process_fn on_process,
		 void *ctx, struct fr_pump **out);

/* Drain every ring without waiting. Return: records consumed or -errno. */
int fr_pump__drain(struct fr_pump *p);

/*
 * Read and clear the aggregate maps into *_AGG records: the generation the
 * programs stop writing, or every entry once they are detached.
 * Return: 0 or -errno.
 */
int fr_pump__flush_aggregates(struct fr_pump *p, uint64_t now_ns, bool detached);

/* Write RECORDER_STATS records for what happened since the last call. */
int fr_pump__write_stats(struct fr_pump *p, uint64_t now_ns);

void fr_pump__totals(const struct fr_pump *p, struct fr_pump_totals *t);

/* Accepts NULL. */
void fr_pump__free(struct fr_pump *p);

#endif /* FR_RECORDER_PUMP_H */
