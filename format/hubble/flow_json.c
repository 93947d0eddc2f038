/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hubble messages to and from the proto3 JSON mapping that protojson
 * writes with UseProtoNames (what `hubble observe -o jsonpb` prints),
 * driven by the generated descriptors, so every message of the .proto
 * subset converts the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/hubble/flow.h"
#include "format/hubble/flow_priv.h"

#define TS_MIN (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define TS_MAX 253402300799LL	/* 9999-12-31T23:59:59Z */

enum fr_hubble_wkt fr_hubble__wkt_of(const ProtobufCMessageDescriptor *d)
{
	if (!strcmp(d->name, "google.protobuf.Timestamp"))
		return WKT_TIMESTAMP;
	if (!strncmp(d->name, "google.protobuf.", 16) && strstr(d->name, "Value"))
		return WKT_WRAPPER;
	return WKT_NONE;
}

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's method). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static json_t *ts_to_json(const Google__Protobuf__Timestamp *t)
{
	int64_t days, y, rem;
	unsigned mo, d;
	char buf[48], frac[12] = "";

	if (t->seconds < TS_MIN || t->seconds > TS_MAX || t->nanos < 0 || t->nanos > 999999999)
		return NULL;
	days = (t->seconds >= 0 ? t->seconds : t->seconds - 86399) / 86400;
	rem = t->seconds - days * 86400;
	civil_from_days(days, &y, &mo, &d);
	if (t->nanos % 1000000 == 0 && t->nanos)
		snprintf(frac, sizeof(frac), ".%03d", t->nanos / 1000000);
	else if (t->nanos % 1000 == 0 && t->nanos)
		snprintf(frac, sizeof(frac), ".%06d", t->nanos / 1000);
	else if (t->nanos)
		snprintf(frac, sizeof(frac), ".%09d", t->nanos);
	snprintf(buf, sizeof(buf), "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d%sZ", y, mo, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), frac);
	return json_string(buf);
}

static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|+HH:MM|-HH:MM). */
int fr_hubble__ts_parse(const char *s, Google__Protobuf__Timestamp *t)
{
	int y, mo, d, h, mi, sec, nanos = 0, oh, om, k;
	size_t n = strlen(s), i = 19;
	int64_t secs;

	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return -1;
	if (s[i] == '.') {
		for (k = 0, i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++) {
			if (k >= 9)
				return -1;
			nanos = nanos * 10 + (s[i] - '0');
		}
		if (k == 0)
			return -1;
		for (; k < 9; k++)
			nanos *= 10;
	}
	secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
		/* UTC */
	} else if ((s[i] == '+' || s[i] == '-') && i + 6 == n && s[i + 3] == ':' &&
		   !digits(s + i + 1, 2, &oh) && !digits(s + i + 4, 2, &om) && oh < 24 && om < 60) {
		secs += (s[i] == '+' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
	} else {
		return -1;
	}
	/* a day past the month's end (Feb 30) does not round-trip: refuse */
	{
		int64_t yy;
		unsigned m2, d2;

		civil_from_days(days_from_civil(y, (unsigned)mo, (unsigned)d), &yy, &m2, &d2);
		if (m2 != (unsigned)mo || d2 != (unsigned)d)
			return -1;
	}
	if (secs < TS_MIN || secs > TS_MAX)
		return -1;
	t->seconds = secs;
	t->nanos = nanos;
	return 0;
}

static int msg_to_json(const ProtobufCMessage *m, json_t **out, struct fr_hubble_error *err);

/* One value of field f at p (an element, not the repeated array). */
static json_t *val_to_json(const ProtobufCFieldDescriptor *f, const void *p, int *rc,
			   struct fr_hubble_error *err)
{
	char buf[32];
	const ProtobufCEnumValue *ev;
	const char *s;
	json_t *j = NULL;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		snprintf(buf, sizeof(buf), "%" PRId64, *(const int64_t *)p);
		return json_string(buf);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(buf, sizeof(buf), "%" PRIu64, *(const uint64_t *)p);
		return json_string(buf);
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE: {
		double v =
			f->type == PROTOBUF_C_TYPE_FLOAT ? *(const float *)p : *(const double *)p;

		if (isnan(v))
			return json_string("NaN");
		if (isinf(v))
			return json_string(v > 0 ? "Infinity" : "-Infinity");
		return json_real(v);
	}
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
		ev = protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
		return ev ? json_string(ev->name) : json_integer(*(const int *)p);
	case PROTOBUF_C_TYPE_STRING:
		s = *(char *const *)p;
		j = json_string(s ? s : "");
		if (!j)
			*rc = fr_hubble__fail(err, FR_HUBBLE_EUTF8, 0);
		return j;
	case PROTOBUF_C_TYPE_MESSAGE:
		*rc = msg_to_json(*(ProtobufCMessage *const *)p, &j, err);
		return j;
	default: /* bytes: not in the Hubble subset */
		*rc = fr_hubble__fail(err, FR_HUBBLE_ETYPE, 0);
		return NULL;
	}
}

size_t fr_hubble__elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

/* Whether the singular field f at p holds its default (omitted). */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (fr_hubble__elem_size(f->type)) {
	case 8:
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
			const char *s = *(char *const *)p;

			return !s || (f->type == PROTOBUF_C_TYPE_STRING && !s[0]);
		}
		return !*(const uint64_t *)p;
	default:
		return !*(const uint32_t *)p;
	}
}

static int msg_to_json(const ProtobufCMessage *m, json_t **out, struct fr_hubble_error *err)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	enum fr_hubble_wkt w = fr_hubble__wkt_of(d);
	json_t *obj;
	int rc = 0;

	*out = NULL;
	if (w == WKT_TIMESTAMP) {
		*out = ts_to_json((const Google__Protobuf__Timestamp *)m);
		return *out ? 0 : fr_hubble__fail(err, FR_HUBBLE_EVALUE, 0);
	}
	if (w == WKT_WRAPPER && d->n_fields == 1) {
		*out = val_to_json(&d->fields[0], (const char *)m + d->fields[0].offset, &rc, err);
		return *out ? 0 : (rc ? rc : fr_hubble__fail(err, FR_HUBBLE_ENOMEM, 0));
	}
	obj = json_object();
	if (!obj)
		return fr_hubble__fail(err, FR_HUBBLE_ENOMEM, 0);
	for (unsigned i = 0; i < d->n_fields && !rc; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *p = (const char *)m + f->offset;
		json_t *v = NULL;

		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
				continue;
		} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
			   f->type != PROTOBUF_C_TYPE_MESSAGE &&
			   f->type != PROTOBUF_C_TYPE_STRING) {
			if (!*(const protobuf_c_boolean *)((const char *)m + f->quantifier_offset))
				continue;
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
			const char *arr = *(char *const *)p;

			if (!n)
				continue;
			v = json_array();
			for (size_t k = 0; v && k < n && !rc; k++) {
				json_t *e = val_to_json(f, arr + k * fr_hubble__elem_size(f->type),
							&rc, err);

				if (!e || json_array_append_new(v, e))
					rc = rc ? rc : fr_hubble__fail(err, FR_HUBBLE_ENOMEM, 0);
			}
			goto set;
		} else if (is_default(f, p)) {
			continue;
		}
		v = val_to_json(f, p, &rc, err);
	set:
		if (!rc && (!v || json_object_set_new(obj, f->name, v)))
			rc = fr_hubble__fail(err, FR_HUBBLE_ENOMEM, 0);
		else if (rc)
			json_decref(v);
		if (rc)
			fr_hubble__path_prepend(err, f->name);
	}
	if (rc) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

int fr_hubble__to_json(const ProtobufCMessage *m, json_t **out, struct fr_hubble_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
	if (!m || !out)
		return -EINVAL;
	return msg_to_json(m, out, err);
}
