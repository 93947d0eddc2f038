/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the kernel source's pump files only (pump.c drains the rings,
 * encode.c turns fr_abi.h records into format/ kinds, aggregates.c reads
 * the aggregate maps): the pump's state and its one way to the writer.
 */
#ifndef FR_RECORDER_PUMP_INTERNAL_H
#define FR_RECORDER_PUMP_INTERNAL_H

#include <string.h>

#include "format/kaddr.h"
#include "pump.h"

struct pump_source {
	struct fr_pump *pump;
	enum fr_family_id fam;
};

struct fr_pump {
	struct fr_probes *probes;
	struct fr_rotor *rotor;
	struct ring_buffer *rb;
	fr_pump_process_fn on_process;
	void *process_ctx;
	struct pump_source sources[FR_FAM_COUNT];
	struct fr_pump_totals totals;
	struct fr_pump_totals reported; /* as of the last statistics records */
	uint64_t append_errors_reported;
	uint64_t last_agg_ns;
	uint64_t last_stats_ns;
	uint64_t kptr_key[2]; /* this run's secret for fr_pump__hide_kptr */
};

#define VU(x)	   ((struct fr_value){.u = (uint64_t)(x)})
#define VS(x)	   ((struct fr_value){.u = (uint64_t)(int64_t)(x)})
#define VB(ptr, n) ((struct fr_value){.p = (const uint8_t *)(ptr), .len = (uint32_t)(n)})
#define VSTR(s)	   VB((s), strnlen((s), sizeof(s)))
#define VHIST(h)   ((struct fr_value){.p = (const uint8_t *)(h), .len = FR_HIST_SLOTS})

/* A kernel address (socket ids, a drop's location, a kernel page fault's
 * address) as it may leave the machine: format/kaddr.h with this run's
 * secret. Segments say so in their header (FR_SEG_KADDR_HIDDEN). */
static inline uint64_t fr_pump__hide_kptr(const struct fr_pump *p, uint64_t v)
{
	return fr_kaddr__hide(p->kptr_key, v);
}

/* Hand one event to the writer; a failure is counted, never returned.
 * Inline: it runs once per kernel event, inside the encoders. */
static inline int fr_pump__append(struct fr_pump *p, enum fr_family_id fam, unsigned kind,
				  uint64_t ts, const struct fr_value *v, unsigned n)
{
	int err = fr_writer__append_event(fr_rotor__writer(p->rotor), kind, ts, v, n);

	if (err) {
		/* counted and reported in statistics: the writer keeps going */
		p->totals.append_errors++;
		return 0;
	}
	p->totals.fam[fam].records++;
	return 0;
}

/* Encode the records of `data`, back to back and each sized by its fr_hdr,
 * that came on the ring of `ring_fam`. Bad records are counted. */
void fr_pump__records(struct fr_pump *p, enum fr_family_id ring_fam, const void *data, size_t size);

/* Encode one ring record of op `op` (size checked per op). Return: 0, or
 * -EBADMSG for a record too short or of an unknown op. */
int fr_pump__encode(struct fr_pump *p, enum fr_family_id fam, unsigned op, const void *data,
		    size_t size);

#endif /* FR_RECORDER_PUMP_INTERNAL_H */
