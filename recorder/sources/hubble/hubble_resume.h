/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where a restarted recorder resumes Hubble's stream: the newest flow
 * time among the Hubble flow records (FR_KIND_HUBBLE_FLOW_PB) already in
 * the recording directory, and the ids (fr_hubble_wire__id) of the flows
 * of that time, so that GetFlows with since = that time does not record
 * them twice. Reads only the newest segments (newest first, up to
 * FR_HUBBLE_RESUME_SEGMENTS) until one holds a Hubble flow.
 */
#ifndef FR_RECORDER_HUBBLE_RESUME_H
#define FR_RECORDER_HUBBLE_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FR_HUBBLE_RESUME_SEGMENTS 4
#define FR_HUBBLE_RESUME_IDS	  256

struct fr_hubble_resume {
	bool found; /* a flow with a time was recorded */
	int64_t time_s;
	int32_t time_ns;
	uint64_t ids[FR_HUBBLE_RESUME_IDS]; /* flows at that time (the last ones kept) */
	size_t nids;
	char segment[256]; /* the file it was found in (name only) */
};

/*
 * Reads dir's newest segments into *out. A damaged block is skipped, a
 * missing directory is no recording. Return: 0 (out->found says whether
 * there was a flow), or -errno when the directory cannot be listed.
 */
int fr_hubble_resume__read(const char *dir, struct fr_hubble_resume *out);

/* (s, ns) as RFC 3339 UTC with nanoseconds, into buf. */
void fr_hubble_resume__format_time(int64_t s, int32_t ns, char *buf, size_t size);

#endif /* FR_RECORDER_HUBBLE_RESUME_H */
