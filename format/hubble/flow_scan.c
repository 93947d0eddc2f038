/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scan of a protobuf message against the generated descriptors, with
 * the limits and error positions of flow.h (fr_hubble__validate), and the
 * visitor hook that reads values while scanning (flow_cols.c). A table
 * per message type of the schema, made once, gives a field's index and
 * kind from its number.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "format/hubble/flow.h"
#include "format/hubble/flow_priv.h"
#include "format/hubble/flow_scan.h"

/* Any byte of w zero, or with its top bit set. */
static inline bool ascii_stop(uint64_t w)
{
	const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;

	return ((w | ((w - lo) & ~w)) & hi) != 0;
}

static inline uint64_t word(const uint8_t *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return w;
}

/* s[0..n) is ASCII without NUL, checked a word at a time (the words at
 * the ends may overlap the others: the test does not mind). */
static bool ascii(const uint8_t *s, size_t n)
{
	uint64_t w = 0x2020202020202020ull; /* spaces past a short string */
	size_t i = 0;

	if (n < 8) {
		if (n)
			memcpy(&w, s, n);
		return !ascii_stop(w);
	}
	for (; n - i > 16; i += 16)
		if (ascii_stop(word(s + i)) || ascii_stop(word(s + i + 8)))
			return false;
	return !ascii_stop(word(s + n - 8)) && !ascii_stop(word(s + (n - i > 8 ? i : n - 8)));
}

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF), no NUL;
 * ASCII a word at a time first. */
bool fr_hubble__utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	if (ascii(s, n))
		return true;
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

long fr_hubble__packed_count(const uint8_t *p, size_t len, unsigned wt)
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

uint8_t fr_hubble__code_of(const ProtobufCFieldDescriptor *f)
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

#define MAX_TABS 128

static struct {
	pthread_once_t once;
	struct fr_hubble_ftab tabs[MAX_TABS];
	size_t n;
	struct fr_hubble_ftab *slot[2 * MAX_TABS]; /* by descriptor address */
} ftabs = {.once = PTHREAD_ONCE_INIT};

static size_t slot_of(const ProtobufCMessageDescriptor *d)
{
	return ((uintptr_t)d >> 4) * 0x9e3779b97f4a7c15ull >> 56; /* 0..255 */
}

static struct fr_hubble_ftab *find_tab(const ProtobufCMessageDescriptor *d)
{
	for (size_t j = slot_of(d); ftabs.slot[j]; j = (j + 1) % (2 * MAX_TABS))
		if (ftabs.slot[j]->d == d)
			return ftabs.slot[j];
	return NULL;
}

static struct fr_hubble_ftab *add_tab(const ProtobufCMessageDescriptor *d)
{
	struct fr_hubble_ftab *t = find_tab(d);
	size_t j = slot_of(d);

	if (t || ftabs.n == MAX_TABS || d->n_fields > 128)
		return t; /* NULL: looked up the slow way */
	while (ftabs.slot[j])
		j = (j + 1) % (2 * MAX_TABS);
	t = &ftabs.tabs[ftabs.n++];
	ftabs.slot[j] = t;
	t->d = d;
	memset(t->small, -1, sizeof(t->small));
	for (unsigned k = 0; k < d->n_fields; k++) {
		const ProtobufCFieldDescriptor *f = &d->fields[k];

		if (f->id < FR_HUBBLE_SMALL)
			t->small[f->id] = (int8_t)k;
		t->code[k] = fr_hubble__code_of(f);
		if (f->id < 16 && t->code[k] == 0) /* wire type 0, not a message */
			t->varints |= (uint16_t)(1u << f->id);
	}
	for (unsigned k = 0; k < d->n_fields; k++)
		if (d->fields[k].type == PROTOBUF_C_TYPE_MESSAGE)
			t->sub[k] = add_tab(d->fields[k].descriptor);
	return t;
}

static void make_tabs(void)
{
	add_tab(&observer__get_flows_response__descriptor);
	add_tab(&observer__server_status_response__descriptor);
}

const struct fr_hubble_ftab *fr_hubble__tab_of(const ProtobufCMessageDescriptor *d)
{
	pthread_once(&ftabs.once, make_tabs);
	return find_tab(d);
}

int fr_hubble__scan_slow(struct fr_hubble_scan *s, const ProtobufCMessageDescriptor *d,
			 const struct fr_hubble_ftab *t, const uint8_t *p, size_t len,
			 unsigned depth, fr_hubble_visit visit, void *obj)
{
	/* Every entry and unknown field takes a byte or more: the limits
	 * below can only be passed in a message longer than they are. */
	const bool big = len > FR_HUBBLE_MAX_REPEATED;
	uint32_t counts[128], unknown = 0, none = 0;
	size_t pos = 0;

	if (d->n_fields > 128)
		return fr_hubble__fail(s->err, FR_HUBBLE_EFIELD, (size_t)(p - s->base));
	if (big)
		memset(counts, 0, d->n_fields * sizeof(counts[0]));
	while (pos < len) {
		const ProtobufCFieldDescriptor *f;
		const size_t at = pos;
		struct fr_hubble_val v;
		uint8_t code;
		uint32_t *count;
		unsigned wt;
		int rc;

		rc = fr_hubble__next_field(s, d, t, p, len, &pos, &f, &code, &wt, &v);
		if (rc)
			return rc;
		if (!f) {
			if (big && ++unknown > FR_HUBBLE_MAX_REPEATED)
				return fr_hubble__fail(s->err, FR_HUBBLE_EREPEATED,
						       (size_t)(p + at - s->base));
			continue; /* kept by protobuf-c as an unknown field */
		}
		count = big ? &counts[f - d->fields] : &none;
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

int fr_hubble__scan_tab(struct fr_hubble_scan *s, const ProtobufCMessageDescriptor *d,
			const struct fr_hubble_ftab *t, const uint8_t *p, size_t len,
			unsigned depth, fr_hubble_visit visit, void *obj)
{
	return fr_hubble__scan_inline(s, d, t, p, len, depth, visit, obj);
}

int fr_hubble__scan(struct fr_hubble_scan *s, const ProtobufCMessageDescriptor *d, const uint8_t *p,
		    size_t len, unsigned depth, fr_hubble_visit visit, void *obj)
{
	return fr_hubble__scan_tab(s, d, fr_hubble__tab_of(d), p, len, depth, visit, obj);
}

int fr_hubble__scan_value(struct fr_hubble_scan *s, const ProtobufCFieldDescriptor *f,
			  const struct fr_hubble_val *v, unsigned depth, fr_hubble_visit visit,
			  void *obj)
{
	const struct fr_hubble_ftab *t = v->sub ? v->sub : fr_hubble__tab_of(f->descriptor);

	return fr_hubble__scan_tab(s, f->descriptor, t, v->p, v->n, depth + 1, visit, obj);
}
