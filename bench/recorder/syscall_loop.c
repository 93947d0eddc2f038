/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The syscall-heavy workload of the recorder benchmark: getppid(2) in a
 * tight loop for a given time; prints the rate.
 * usage: fr-bench-syscall-loop SECONDS
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds, start, elapsed;
	uint64_t calls = 0;
	char *end;

	seconds = argc == 2 ? strtod(argv[1], &end) : 0;
	if (argc != 2 || *end || seconds <= 0 || seconds > 3600) {
		fprintf(stderr, "usage: %s SECONDS (0 < SECONDS <= 3600)\n", argv[0]);
		return 2;
	}
	start = now_s();
	do {
		/* check the clock every 64Ki calls: its cost stays out of the rate */
		for (int i = 0; i < 65536; i++)
			syscall(SYS_getppid);
		calls += 65536;
		elapsed = now_s() - start;
	} while (elapsed < seconds);
	printf("calls=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)calls, elapsed,
	       (double)calls / elapsed);
	return 0;
}
