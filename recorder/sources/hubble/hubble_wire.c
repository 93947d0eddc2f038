/* SPDX-License-Identifier: BSD-2-Clause */
#include "hubble_wire.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/crc32c.h"
/* fr_hubble__fail and __path_prepend: the decoder's error reporting, so
 * reasons and paths read the same */
#include "format/hubble/flow_priv.h"

/* Field numbers below this are looked up in a table, the rest searched. */
#define SMALL 64

enum { C_MSG = 0x10, C_PACKABLE = 0x20, C_WT = 0x0f };

/* One message type of the schema: per field, its wire type and kind. */
struct tab {
	const ProtobufCMessageDescriptor *d;
	int8_t small[SMALL];	/* field number -> field index; -1: unknown */
	uint8_t *code;		/* per field index: wire type | C_* */
	const struct tab **sub; /* per field index: the message's table */
};

static struct {
	pthread_once_t once;
	struct tab *tabs;
	size_t n, cap;
	int err;
	const struct tab *root;
} schema = {.once = PTHREAD_ONCE_INIT};

/* The table of d (index into schema.tabs), made with those it refers to.
 * Return: the index or -1 (out of memory). */
static long tab_of(const ProtobufCMessageDescriptor *d)
{
	struct tab *t;
	size_t i;

	for (i = 0; i < schema.n; i++)
		if (schema.tabs[i].d == d)
			return (long)i;
	if (schema.n == schema.cap) {
		/* indexes, not pointers, while the array grows */
		size_t cap = schema.cap ? schema.cap * 2 : 64;
		struct tab *grown = realloc(schema.tabs, cap * sizeof(*grown));

		if (!grown)
			return -1;
		schema.tabs = grown;
		schema.cap = cap;
	}
	i = schema.n++;
	t = &schema.tabs[i];
	memset(t, 0, sizeof(*t));
	t->d = d;
	memset(t->small, -1, sizeof(t->small));
	t->code = calloc(d->n_fields ? d->n_fields : 1, 1);
	t->sub = calloc(d->n_fields ? d->n_fields : 1, sizeof(*t->sub));
	if (!t->code || !t->sub || d->n_fields > 127)
		return -1;
	for (unsigned k = 0; k < d->n_fields; k++) {
		const ProtobufCFieldDescriptor *f = &d->fields[k];
		uint8_t code = (uint8_t)fr_hubble__wire_type_of(f->type);
		long sub;

		if (f->id < SMALL)
			schema.tabs[i].small[f->id] = (int8_t)k;
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			code |= C_MSG;
			sub = tab_of(f->descriptor);
			if (sub < 0)
				return -1;
			/* a pointer into tabs: fixed up once all are made */
			schema.tabs[i].sub[k] = (const struct tab *)(uintptr_t)(sub + 1);
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED &&
			   fr_hubble__wire_type_of(f->type) != 2) {
			code |= C_PACKABLE;
		}
		schema.tabs[i].code[k] = code;
	}
	return (long)i;
}

static void make_schema(void)
{
	if (tab_of(&observer__get_flows_response__descriptor) < 0) {
		schema.err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < schema.n; i++)
		for (unsigned k = 0; k < schema.tabs[i].d->n_fields; k++)
			if (schema.tabs[i].sub[k])
				schema.tabs[i].sub[k] =
					&schema.tabs[(uintptr_t)schema.tabs[i].sub[k] - 1];
	schema.root = &schema.tabs[0];
}

struct scan {
	const uint8_t *base;
	struct fr_hubble_error *err;
};

static int scan_msg(const struct scan *s, const struct tab *t, const uint8_t *p, size_t len,
		    unsigned depth);

/* A packed run of varints must end on a value. */
static bool packed_ok(const uint8_t *p, size_t n, unsigned wt)
{
	size_t pos = 0;
	uint64_t v;

	if (wt == 5 || wt == 1)
		return n % (wt == 5 ? 4 : 8) == 0;
	while (pos < n)
		if (fr_hubble__rd_varint(p, n, &pos, &v))
			return false;
	return true;
}

/* A known field's value p[0..n) (wt: its wire type on the wire); errors
 * where fr_hubble__validate puts them. */
static int scan_field(const struct scan *s, const struct tab *t, int k, const uint8_t *p, size_t n,
		      unsigned wt, size_t at, unsigned depth)
{
	const uint8_t code = t->code[k];
	const size_t val = (size_t)(p - s->base);
	int rc = 0;

	if (wt == 2) {
		if (code & C_MSG)
			rc = depth + 1 > FR_HUBBLE_MAX_DEPTH
				     ? fr_hubble__fail(s->err, FR_HUBBLE_EDEPTH, val)
				     : scan_msg(s, t->sub[k], p, n, depth + 1);
		else if ((code & C_WT) == 2)
			rc = 0; /* string or bytes */
		else if (!(code & C_PACKABLE))
			rc = fr_hubble__fail(s->err, FR_HUBBLE_EWIRETYPE, val);
		else if (!packed_ok(p, n, code & C_WT))
			rc = fr_hubble__fail(s->err, FR_HUBBLE_ETRUNC, val);
	} else if (wt != (code & C_WT) || (code & C_WT) == 2) {
		rc = fr_hubble__fail(s->err, FR_HUBBLE_EWIRETYPE, at);
	}
	if (rc && s->err)
		fr_hubble__path_prepend(s->err, t->d->fields[k].name);
	return rc;
}

static int field_index(const struct tab *t, uint64_t num)
{
	const ProtobufCFieldDescriptor *f;

	if (num < SMALL)
		return t->small[num];
	f = protobuf_c_message_descriptor_get_field(t->d, (unsigned)num);
	return f ? (int)(f - t->d->fields) : -1;
}

static int scan_msg(const struct scan *s, const struct tab *t, const uint8_t *p, size_t len,
		    unsigned depth)
{
	size_t pos = 0;

	while (pos < len) {
		const size_t at = (size_t)(p - s->base) + pos;
		size_t vstart, n = 0;
		uint64_t tag, v;
		unsigned wt;
		int rc, k;

		rc = fr_hubble__rd_tag(p, len, &pos, &tag);
		if (rc)
			return fr_hubble__fail(s->err, rc, at);
		wt = (unsigned)(tag & 7);
		k = field_index(t, tag >> 3);
		rc = fr_hubble__rd_value(p, len, &pos, wt, &v, &vstart, &n);
		if (rc) {
			rc = fr_hubble__fail(s->err, rc, at);
			if (k >= 0 && s->err)
				fr_hubble__path_prepend(s->err, t->d->fields[k].name);
			return rc;
		}
		if (k >= 0) {
			rc = scan_field(s, t, k, p + vstart, n, wt, at, depth);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* What follows trusts the framing scan_msg checked. */
struct reader {
	const uint8_t *p;
	size_t len, pos;
};

/* One field: number, wire type, value (a varint in v, else bytes). */
struct field {
	uint32_t num;
	unsigned wt;
	uint64_t v;
	const uint8_t *val;
	size_t n;
};

/* Return: false at the end. */
static bool next_field(struct reader *r, struct field *f)
{
	uint64_t tag;

	if (r->pos >= r->len || fr_hubble__rd_varint(r->p, r->len, &r->pos, &tag))
		return false;
	f->num = (uint32_t)(tag >> 3);
	f->wt = (unsigned)(tag & 7);
	f->v = 0;
	f->n = 0;
	if (f->wt == 0)
		return !fr_hubble__rd_varint(r->p, r->len, &r->pos, &f->v);
	if (f->wt == 1 || f->wt == 5)
		f->n = f->wt == 1 ? 8 : 4;
	else if (fr_hubble__rd_varint(r->p, r->len, &r->pos, &f->v))
		return false;
	else
		f->n = (size_t)f->v;
	if (f->n > r->len - r->pos)
		return false; /* not after scan_msg; cheap to be sure */
	f->val = r->p + r->pos;
	r->pos += f->n;
	return true;
}

/* Of one message: the varint fields a and b (the last of each, into
 * va/vb; 0: not wanted) and the string field str (into *s, *slen). */
static void read_small(const uint8_t *p, size_t len, uint32_t a, uint64_t *va, uint32_t b,
		       uint64_t *vb, uint32_t str, const char **s, size_t *slen)
{
	struct reader r = {p, len, 0};
	struct field f;

	while (next_field(&r, &f)) {
		if (f.wt == 0 && f.num == a && a)
			*va = f.v;
		else if (f.wt == 0 && f.num == b && b)
			*vb = f.v;
		else if (f.wt == 2 && f.num == str && str) {
			*s = (const char *)f.val;
			*slen = f.n;
		}
	}
}

/* A Timestamp: seconds (1), nanos (2). */
static void read_time(const uint8_t *p, size_t len, int64_t *s, int32_t *ns)
{
	uint64_t sec = 0, nanos = 0;

	read_small(p, len, 1, &sec, 2, &nanos, 0, NULL, NULL);
	*s = (int64_t)sec;
	*ns = (int32_t)nanos;
}

static void read_flow(const uint8_t *p, size_t len, struct fr_hubble_wire *w)
{
	struct reader r = {p, len, 0};
	struct fr_hubble_flow_keys *k = &w->keys;
	struct field f;
	uint64_t et;

	while (next_field(&r, &f)) {
		if (f.wt == 0 && f.num == 2) {
			k->verdict = (int)f.v;
		} else if (f.wt == 0 && f.num == 10) {
			k->type = (int)f.v;
		} else if (f.wt != 2) {
			continue;
		} else if (f.num == 1) { /* time */
			read_time(f.val, f.n, &w->time_s, &w->time_ns);
			w->has_time = true;
		} else if (f.num == 34) { /* uuid */
			w->uuid = f.val;
			w->uuid_len = f.n;
		} else if (f.num == 8) { /* source */
			read_small(f.val, f.n, 0, NULL, 0, NULL, 3, &k->src_ns, &k->src_ns_len);
		} else if (f.num == 9) { /* destination */
			read_small(f.val, f.n, 0, NULL, 0, NULL, 3, &k->dst_ns, &k->dst_ns_len);
		} else if (f.num == 19) { /* event_type */
			et = 0;
			read_small(f.val, f.n, 1, &et, 0, NULL, 0, NULL, NULL);
			k->event_type = (int)et;
		}
	}
}

static void read_response(const uint8_t *p, size_t len, struct fr_hubble_wire *w)
{
	struct reader r = {p, len, 0};
	bool resp_time = false;
	int64_t rs = 0;
	int32_t rns = 0;
	struct field f;

	while (next_field(&r, &f)) {
		if (f.wt != 2)
			continue;
		if (f.num == 1) {
			w->type = FR_HUBBLE_WIRE_FLOW;
			read_flow(f.val, f.n, w);
		} else if (f.num == 2) {
			w->type = FR_HUBBLE_WIRE_NODE_STATUS;
		} else if (f.num == 3) {
			uint64_t src = 0;

			w->type = FR_HUBBLE_WIRE_LOST_EVENTS;
			read_small(f.val, f.n, 1, &src, 2, &w->lost_n, 0, NULL, NULL);
			w->lost_source = (uint32_t)src;
		} else if (f.num == 1001) {
			read_time(f.val, f.n, &rs, &rns);
			resp_time = true;
		}
	}
	if (!w->has_time && resp_time) {
		w->has_time = true;
		w->time_s = rs;
		w->time_ns = rns;
	}
}

int fr_hubble_wire__scan(const uint8_t *buf, size_t len, struct fr_hubble_wire *w,
			 struct fr_hubble_error *err)
{
	const struct scan s = {.base = buf, .err = err};
	int rc;

	memset(w, 0, sizeof(*w));
	if (err)
		memset(err, 0, sizeof(*err));
	pthread_once(&schema.once, make_schema);
	if (schema.err)
		return schema.err;
	if (len > FR_HUBBLE_MAX_MSG) {
		return fr_hubble__fail(err, FR_HUBBLE_ETOOBIG, FR_HUBBLE_MAX_MSG);
	}
	rc = scan_msg(&s, schema.root, buf, len, 1);
	if (rc)
		return rc;
	read_response(buf, len, w);
	return 0;
}

uint64_t fr_hubble_wire__id(const struct fr_hubble_wire *w, const uint8_t *buf, size_t len)
{
	if (w->uuid && w->uuid_len)
		return (uint64_t)w->uuid_len << 32 | fr_crc32c(0, w->uuid, w->uuid_len);
	return (uint64_t)(len & 0x7fffffff) << 32 | 1ull << 63 | fr_crc32c(0, buf, len);
}

const char *fr_hubble_wire__lost_source_name(uint32_t source, char *buf, size_t size)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
		&flow__lost_event_source__descriptor, (int)source);

	if (v)
		return v->name;
	snprintf(buf, size, "%u", source);
	return buf;
}
