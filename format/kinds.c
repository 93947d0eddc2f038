/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Schema tables for every record kind and the table-driven event codec.
 * The field lists live in kinds_fields.h (append-only: add new fields at
 * the end, never reorder).
 */
#include "format/kinds.h"
#include "format/varint.h"

#include <errno.h>
#include <string.h>

/* Field tables and the kind table, made from format/kinds_fields.h. */
#define FR_FIELD_(K, NAME, name, TYPE) {#name, FR_FIELD_##TYPE},
#define FR_KIND_FIELDS_(K, kind_name)                                                              \
	static const struct fr_field fields_##kind_name[] = {FR_FIELDS_##K(FR_FIELD_, K)};
FR_SCHEMA_KINDS(FR_KIND_FIELDS_)

/* A decoder holds FR_EVENT_MAX_FIELDS values and two histograms per event. */
#define FR_IS_HIST_(K, NAME, name, TYPE) +(FR_FIELD_##TYPE == FR_FIELD_HIST)
#define FR_KIND_BOUNDS_(K, kind_name)                                                              \
	_Static_assert(FR_F_##K##__COUNT <= FR_EVENT_MAX_FIELDS, "too many fields");               \
	_Static_assert(0 FR_FIELDS_##K(FR_IS_HIST_, K) <= 2, "too many histograms");
FR_SCHEMA_KINDS(FR_KIND_BOUNDS_)

#define FR_KIND_SCHEMA_(K, kind_name)                                                              \
	{FR_KIND_##K, #kind_name, .has_schema = 1, .nfields = FR_F_##K##__COUNT,                   \
	 .fields = fields_##kind_name},

static const struct fr_kind_info kind_table[] = {
	{FR_KIND_MARKER, "marker", .has_schema = 0},
	{FR_KIND_META_SNAPSHOT, "meta_snapshot", .has_schema = 0},
	{FR_KIND_META_CHANGE, "meta_change", .has_schema = 0},
	{FR_KIND_HUBBLE_FLOW_PB, "hubble_flow_pb", .has_schema = 0},
	{FR_KIND_HUBBLE_FLOW_JSON, "hubble_flow_json", .has_schema = 0},
	{FR_KIND_HUBBLE_STATUS_PB, "hubble_status_pb", .has_schema = 0},
	FR_SCHEMA_KINDS(FR_KIND_SCHEMA_)};

static const struct fr_kind_info *kind_index[FR_KIND_MAX];
static int kind_index_ready;

static void kind_index__build(void)
{
	/* Idempotent and race-benign: every thread writes the same pointers. */
	for (size_t i = 0; i < sizeof(kind_table) / sizeof(kind_table[0]); i++)
		kind_index[kind_table[i].kind] = &kind_table[i];
	kind_index_ready = 1;
}

const struct fr_kind_info *fr_kind__info(unsigned kind)
{
	if (!kind_index_ready)
		kind_index__build();
	return kind < FR_KIND_MAX ? kind_index[kind] : NULL;
}

const char *fr_kind__name(unsigned kind)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);

	return ki ? ki->name : NULL;
}

unsigned fr_kind__from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(kind_table) / sizeof(kind_table[0]); i++)
		if (!strcmp(kind_table[i].name, name))
			return kind_table[i].kind;
	return FR_KIND_INVALID;
}

int fr_kind__field_index(unsigned kind, const char *field)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);

	if (!ki || !ki->has_schema)
		return -1;
	for (unsigned i = 0; i < ki->nfields; i++)
		if (!strcmp(ki->fields[i].name, field))
			return (int)i;
	return -1;
}

static const struct fr_kind_info *schema_of(unsigned kind)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);

	return ki && ki->has_schema ? ki : NULL;
}

size_t fr_event__encoded_bound(unsigned kind, const struct fr_value *vals, unsigned nvals)
{
	const struct fr_kind_info *ki = schema_of(kind);
	size_t n = 0;

	if (!ki)
		return 0;
	for (unsigned i = 0; i < ki->nfields; i++) {
		const struct fr_value *v = i < nvals ? &vals[i] : NULL;

		n += FR_VARINT_MAX;
		if (v && ki->fields[i].type == FR_FIELD_BYTES)
			n += v->len;
		else if (v && ki->fields[i].type == FR_FIELD_HIST)
			n += (size_t)v->len * FR_VARINT_MAX;
	}
	return n;
}

int fr_event__encode(unsigned kind, const struct fr_value *vals, unsigned nvals, uint8_t *dst,
		     size_t cap)
{
	const struct fr_kind_info *ki = schema_of(kind);
	uint8_t *p = dst, *const end = dst + cap;

	/* fewer values would write the missing fields as 0 without a word */
	if (!ki || nvals != ki->nfields)
		return -EINVAL;
	for (unsigned i = 0; i < ki->nfields; i++) {
		const struct fr_value *v = &vals[i];

		if ((size_t)(end - p) < FR_VARINT_MAX)
			return -ENOSPC;
		switch (ki->fields[i].type) {
		case FR_FIELD_U64:
			p += fr_varint__put(p, v->u);
			break;
		case FR_FIELD_S64:
			p += fr_varint__put(p, fr_zigzag__encode((int64_t)v->u));
			break;
		case FR_FIELD_BYTES:
			if (v->len > FR_FIELD_BYTES_MAX)
				return -EINVAL;
			p += fr_varint__put(p, v->len);
			if ((size_t)(end - p) < v->len)
				return -ENOSPC;
			if (v->len)
				memcpy(p, v->p, v->len);
			p += v->len;
			break;
		case FR_FIELD_HIST: {
			const uint64_t *b = (const uint64_t *)(const void *)v->p;
			uint32_t n = v->len;

			if (n > FR_HIST_BUCKETS)
				return -EINVAL;
			while (n && !b[n - 1])
				n--;
			p += fr_varint__put(p, n);
			for (uint32_t k = 0; k < n; k++) {
				if ((size_t)(end - p) < FR_VARINT_MAX)
					return -ENOSPC;
				p += fr_varint__put(p, b[k]);
			}
			break;
		}
		}
	}
	return (int)(p - dst);
}

int fr_event__decode(unsigned kind, const uint8_t *src, size_t len, struct fr_event *ev)
{
	const struct fr_kind_info *ki = schema_of(kind);
	const uint8_t *p = src, *const end = src + len;
	unsigned nhist = 0;

	if (!ki)
		return -EINVAL;
	ev->nfields = ki->nfields;
	for (unsigned i = 0; i < ki->nfields; i++) {
		struct fr_value *v = &ev->f[i];
		uint64_t x;
		size_t n;

		v->u = 0;
		v->p = NULL;
		v->len = 0;
		if (p == end)
			continue; /* older writer: missing trailing fields read as 0 */
		n = fr_varint__get(p, end, &x);
		if (!n)
			return -EBADMSG;
		p += n;
		switch (ki->fields[i].type) {
		case FR_FIELD_U64:
			v->u = x;
			break;
		case FR_FIELD_S64:
			v->u = (uint64_t)fr_zigzag__decode(x);
			break;
		case FR_FIELD_BYTES:
			if (x > FR_FIELD_BYTES_MAX || x > (uint64_t)(end - p))
				return -EBADMSG;
			v->p = p;
			v->len = (uint32_t)x;
			p += x;
			break;
		case FR_FIELD_HIST:
			if (x > FR_HIST_BUCKETS || nhist >= 2)
				return -EBADMSG;
			memset(ev->hist[nhist], 0, sizeof(ev->hist[nhist]));
			for (uint64_t k = 0; k < x; k++) {
				n = fr_varint__get(p, end, &ev->hist[nhist][k]);
				if (!n)
					return -EBADMSG;
				p += n;
			}
			v->u = x;
			v->p = (const uint8_t *)ev->hist[nhist];
			v->len = (uint32_t)x;
			nhist++;
			break;
		}
	}
	/* trailing bytes are fields of a newer writer: ignored by design */
	return 0;
}
