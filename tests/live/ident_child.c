/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The short-lived child of the live `ident` scenario (live_ident.c): makes
 * argv[1] getppid calls and exits at once. Executed through symlinks whose
 * names become its comm.
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}
