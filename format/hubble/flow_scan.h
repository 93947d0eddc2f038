/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scan's loop (flow_scan.c) inline, so that a caller with a fixed
 * visitor calls it directly (flow_cols.c); the tables it reads, one per
 * message type of the schema, made once and then only read. Private to
 * format/hubble.
 */
#ifndef FR_FORMAT_HUBBLE_FLOW_SCAN_H
#define FR_FORMAT_HUBBLE_FLOW_SCAN_H

#include <string.h>

#include "format/hubble/flow_priv.h"

/* What a field is, in one byte: its wire type and kind. */
enum { C_WT = 7, C_STRING = 8, C_MSG = 16, C_PACKABLE = 32 };

/* Field numbers below this are looked up in a table. */
#define FR_HUBBLE_SMALL 64

/* Per message type of the schema: field numbers below SMALL to their
 * index, each field's code and, for a message field, its type's table;
 * made once, then only read. */

struct fr_hubble_ftab {
	const ProtobufCMessageDescriptor *d;
	int8_t small[FR_HUBBLE_SMALL]; /* -1: no such field */
	uint8_t code[128];
	const struct fr_hubble_ftab *sub[128]; /* NULL: none, or not in a table */
	uint16_t varints;		       /* bit n: field n (< 16) is a varint scalar */
};

/* A message (table t) made only of fields that t->varints has, each a
 * one-byte tag and a varint: their last values into v[n] (bit n of *got
 * set). Return: 1, or 0 for anything else, which the caller then scans as
 * usual (the same message passes or fails the scan as it would). */
static inline int fr_hubble__varints(const struct fr_hubble_ftab *t, const uint8_t *p, size_t len,
				     uint64_t v[16], unsigned *got)
{
	size_t pos = 0;

	*got = 0;
	if (!t)
		return 0;
	while (pos < len) {
		const uint8_t b = p[pos++];

		if ((b & 0x87) || !(t->varints >> (b >> 3) & 1) ||
		    fr_hubble__rd_varint(p, len, &pos, &v[b >> 3]))
			return 0;
		*got |= 1u << (b >> 3);
	}
	return 1;
}

/* A field's code. */
uint8_t fr_hubble__code_of(const ProtobufCFieldDescriptor *f);

/* Entries in a packed run p[0..len) of wire type wt; -1 when malformed. */
long fr_hubble__packed_count(const uint8_t *p, size_t len, unsigned wt);

/* d's table; NULL: d is not in the schema's (looked up the slow way). */
const struct fr_hubble_ftab *fr_hubble__tab_of(const ProtobufCMessageDescriptor *d);

/* The scan with the entry limits counted (messages over their reach, or
 * without a table). */
int fr_hubble__scan_slow(struct fr_hubble_scan *s, const ProtobufCMessageDescriptor *d,
			 const struct fr_hubble_ftab *t, const uint8_t *p, size_t len,
			 unsigned depth, fr_hubble_visit visit, void *obj);

/* fr_hubble__scan_inline out of line, any visitor. */
int fr_hubble__scan_tab(struct fr_hubble_scan *s, const ProtobufCMessageDescriptor *d,
			const struct fr_hubble_ftab *t, const uint8_t *p, size_t len,
			unsigned depth, fr_hubble_visit visit, void *obj);

/* One known field's value v of wire type 2 (v->p[0..v->n)). */
static inline __attribute__((always_inline)) int
scan_len_field(struct fr_hubble_scan *s, const ProtobufCFieldDescriptor *f, uint8_t code,
	       const struct fr_hubble_val *v, unsigned depth, uint32_t *count,
	       fr_hubble_visit visit, void *obj)
{
	const uint8_t *p = v->p;
	long k;
	int rc = 1;

	if (code & C_MSG) {
		if (depth + 1 > FR_HUBBLE_MAX_DEPTH)
			return fr_hubble__fail(s->err, FR_HUBBLE_EDEPTH, (size_t)(p - s->base));
		if (visit)
			rc = visit(s, obj, f, v, depth);
		if (rc == 1)
			rc = fr_hubble__scan_tab(s, f->descriptor, v->sub, p, v->n, depth + 1, NULL,
						 NULL);
		if (rc)
			return rc;
	} else if ((code & C_WT) == 2) { /* string or bytes */
		if ((code & C_STRING) && !fr_hubble__utf8_ok(p, v->n))
			return fr_hubble__fail(s->err, FR_HUBBLE_EUTF8, (size_t)(p - s->base));
		if (visit && (rc = visit(s, obj, f, v, depth)) < 0)
			return rc;
	} else { /* a packed run of scalars */
		if (!(code & C_PACKABLE))
			return fr_hubble__fail(s->err, FR_HUBBLE_EWIRETYPE, (size_t)(p - s->base));
		k = fr_hubble__packed_count(p, v->n, code & C_WT);
		if (k < 0)
			return fr_hubble__fail(s->err, FR_HUBBLE_ETRUNC, (size_t)(p - s->base));
		*count += (uint32_t)(k > FR_HUBBLE_MAX_REPEATED ? FR_HUBBLE_MAX_REPEATED + 1 : k);
		return 0;
	}
	*count += 1;
	return 0;
}

/* The field numbered id of d (t: d's table or NULL), its code and, for a
 * message, its type's table (*sub). */
static inline const ProtobufCFieldDescriptor *field(const ProtobufCMessageDescriptor *d,
						    const struct fr_hubble_ftab *t, uint64_t id,
						    uint8_t *code, const void **sub)
{
	const ProtobufCFieldDescriptor *f;

	if (t && id < FR_HUBBLE_SMALL) {
		const int k = t->small[id];

		if (k < 0)
			return NULL;
		*code = t->code[k];
		*sub = t->sub[k];
		return &d->fields[k];
	}
	f = fr_hubble__field_of(d, id);
	if (f) {
		*code = fr_hubble__code_of(f);
		*sub = t && f->type == PROTOBUF_C_TYPE_MESSAGE ? t->sub[f - d->fields] : NULL;
	}
	return f;
}

/* Reads the value of wire type wt at p[*pos] into v. Return: 0 or the
 * errcode (also FR_HUBBLE_EUNPACK: a length over 5 bytes when strict). */
static inline int read_value(const uint8_t *p, size_t len, size_t *pos, unsigned wt, bool strict,
			     struct fr_hubble_val *v)
{
	const size_t at = *pos;
	int rc;

	v->v = 0;
	v->n = 0;
	v->p = p + at;
	if (wt == 1 || wt == 5) {
		v->n = wt == 1 ? 8 : 4;
		if (len - at < v->n)
			return FR_HUBBLE_ETRUNC;
		*pos += v->n;
		return 0;
	}
	if (at < len && p[at] < 0x80) {
		v->v = p[at];
		*pos = at + 1;
	} else if ((rc = fr_hubble__rd_varint(p, len, pos, &v->v))) {
		return rc;
	}
	if (wt == 0)
		return 0;
	if (v->v > len - *pos)
		return FR_HUBBLE_ETRUNC; /* an oversized length */
	if (strict && *pos - at > 5)
		return FR_HUBBLE_EUNPACK;
	v->p = p + *pos;
	v->n = (size_t)v->v;
	*pos += v->n;
	return 0;
}

/*
 * The field at *pos of a message: its tag's wire type, its descriptor
 * (NULL: unknown to this build), its table code and its value; *pos moves
 * past it. Both scan loops read fields through this. Return: 0, or the
 * failure reported in s->err with the field's name on its path.
 */
static inline __attribute__((always_inline)) int
fr_hubble__next_field(struct fr_hubble_scan *s, const ProtobufCMessageDescriptor *d,
		      const struct fr_hubble_ftab *t, const uint8_t *p, size_t len, size_t *pos,
		      const ProtobufCFieldDescriptor **f, uint8_t *code, unsigned *wt,
		      struct fr_hubble_val *v)
{
	const size_t at = *pos;
	uint64_t tag;
	int rc;

	*f = NULL; /* set on every path: the callers read them only on success */
	*code = 0;
	*wt = 0;
	if (p[at] >= 8 && p[at] < 0x80 && (0x27 >> (p[at] & 7) & 1)) {
		tag = p[at]; /* one byte, a field number, wire type 0, 1, 2 or 5 */
		*pos = at + 1;
	} else {
		rc = fr_hubble__rd_tag(p, len, pos, &tag);
		if (!rc && s->strict && *pos - at > 5)
			rc = FR_HUBBLE_EUNPACK;
		if (rc)
			return fr_hubble__fail(s->err, rc, (size_t)(p + at - s->base));
	}
	*wt = (unsigned)(tag & 7);
	v->sub = NULL;
	*f = field(d, t, tag >> 3, code, &v->sub);
	rc = read_value(p, len, pos, *wt, s->strict, v);
	if (rc) {
		rc = fr_hubble__fail(s->err, rc, (size_t)(p + at - s->base));
		if (*f)
			fr_hubble__path_prepend(s->err, (*f)->name);
	}
	return rc;
}

/* fr_hubble__scan_tab's loop: every message with a table and within the
 * limits' reach (every entry takes a byte or more, so that a message of
 * up to FR_HUBBLE_MAX_REPEATED bytes cannot pass them: nothing to count);
 * the others take fr_hubble__scan_slow. */
static inline __attribute__((always_inline)) int
fr_hubble__scan_inline(struct fr_hubble_scan *s, const ProtobufCMessageDescriptor *d,
		       const struct fr_hubble_ftab *t, const uint8_t *p, size_t len, unsigned depth,
		       fr_hubble_visit visit, void *obj)
{
	uint32_t none = 0;
	size_t pos = 0;

	if (!t || len > FR_HUBBLE_MAX_REPEATED)
		return fr_hubble__scan_slow(s, d, t, p, len, depth, visit, obj);
	while (pos < len) {
		const ProtobufCFieldDescriptor *f;
		const size_t at = pos;
		struct fr_hubble_val v;
		uint8_t code;
		unsigned wt;
		int rc;

		rc = fr_hubble__next_field(s, d, t, p, len, &pos, &f, &code, &wt, &v);
		if (rc)
			return rc;
		if (!f)
			continue; /* kept by protobuf-c as an unknown field */
		if (wt == 2)
			rc = scan_len_field(s, f, code, &v, depth, &none, visit, obj);
		else if (wt != (code & C_WT)) /* never 2 there */
			rc = fr_hubble__fail(s->err, FR_HUBBLE_EWIRETYPE,
					     (size_t)(p + at - s->base));
		else if (visit && (rc = visit(s, obj, f, &v, depth)) > 0)
			rc = 0;
		if (rc) {
			fr_hubble__path_prepend(s->err, f->name);
			return rc;
		}
	}
	return 0;
}

#endif /* FR_FORMAT_HUBBLE_FLOW_SCAN_H */
