/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Hubble source's sink: where an input (the gRPC client, the jsonpb
 * line reader) hands each response it received. The sink applies the
 * user's kind/namespace filter, the 1-in-N sample and the flows-per-second
 * cap, then queues the record for the event loop; every response it skips
 * or cannot queue is counted by reason and reported as a statistics record
 * of source "hubble". Called from the input's thread (one at a time);
 * never blocks on the writer.
 */
#ifndef FR_RECORDER_HUBBLE_SINK_H
#define FR_RECORDER_HUBBLE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "format/hubble/flow.h"
#include "format/kinds.h"
#include "hubble_filter.h"

struct fr_hubble_sink;

/*
 * Offers one response to the recorder: filter, sample and cap applied,
 * then queued; never blocks (a full queue counts queue_full). kind is
 * FR_KIND_HUBBLE_FLOW_PB (payload: the GetFlowsResponse bytes as
 * received), FR_KIND_HUBBLE_FLOW_JSON (one jsonpb line) or
 * FR_KIND_HUBBLE_STATUS_PB. flow may be NULL when the caller did not
 * decode it (borrowed: the sink keeps nothing of it). recv_boot_ns is the
 * receive time (CLOCK_BOOTTIME), the record's time.
 * Return: 0, or -errno only when recording must stop.
 */
int fr_hubble_sink__offer(struct fr_hubble_sink *s, enum fr_kind kind, const void *payload,
			  size_t len, const Flow__Flow *flow, uint64_t recv_boot_ns);

/*
 * The same, for an input that read the flow's keys off the wire
 * (hubble_wire.h) instead of decoding it; keys NULL: not a flow.
 */
int fr_hubble_sink__offer_keys(struct fr_hubble_sink *s, enum fr_kind kind, const void *payload,
			       size_t len, const struct fr_hubble_flow_keys *keys,
			       uint64_t recv_boot_ns);

/*
 * Counts a lost_events response received at recv_boot_ns: Hubble itself
 * lost n events at source (flow.LostEventSource). Reported as reason
 * "lost_events:<source name>" with lost = n (the response is recorded
 * too: offer it as any other).
 */
void fr_hubble_sink__hubble_lost(struct fr_hubble_sink *s, uint32_t source, uint64_t n,
				 uint64_t recv_boot_ns);

/*
 * Counts n responses the input lost or refused (reason: "bad_line",
 * "bad_message", "gap") over [first_ns, last_ns] (CLOCK_BOOTTIME). For
 * "gap", n may be 0: the span without a stream is what counts.
 */
void fr_hubble_sink__lost(struct fr_hubble_sink *s, const char *reason, uint64_t n,
			  uint64_t first_ns, uint64_t last_ns);

#endif /* FR_RECORDER_HUBBLE_SINK_H */
