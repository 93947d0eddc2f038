/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by the format/hubble sources and the recorder's wire scan
 * (recorder/sources/hubble/hubble_wire.c); not part of the API. */
#ifndef FR_FORMAT_HUBBLE_FLOW_PRIV_H
#define FR_FORMAT_HUBBLE_FLOW_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/hubble/flow.h"
#include "format/hubble/flow_cols.h"

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

/* A field's value as fr_hubble__scan read it: the varint (or the length)
 * v, and the bytes p[0..n) of wire types 1, 2 and 5; sub: the scan's own
 * (a message's type). */
struct fr_hubble_val {
	uint64_t v;
	const uint8_t *p;
	size_t n;
	const void *sub;
};

struct fr_hubble_scan {
	const uint8_t *base;	     /* the whole input, for offsets */
	struct fr_hubble_error *err; /* NULL: not said */
	/* also refuse (FR_HUBBLE_EUNPACK) tags and lengths over 5 bytes,
	 * which protobuf-c does not unpack */
	bool strict;
};

/* Sees each known field of a scanned message whose wire type and contents
 * passed (a string is UTF-8, a message within the depth limit and not yet
 * scanned; not packed runs). Return: 0 taken (a message: the visitor
 * scanned it), 1 scan it as without a visitor, or -errno to stop. */
typedef int (*fr_hubble_visit)(struct fr_hubble_scan *s, void *obj,
			       const ProtobufCFieldDescriptor *f, const struct fr_hubble_val *v,
			       unsigned depth);

/* fr_hubble__validate's scan of message d in p[0..len) at nesting depth
 * (1: the top); visit (NULL: none) is called with obj. Return: 0, or as
 * fr_hubble__fail, or what visit returned. */
int fr_hubble__scan(struct fr_hubble_scan *s, const ProtobufCMessageDescriptor *d, const uint8_t *p,
		    size_t len, unsigned depth, fr_hubble_visit visit, void *obj);

/* The scan of the message value v of field f (a visitor's descent), at
 * the depth of v's message. Return: as fr_hubble__scan. */
int fr_hubble__scan_value(struct fr_hubble_scan *s, const ProtobufCFieldDescriptor *f,
			  const struct fr_hubble_val *v, unsigned depth, fr_hubble_visit visit,
			  void *obj);

/* Timestamp seconds and nanos as UTC ns (wrapping, as int64 would). */
static inline int64_t fr_hubble__ts_ns(int64_t s, int32_t ns)
{
	return (int64_t)((uint64_t)s * 1000000000u + (uint64_t)(int64_t)ns);
}

/* For flow_cols*.c: empties c, keeping its lists' memory (ep_off -1);
 * adds p[0..n) to list l; adds a zeroed policy to l (NULL: no memory).
 * Return: 0 or -ENOMEM. */
void fr_hubble_cols__reset(struct fr_hubble_cols *c);
int fr_hubble_cols__push(struct fr_hubble_strs *l, const char *p, size_t n);
struct fr_hubble_policy *fr_hubble_cols__new_policy(struct fr_hubble_policies *l);

/* Reads a varint at p[*pos] (advancing *pos). Return: 0, FR_HUBBLE_ETRUNC
 * or FR_HUBBLE_EVARINT (over 10 bytes or 64 bits). The one-byte case first:
 * most tags and small values are. */
static inline int fr_hubble__rd_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t r = 0;

	if (*pos < len && p[*pos] < 0x80) {
		*v = p[(*pos)++];
		return 0;
	}
	for (unsigned i = 0; i < 10; i++) {
		uint8_t b;

		if (*pos >= len)
			return FR_HUBBLE_ETRUNC;
		b = p[(*pos)++];
		if (i == 9 && b > 1)
			return FR_HUBBLE_EVARINT;
		r |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return FR_HUBBLE_EVARINT;
}

/* Reads and checks a field's tag at p[*pos]: a field number in 1..2^29-1,
 * no group (3, 4), a wire type up to 5. Return: 0 or the errcode; the
 * caller reports it at the tag's offset. */
static inline int fr_hubble__rd_tag(const uint8_t *p, size_t len, size_t *pos, uint64_t *tag)
{
	const int rc = fr_hubble__rd_varint(p, len, pos, tag);

	if (rc)
		return rc;
	if ((*tag >> 3) == 0 || (*tag >> 3) > 0x1fffffff)
		return FR_HUBBLE_EFIELD;
	if ((*tag & 7) == 3 || (*tag & 7) == 4)
		return FR_HUBBLE_EGROUP;
	return (*tag & 7) > 5 ? FR_HUBBLE_EWIRETYPE : 0;
}

/* Steps over the value of wire type wt at p[*pos]: a varint (its value in
 * *v), 8 or 4 bytes, or a length and that many bytes (*vstart, *n: where
 * the bytes are). Return: 0, FR_HUBBLE_ETRUNC (also for a length past the
 * end) or FR_HUBBLE_EVARINT. */
static inline int fr_hubble__rd_value(const uint8_t *p, size_t len, size_t *pos, unsigned wt,
				      uint64_t *v, size_t *vstart, size_t *n)
{
	int rc;

	*vstart = *pos;
	*n = 0;
	if (wt == 0)
		return fr_hubble__rd_varint(p, len, pos, v);
	if (wt == 1 || wt == 5) {
		*n = wt == 1 ? 8 : 4;
		if (len - *pos < *n)
			return FR_HUBBLE_ETRUNC;
		*pos += *n;
		return 0;
	}
	rc = fr_hubble__rd_varint(p, len, pos, v);
	if (!rc && *v > len - *pos)
		rc = FR_HUBBLE_ETRUNC; /* an oversized length */
	if (rc)
		return rc;
	*n = (size_t)*v;
	*vstart = *pos;
	*pos += *n;
	return 0;
}

/* The field numbered id of d, or NULL: protobuf-c's lookup, inline (the
 * fields are sorted by number, in runs that field_ranges describe). */
static inline const ProtobufCFieldDescriptor *
fr_hubble__field_of(const ProtobufCMessageDescriptor *d, uint64_t id)
{
	const ProtobufCIntRange *r = d->field_ranges;

	for (unsigned i = 0; i < d->n_field_ranges; i++) {
		const uint64_t start = (uint64_t)r[i].start_value;
		const unsigned k = (unsigned)r[i].orig_index;

		if (id < start)
			break;
		if (id - start < (uint64_t)(r[i + 1].orig_index - r[i].orig_index))
			return &d->fields[k + (id - start)];
	}
	return NULL;
}

/* The wire type a non-packed value of type t has. */
static inline unsigned fr_hubble__wire_type_of(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return 5;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 1;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		return 2;
	default:
		return 0;
	}
}

#endif /* FR_FORMAT_HUBBLE_FLOW_PRIV_H */
