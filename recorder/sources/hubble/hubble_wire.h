/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A GetFlowsResponse read off the wire without building it: what the
 * recorder's gRPC input needs of each response (its kind, the flow's time
 * and uuid to resume without duplicates, the few fields the user's
 * selection looks at, a lost_events' source and count), after a check of
 * its framing against the schema: every tag, wire type, varint and length
 * of every known message, nested to any depth the schema has (at most
 * FR_HUBBLE_MAX_DEPTH), and the size limit FR_HUBBLE_MAX_MSG. A response
 * that fails it is refused with the reason and its byte offset, as
 * fr_hubble__validate would. What it does not look at, and the analyzer's
 * full decoder refuses at replay (reported there as hubble_bad_record):
 * string contents (UTF-8) and repeated-field counts. Several times
 * cheaper than fr_hubble__decode, which allocates the whole message.
 */
#ifndef FR_RECORDER_HUBBLE_WIRE_H
#define FR_RECORDER_HUBBLE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/hubble/flow.h"
#include "hubble_filter.h"

enum fr_hubble_wire_type {
	FR_HUBBLE_WIRE_NONE = 0, /* none of the oneof's members */
	FR_HUBBLE_WIRE_FLOW = 1,
	FR_HUBBLE_WIRE_NODE_STATUS = 2,
	FR_HUBBLE_WIRE_LOST_EVENTS = 3,
};

struct fr_hubble_wire {
	enum fr_hubble_wire_type type; /* the last oneof member, as protobuf reads it */
	/* flow.time, else the response's time (has_time false: neither) */
	bool has_time;
	int64_t time_s;
	int32_t time_ns;
	const uint8_t *uuid; /* flow.uuid, borrowed from the input; NULL: none */
	size_t uuid_len;
	struct fr_hubble_flow_keys keys; /* the flow's, for the selection */
	uint32_t lost_source;		 /* lost_events.source (flow.LostEventSource) */
	uint64_t lost_n;		 /* lost_events.num_events_lost */
};

/*
 * Checks buf[0..len) and reads it into *w (strings borrowed from buf).
 * Return: 0, -E2BIG (over FR_HUBBLE_MAX_MSG), -EBADMSG with *err (reason,
 * offset, field path), -ENOMEM (the schema tables, once).
 */
int fr_hubble_wire__scan(const uint8_t *buf, size_t len, struct fr_hubble_wire *w,
			 struct fr_hubble_error *err);

/*
 * The identity of a scanned flow response, to recognise it when a
 * resumed stream sends it again: its uuid's, else its bytes' (length and
 * CRC-32C).
 */
uint64_t fr_hubble_wire__id(const struct fr_hubble_wire *w, const uint8_t *buf, size_t len);

/* The name of a LostEventSource ("HUBBLE_RING_BUFFER"; the number when
 * unknown, in buf). */
const char *fr_hubble_wire__lost_source_name(uint32_t source, char *buf, size_t size);

#endif /* FR_RECORDER_HUBBLE_WIRE_H */
