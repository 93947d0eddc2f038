/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fr-bench-hook-floor: runs a command while empty BPF programs sit on
 * raw_syscalls sys_enter (and sys_exit): the cost of the hooks alone.
 * usage: fr-bench-hook-floor enter|both COMMAND [ARG...]   (root)
 * FR_FLOOR_CLOCK=mono|boot: the programs also read that clock once,
 * the floor of a probe that times every call.
 * Exit status: the command's, or 1 when the programs cannot be attached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "hook_floor.skel.h"

int main(int argc, char **argv)
{
	struct hook_floor_bpf *skel;
	const char *clock;
	int status, err;
	pid_t child;

	if (argc < 3 || (strcmp(argv[1], "enter") && strcmp(argv[1], "both"))) {
		fprintf(stderr, "usage: %s enter|both COMMAND [ARG...]\n", argv[0]);
		return 2;
	}
	skel = hook_floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "fr-bench-hook-floor: open: %s\n", strerror(errno));
		return 1;
	}
	bpf_program__set_autoload(skel->progs.floor_sys_exit, !strcmp(argv[1], "both"));
	clock = getenv("FR_FLOOR_CLOCK");
	if (clock && *clock) {
		if (!strcmp(clock, "mono"))
			skel->rodata->floor_clock = 1;
		else if (!strcmp(clock, "boot"))
			skel->rodata->floor_clock = 2;
		else {
			fprintf(stderr,
				"fr-bench-hook-floor: FR_FLOOR_CLOCK=%s: not mono or boot\n",
				clock);
			hook_floor_bpf__destroy(skel);
			return 2;
		}
	}
	err = hook_floor_bpf__load(skel);
	err = err ?: hook_floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "fr-bench-hook-floor: load/attach: %s\n", strerror(-err));
		hook_floor_bpf__destroy(skel);
		return 1;
	}
	child = fork();
	if (child == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "fr-bench-hook-floor: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (child < 0 || waitpid(child, &status, 0) < 0) {
		fprintf(stderr, "fr-bench-hook-floor: %s: %s\n", argv[2], strerror(errno));
		hook_floor_bpf__destroy(skel);
		return 1;
	}
	hook_floor_bpf__destroy(skel);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
