/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by flow_wire.c and flow_json.c; not part of the API. */
#ifndef FR_FORMAT_HUBBLE_FLOW_PRIV_H
#define FR_FORMAT_HUBBLE_FLOW_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/hubble/flow.h"

/* Records code and offset in e (when not NULL). Return: -E2BIG for
 * FR_HUBBLE_ETOOBIG, -ENOMEM for FR_HUBBLE_ENOMEM, else -EBADMSG. */
int fr_hubble__fail(struct fr_hubble_error *e, enum fr_hubble_errcode code, size_t offset);

/* Puts "name." in front of e->path (drops it when the path is full). */
void fr_hubble__path_prepend(struct fr_hubble_error *e, const char *name);

/* s[0..n) is strict UTF-8 without NUL. */
bool fr_hubble__utf8_ok(const uint8_t *s, size_t n);

enum fr_hubble_wkt { WKT_NONE, WKT_TIMESTAMP, WKT_WRAPPER };

/* Which well-known type d is (those with a JSON form of their own). */
enum fr_hubble_wkt fr_hubble__wkt_of(const ProtobufCMessageDescriptor *d);

/* Size of one element of a repeated field of type t in protobuf-c. */
size_t fr_hubble__elem_size(ProtobufCType t);

/* RFC 3339 text to a Timestamp (years 1 to 9999). Return: 0 or -1. */
int fr_hubble__ts_parse(const char *s, Google__Protobuf__Timestamp *t);

#endif /* FR_FORMAT_HUBBLE_FLOW_PRIV_H */
