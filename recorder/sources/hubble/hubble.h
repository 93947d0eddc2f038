/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Hubble source: Cilium Hubble's flows, from the Observer gRPC API
 * (--hubble, hubble_grpc.c) or from `hubble observe -o jsonpb` lines
 * (--hubble-jsonpb), read on a thread of its own and recorded as they
 * were received (FR_KIND_HUBBLE_FLOW_PB / _JSON, at the receive time).
 * The input hands each response to the sink (hubble_sink.h, implemented
 * here), which applies the user's selection and queues it in a bounded
 * queue the event loop drains: Hubble never waits for the writer, and the
 * kernel's drain never waits for Hubble (at most for one queue's worth).
 *
 * Statistics records of source "hubble" at every interval, each with seen
 * = the responses received in the interval: queue_full (always), and when
 * they happened filtered, sampled, capped, bad_message, bad_line,
 * lost_events:<LostEventSource> (Hubble's own loss: lost = its
 * num_events_lost); and a "gap" record per span without a stream
 * (reconnects). Records reach the loop in batches. With --hubble, a
 * --dir that holds Hubble flows already is resumed after its newest flow
 * (hubble_resume.h). At every segment
 * start the last ServerStatus answer is written again
 * (FR_KIND_HUBBLE_STATUS_PB), so a segment alone has it.
 */
#ifndef FR_RECORDER_HUBBLE_SOURCE_H
#define FR_RECORDER_HUBBLE_SOURCE_H

#include <stdbool.h>

#include "config.h"
#include "source.h"

struct fr_hubble_source;

/* Is a Hubble input configured? */
bool fr_hubble__wanted(const struct fr_config *cfg);

/*
 * Start the source's thread (it connects and queues until started). cfg
 * must outlive the source. Return: 0 or -errno (-EINVAL: a TLS file
 * could not be read, with a message on stderr).
 */
int fr_hubble_source__new(const struct fr_config *cfg, struct fr_hubble_source **out);

void fr_hubble_source__as_source(struct fr_hubble_source *h, struct fr_source *s);

/* Stops the thread first. Accepts NULL. */
void fr_hubble_source__free(struct fr_hubble_source *h);

#endif /* FR_RECORDER_HUBBLE_SOURCE_H */
