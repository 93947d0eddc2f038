/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where the Hubble inputs (gRPC GetFlows, --hubble-jsonpb lines) hand their
 * records: the Hubble source's bounded queue to the writer. Defined by the
 * Hubble source (hubble.c); tests use a double. Placeholder with the two
 * declarations the inputs call, until the source's header lands.
 */
#ifndef FR_RECORDER_HUBBLE_SINK_H
#define FR_RECORDER_HUBBLE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "format/hubble/flow.h"
#include "format/kinds.h"

struct fr_hubble_sink;

/* One record (kind FR_KIND_HUBBLE_FLOW_PB or _JSON, payload copied) received
 * at recv_boot_ns; flow is the decoded flow (NULL for other responses),
 * borrowed for the call. Return: 0, or -errno when it was not queued (the
 * sink counts that loss itself). */
int fr_hubble_sink__offer(struct fr_hubble_sink *s, enum fr_kind kind, const void *payload,
			  size_t len, const Flow__Flow *flow, uint64_t recv_boot_ns);

/* n events lost for reason ("bad_line", "lost_events", ...) over
 * [first_ns, last_ns] (CLOCK_BOOTTIME). */
void fr_hubble_sink__lost(struct fr_hubble_sink *s, const char *reason, uint64_t n,
			  uint64_t first_ns, uint64_t last_ns);

#endif /* FR_RECORDER_HUBBLE_SINK_H */
