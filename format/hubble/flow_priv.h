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

/* A JSON scalar as both jsonpb readers see it; s is NUL-terminated (a
 * string with a NUL never gets here: both readers refuse \u0000). */
struct fr_hubble_jval {
	enum { FR_JV_OTHER, FR_JV_TRUE, FR_JV_FALSE, FR_JV_INT, FR_JV_REAL, FR_JV_STR } type;
	int64_t i;
	double d;
	const char *s;
};

/*
 * Sets the value of f (a number, bool or enum; not a string or message)
 * at p from v, with the rules of fr_hubble__from_json. An unknown enum
 * name sets *skip and counts in err. Return: 0 or -EBADMSG.
 */
int fr_hubble__scalar_from_jval(const ProtobufCFieldDescriptor *f, const struct fr_hubble_jval *v,
				void *p, bool *skip, struct fr_hubble_error *err);

/* fr_hubble__parse_line through jansson's DOM: the reference reader, and
 * what reports the error of a line the streaming reader refuses. */
int fr_hubble__parse_line_jansson(const ProtobufCMessageDescriptor *d, const char *text, size_t len,
				  ProtobufCMessage **out, struct fr_hubble_error *err);

/*
 * fr_hubble__parse_line without a DOM (flow_json_fast.c). Return: 0 with
 * *out and err's unknown counts set as fr_hubble__parse_line_jansson would;
 * -EBADMSG: the line is refused (jansson refuses it too; err not set);
 * -EAGAIN: a line this reader leaves to jansson (escaped keys, many or
 * deeply nested unknown keys); -ENOMEM.
 */
int fr_hubble__parse_line_fast(const ProtobufCMessageDescriptor *d, const char *text, size_t len,
			       ProtobufCMessage **out, struct fr_hubble_error *err);

#endif /* FR_FORMAT_HUBBLE_FLOW_PRIV_H */
