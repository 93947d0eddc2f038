/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flightrec-record's options as a user gives them, on the command line and
 * in --config files: every option with every class of bad value must stop
 * the recorder with exit 64 and the same reason in both places (the file's
 * message names the file and line). --check-config makes a run that
 * parsed print its settings and exit, so no BPF and no root are needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "run_cmd.h"

static const char *recorder, *shipped_conf;
static char tmp[] = "/tmp/fr-recorder-cli-XXXXXX", conf[64], dirarg[80];
static struct cmd_result res;

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_conf(const char *text)
{
	write_file(conf, text, strlen(text));
}

/* Every run says --check-config first: an option list that parsed by
 * mistake prints settings and exits instead of recording. */
static int run(const char *a1, const char *a2, const char *a3, const char *a4)
{
	const char *argv[] = {recorder, "--check-config", a1, a2, a3, a4, NULL};

	cmd_run(argv, &res);
	return res.status;
}

/* The first line of stderr after `prefix`, which it must start with. */
static const char *reason_after(const char *prefix, char *buf, size_t cap)
{
	const size_t n = strlen(prefix);

	if (strncmp(res.err, prefix, n)) {
		fprintf(stderr, "expected a message starting '%s', got:\n%s", prefix, res.err);
		fail();
	}
	snprintf(buf, cap, "%.*s", (int)strcspn(res.err + n, "\n"), res.err + n);
	return buf;
}

/* option, bad value (NULL: bare), whether the flag's message is the file's */
static const struct bad_value {
	const char *name, *value;
	int same;
} bad_values[] = {
	{"dir", "", 1}, /* only reachable as a flag; the file form is a syntax error */
	{"families", "bogus", 1},
	{"families", "", 1},
	{"families", ",", 1},
	{"families", "proc,,bogus", 1},
	{"mode", "proc=aggregate", 1},
	{"mode", "syscalls", 1},
	{"mode", "syscalls=fast", 1},
	{"mode", ",", 1},
	{"pid", "abc", 1},
	{"pid", "0", 1},
	{"pid", "-1", 1},
	{"pid", "2147483648", 1},
	{"cgroup", "/nonexistent/cgroup", 1},
	{"cgroup", "/etc/hostname", 1},
	{"duration", "abc", 1},
	{"duration", "0", 1},
	{"duration", "-1s", 1},
	{"duration", "10x", 1},
	{"duration", "99999999999d", 1},
	{"max-size", "1K", 1},
	{"max-size", "abc", 1},
	{"max-size", "5T", 1},
	{"max-age", "0", 1},
	{"max-age", "1 h", 1},
	{"max-segment-size", "1", 1},
	{"max-segment-size", "64Q", 1},
	{"max-segment-age", "1ms", 1},
	{"max-segment-age", "soon", 1},
	{"interval", "1ns", 1},
	{"interval", "abc", 1},
	{"interval", "2h", 1},
	{"duration", "+5s", 1},
	{"drain", "0", 1},
	{"drain", "2s", 1},
	{"ring-size", "syscalls=3K", 1},
	{"ring-size", "syscalls=5000", 1},
	{"ring-size", "bogus=4K", 1},
	{"ring-size", "syscalls", 1},
	{"ring-size", "syscalls=2G", 1},
	{"nice", "-21", 1},
	{"nice", "20", 1},
	{"nice", "five", 1},
	{"attach", "fentry", 1},
	/* argp words these itself on the command line */
	{"stats", "yes", 0},
	{"verbose", "1", 0},
	{"check-config", "please", 0},
	{"bogus", "1", 0},
	{"dir", NULL, 0},
	{"duration", NULL, 0},
};

static void test_bad_values_in_file_and_flag(void **state)
{
	char text[256], flag[256], prefix[128], from_file[512], from_flag[512];

	snprintf(prefix, sizeof(prefix), "flightrec-record: %s:1: ", conf);
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		const struct bad_value *b = &bad_values[i];

		if (b->value)
			snprintf(text, sizeof(text), "%s = %s\n", b->name, b->value);
		else
			snprintf(text, sizeof(text), "%s\n", b->name);
		if (b->value && !*b->value)
			snprintf(text, sizeof(text), "%s =\n", b->name);
		write_conf(text);
		if (run("--config", conf, NULL, NULL) != 64 || *res.out) {
			fprintf(stderr, "config line '%s' was not refused: exit %d\n%s%s", b->name,
				res.status, res.out, res.err);
			fail();
		}
		reason_after(prefix, from_file, sizeof(from_file));
		if (b->value)
			snprintf(flag, sizeof(flag), "--%s=%s", b->name, b->value);
		else
			snprintf(flag, sizeof(flag), "--%s", b->name);
		if (run(dirarg, flag, NULL, NULL) != 64 || *res.out) {
			fprintf(stderr, "flag '%s' was not refused: exit %d\n%s", flag, res.status,
				res.out);
			fail();
		}
		/* getopt words its own refusals, with argv[0] as given */
		if (!b->same) {
			assert_true(*res.err);
			continue;
		}
		reason_after("flightrec-record: ", from_flag, sizeof(from_flag));
		if (strcmp(from_file, from_flag) && !(b->value && !*b->value)) {
			fprintf(stderr, "%s: file says '%s', flag says '%s'\n", b->name, from_file,
				from_flag);
			fail();
		}
	}
}

static pid_t free_pid(void)
{
	for (pid_t p = 4000000; p > 1000; p -= 7919)
		if (kill(p, 0) < 0 && errno == ESRCH)
			return p;
	fail();
	return 0;
}

static void test_process_that_does_not_exist(void **state)
{
	char flag[32], reason[256];

	snprintf(flag, sizeof(flag), "--pid=%d", (int)free_pid());
	assert_int_equal(run(dirarg, flag, NULL, NULL), 64);
	reason_after("flightrec-record: ", reason, sizeof(reason));
	assert_non_null(strstr(reason, "no such process"));
	/* strtoull would skip the blank and take the sign: a value starts with a digit */
	assert_int_equal(run(dirarg, "--interval= 1s", NULL, NULL), 64);
	assert_int_equal(run(dirarg, "--max-size=+2G", NULL, NULL), 64);
}

/* Lines that are not options at all, and files that are not config files. */
static void test_bad_files(void **state)
{
	static const struct {
		const char *text;
		const char *reason;
	} lines[] = {
		{"Dir = /x\n", "expected \"name = value\""},
		{"= /x\n", "expected \"name = value\""},
		{"dir /x\n", "expected \"name = value\""},
		{"config = other.conf\n", "config files do not nest"},
		{"dir\n", "needs a value"},
	};
	char prefix[128], reason[512], *big;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		write_conf(lines[i].text);
		assert_int_equal(run("--config", conf, NULL, NULL), 64);
		snprintf(prefix, sizeof(prefix), "flightrec-record: %s:1: ", conf);
		assert_non_null(
			strstr(reason_after(prefix, reason, sizeof(reason)), lines[i].reason));
	}
	/* the error names its line, past comments and blank lines */
	write_conf("# recorder\n\ndir = /x # here\ninterval = 1ns\n");
	assert_int_equal(run("--config", conf, NULL, NULL), 64);
	snprintf(prefix, sizeof(prefix), "flightrec-record: %s:4: ", conf);
	assert_non_null(strstr(reason_after(prefix, reason, sizeof(reason)), "--interval"));
	write_file(conf, "dir = /x\nstats\0\n", 16);
	assert_int_equal(run("--config", conf, NULL, NULL), 64);
	snprintf(prefix, sizeof(prefix), "flightrec-record: %s:2: ", conf);
	assert_non_null(strstr(reason_after(prefix, reason, sizeof(reason)), "NUL"));
	big = malloc(5000);
	memset(big, 'a', 5000);
	memcpy(big, "dir = /", 7);
	write_file(conf, big, 5000);
	assert_int_equal(run("--config", conf, NULL, NULL), 64);
	snprintf(prefix, sizeof(prefix), "flightrec-record: %s:1: ", conf);
	assert_non_null(strstr(reason_after(prefix, reason, sizeof(reason)), "longer than"));
	free(big);
	big = calloc(1, (2u << 20) + 1);
	memset(big, '\n', 2u << 20);
	write_file(conf, big, 2u << 20);
	free(big);
	assert_int_equal(run("--config", conf, NULL, NULL), 64);
	assert_non_null(strstr(res.err, "not a config file"));
	/* a directory, a missing file, a device */
	assert_int_equal(run("--config", tmp, NULL, NULL), 64);
	assert_non_null(strstr(res.err, "Is a directory"));
	assert_int_equal(run("--config", "/nonexistent.conf", NULL, NULL), 64);
	assert_non_null(strstr(res.err, "/nonexistent.conf: No such file"));
	assert_int_equal(run("--config", "/dev/zero", NULL, NULL), 64);
	assert_non_null(strstr(res.err, "not a regular file"));
	/* usage errors all exit 64, a missing --dir too */
	assert_int_equal(run(NULL, NULL, NULL, NULL), 64);
	assert_non_null(strstr(res.err, "--dir is required"));
	assert_int_equal(run(dirarg, "stray", NULL, NULL), 64);
	assert_non_null(strstr(res.err, "unexpected argument"));
}

/* The defect this replaces: values pointing into the freed file text. */
static void test_file_values_outlive_the_file(void **state)
{
	write_conf("dir = rec-dir\nduration = 1s\ncgroup = /sys/fs/cgroup\n");
	assert_int_equal(run("--config", conf, NULL, NULL), 0);
	assert_non_null(strstr(res.out, "dir = rec-dir\n"));
	assert_non_null(strstr(res.out, "duration = 1s\n"));
	assert_non_null(strstr(res.out, "cgroup = /sys/fs/cgroup\n"));
	assert_int_equal(run("--config", shipped_conf, NULL, NULL), 0);
	assert_non_null(strstr(res.out, "dir = /var/lib/flightrec\n"));
	assert_non_null(strstr(res.out, "max-size = 2147483648\n"));
	assert_non_null(strstr(res.out, "max-age = 86400s\n"));
	assert_non_null(strstr(res.out, "interval = 1s\n"));
}

/* A file and the same flags give the same settings; later flags win. */
static void test_file_equals_flags(void **state)
{
	char from_file[sizeof(res.out)];
	const char *argv[] = {recorder,
			      "--dir=/srv/rec",
			      "--families=syscalls,net,sched",
			      "--mode=syscalls=stream",
			      "--interval=2s",
			      "--ring-size=net=4M,sched=64K",
			      "--max-size=64M",
			      "--max-segment-size=8M",
			      "--max-segment-age=10m",
			      "--max-age=2h",
			      "--drain=5ms",
			      "--nice=3",
			      "--attach=raw_tp",
			      "--stats",
			      "--check-config",
			      NULL};

	write_conf("dir = /srv/rec\nfamilies = syscalls,net,sched\nmode = syscalls=stream\n"
		   "interval = 2s\nring-size = net=4M,sched=64K\nmax-size = 64M\n"
		   "max-segment-size = 8M\nmax-segment-age = 10m\nmax-age = 2h\n"
		   "drain = 5ms\nnice = 3\nattach = raw_tp\nstats\nverbose = false\n");
	assert_int_equal(run("--config", conf, NULL, NULL), 0);
	memcpy(from_file, res.out, sizeof(from_file));
	cmd_run(argv, &res);
	assert_int_equal(res.status, 0);
	assert_string_equal(from_file, res.out);
	/* --check-config's output is itself a config file giving the same */
	write_conf(res.out);
	assert_int_equal(run("--config", conf, NULL, NULL), 0);
	assert_string_equal(from_file, res.out);
	assert_int_equal(run("--config", shipped_conf, NULL, NULL), 0);
	memcpy(from_file, res.out, sizeof(from_file));
	write_conf(res.out);
	assert_int_equal(run("--config", conf, NULL, NULL), 0);
	assert_string_equal(from_file, res.out);
	write_conf("dir = /srv/rec\nfamilies = syscalls,net,sched\nmode = syscalls=stream\n"
		   "interval = 2s\n");
	assert_int_equal(run("--config", conf, "--interval=5s", NULL), 0);
	assert_non_null(strstr(res.out, "interval = 5s\n"));
	/* and a flag before --config is overridden by the file */
	assert_int_equal(run("--interval=5s", "--config", conf, NULL), 0);
	assert_non_null(strstr(res.out, "interval = 2s\n"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_values_in_file_and_flag),
		cmocka_unit_test(test_process_that_does_not_exist),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_file_values_outlive_the_file),
		cmocka_unit_test(test_file_equals_flags),
	};
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: test_recorder_cli FLIGHTREC-RECORD SHIPPED-RECORD-CONF\n");
		return 2;
	}
	recorder = argv[1];
	shipped_conf = argv[2];
	if (!mkdtemp(tmp))
		return 1;
	snprintf(conf, sizeof(conf), "%s/c.conf", tmp);
	snprintf(dirarg, sizeof(dirarg), "--dir=%s/rec", tmp);
	rc = cmocka_run_group_tests_name("recorder_cli", tests, NULL, NULL);
	unlink(conf);
	rmdir(tmp);
	return rc;
}
