/* SPDX-License-Identifier: BSD-2-Clause */
/* `flightrec inspect` and `flightrec verify` as a user runs them: exit
 * codes, JSON content, damage reports with offsets, bad flags. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/kinds.h"
#include "format/layout.h"
#include "format/writer.h"
#include "run_cmd.h"
#include "seg_helpers.h"

static const char *flightrec;
static char *dir;
static char seg[512];
static struct cmd_result res;
static const char *const out = res.out, *const err = res.err;

/* Run flightrec with args; capture stdout/stderr; return the exit code. */
static int run5(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5)
{
	const char *argv[7] = {flightrec, a1, a2, a3, a4, a5, NULL};

	cmd_run(argv, &res);
	return res.status;
}

static int run(const char *a1, const char *a2, const char *a3, const char *a4)
{
	return run5(a1, a2, a3, a4, NULL);
}

/* 3 syscall events, 2 markers, 1 unknown kind; clock pair at a known UTC. */
static int setup(void **state)
{
	const struct fr_writer_opts o = {.host = "node-a",
					 .boot_id = "b00t",
					 .kernel = "6.18-test",
					 .boot_ns = 1000000000ull,
					 .wall_ns = 1795000000000000000ull, /* 2026-11-18T... */
					 .block_size = 64};
	struct fr_value v[6] = {{.u = 42}, {.u = 42}, {.u = 1}, {.u = 900}, {.u = 0}, {.u = 0}};
	struct fr_writer *w;

	dir = test_tmpdir();
	snprintf(seg, sizeof(seg), "%s/seg-00000001.frseg", dir);
	assert_int_equal(fr_writer__open(seg, &o, &w), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fr_writer__append_event(w, FR_KIND_SYSCALL,
							 2000000000ull + (uint64_t)i * 1000, v, 6),
				 0);
	assert_int_equal(fr_writer__append(w, FR_KIND_MARKER, 2500000000ull, "incident", 8), 0);
	assert_int_equal(fr_writer__append(w, FR_KIND_MARKER, 3000000000ull, "", 0), 0);
	assert_int_equal(fr_writer__append(w, 250, 3000000001ull, "??", 2), 0);
	assert_int_equal(fr_writer__seal(w), 0);
	fr_writer__free(w);
	return 0;
}

static int teardown(void **state)
{
	test_rmdir(dir);
	return 0;
}

static void test_inspect_json(void **state)
{
	json_error_t je;
	json_t *root, *s, *kinds;

	assert_int_equal(run("inspect", "--json", dir, NULL), 0);
	root = json_loads(out, 0, &je);
	assert_non_null(root);
	s = json_array_get(json_object_get(root, "segments"), 0);
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "host")), "node-a");
	assert_string_equal(json_string_value(json_object_get(s, "kernel")), "6.18-test");
	assert_int_equal(json_integer_value(json_object_get(s, "records")), 6);
	assert_true(json_is_true(json_object_get(s, "sealed")));
	assert_int_equal(json_integer_value(json_object_get(s, "error_count")), 0);
	/* boot 2.0 s is 1.0 s after the pair (wall 1795000000 s); `date -u -d @1795000001` */
	assert_string_equal(json_string_value(json_object_get(s, "from")),
			    "2026-11-18T11:06:41.000000000Z");
	assert_string_equal(json_string_value(json_object_get(s, "to")),
			    "2026-11-18T11:06:42.000000001Z");
	s = json_object_get(root, "total");
	assert_int_equal(json_integer_value(json_object_get(s, "segments")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(s, "hosts"), 0)),
			    "node-a");
	s = json_array_get(json_object_get(root, "segments"), 0);
	kinds = json_object_get(s, "kinds");
	assert_int_equal(json_integer_value(json_object_get(kinds, "syscall")), 3);
	assert_int_equal(json_integer_value(json_object_get(kinds, "marker")), 2);
	assert_int_equal(json_integer_value(json_object_get(kinds, "kind_250")), 1);
	json_decref(root);
}

static void test_inspect_text(void **state)
{
	assert_int_equal(run("inspect", seg, NULL, NULL), 0);
	assert_non_null(strstr(out, "host       node-a"));
	assert_non_null(strstr(out, "sealed (indexed)"));
	assert_non_null(strstr(out, "torn tail  none"));
	assert_non_null(strstr(out, "syscall"));
}

static void test_verify_good_and_damaged(void **state)
{
	uint8_t *f;
	size_t len;
	char expect[64];
	uint64_t first_block;

	assert_int_equal(run("verify", seg, NULL, NULL), 0);
	assert_non_null(strstr(out, "OK "));
	/* flip one byte inside the first block's compressed payload */
	f = test_slurp(seg, &len);
	first_block = FR_FRAME_PREAMBLE + fr_get32(f + 4);
	f[first_block + FR_BLOCK_FRAME + 5] ^= 0x10;
	test_spit(seg, f, len);
	assert_int_equal(run("verify", seg, NULL, NULL), 1);
	snprintf(expect, sizeof(expect), "offset %llu: block payload checksum mismatch",
		 (unsigned long long)first_block);
	assert_non_null(strstr(out, expect));
	assert_non_null(strstr(out, "1 of 1 segments damaged"));
	/* inspect still shows what is readable and names the damage */
	assert_int_equal(run("inspect", seg, NULL, NULL), 0);
	assert_non_null(strstr(out, "1 damaged"));
	/* a torn tail fails verify unless allowed */
	f[first_block + FR_BLOCK_FRAME + 5] ^= 0x10;
	test_spit(seg, f, len - FR_FOOTER_FRAME - 3);
	assert_int_equal(run("verify", seg, NULL, NULL), 1);
	assert_non_null(strstr(out, "torn tail"));
	assert_int_equal(run("verify", "--allow-torn", seg, NULL), 0);
	free(f);
}

static void test_bad_input(void **state)
{
	char junk[600];

	assert_int_equal(run("verify", "--bogus", seg, NULL), 2);
	assert_non_null(strstr(err, "usage"));
	assert_int_equal(run("inspect", NULL, NULL, NULL), 2);
	assert_int_equal(run("frobnicate", NULL, NULL, NULL), 2);
	assert_non_null(strstr(err, "unknown command"));
	assert_int_equal(run("verify", "/nonexistent/x.frseg", NULL, NULL), 1);
	assert_non_null(strstr(err, "No such file"));
	snprintf(junk, sizeof(junk), "%s/junk.frseg", dir);
	test_spit(junk, (const uint8_t *)"GIF89a not a segment, clearly not", 33);
	assert_int_equal(run("verify", junk, NULL, NULL), 1);
	assert_non_null(strstr(out, "not a flightrec segment"));
	assert_int_equal(run("inspect", junk, NULL, NULL), 1);
	assert_non_null(strstr(out, "not a flightrec segment"));
}

static mode_t mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

/* replay -o never replaces an input, a non-database file, or a stray .tmp */
static void test_replay_output_guard(void **state)
{
	char db[600], notes[600], stale[600], longname[600], missing[600];
	uint8_t *before, *after;
	size_t blen, alen;

	snprintf(db, sizeof(db), "%s/out.db", dir);
	snprintf(notes, sizeof(notes), "%s/notes.txt", dir);
	snprintf(stale, sizeof(stale), "%s/out.db.tmp", dir);
	/* the writer creates segments for the owner and the group only */
	assert_int_equal(mode_of(seg) & 0007, 0);
	assert_int_equal(mode_of(seg) & 0600, 0600);
	before = test_slurp(seg, &blen);
	assert_int_equal(run("replay", "-o", seg, dir), 1);
	assert_non_null(strstr(err, "is one of the inputs"));
	after = test_slurp(seg, &alen);
	assert_true(alen == blen && !memcmp(before, after, blen));
	free(after);
	free(before);
	test_spit(notes, (const uint8_t *)"my notes\n", 9);
	assert_int_equal(run("replay", "-o", notes, seg), 1);
	assert_non_null(strstr(err, "not a SQLite database; --force"));
	assert_int_equal(test_file_size(notes), 9);
	assert_int_equal(run5("replay", "--force", "-o", notes, seg), 0);
	assert_true(test_file_size(notes) > 9);
	assert_int_equal(run("replay", "-o", dir, seg), 1);
	assert_non_null(strstr(err, "is a directory"));
	/* a database is replaced; a file named like a temporary one is not touched */
	test_spit(stale, (const uint8_t *)"keep", 4);
	assert_int_equal(run("replay", "-o", db, seg), 0);
	assert_int_equal(run("replay", "-o", db, seg), 0);
	assert_int_equal(test_file_size(stale), 4);
	/* as private as the input, never wider than 0640 */
	chmod(seg, 0600);
	assert_int_equal(run("replay", "-o", db, seg), 0);
	assert_int_equal(mode_of(db), 0600);
	chmod(seg, 0644);
	assert_int_equal(run("replay", "-o", db, seg), 0);
	assert_int_equal(mode_of(db), 0640);
	/* errors name the cause; a long but valid name works */
	snprintf(missing, sizeof(missing), "%s/no/such/dir/out.db", dir);
	assert_int_equal(run("replay", "-o", missing, seg), 1);
	assert_non_null(strstr(err, "No such file or directory"));
	memset(longname, 'a', sizeof(longname));
	snprintf(longname, sizeof(longname), "%s/%0250d", dir, 7);
	assert_int_equal(run("replay", "-o", longname, seg), 0);
	unlink(longname);
	unlink(db);
	unlink(notes);
	unlink(stale);
}

static void test_empty_directory(void **state)
{
	char empty[600];

	snprintf(empty, sizeof(empty), "%s/empty", dir);
	assert_int_equal(mkdir(empty, 0700), 0);
	assert_int_equal(run("inspect", empty, NULL, NULL), 1);
	assert_non_null(strstr(err, "no segments"));
	assert_int_equal(run("verify", empty, NULL, NULL), 1);
	assert_non_null(strstr(err, "no segments"));
	assert_int_equal(run("replay", "-o", "/dev/null/x", empty), 1);
	assert_non_null(strstr(err, "no segments"));
	rmdir(empty);
}

static void test_metrics_steps_are_bounded(void **state)
{
	char db[600];
	const char *p;

	snprintf(db, sizeof(db), "%s/out.db", dir);
	assert_int_equal(run("replay", "-o", db, seg), 0);
	/* 2 500 000 h is 9e18 ns: the step's end must not wrap to negative */
	assert_int_equal(run("metrics", "--step", "2500000h", db), 0);
	for (p = out; (p = strchr(p, '}')); p++)
		assert_true(p[1] == ' ' && strchr(p + 2, ' ')[1] != '-');
	assert_non_null(strstr(out, "ebpf_syscall_count"));
	/* the recording spans 1 s: 1 ns steps would be 1e9 points a series */
	assert_int_equal(run("metrics", "--step", "1ns", db), 1);
	assert_non_null(strstr(err, "points per series"));
	assert_int_equal(run("metrics", "--step", "1ms", db), 0);
	/* a window that ends before the recording starts is empty, not too long */
	assert_int_equal(run5("metrics", "--window=..1000", "--step", "1m", db), 0);
	unlink(db);
}

/* query opens read-only, and VACUUM INTO or ATTACH must not write elsewhere */
static void test_query_never_writes(void **state)
{
	char db[600], copy[600], sql[800];

	snprintf(db, sizeof(db), "%s/out.db", dir);
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	assert_int_equal(run("replay", "-o", db, seg), 0);
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", copy);
	assert_int_equal(run("query", db, sql, NULL), 1);
	assert_non_null(strstr(err, "queries only read"));
	assert_int_equal(access(copy, F_OK), -1);
	snprintf(sql, sizeof(sql), "ATTACH '%s' AS other", copy);
	assert_int_equal(run("query", db, sql, NULL), 1);
	assert_int_equal(access(copy, F_OK), -1);
	assert_int_equal(run("query", db, "DELETE FROM nodes", NULL), 1);
	assert_int_equal(run("query", db, "SELECT count(*) FROM nodes", NULL), 0);
	assert_non_null(strstr(out, "1"));
	unlink(db);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inspect_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_good_and_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_output_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_steps_are_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_never_writes, setup, teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test_cli PATH-TO-flightrec\n");
		return 2;
	}
	flightrec = argv[1];
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
