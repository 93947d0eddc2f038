/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hubble flows: the protobuf messages of Cilium's Observer API (flow.Flow,
 * observer.GetFlowsResponse, ...) decoded from bytes with hard limits, and
 * converted to and from the JSON lines `hubble observe -o jsonpb` prints.
 *
 * The messages are the C structs protoc-c generates at build time from
 * format/hubble/proto/ (a subset of Cilium's .proto written from its
 * public field numbers): Flow__Flow, Observer__GetFlowsResponse, ... They
 * are freed with fr_hubble__free (protobuf_c_message_free_unpacked with the
 * default allocator), whichever function made them.
 *
 * Untrusted input: a message or a line over FR_HUBBLE_MAX_MSG bytes,
 * truncated, with a wrong wire type or an oversized length, nested deeper
 * than FR_HUBBLE_MAX_DEPTH, with more than FR_HUBBLE_MAX_REPEATED entries
 * in one repeated field, or with a string that is not UTF-8 (or holds a
 * NUL, which C strings cannot keep) is refused with -EBADMSG (or -E2BIG
 * for the size) and a struct fr_hubble_error that gives the reason, the
 * byte offset and the field path. Unknown protobuf fields are kept (and
 * written back by fr_hubble__encode); unknown JSON keys and unknown enum
 * names are skipped and counted. Nothing here crashes, exits or prints.
 * Depends on libc, protobuf-c and jansson.
 */
#ifndef FR_FORMAT_HUBBLE_FLOW_H
#define FR_FORMAT_HUBBLE_FLOW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.pb-c.h"
#include "observer/observer.pb-c.h"

/* Largest message or line accepted: gRPC's default receive limit. */
#define FR_HUBBLE_MAX_MSG (4u << 20)
/* Deepest nesting of messages (GetFlowsResponse.flow.l4.TCP.flags is 5). */
#define FR_HUBBLE_MAX_DEPTH 16
/* Most entries in one repeated field, and most unknown fields, of one
 * message. */
#define FR_HUBBLE_MAX_REPEATED 65536
/* Segment block (raw bytes) when Hubble flows are recorded: zstd -3's
 * own history, so that the flows take less room than zstd -3 of their
 * jsonpb lines (docs/HUBBLE.md has the figures). */
#define FR_HUBBLE_SEGMENT_BLOCK (2u << 20)

enum fr_hubble_errcode {
	FR_HUBBLE_OK = 0,
	FR_HUBBLE_ETOOBIG,   /* input over FR_HUBBLE_MAX_MSG */
	FR_HUBBLE_ETRUNC,    /* ends inside a tag, a value or a length */
	FR_HUBBLE_EVARINT,   /* a varint over 10 bytes or 64 bits */
	FR_HUBBLE_EFIELD,    /* field number 0 or over 2^29-1 */
	FR_HUBBLE_EWIRETYPE, /* wire type 6/7, or not the field's type */
	FR_HUBBLE_EGROUP,    /* wire types 3/4 (groups: not in proto3) */
	FR_HUBBLE_EDEPTH,    /* nesting over FR_HUBBLE_MAX_DEPTH */
	FR_HUBBLE_EREPEATED, /* over FR_HUBBLE_MAX_REPEATED entries */
	FR_HUBBLE_EUTF8,     /* a string that is not UTF-8 or holds a NUL */
	FR_HUBBLE_EUNPACK,   /* protobuf-c refused what the scan accepted */
	FR_HUBBLE_EJSON,     /* not a JSON document (syntax, duplicate key) */
	FR_HUBBLE_ETYPE,     /* a JSON value of the wrong type for its field */
	FR_HUBBLE_EVALUE,    /* out of range, bad timestamp, two oneof members */
	FR_HUBBLE_ENOMEM,
	FR_HUBBLE_NERR,
};

struct fr_hubble_error {
	enum fr_hubble_errcode code;
	/* protobuf: byte offset of the offending tag or value in the input;
	 * JSON: jansson's byte position for syntax errors, else 0 */
	size_t offset;
	/* the field path, e.g. "flow.l4.TCP.source_port" ("" at the top) */
	char path[160];
	/* JSON: keys skipped (unknown fields) and enum names not known */
	unsigned unknown_keys, unknown_enums;
};

/* Return: a short static description of code. */
const char *fr_hubble__strerror(enum fr_hubble_errcode code);

/* Formats "reason at offset N (path)" into buf; returns buf. */
const char *fr_hubble__describe(const struct fr_hubble_error *e, char *buf, size_t size);

/*
 * Checks that buf[0..len) is a well-formed message of type d within the
 * limits above, without building it. Return: 0, -E2BIG, -EBADMSG.
 */
int fr_hubble__validate(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
			struct fr_hubble_error *err);

/*
 * Decodes buf[0..len) as a message of type d (validated first). On 0,
 * *out is the message, to free with fr_hubble__free. Return: 0, -E2BIG,
 * -EBADMSG, -ENOMEM.
 */
int fr_hubble__decode(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		      ProtobufCMessage **out, struct fr_hubble_error *err);

/*
 * Encodes m into a malloc'ed buffer (*buf, *len; free with free()).
 * Return: 0 or -ENOMEM.
 */
int fr_hubble__encode(const ProtobufCMessage *m, uint8_t **buf, size_t *len);

/* Frees a message from any function here. Accepts NULL. */
void fr_hubble__free(ProtobufCMessage *m);

/*
 * The proto3 JSON mapping of m as `hubble observe -o jsonpb` prints it
 * (protojson with proto field names): enums by name (by number when the
 * number is unknown), 64-bit integers as strings, Timestamp as RFC 3339
 * with 0, 3, 6 or 9 fraction digits, wrappers as their bare value, fields
 * at their default omitted, unknown fields left out. Return: 0 with *out
 * a new JSON object, -EBADMSG (a value JSON cannot carry), -ENOMEM.
 */
int fr_hubble__to_json(const ProtobufCMessage *m, json_t **out, struct fr_hubble_error *err);

/*
 * The reverse: builds a message of type d from the JSON object obj.
 * Field names are accepted as proto names or lowerCamelCase; integers as
 * numbers or strings; enums as names or numbers; null as the default.
 * Return: 0 with *out (fr_hubble__free), -EBADMSG, -ENOMEM.
 */
int fr_hubble__from_json(const ProtobufCMessageDescriptor *d, const json_t *obj,
			 ProtobufCMessage **out, struct fr_hubble_error *err);

/*
 * One jsonpb line (text[0..len), the trailing newline optional) to a
 * message of type d, usually observer__get_flows_response__descriptor.
 * Return: as fr_hubble__from_json, and -E2BIG over FR_HUBBLE_MAX_MSG.
 */
int fr_hubble__parse_line(const ProtobufCMessageDescriptor *d, const char *text, size_t len,
			  ProtobufCMessage **out, struct fr_hubble_error *err);

#endif /* FR_FORMAT_HUBBLE_FLOW_H */
