/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/bundle/redact.h"
#include "analyzer/bundle/redact_json.h"
#include "format/hubble/flow.h"
#include "format/kinds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ON(r, c) ((r)->classes & (1u << (c)))

static const char *const class_names[FR_REDACT_NCLASSES] = {
	"ips", "comm-args", "exe-paths", "l7-urls", "l7-headers", "dns-names", "labels"};

const char *fr_redact__class_name(unsigned c)
{
	return c < FR_REDACT_NCLASSES ? class_names[c] : "?";
}

int fr_redact__parse(const char *list, unsigned *classes, int *keep_subnets, char *why, size_t cap)
{
	const char *p = list;

	while (*p) {
		const size_t n = strcspn(p, ",");
		unsigned c;

		if (n == 3 && !strncmp(p, "all", 3))
			*classes |= (1u << FR_REDACT_NCLASSES) - 1;
		else if (n == 16 && !strncmp(p, "ips-keep-subnets", 16)) {
			*classes |= 1u << FR_REDACT_IPS;
			*keep_subnets = 1;
		} else {
			for (c = 0; c < FR_REDACT_NCLASSES; c++)
				if (strlen(class_names[c]) == n && !strncmp(p, class_names[c], n))
					break;
			if (c == FR_REDACT_NCLASSES) {
				snprintf(why, cap, "unknown redaction class '%.*s'", (int)n, p);
				return -EINVAL;
			}
			*classes |= 1u << c;
		}
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

int fr_redact__init(struct fr_redact *r, unsigned classes, int keep_subnets)
{
	memset(r, 0, sizeof(*r));
	r->classes = classes;
	memset(r->need, -1, sizeof(r->need));
	return fr_pseudo__init(&r->ps, keep_subnets);
}

void fr_redact__free(struct fr_redact *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

static int reserve(struct fr_redact *r, size_t n)
{
	uint8_t *p;

	if (n <= r->cap)
		return 0;
	p = realloc(r->buf, n);
	if (!p)
		return -ENOMEM;
	r->buf = p;
	r->cap = n;
	return 0;
}

enum field_rule { KEEP, KPTR, KPTR_KERNEL_HALF, IP, COMM, EXE };

static enum field_rule rule_of(unsigned kind, const char *name)
{
	if (!strcmp(name, "sock_id") || !strcmp(name, "location"))
		return KPTR;
	if (!strcmp(name, "address"))
		return KPTR_KERNEL_HALF;
	if (!strcmp(name, "saddr") || !strcmp(name, "daddr"))
		return IP;
	if (!strcmp(name, "comm"))
		return COMM;
	if (!strcmp(name, "filename") && kind == FR_KIND_PROC_EXEC)
		return EXE; /* file_open's filename is a file, not a program */
	return KEEP;
}

static int rule_applies(const struct fr_redact *r, enum field_rule rule)
{
	switch (rule) {
	case KPTR:
	case KPTR_KERNEL_HALF:
		return !r->kaddr_hidden;
	case IP:
		return ON(r, FR_REDACT_IPS);
	case COMM:
		return ON(r, FR_REDACT_COMM_ARGS);
	case EXE:
		return ON(r, FR_REDACT_EXE_PATHS);
	default:
		return 0;
	}
}

static int kind_needs(struct fr_redact *r, const struct fr_kind_info *ki)
{
	int8_t *n = &r->need[ki->kind & 0xff];

	_Static_assert(sizeof(r->rule[0]) >= FR_EVENT_MAX_FIELDS, "a rule per field");
	if (*n < 0) {
		*n = 0;
		for (unsigned i = 0; i < ki->nfields; i++) {
			const enum field_rule f = rule_of(ki->kind, ki->fields[i].name);

			r->rule[ki->kind & 0xff][i] = rule_applies(r, f) ? (uint8_t)f : KEEP;
			*n |= r->rule[ki->kind & 0xff][i] != KEEP;
		}
	}
	return *n;
}

/* Schema kinds: decode, rewrite the fields a rule names, encode. */
static int schema_record(struct fr_redact *r, const struct fr_kind_info *ki, const uint8_t *in,
			 size_t len, const uint8_t **out, size_t *outlen)
{
	static struct fr_event ev; /* large; the bundle writer is single-threaded */
	char strs[2][64];
	uint8_t ips[2][16];
	int changed = 0, nstr = 0, nip = 0, n;

	if (!kind_needs(r, ki))
		return 0;
	if (fr_event__decode(ki->kind, in, len, &ev))
		return 1;
	for (unsigned i = 0; i < ki->nfields; i++) {
		struct fr_value *v = &ev.f[i];

		switch ((enum field_rule)r->rule[ki->kind & 0xff][i]) {
		case KPTR_KERNEL_HALF:
			if (v->u < (1ull << 63))
				break;
			/* fall through */
		case KPTR:
			if (v->u) {
				v->u = fr_pseudo__kptr(&r->ps, v->u);
				r->kptrs++;
				changed = 1;
			}
			break;
		case IP:
			if (ON(r, FR_REDACT_IPS) && (v->len == 4 || v->len == 16) && nip < 2) {
				memcpy(ips[nip], v->p, v->len);
				if (fr_pseudo__ip(&r->ps, ips[nip], v->len)) {
					v->p = ips[nip++];
					r->values[FR_REDACT_IPS]++;
					changed = 1;
				}
			}
			break;
		case COMM:
		case EXE: {
			const int exe = r->rule[ki->kind & 0xff][i] == EXE;

			if (!ON(r, exe ? FR_REDACT_EXE_PATHS : FR_REDACT_COMM_ARGS) || !v->len ||
			    nstr >= 2)
				break;
			fr_pseudo__str(&r->ps, exe ? "exe" : "comm", v->p, v->len, strs[nstr],
				       sizeof(strs[nstr]));
			v->p = (const uint8_t *)strs[nstr];
			v->len = (uint32_t)strlen(strs[nstr++]);
			r->values[exe ? FR_REDACT_EXE_PATHS : FR_REDACT_COMM_ARGS]++;
			changed = 1;
			break;
		}
		case KEEP:
			break;
		}
	}
	if (!changed)
		return 0;
	if (reserve(r, fr_event__encoded_bound(ki->kind, ev.f, ki->nfields)))
		return -ENOMEM;
	n = fr_event__encode(ki->kind, ev.f, ki->nfields, r->buf, r->cap);
	if (n < 0)
		return 1;
	*out = r->buf;
	*outlen = (size_t)n;
	return 0;
}

static int json_text(struct fr_redact *r, const uint8_t *in, size_t len, const uint8_t **out,
		     size_t *outlen)
{
	json_t *root = json_loadb((const char *)in, len, JSON_DECODE_ANY, NULL);
	char *s;
	int err;

	if (!root)
		return 1;
	err = fr_redact__json(r, root);
	s = err ? NULL : json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	err = reserve(r, len);
	if (!err) {
		memcpy(r->buf, s, len);
		*out = r->buf;
		*outlen = len;
	}
	free(s);
	return err;
}

/* Protobuf flows: through the jsonpb mapping and back, one rule set. */
static int flow_pb(struct fr_redact *r, const uint8_t *in, size_t len, const uint8_t **out,
		   size_t *outlen)
{
	const ProtobufCMessageDescriptor *d = &observer__get_flows_response__descriptor;
	ProtobufCMessage *m = NULL, *m2 = NULL;
	struct fr_hubble_error he;
	json_t *j = NULL;
	uint8_t *enc = NULL;
	size_t n = 0;
	int err;

	if (fr_hubble__decode(d, in, len, &m, &he) || fr_hubble__to_json(m, &j, &he)) {
		fr_hubble__free(m);
		return 1;
	}
	err = fr_redact__json(r, j);
	if (!err && fr_hubble__from_json(d, j, &m2, &he))
		err = 1;
	if (!err)
		err = fr_hubble__encode(m2, &enc, &n);
	if (!err)
		err = reserve(r, n);
	if (!err) {
		memcpy(r->buf, enc, n);
		*out = r->buf;
		*outlen = n;
	}
	free(enc);
	json_decref(j);
	fr_hubble__free(m);
	fr_hubble__free(m2);
	return err;
}

int fr_redact__record(struct fr_redact *r, unsigned kind, const uint8_t *in, size_t len,
		      const uint8_t **out, size_t *outlen)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);
	int rc = 0;

	*out = in;
	*outlen = len;
	if (ki && ki->has_schema)
		rc = schema_record(r, ki, in, len, out, outlen);
	else if ((kind == FR_KIND_META_SNAPSHOT || kind == FR_KIND_META_CHANGE) &&
		 fr_redact__wants_meta(r))
		rc = json_text(r, in, len, out, outlen);
	else if (kind == FR_KIND_HUBBLE_FLOW_JSON && fr_redact__wants_flows(r))
		rc = json_text(r, in, len, out, outlen);
	else if (kind == FR_KIND_HUBBLE_FLOW_PB && fr_redact__wants_flows(r))
		rc = flow_pb(r, in, len, out, outlen);
	/* a record the rules could not read may hold anything: it stays home */
	if (rc == 1)
		r->dropped++;
	return rc;
}

const char *fr_redact__segment(struct fr_redact *r, int kaddr_hidden)
{
	if (!r->kaddr_hidden != !kaddr_hidden)
		memset(r->need, -1, sizeof(r->need)); /* the rules of pointer fields change */
	r->kaddr_hidden = !!kaddr_hidden;
	return kaddr_hidden ? FR_REDACT_KADDR_HIDDEN : FR_REDACT_KADDR_MAPPED;
}

int fr_redact__may_change(struct fr_redact *r, unsigned kind)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);

	if (ki && ki->has_schema)
		return kind_needs(r, ki);
	if (kind == FR_KIND_META_SNAPSHOT || kind == FR_KIND_META_CHANGE)
		return fr_redact__wants_meta(r);
	if (kind == FR_KIND_HUBBLE_FLOW_JSON || kind == FR_KIND_HUBBLE_FLOW_PB)
		return fr_redact__wants_flows(r);
	return 0;
}

json_t *fr_redact__summary(const struct fr_redact *r)
{
	json_t *o = json_object(), *cl = json_array(), *vals = json_object();

	for (unsigned c = 0; c < FR_REDACT_NCLASSES; c++) {
		if (!ON(r, c))
			continue;
		json_array_append_new(cl, json_string(class_names[c]));
		json_object_set_new(vals, class_names[c], json_integer((json_int_t)r->values[c]));
	}
	json_object_set_new(o, "classes", cl);
	json_object_set_new(o, "keep_subnets", json_boolean(r->ps.keep_subnets));
	json_object_set_new(o, "values_replaced", vals);
	json_object_set_new(o, "kernel_pointers", json_string("per-bundle ids"));
	json_object_set_new(o, "kernel_pointers_replaced", json_integer((json_int_t)r->kptrs));
	json_object_set_new(o, "records_dropped", json_integer((json_int_t)r->dropped));
	return o;
}
