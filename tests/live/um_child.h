/* SPDX-License-Identifier: BSD-2-Clause */
/* The report fr_um_child (um_child.c) writes on stdout for the live
 * usermetric scenario (live_usermetric.c): what it did, counted by itself. */
#ifndef FR_TESTS_LIVE_UM_CHILD_H
#define FR_TESTS_LIVE_UM_CHILD_H

#include <stdint.h>

#define UM_COMM "umwork" /* the name of the symlink it runs through: its comm */

struct um_report {
	int64_t rmdir_enoent; /* rmdir calls that failed with ENOENT */
	int64_t fsyncs;	      /* fsync + fdatasync calls that returned 0 */
	int64_t sync_ns;      /* their latency as the program timed them, summed */
	int64_t sync_slow;    /* of them, those it timed at 10 ms or more */
	int64_t port;	      /* the port it listened on */
	int64_t connects;     /* TCP connects to it that succeeded */
};

#endif /* FR_TESTS_LIVE_UM_CHILD_H */
