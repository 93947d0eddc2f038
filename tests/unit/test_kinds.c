/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Field indices (format/kinds_fields.h) against the codec's name table:
 * every field of every schema kind, set through its FR_F_ index, must come
 * back under its name; and an encoder must give exactly the kind's fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "format/kinds.h"
#include "format/writer.h"
#include "seg_helpers.h"

/* One row per field, from the table the indices are made of. `index_name`
 * is the index's suffix (FR_F_<KIND>_<INDEX_NAME>), the field name in
 * capitals: the test looks the field up by that, not by the table's name. */
struct field_row {
	unsigned kind;
	unsigned index, count;
	const char *index_name;
	enum fr_field_type type;
};

#define ROW_(K, NAME, name, TYPE)                                                                  \
	{FR_KIND_##K, FR_F_##K##_##NAME, FR_F_##K##__COUNT, #NAME, FR_FIELD_##TYPE},
#define KIND_ROWS_(K, kind_name) FR_FIELDS_##K(ROW_, K)
static const struct field_row rows[] = {FR_SCHEMA_KINDS(KIND_ROWS_)};
static const size_t nrows = sizeof(rows) / sizeof(rows[0]);

static void lower(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	for (; src[i] && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = 0;
}

/* A value no other field of any kind has: kind and index in every byte. */
static uint64_t distinct(const struct field_row *r)
{
	return (uint64_t)r->kind << 8 | (r->index + 1);
}

struct kind_vals {
	struct fr_value v[FR_EVENT_MAX_FIELDS + 1];
	char bytes[FR_EVENT_MAX_FIELDS][32];
	uint64_t hist[FR_EVENT_MAX_FIELDS][FR_HIST_BUCKETS];
	unsigned n; /* fields set */
};

static void set_value(struct kind_vals *kv, const struct field_row *r)
{
	struct fr_value *v = &kv->v[r->index];
	const uint64_t x = distinct(r);

	switch (r->type) {
	case FR_FIELD_U64:
		v->u = x;
		break;
	case FR_FIELD_S64:
		v->u = (uint64_t) - (int64_t)x;
		break;
	case FR_FIELD_BYTES:
		snprintf(kv->bytes[r->index], sizeof(kv->bytes[0]), "k%u.%s", r->kind,
			 r->index_name);
		v->p = (const uint8_t *)kv->bytes[r->index];
		v->len = (uint32_t)strlen(kv->bytes[r->index]);
		break;
	case FR_FIELD_HIST:
		for (unsigned b = 0; b < 3 + r->index; b++)
			kv->hist[r->index][b] = x + b;
		v->p = (const uint8_t *)kv->hist[r->index];
		v->len = 3 + r->index;
		break;
	}
	kv->n++;
}

static void check_value(const struct fr_event *ev, const struct kind_vals *kv,
			const struct field_row *r, int i)
{
	const struct fr_value *got = &ev->f[i], *want = &kv->v[r->index];

	switch (r->type) {
	case FR_FIELD_U64:
	case FR_FIELD_S64:
		assert_int_equal(got->u, want->u);
		break;
	case FR_FIELD_BYTES:
		assert_int_equal(got->len, want->len);
		assert_memory_equal(got->p, want->p, want->len);
		break;
	case FR_FIELD_HIST:
		assert_int_equal(got->len, want->len);
		assert_memory_equal(got->p, want->p, want->len * sizeof(uint64_t));
		break;
	}
}

/* Set every field through its index, decode, find each again by name. */
static void roundtrip_kind(unsigned kind)
{
	const struct fr_kind_info *ki = fr_kind__info(kind);
	static struct kind_vals kv;
	static uint8_t buf[8192];
	struct fr_event ev;
	unsigned count = 0;
	int n;

	memset(&kv, 0, sizeof(kv));
	for (size_t j = 0; j < nrows; j++) {
		if (rows[j].kind != kind)
			continue;
		assert_true(rows[j].index < rows[j].count);
		assert_int_equal(kv.v[rows[j].index].u | kv.v[rows[j].index].len, 0); /* once */
		set_value(&kv, &rows[j]);
		count = rows[j].count;
	}
	/* the index table knows this kind, with the codec's field count */
	assert_int_equal(count, ki->nfields);
	assert_int_equal(kv.n, ki->nfields);
	n = fr_event__encode(kind, kv.v, count, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(fr_event__decode(kind, buf, (size_t)n, &ev), 0);
	assert_int_equal(ev.nfields, count);
	for (size_t j = 0; j < nrows; j++) {
		char name[64];
		int i;

		if (rows[j].kind != kind)
			continue;
		lower(name, sizeof(name), rows[j].index_name);
		i = fr_kind__field_index(kind, name);
		if (i != (int)rows[j].index)
			fail_msg("%s.%s: index %u, name table %d", ki->name, name, rows[j].index,
				 i);
		assert_int_equal(ki->fields[i].type, rows[j].type);
		check_value(&ev, &kv, &rows[j], i);
	}
}

static void test_indices_match_names(void **state)
{
	unsigned kinds = 0;

	(void)state;
	for (unsigned k = 0; k < FR_KIND_MAX; k++) {
		const struct fr_kind_info *ki = fr_kind__info(k);

		if (!ki || !ki->has_schema)
			continue;
		roundtrip_kind(k);
		kinds++;
	}
	assert_true(kinds >= 29);
	/* the one that went wrong once, and a tuple inside a kind */
	assert_int_equal(fr_kind__field_index(FR_KIND_FILE_IO, "op"), FR_F_FILE_IO_OP);
	assert_int_equal(fr_kind__field_index(FR_KIND_FILE_IO_AGG, "op"), FR_F_FILE_IO_AGG_OP);
	assert_int_equal(fr_kind__field_index(FR_KIND_SKB_DROP, "dport"),
			 FR_F_SKB_DROP_FAMILY + FR_F_TUPLE_DPORT);
}

static void test_designated_values(void **state)
{
	const struct fr_value v[] = {
		[FR_F_CLOCK_SYNC_WALL_NS] = {.u = 9}, [FR_F_CLOCK_SYNC_BOOT_NS] = {.u = 7}};
	uint8_t buf[32];
	struct fr_event ev;

	(void)state;
	assert_int_equal(FR_NVALS(CLOCK_SYNC, v), 2);
	assert_int_equal(
		fr_event__encode(FR_KIND_CLOCK_SYNC, v, FR_NVALS(CLOCK_SYNC, v), buf, sizeof(buf)),
		2);
	assert_int_equal(fr_event__decode(FR_KIND_CLOCK_SYNC, buf, 2, &ev), 0);
	assert_int_equal(ev.f[fr_kind__field_index(FR_KIND_CLOCK_SYNC, "boot_ns")].u, 7);
	assert_int_equal(ev.f[fr_kind__field_index(FR_KIND_CLOCK_SYNC, "wall_ns")].u, 9);
}

static void test_wrong_count_refused(void **state)
{
	struct fr_value v[FR_EVENT_MAX_FIELDS + 1];
	struct fr_writer_opts o = {.host = "h", .boot_id = "b", .kernel = "k", .recorder = "r"};
	struct fr_writer_stats st;
	struct fr_writer *w;
	char path[600];
	uint8_t buf[1024];
	char *dir;

	(void)state;
	memset(v, 0, sizeof(v));
	for (unsigned k = 0; k < FR_KIND_MAX; k++) {
		const struct fr_kind_info *ki = fr_kind__info(k);

		if (!ki || !ki->has_schema)
			continue;
		assert_int_equal(fr_event__encode(k, v, ki->nfields - 1u, buf, sizeof(buf)),
				 -EINVAL);
		assert_int_equal(fr_event__encode(k, v, ki->nfields + 1u, buf, sizeof(buf)),
				 -EINVAL);
		assert_int_equal(fr_event__encode(k, v, 0, buf, sizeof(buf)), -EINVAL);
		assert_true(fr_event__encode(k, v, ki->nfields, buf, sizeof(buf)) > 0);
	}
	/* the writer passes the refusal on and keeps nothing */
	dir = test_tmpdir();
	snprintf(path, sizeof(path), "%s/a.frseg", dir);
	assert_int_equal(fr_writer__open(path, &o, &w), 0);
	assert_int_equal(fr_writer__append_event(w, FR_KIND_TCP_CLOSE, 1, v, 10), -EINVAL);
	assert_int_equal(fr_writer__append_event(w, FR_KIND_TCP_CLOSE, 2, v, FR_F_TCP_CLOSE__COUNT),
			 0);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__stats(w, &st);
	assert_int_equal(st.records, 1);
	fr_writer__free(w);
	test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_indices_match_names),
		cmocka_unit_test(test_designated_values),
		cmocka_unit_test(test_wrong_count_refused),
	};

	return cmocka_run_group_tests_name("kinds", tests, NULL, NULL);
}
