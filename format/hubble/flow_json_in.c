/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jsonpb to Hubble messages: the reverse of flow_json.c, as lenient as
 * `hubble observe --input-file` (protojson with DiscardUnknown): unknown
 * keys and unknown enum names are skipped and counted, integers come as
 * numbers or strings, null is the default.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format/hubble/flow.h"
#include "format/hubble/flow_priv.h"

struct in {
	struct fr_hubble_error *err;
};

static int msg_from_json(struct in *c, const ProtobufCMessageDescriptor *d, const json_t *j,
			 ProtobufCMessage **out, unsigned depth);

/* The field named key: by proto name, else by its lowerCamelCase name. */
static const ProtobufCFieldDescriptor *field_by_key(const ProtobufCMessageDescriptor *d,
						    const char *key)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);

	for (unsigned i = 0; !f && i < d->n_fields; i++) {
		const char *n = d->fields[i].name, *k = key;
		bool up = false;

		for (; *n && *k; n++) {
			if (*n == '_') {
				up = true;
				continue;
			}
			if (*k != (up ? toupper((unsigned char)*n) : *n))
				break;
			up = false;
			k++;
		}
		if (!*n && !*k)
			f = &d->fields[i];
	}
	return f;
}

/* An integer given as a JSON integer, or a string of one (no spaces). */
static int jval_int(const struct fr_hubble_jval *v, bool is_unsigned, int64_t *sv, uint64_t *uv)
{
	if (v->type == FR_JV_INT) {
		if (is_unsigned && v->i < 0)
			return -1;
		*sv = v->i;
		*uv = (uint64_t)v->i;
		return 0;
	}
	if (v->type == FR_JV_REAL) {
		double d = v->d;

		if (d != floor(d) || d < -9.2e18 || d > 1.8e19 || (is_unsigned && d < 0))
			return -1;
		*sv = (int64_t)d;
		*uv = d < 0 ? 0 : (uint64_t)d;
		return 0;
	}
	if (v->type == FR_JV_STR) {
		const char *s = v->s;
		char *end;

		if (!s[0] || isspace((unsigned char)s[0]) || (is_unsigned && s[0] == '-'))
			return -1;
		errno = 0;
		if (is_unsigned)
			*uv = strtoull(s, &end, 10), *sv = (int64_t)*uv;
		else
			*sv = strtoll(s, &end, 10), *uv = (uint64_t)*sv;
		return errno || *end ? -1 : 0;
	}
	return -1;
}

int fr_hubble__scalar_from_jval(const ProtobufCFieldDescriptor *f, const struct fr_hubble_jval *v,
				void *p, bool *skip, struct fr_hubble_error *err)
{
	int64_t sv = 0;
	uint64_t uv = 0;
	bool u = f->type == PROTOBUF_C_TYPE_UINT32 || f->type == PROTOBUF_C_TYPE_FIXED32 ||
		 f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (jval_int(v, u, &sv, &uv))
			goto bad;
		if (sv < INT32_MIN || sv > INT32_MAX)
			return fr_hubble__fail(err, FR_HUBBLE_EVALUE, 0);
		*(int32_t *)p = (int32_t)sv;
		return 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (jval_int(v, u, &sv, &uv))
			goto bad;
		if (uv > UINT32_MAX)
			return fr_hubble__fail(err, FR_HUBBLE_EVALUE, 0);
		*(uint32_t *)p = (uint32_t)uv;
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (jval_int(v, u, &sv, &uv))
			goto bad;
		*(int64_t *)p = sv;
		return 0;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if (jval_int(v, u, &sv, &uv))
			goto bad;
		*(uint64_t *)p = uv;
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE: {
		double d;

		if (v->type == FR_JV_INT)
			d = (double)v->i;
		else if (v->type == FR_JV_REAL)
			d = v->d;
		else if (v->type == FR_JV_STR && !strcmp(v->s, "NaN"))
			d = NAN;
		else if (v->type == FR_JV_STR && !strcmp(v->s, "Infinity"))
			d = INFINITY;
		else if (v->type == FR_JV_STR && !strcmp(v->s, "-Infinity"))
			d = -INFINITY;
		else
			goto bad;
		if (f->type == PROTOBUF_C_TYPE_FLOAT)
			*(float *)p = (float)d;
		else
			*(double *)p = d;
		return 0;
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (v->type != FR_JV_TRUE && v->type != FR_JV_FALSE)
			goto bad;
		*(protobuf_c_boolean *)p = v->type == FR_JV_TRUE;
		return 0;
	case PROTOBUF_C_TYPE_ENUM:
		if (v->type == FR_JV_STR) {
			const ProtobufCEnumValue *ev =
				protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, v->s);

			if (!ev) {
				if (err)
					err->unknown_enums++;
				*skip = true; /* protojson's DiscardUnknown does the same */
				return 0;
			}
			*(int *)p = ev->value;
			return 0;
		}
		if (jval_int(v, false, &sv, &uv) || sv < INT32_MIN || sv > INT32_MAX)
			goto bad;
		*(int *)p = (int)sv;
		return 0;
	default: /* strings and messages: the caller's; bytes: not in the subset */
		goto bad;
	}
bad:
	return fr_hubble__fail(err, FR_HUBBLE_ETYPE, 0);
}

/* One value of field f from j into p (an element, not the array). */
static int val_from_json(struct in *c, const ProtobufCFieldDescriptor *f, const json_t *j, void *p,
			 unsigned depth, bool *skip)
{
	struct fr_hubble_jval v = {.type = FR_JV_OTHER};

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		char *s;

		if (!json_is_string(j))
			return fr_hubble__fail(c->err, FR_HUBBLE_ETYPE, 0);
		if (strlen(json_string_value(j)) != json_string_length(j))
			return fr_hubble__fail(c->err, FR_HUBBLE_EUTF8, 0); /* a NUL */
		s = strdup(json_string_value(j));
		if (!s)
			return fr_hubble__fail(c->err, FR_HUBBLE_ENOMEM, 0);
		*(char **)p = s;
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return msg_from_json(c, f->descriptor, j, (ProtobufCMessage **)p, depth + 1);
	default:
		break;
	}
	if (json_is_integer(j))
		v.type = FR_JV_INT, v.i = json_integer_value(j);
	else if (json_is_real(j))
		v.type = FR_JV_REAL, v.d = json_real_value(j);
	else if (json_is_string(j))
		v.type = FR_JV_STR, v.s = json_string_value(j);
	else if (json_is_boolean(j))
		v.type = json_is_true(j) ? FR_JV_TRUE : FR_JV_FALSE;
	return fr_hubble__scalar_from_jval(f, &v, p, skip, c->err);
}

static int repeated_from_json(struct in *c, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
			      const json_t *arr, unsigned depth)
{
	size_t n = json_array_size(arr), es = fr_hubble__elem_size(f->type);
	size_t *np = (size_t *)((char *)m + f->quantifier_offset);
	char **ap = (char **)((char *)m + f->offset);
	bool skip = false;

	if (!json_is_array(arr))
		return fr_hubble__fail(c->err, FR_HUBBLE_ETYPE, 0);
	if (n > FR_HUBBLE_MAX_REPEATED)
		return fr_hubble__fail(c->err, FR_HUBBLE_EREPEATED, 0);
	if (!n || *ap)
		return *ap ? fr_hubble__fail(c->err, FR_HUBBLE_EVALUE, 0) : 0;
	*ap = calloc(n, es);
	if (!*ap)
		return fr_hubble__fail(c->err, FR_HUBBLE_ENOMEM, 0);
	for (size_t k = 0; k < n; k++) {
		const json_t *e = json_array_get(arr, k);
		int rc;

		/* null elements and unknown enum names are refused in lists,
		 * as protojson does: a list cannot have holes */
		rc = json_is_null(e) ? fr_hubble__fail(c->err, FR_HUBBLE_ETYPE, 0)
				     : val_from_json(c, f, e, *ap + *np * es, depth, &skip);
		if (!rc && skip)
			rc = fr_hubble__fail(c->err, FR_HUBBLE_EVALUE, 0);
		if (rc) {
			if (!*np) {
				free(*ap);
				*ap = NULL;
			}
			return rc;
		}
		(*np)++;
	}
	return 0;
}

static int msg_from_json(struct in *c, const ProtobufCMessageDescriptor *d, const json_t *j,
			 ProtobufCMessage **out, unsigned depth)
{
	enum fr_hubble_wkt w = fr_hubble__wkt_of(d);
	ProtobufCMessage *m;
	const char *key;
	json_t *val;
	int rc = 0;

	if (depth > FR_HUBBLE_MAX_DEPTH)
		return fr_hubble__fail(c->err, FR_HUBBLE_EDEPTH, 0);
	m = calloc(1, d->sizeof_message);
	if (!m)
		return fr_hubble__fail(c->err, FR_HUBBLE_ENOMEM, 0);
	d->message_init(m);
	if (w == WKT_TIMESTAMP) {
		if (!json_is_string(j) ||
		    fr_hubble__ts_parse(json_string_value(j), (Google__Protobuf__Timestamp *)m))
			rc = fr_hubble__fail(
				c->err, json_is_string(j) ? FR_HUBBLE_EVALUE : FR_HUBBLE_ETYPE, 0);
		goto done;
	}
	if (w == WKT_WRAPPER && d->n_fields == 1) {
		bool skip = false;

		rc = val_from_json(c, &d->fields[0], j, (char *)m + d->fields[0].offset, depth,
				   &skip);
		goto done;
	}
	if (!json_is_object(j)) {
		rc = fr_hubble__fail(c->err, FR_HUBBLE_ETYPE, 0);
		goto done;
	}
	json_object_foreach((json_t *)j, key, val)
	{
		const ProtobufCFieldDescriptor *f = field_by_key(d, key);
		bool skip = false;
		char *p;

		if (!f) {
			if (c->err)
				c->err->unknown_keys++;
			continue;
		}
		if (json_is_null(val))
			continue;
		p = (char *)m + f->offset;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t *cs = (uint32_t *)((char *)m + f->quantifier_offset);

			if (*cs) {
				rc = fr_hubble__fail(c->err, FR_HUBBLE_EVALUE, 0);
			} else {
				rc = val_from_json(c, f, val, p, depth, &skip);
				if (!rc && !skip)
					*cs = f->id;
			}
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			rc = repeated_from_json(c, m, f, val, depth);
		} else if ((f->type == PROTOBUF_C_TYPE_STRING &&
			    *(char **)p != (char *)f->default_value) ||
			   (f->type == PROTOBUF_C_TYPE_MESSAGE && *(void **)p)) {
			/* set twice, by its proto and its camelCase name */
			rc = fr_hubble__fail(c->err, FR_HUBBLE_EVALUE, 0);
		} else {
			rc = val_from_json(c, f, val, p, depth, &skip);
			if (!rc && !skip && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
			    f->quantifier_offset)
				*(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
		}
		if (rc) {
			fr_hubble__path_prepend(c->err, key);
			break;
		}
	}
done:
	if (rc) {
		protobuf_c_message_free_unpacked(m, NULL);
		return rc;
	}
	*out = m;
	return 0;
}

int fr_hubble__from_json(const ProtobufCMessageDescriptor *d, const json_t *obj,
			 ProtobufCMessage **out, struct fr_hubble_error *err)
{
	struct in c = {.err = err};

	if (err)
		memset(err, 0, sizeof(*err));
	if (!d || !obj || !out)
		return -EINVAL;
	*out = NULL;
	if (fr_hubble__wkt_of(d) == WKT_NONE && !json_is_object(obj))
		return fr_hubble__fail(err, FR_HUBBLE_ETYPE, 0);
	return msg_from_json(&c, d, obj, out, 1);
}

int fr_hubble__parse_line_jansson(const ProtobufCMessageDescriptor *d, const char *text, size_t len,
				  ProtobufCMessage **out, struct fr_hubble_error *err)
{
	json_error_t jerr;
	json_t *doc;
	int rc;

	if (err)
		memset(err, 0, sizeof(*err));
	if (!d || !out || (!text && len))
		return -EINVAL;
	*out = NULL;
	if (len > FR_HUBBLE_MAX_MSG)
		return fr_hubble__fail(err, FR_HUBBLE_ETOOBIG, FR_HUBBLE_MAX_MSG);
	doc = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return fr_hubble__fail(err, FR_HUBBLE_EJSON, (size_t)jerr.position);
	rc = fr_hubble__from_json(d, doc, out, err);
	json_decref(doc);
	return rc;
}
