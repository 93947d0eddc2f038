/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hubble messages on the wire: a scan of the protobuf encoding against the
 * generated descriptors, with limits and positions, before protobuf-c
 * builds the message (protobuf-c itself only says yes or no, and has no
 * limits of its own).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hubble/flow.h"
#include "format/hubble/flow_priv.h"

static const char *const errnames[FR_HUBBLE_NERR] = {
	[FR_HUBBLE_OK] = "ok",
	[FR_HUBBLE_ETOOBIG] = "message too large",
	[FR_HUBBLE_ETRUNC] = "truncated",
	[FR_HUBBLE_EVARINT] = "varint too long",
	[FR_HUBBLE_EFIELD] = "invalid field number",
	[FR_HUBBLE_EWIRETYPE] = "wrong wire type",
	[FR_HUBBLE_EGROUP] = "group wire type not supported",
	[FR_HUBBLE_EDEPTH] = "nested too deep",
	[FR_HUBBLE_EREPEATED] = "too many repeated entries",
	[FR_HUBBLE_EUTF8] = "string not UTF-8 or holds NUL",
	[FR_HUBBLE_EUNPACK] = "protobuf-c refused the message",
	[FR_HUBBLE_EJSON] = "not a JSON document",
	[FR_HUBBLE_ETYPE] = "JSON value of the wrong type",
	[FR_HUBBLE_EVALUE] = "value out of range",
	[FR_HUBBLE_ENOMEM] = "out of memory",
};

const char *fr_hubble__strerror(enum fr_hubble_errcode code)
{
	return (unsigned)code < FR_HUBBLE_NERR ? errnames[code] : "unknown error";
}

const char *fr_hubble__describe(const struct fr_hubble_error *e, char *buf, size_t size)
{
	snprintf(buf, size, "%s at offset %zu%s%s%s", fr_hubble__strerror(e->code), e->offset,
		 e->path[0] ? " (" : "", e->path, e->path[0] ? ")" : "");
	return buf;
}

int fr_hubble__fail(struct fr_hubble_error *e, enum fr_hubble_errcode code, size_t offset)
{
	if (e) {
		e->code = code;
		e->offset = offset;
	}
	if (code == FR_HUBBLE_ENOMEM)
		return -ENOMEM;
	return code == FR_HUBBLE_ETOOBIG ? -E2BIG : -EBADMSG;
}

void fr_hubble__path_prepend(struct fr_hubble_error *e, const char *name)
{
	size_t n, old;

	if (!e)
		return;
	n = strlen(name);
	old = strlen(e->path);
	if (n + 1 + old >= sizeof(e->path))
		return; /* keep the innermost part */
	memmove(e->path + n + (old ? 1 : 0), e->path, old + 1);
	memcpy(e->path, name, n);
	if (old)
		e->path[n] = '.';
}

/* Any byte of w zero, or with its top bit set. */
static inline bool ascii_stop(uint64_t w)
{
	const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;

	return ((w | ((w - lo) & ~w)) & hi) != 0;
}

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF), no NUL;
 * ASCII without NUL 8 bytes at a time. */
bool fr_hubble__utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	for (uint64_t w; n - i >= 8; i += 8) {
		memcpy(&w, s + i, sizeof(w));
		if (ascii_stop(w))
			break;
	}
	while (i < n) {
		uint8_t c = s[i];
		unsigned len, cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07;
		else
			return false;
		if (n - i < len)
			return false;
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += len;
	}
	return true;
}

/* Entries in a packed run p[0..len) of wire type wt; -1 when malformed. */
static long packed_count(const uint8_t *p, size_t len, unsigned wt)
{
	size_t pos = 0;
	long n = 0;
	uint64_t v;

	if (wt == 5 || wt == 1) {
		size_t w = wt == 5 ? 4 : 8;

		return len % w ? -1 : (long)(len / w);
	}
	while (pos < len) {
		if (fr_hubble__rd_varint(p, len, &pos, &v))
			return -1;
		n++;
	}
	return n;
}

/* What a field is, in one byte: its wire type and kind. */
enum { C_WT = 7, C_STRING = 8, C_MSG = 16, C_PACKABLE = 32 };

static uint8_t code_of(const ProtobufCFieldDescriptor *f)
{
	const unsigned wt = fr_hubble__wire_type_of(f->type);
	uint8_t c = (uint8_t)wt;

	if (f->type == PROTOBUF_C_TYPE_STRING)
		c |= C_STRING;
	else if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		c |= C_MSG;
	else if (f->label == PROTOBUF_C_LABEL_REPEATED && wt != 2)
		c |= C_PACKABLE;
	return c;
}

/* Per message type of the schema: field numbers below SMALL to their
 * index, and each field's code; made once, read by any thread. */
#define SMALL	 64
#define MAX_TABS 128

struct ftab {
	const ProtobufCMessageDescriptor *d;
	int8_t small[SMALL]; /* -1: no such field */
	uint8_t code[128];
};

static struct {
	pthread_once_t once;
	struct ftab tabs[MAX_TABS];
	size_t n;
	const struct ftab *slot[2 * MAX_TABS]; /* by descriptor address */
} ftabs = {.once = PTHREAD_ONCE_INIT};

static size_t slot_of(const ProtobufCMessageDescriptor *d)
{
	return ((uintptr_t)d >> 4) * 0x9e3779b97f4a7c15ull >> 56; /* 0..255 */
}

static void add_tab(const ProtobufCMessageDescriptor *d)
{
	struct ftab *t;
	size_t j = slot_of(d);

	if (ftabs.n == MAX_TABS || d->n_fields > 128)
		return; /* looked up the slow way */
	for (; ftabs.slot[j]; j = (j + 1) % (2 * MAX_TABS))
		if (ftabs.slot[j]->d == d)
			return;
	t = &ftabs.tabs[ftabs.n++];
	ftabs.slot[j] = t;
	t->d = d;
	memset(t->small, -1, sizeof(t->small));
	for (unsigned k = 0; k < d->n_fields; k++) {
		const ProtobufCFieldDescriptor *f = &d->fields[k];

		if (f->id < SMALL)
			t->small[f->id] = (int8_t)k;
		t->code[k] = code_of(f);
	}
	for (unsigned k = 0; k < d->n_fields; k++)
		if (d->fields[k].type == PROTOBUF_C_TYPE_MESSAGE)
			add_tab(d->fields[k].descriptor);
}

static void make_tabs(void)
{
	add_tab(&observer__get_flows_response__descriptor);
	add_tab(&observer__server_status_response__descriptor);
}

static const struct ftab *tab_of(const ProtobufCMessageDescriptor *d)
{
	pthread_once(&ftabs.once, make_tabs);
	for (size_t j = slot_of(d); ftabs.slot[j]; j = (j + 1) % (2 * MAX_TABS))
		if (ftabs.slot[j]->d == d)
			return ftabs.slot[j];
	return NULL;
}

/* One known field's value v (wire type 2: v->p[0..v->n)). */
static int scan_len_field(struct fr_hubble_scan *s, const ProtobufCFieldDescriptor *f, uint8_t code,
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
			rc = fr_hubble__scan(s, f->descriptor, p, v->n, depth + 1, NULL, NULL);
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
		k = packed_count(p, v->n, code & C_WT);
		if (k < 0)
			return fr_hubble__fail(s->err, FR_HUBBLE_ETRUNC, (size_t)(p - s->base));
		*count += (uint32_t)(k > FR_HUBBLE_MAX_REPEATED ? FR_HUBBLE_MAX_REPEATED + 1 : k);
		return 0;
	}
	*count += 1;
	return 0;
}

/* The field numbered id of d (t: d's table or NULL) and its code. */
static inline const ProtobufCFieldDescriptor *
field(const ProtobufCMessageDescriptor *d, const struct ftab *t, uint64_t id, uint8_t *code)
{
	const ProtobufCFieldDescriptor *f;

	if (t && id < SMALL) {
		const int k = t->small[id];

		if (k < 0)
			return NULL;
		*code = t->code[k];
		return &d->fields[k];
	}
	f = fr_hubble__field_of(d, id);
	if (f)
		*code = code_of(f);
	return f;
}

int fr_hubble__scan(struct fr_hubble_scan *s, const ProtobufCMessageDescriptor *d, const uint8_t *p,
		    size_t len, unsigned depth, fr_hubble_visit visit, void *obj)
{
	/* Every entry and unknown field takes a byte or more: the limits
	 * below can only be passed in a message longer than they are. */
	const bool big = len > FR_HUBBLE_MAX_REPEATED;
	const struct ftab *t = tab_of(d);
	uint32_t counts[128], unknown = 0, none = 0;
	size_t pos = 0;

	if (d->n_fields > 128)
		return fr_hubble__fail(s->err, FR_HUBBLE_EFIELD, (size_t)(p - s->base));
	if (big)
		memset(counts, 0, d->n_fields * sizeof(counts[0]));
	while (pos < len) {
		const ProtobufCFieldDescriptor *f;
		size_t at = pos, vstart, n = 0;
		struct fr_hubble_val v;
		uint8_t code = 0;
		uint64_t tag;
		unsigned wt;
		uint32_t *count;
		int rc;

		rc = fr_hubble__rd_tag(p, len, &pos, &tag);
		if (!rc && s->strict && pos - at > 5)
			rc = FR_HUBBLE_EUNPACK;
		if (rc)
			return fr_hubble__fail(s->err, rc, (size_t)(p + at - s->base));
		wt = (unsigned)(tag & 7);
		f = field(d, t, tag >> 3, &code);
		v.n = pos; /* where the value starts */
		rc = fr_hubble__rd_value(p, len, &pos, wt, &v.v, &vstart, &n);
		if (!rc && s->strict && wt == 2 && vstart - v.n > 5)
			rc = FR_HUBBLE_EUNPACK;
		if (rc) {
			rc = fr_hubble__fail(s->err, rc, (size_t)(p + at - s->base));
			if (f)
				fr_hubble__path_prepend(s->err, f->name);
			return rc;
		}
		if (!f) {
			if (big && ++unknown > FR_HUBBLE_MAX_REPEATED)
				return fr_hubble__fail(s->err, FR_HUBBLE_EREPEATED,
						       (size_t)(p + at - s->base));
			continue; /* kept by protobuf-c as an unknown field */
		}
		count = big ? &counts[f - d->fields] : &none;
		v.p = p + vstart;
		v.n = n;
		if (wt == 2) {
			rc = scan_len_field(s, f, code, &v, depth, count, visit, obj);
		} else if (wt == (code & C_WT)) { /* never 2 here */
			*count += 1;
			if (visit && (rc = visit(s, obj, f, &v, depth)) > 0)
				rc = 0;
		} else {
			rc = fr_hubble__fail(s->err, FR_HUBBLE_EWIRETYPE,
					     (size_t)(p + at - s->base));
		}
		if (!rc && big && f->label == PROTOBUF_C_LABEL_REPEATED &&
		    *count > FR_HUBBLE_MAX_REPEATED)
			rc = fr_hubble__fail(s->err, FR_HUBBLE_EREPEATED,
					     (size_t)(p + at - s->base));
		if (rc) {
			fr_hubble__path_prepend(s->err, f->name);
			return rc;
		}
	}
	return 0;
}

static void err_reset(struct fr_hubble_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

int fr_hubble__validate(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
			struct fr_hubble_error *err)
{
	struct fr_hubble_scan s = {.base = buf, .err = err};

	err_reset(err);
	if (!d || (!buf && len))
		return -EINVAL;
	if (len > FR_HUBBLE_MAX_MSG)
		return fr_hubble__fail(err, FR_HUBBLE_ETOOBIG, FR_HUBBLE_MAX_MSG);
	return fr_hubble__scan(&s, d, buf, len, 1, NULL, NULL);
}

int fr_hubble__decode(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		      ProtobufCMessage **out, struct fr_hubble_error *err)
{
	static const uint8_t empty[1];
	int rc;

	*out = NULL;
	rc = fr_hubble__validate(d, buf, len, err);
	if (rc)
		return rc;
	*out = protobuf_c_message_unpack(d, NULL, len, len ? buf : empty);
	if (!*out)
		return fr_hubble__fail(err, FR_HUBBLE_EUNPACK, 0);
	return 0;
}

int fr_hubble__encode(const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	*buf = malloc(n ? n : 1);
	if (!*buf)
		return -ENOMEM;
	*len = protobuf_c_message_pack(m, *buf);
	return 0;
}

void fr_hubble__free(ProtobufCMessage *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}
