/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the recorder's pure modules: option parsing and the
 * process table. No root needed (container ids: test_cgroup_ids.c). */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "names.h"
#include "proctable.h"
#include "pump_internal.h"

static void test_durations(void **state)
{
	uint64_t ns;

	assert_int_equal(fr_parse_duration("10s", &ns), 0);
	assert_true(ns == 10000000000ull);
	assert_int_equal(fr_parse_duration("500ms", &ns), 0);
	assert_true(ns == 500000000ull);
	assert_int_equal(fr_parse_duration("2m", &ns), 0);
	assert_true(ns == 120000000000ull);
	assert_int_equal(fr_parse_duration("3", &ns), 0);
	assert_true(ns == 3000000000ull);
	assert_int_equal(fr_parse_duration("", &ns), -EINVAL);
	assert_int_equal(fr_parse_duration("-1s", &ns), -EINVAL);
	assert_int_equal(fr_parse_duration("10x", &ns), -EINVAL);
	assert_int_equal(fr_parse_duration("99999999999d", &ns), -EINVAL);
}

static void test_sizes(void **state)
{
	uint64_t b;

	assert_int_equal(fr_parse_size("64M", &b), 0);
	assert_true(b == 64ull << 20);
	assert_int_equal(fr_parse_size("1GiB", &b), 0);
	assert_true(b == 1ull << 30);
	assert_int_equal(fr_parse_size("4096", &b), 0);
	assert_true(b == 4096);
	assert_int_equal(fr_parse_size("5T", &b), -EINVAL);
	assert_int_equal(fr_parse_size("M", &b), -EINVAL);
	assert_int_equal(fr_parse_size("1Mx", &b), -EINVAL);
}

static void test_families_and_modes(void **state)
{
	struct fr_config cfg;

	fr_config__init(&cfg);
	assert_true(cfg.mode[FR_FAM_SYSCALLS] == FR_MODE_AGGREGATE);
	assert_true(cfg.mode[FR_FAM_NET] == FR_MODE_STREAM);
	assert_int_equal(fr_config__parse_families(&cfg, "proc,net"), 0);
	assert_true(cfg.family_on[FR_FAM_PROC] && cfg.family_on[FR_FAM_NET]);
	assert_false(cfg.family_on[FR_FAM_SYSCALLS] || cfg.family_on[FR_FAM_MEM]);
	assert_int_equal(fr_config__parse_families(&cfg, "proc,bogus"), -EINVAL);
	assert_false(cfg.family_on[FR_FAM_SYSCALLS]); /* unchanged on error */
	assert_int_equal(fr_config__parse_families(&cfg, "all"), 0);
	assert_true(cfg.family_on[FR_FAM_MEM]);
	assert_int_equal(fr_config__parse_modes(&cfg, "syscalls=stream,sched=stream"), 0);
	assert_true(cfg.mode[FR_FAM_SYSCALLS] == FR_MODE_STREAM);
	assert_true(cfg.mode[FR_FAM_SCHED] == FR_MODE_STREAM);
	assert_int_equal(fr_config__parse_modes(&cfg, "proc=aggregate"), -EINVAL);
	assert_int_equal(fr_config__parse_modes(&cfg, "syscalls"), -EINVAL);
	assert_int_equal(fr_config__parse_modes(&cfg, "syscalls=fast"), -EINVAL);
}

static void test_process_read(void **state)
{
	struct fr_process p;

	assert_int_equal(fr_process__read((uint32_t)getpid(), &p), 0);
	assert_int_equal(p.ppid, getppid());
	assert_string_equal(p.comm, "test_recorder_u"); /* comm is cut at 15 chars */
	assert_true(strstr(p.exe, "test_recorder_units") != NULL);
	assert_true(p.cgroup[0] == '/');
	assert_int_equal(fr_process__read(0x7ffffff0u, &p), -ENOENT);
}

static void test_snapshot_json(void **state)
{
	json_t *root, *procs, *proc;
	bool found = false;
	json_error_t jerr;
	char *json = NULL;
	size_t i;

	assert_int_equal(fr_proctable__snapshot_json("host-a", &json), 0);
	root = json_loads(json, 0, &jerr);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "source")), "host");
	assert_string_equal(json_string_value(json_object_get(root, "host")), "host-a");
	procs = json_object_get(root, "processes");
	assert_true(json_is_array(procs) && json_array_size(procs) > 1);
	json_array_foreach(procs, i, proc)
	{
		if (json_integer_value(json_object_get(proc, "pid")) == getpid()) {
			found = true;
			assert_non_null(json_object_get(proc, "container_id"));
			assert_non_null(json_object_get(proc, "cgroup"));
		}
	}
	assert_true(found);
	json_decref(root);
	free(json);
}

static void test_syscall_names(void **state)
{
	bool read_found = false, getppid_found = false;

	assert_true(fr_syscall_names_len > 300);
	for (size_t i = 0; i < fr_syscall_names_len; i++) {
		read_found |=
			fr_syscall_names[i].value == 0 && !strcmp(fr_syscall_names[i].name, "read");
		getppid_found |= fr_syscall_names[i].value == 110 &&
				 !strcmp(fr_syscall_names[i].name, "getppid");
	}
	assert_true(read_found && getppid_found);
}

/* Kernel addresses leave hidden but still tell sockets apart; user ones pass. */
static void test_hide_kptr(void **state)
{
	struct fr_pump p = {.kptr_key = {0x0123456789abcdefull, 0xfedcba9876543210ull}};
	const uint64_t a = 0xffff8881234a5b00ull, b = a + 0x40;

	(void)state;
	assert_int_equal(fr_pump__hide_kptr(&p, 0), 0);
	assert_int_equal(fr_pump__hide_kptr(&p, 0x7ffd12345678ull), 0x7ffd12345678ull);
	assert_true(fr_pump__hide_kptr(&p, a) != a);
	assert_true(fr_pump__hide_kptr(&p, a) == fr_pump__hide_kptr(&p, a));
	assert_true(fr_pump__hide_kptr(&p, a) != fr_pump__hide_kptr(&p, b));
	/* nearby sockets do not give nearby ids: the layout does not show */
	assert_true((fr_pump__hide_kptr(&p, a) ^ fr_pump__hide_kptr(&p, b)) >> 32 != 0);
	p.kptr_key[0] ^= 1; /* another run, another secret */
	assert_true(fr_pump__hide_kptr(&p, a) !=
		    fr_pump__hide_kptr(&(struct fr_pump){.kptr_key = {0x0123456789abcdefull,
								      0xfedcba9876543210ull}},
				       a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),	   cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_families_and_modes), cmocka_unit_test(test_process_read),
		cmocka_unit_test(test_snapshot_json),	   cmocka_unit_test(test_syscall_names),
		cmocka_unit_test(test_hide_kptr),
	};

	return cmocka_run_group_tests_name("recorder", tests, NULL, NULL);
}
