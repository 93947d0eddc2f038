/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jsonpb line to Hubble message without a DOM: a JSON reader that fills
 * the protobuf-c structs as it goes, driven by the generated descriptors,
 * with the rules of flow_json_in.c (the jansson reader, which stays the
 * reference). What it accepts, jansson accepts with the same message and
 * the same unknown counts (unit.hubble_jsonfast and fuzz_hubble check
 * this); what it refuses is handed to jansson for the error report
 * (jansson's byte position, the field path). Rare shapes it does not
 * handle (escaped keys, many or deep unknown values) are handed over too.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format/hubble/flow.h"
#include "format/hubble/flow_priv.h"

#define NO   (-EBADMSG) /* refused: jansson refuses it too */
#define PUNT (-EAGAIN)	/* not handled here: jansson decides */
/* Unknown values nested deeper, or objects with more unknown keys, are
 * left to jansson (its limits: depth 2048, a hash table per object). */
#define SKIP_DEPTH 64
#define SKIP_KEYS  32

struct fp {
	const char *p, *end;
	struct fr_hubble_error *err; /* counts only */
};

/* A string token: its raw bytes between the quotes. */
struct str {
	const char *s;
	size_t n;
	bool esc;
};

static inline void ws(struct fp *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
		c->p++;
}

static int hex4(const char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char h = s[i];

		*v <<= 4;
		if (h >= '0' && h <= '9')
			*v |= (unsigned)(h - '0');
		else if (h >= 'a' && h <= 'f')
			*v |= (unsigned)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			*v |= (unsigned)(h - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* Length of the UTF-8 sequence at s (strict: no overlong forms, no
 * surrogates, at most U+10FFFF), 0 when invalid. */
static size_t utf8_len(const uint8_t *s, size_t avail)
{
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;

	return len <= avail && fr_hubble__utf8_ok(s, len) ? len : 0;
}

/* Checks the escape at s (after the backslash) with its surrogate pair;
 * returns its length, 0 when jansson refuses it (\u0000 included). */
static size_t esc_len(const char *s, const char *end)
{
	unsigned v, lo;

	if (s >= end)
		return 0;
	if (*s && strchr("\"\\/bfnrt", *s))
		return 1;
	if (*s != 'u' || end - s < 5 || hex4(s + 1, &v) || v == 0)
		return 0;
	if (v >= 0xdc00 && v <= 0xdfff)
		return 0;
	if (v < 0xd800 || v > 0xdbff)
		return 5;
	if (end - s < 11 || s[5] != '\\' || s[6] != 'u' || hex4(s + 7, &lo) || lo < 0xdc00 ||
	    lo > 0xdfff)
		return 0;
	return 11;
}

/* A string at c->p (on its quote), validated as jansson does. */
static int rd_str(struct fp *c, struct str *t)
{
	const uint8_t *p = (const uint8_t *)c->p + 1, *e = (const uint8_t *)c->end;

	t->esc = false;
	t->s = (const char *)p;
	for (;;) {
		while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p >= e || *p < 0x20)
			return NO;
		if (*p == '"')
			break;
		if (*p == '\\') {
			size_t k = esc_len((const char *)p + 1, c->end);

			if (!k)
				return NO;
			t->esc = true;
			p += 1 + k;
		} else {
			size_t k = utf8_len(p, (size_t)(e - p));

			if (!k)
				return NO;
			p += k;
		}
	}
	t->n = (size_t)((const char *)p - t->s);
	c->p = (const char *)p + 1;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* The text of a validated string into o (room for t->n + 1), NUL-ended. */
static void decode(const struct str *t, char *o)
{
	const char *s = t->s, *e = t->s + t->n;
	static const char plain[] = "\"\\/\b\f\n\r\t", code[] = "\"\\/bfnrt";

	if (!t->esc) {
		memcpy(o, s, t->n);
		o[t->n] = '\0';
		return;
	}
	while (s < e) {
		unsigned v, lo;

		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		if (s[1] != 'u') {
			*o++ = plain[strchr(code, s[1]) - code];
			s += 2;
			continue;
		}
		hex4(s + 2, &v);
		s += 6;
		if (v >= 0xd800 && v <= 0xdbff) {
			hex4(s + 2, &lo);
			v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
			s += 6;
		}
		o = put_utf8(o, v);
	}
	*o = '\0';
}

/* A number at c->p with jansson's grammar and limits: integers in
 * int64, reals (with '.', 'e' or 'E') through strtod without overflow. */
static int rd_num(struct fp *c, struct fr_hubble_jval *v)
{
	const char *s = c->p, *p = s, *e = c->end;
	bool neg = false, real = false, big = false;
	uint64_t u = 0;

	if (p < e && *p == '-')
		neg = true, p++;
	if (p >= e || *p < '0' || *p > '9')
		return NO;
	if (*p == '0') {
		p++;
		if (p < e && *p >= '0' && *p <= '9')
			return NO;
	} else {
		for (; p < e && *p >= '0' && *p <= '9'; p++) {
			if (u > (UINT64_MAX - 9) / 10)
				big = true; /* over int64: refused unless a real */
			else
				u = u * 10 + (uint64_t)(*p - '0');
		}
	}
	if (p < e && *p == '.') {
		real = true;
		if (++p >= e || *p < '0' || *p > '9')
			return NO;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		real = true;
		if (++p < e && (*p == '+' || *p == '-'))
			p++;
		if (p >= e || *p < '0' || *p > '9')
			return NO;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	c->p = p;
	if (p < e && !*p)
		return PUNT; /* jansson skips one NUL after a number (its unget) */
	if (!real) {
		if (big || u > (uint64_t)INT64_MAX + neg)
			return NO; /* jansson: too big integer */
		v->type = FR_JV_INT;
		v->i = neg ? (int64_t)(0 - u) : (int64_t)u;
		return 0;
	}
	{
		size_t n = (size_t)(p - s);
		char small[64], *b = n < sizeof(small) ? small : malloc(n + 1);

		if (!b)
			return -ENOMEM;
		memcpy(b, s, n);
		b[n] = '\0';
		errno = 0;
		v->d = strtod(b, NULL);
		if (b != small)
			free(b);
		if ((v->d == HUGE_VAL || v->d == -HUGE_VAL) && errno == ERANGE)
			return NO; /* jansson: real number overflow */
		v->type = FR_JV_REAL;
	}
	return 0;
}

/* "true", "false", "null": jansson reads a run of letters. */
static int rd_word(struct fp *c, const char **w)
{
	const char *s = c->p;

	while (c->p < c->end && ((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z')))
		c->p++;
	if (c->p < c->end && !*c->p)
		return PUNT; /* jansson skips one NUL after a word (its unget) */
	for (const char *const *k = (const char *const[]){"true", "false", "null", NULL}; *k; k++)
		if (strlen(*k) == (size_t)(c->p - s) && !memcmp(*k, s, (size_t)(c->p - s))) {
			*w = *k;
			return 0;
		}
	return NO;
}

static int skip_value(struct fp *c, unsigned depth);

/* An object or array at c->p whose content is not kept. */
static int skip_container(struct fp *c, unsigned depth)
{
	bool obj = *c->p == '{';
	struct str keys[SKIP_KEYS];
	size_t n = 0;
	int rc;

	if (depth > SKIP_DEPTH)
		return PUNT;
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == (obj ? '}' : ']')) {
		c->p++;
		return 0;
	}
	for (;;) {
		ws(c);
		if (obj) {
			if (c->p >= c->end || *c->p != '"')
				return NO;
			if ((rc = rd_str(c, &keys[n])))
				return rc;
			if (keys[n].esc || n + 1 >= SKIP_KEYS)
				return PUNT;
			for (size_t k = 0; k < n; k++)
				if (keys[k].n == keys[n].n &&
				    !memcmp(keys[k].s, keys[n].s, keys[n].n))
					return NO; /* duplicate key */
			n++;
			ws(c);
			if (c->p >= c->end || *c->p != ':')
				return NO;
			c->p++;
		}
		if ((rc = skip_value(c, depth)))
			return rc;
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == (obj ? '}' : ']')) {
			c->p++;
			return 0;
		}
		return NO;
	}
}

static int skip_value(struct fp *c, unsigned depth)
{
	struct fr_hubble_jval v;
	struct str t;
	const char *w;

	ws(c);
	if (c->p >= c->end)
		return NO;
	switch (*c->p) {
	case '{':
	case '[':
		return skip_container(c, depth + 1);
	case '"':
		return rd_str(c, &t);
	case '-':
	case '0' ... '9':
		return rd_num(c, &v);
	default:
		return rd_word(c, &w);
	}
}

/* A scalar for fr_hubble__scalar_from_jval; a string's text goes to buf
 * (size bytes) or, when longer, to *heap (the caller frees it). */
static int rd_scalar(struct fp *c, struct fr_hubble_jval *v, char *buf, size_t size, char **heap)
{
	const char *w;
	struct str t;
	int rc;

	v->type = FR_JV_OTHER;
	if (c->p >= c->end)
		return NO;
	switch (*c->p) {
	case '"':
		if ((rc = rd_str(c, &t)))
			return rc;
		if (t.n >= size && !(buf = *heap = malloc(t.n + 1)))
			return -ENOMEM;
		decode(&t, buf);
		v->type = FR_JV_STR;
		v->s = buf;
		return 0;
	case '-':
	case '0' ... '9':
		return rd_num(c, v);
	case '{':
	case '[':
		return NO; /* a type error wherever a scalar is read */
	default:
		if ((rc = rd_word(c, &w)))
			return rc;
		v->type = *w == 't' ? FR_JV_TRUE : *w == 'f' ? FR_JV_FALSE : FR_JV_OTHER;
		return 0;
	}
}

static int rd_msg(struct fp *c, const ProtobufCMessageDescriptor *d, ProtobufCMessage **out,
		  unsigned depth);

/* One value of field f into p (an element, not the array); c->p is on it. */
static int rd_val(struct fp *c, const ProtobufCFieldDescriptor *f, void *p, unsigned depth,
		  bool *skip)
{
	struct fr_hubble_jval v;
	char buf[128], *heap = NULL;
	int rc;

	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return rd_msg(c, f->descriptor, (ProtobufCMessage **)p, depth + 1);
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		struct str t;
		char *s;

		if (c->p >= c->end || *c->p != '"')
			return NO; /* a type error: refused whatever follows */
		if ((rc = rd_str(c, &t)))
			return rc;
		if (!(s = malloc(t.n + 1)))
			return -ENOMEM;
		decode(&t, s);
		*(char **)p = s;
		return 0;
	}
	rc = rd_scalar(c, &v, buf, sizeof(buf), &heap);
	if (!rc && v.type == FR_JV_OTHER)
		rc = NO; /* null in a list, an object or array for a scalar */
	if (!rc)
		rc = fr_hubble__scalar_from_jval(f, &v, p, skip, c->err) ? NO : 0;
	free(heap);
	return rc;
}

static int rd_list(struct fp *c, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
		   unsigned depth)
{
	size_t es = fr_hubble__elem_size(f->type), cap = 0;
	size_t *np = (size_t *)((char *)m + f->quantifier_offset);
	char **ap = (char **)((char *)m + f->offset);
	int rc;

	if (c->p >= c->end || *c->p != '[')
		return NO;
	if (*ap)
		return NO; /* set twice (proto and camelCase name) */
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return 0;
	}
	for (;;) {
		bool skip = false;

		if (*np == cap) {
			char *a;

			if (cap >= FR_HUBBLE_MAX_REPEATED)
				return NO;
			cap = cap ? cap * 2 : 4;
			if (!(a = realloc(*ap, cap * es)))
				return -ENOMEM;
			*ap = a;
		}
		ws(c);
		memset(*ap + *np * es, 0, es);
		rc = rd_val(c, f, *ap + *np * es, depth, &skip);
		if (rc)
			return rc;
		(*np)++;
		if (skip)
			return NO; /* an unknown enum name in a list */
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			return 0;
		}
		return NO;
	}
}

/* The field named by key t (proto name, else lowerCamelCase); *camel
 * says which, so that a key given twice is told from the two names. */
static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessageDescriptor *d,
						const struct str *t, bool *camel)
{
	unsigned lo = 0, hi = d->n_fields;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const ProtobufCFieldDescriptor *f = &d->fields[d->fields_sorted_by_name[mid]];
		int cmp = strncmp(f->name, t->s, t->n);

		if (!cmp && f->name[t->n])
			cmp = 1;
		if (!cmp) {
			*camel = false;
			return f;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*camel = true;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const char *n = d->fields[i].name, *k = t->s, *e = t->s + t->n;
		bool up = false;

		for (; *n && k < e; n++) {
			if (*n == '_') {
				up = true;
				continue;
			}
			if (*k != (up ? (*n >= 'a' && *n <= 'z' ? *n - 32 : *n) : *n))
				break;
			up = false;
			k++;
		}
		if (!*n && k == e)
			return &d->fields[i];
	}
	return NULL;
}

/* One key and its value of message m (c->p on the key's quote). */
static int rd_member(struct fp *c, const ProtobufCMessageDescriptor *d, ProtobufCMessage *m,
		     unsigned depth, uint64_t *seen, struct str *unknown, size_t *n_unknown)
{
	const ProtobufCFieldDescriptor *f;
	struct str t;
	bool camel, skip = false;
	size_t bit;
	char *p;
	int rc;

	if ((rc = rd_str(c, &t)))
		return rc;
	if (t.esc)
		return PUNT;
	ws(c);
	if (c->p >= c->end || *c->p != ':')
		return NO;
	c->p++;
	ws(c);
	f = field_of(d, &t, &camel);
	if (!f) {
		if (*n_unknown >= SKIP_KEYS)
			return PUNT;
		for (size_t k = 0; k < *n_unknown; k++)
			if (unknown[k].n == t.n && !memcmp(unknown[k].s, t.s, t.n))
				return NO; /* duplicate key */
		unknown[(*n_unknown)++] = t;
		if (c->err)
			c->err->unknown_keys++;
		return skip_value(c, 0);
	}
	bit = (size_t)(f - d->fields) * 2 + camel;
	if (seen[bit / 64] & (1ull << (bit % 64)))
		return NO; /* duplicate key */
	seen[bit / 64] |= 1ull << (bit % 64);
	if (c->end - c->p >= 4 && !memcmp(c->p, "null", 4)) {
		const char *w;

		return rd_word(c, &w); /* "null" or a word jansson refuses */
	}
	p = (char *)m + f->offset;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t *cs = (uint32_t *)((char *)m + f->quantifier_offset);

		if (*cs)
			return NO; /* two members of one oneof */
		rc = rd_val(c, f, p, depth, &skip);
		if (!rc && !skip)
			*cs = f->id;
		return rc;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return rd_list(c, m, f, depth);
	if ((f->type == PROTOBUF_C_TYPE_STRING && *(char **)p != (char *)f->default_value) ||
	    (f->type == PROTOBUF_C_TYPE_MESSAGE && *(void **)p))
		return NO; /* set twice, by its proto and its camelCase name */
	rc = rd_val(c, f, p, depth, &skip);
	if (!rc && !skip && f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
		*(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
	return rc;
}

static int rd_fields(struct fp *c, const ProtobufCMessageDescriptor *d, ProtobufCMessage *m,
		     unsigned depth)
{
	uint64_t seen[4] = {0};
	struct str unknown[SKIP_KEYS];
	size_t n_unknown = 0;
	int rc;

	if (d->n_fields > 128)
		return PUNT;
	if (c->p >= c->end || *c->p != '{')
		return NO;
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return 0;
	}
	for (;;) {
		ws(c);
		if (c->p >= c->end || *c->p != '"')
			return NO;
		if ((rc = rd_member(c, d, m, depth, seen, unknown, &n_unknown)))
			return rc;
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return 0;
		}
		return NO;
	}
}

static int rd_msg(struct fp *c, const ProtobufCMessageDescriptor *d, ProtobufCMessage **out,
		  unsigned depth)
{
	enum fr_hubble_wkt w = fr_hubble__wkt_of(d);
	ProtobufCMessage *m;
	int rc;

	if (depth > FR_HUBBLE_MAX_DEPTH)
		return NO;
	m = calloc(1, d->sizeof_message);
	if (!m)
		return -ENOMEM;
	d->message_init(m);
	if (w == WKT_TIMESTAMP) {
		struct fr_hubble_jval v;
		char buf[64], *heap = NULL;

		rc = rd_scalar(c, &v, buf, sizeof(buf), &heap);
		if (!rc && (v.type != FR_JV_STR ||
			    fr_hubble__ts_parse(v.s, (Google__Protobuf__Timestamp *)m)))
			rc = NO;
		free(heap);
	} else if (w == WKT_WRAPPER && d->n_fields == 1) {
		bool skip = false;

		rc = rd_val(c, &d->fields[0], (char *)m + d->fields[0].offset, depth, &skip);
	} else {
		rc = rd_fields(c, d, m, depth);
	}
	if (rc) {
		protobuf_c_message_free_unpacked(m, NULL);
		return rc;
	}
	*out = m;
	return 0;
}

int fr_hubble__parse_line_fast(const ProtobufCMessageDescriptor *d, const char *text, size_t len,
			       ProtobufCMessage **out, struct fr_hubble_error *err)
{
	struct fp c = {.p = text, .end = text + len, .err = err};
	ProtobufCMessage *m = NULL;
	int rc;

	if (err)
		memset(err, 0, sizeof(*err));
	*out = NULL;
	ws(&c);
	if (c.p >= c.end || *c.p != '{' || fr_hubble__wkt_of(d) != WKT_NONE)
		return PUNT;
	rc = rd_msg(&c, d, &m, 1);
	if (rc)
		return rc;
	ws(&c);
	if (c.p != c.end) {
		protobuf_c_message_free_unpacked(m, NULL);
		return NO;
	}
	*out = m;
	return 0;
}

int fr_hubble__parse_line(const ProtobufCMessageDescriptor *d, const char *text, size_t len,
			  ProtobufCMessage **out, struct fr_hubble_error *err)
{
	/* jansson's entry checks the arguments and the size */
	int rc = d && out && text && len <= FR_HUBBLE_MAX_MSG
			 ? fr_hubble__parse_line_fast(d, text, len, out, err)
			 : PUNT;

	return rc ? fr_hubble__parse_line_jansson(d, text, len, out, err) : 0;
}
