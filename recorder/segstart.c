/* SPDX-License-Identifier: BSD-2-Clause */
#include "segstart.h"

#include <errno.h>
#include <stdio.h>

#include "format/host.h"
#include "format/layout.h"

int fr_write_clock_sync(struct fr_writer *w)
{
	uint64_t boot, wall;

	fr_clock_pair__sample(&boot, &wall);
	const struct fr_value v[] = {
		[FR_F_CLOCK_SYNC_BOOT_NS] = {.u = boot}, [FR_F_CLOCK_SYNC_WALL_NS] = {.u = wall}};

	return fr_writer__append_event(w, FR_KIND_CLOCK_SYNC, boot, v, FR_NVALS(CLOCK_SYNC, v));
}

int fr_segstart__write(void *ctx, struct fr_writer *w, uint64_t seq)
{
	const struct fr_segstart *s = ctx;
	const uint64_t now = fr_clock__boot_ns();
	int err = fr_write_clock_sync(w);

	for (size_t i = 0; i < s->nsources && !err; i++) {
		if (!s->sources[i].snapshot)
			continue;
		err = s->sources[i].snapshot(s->sources[i].ctx, w, now);
		/* a snapshot over the record limit (a huge cluster) must not keep
		 * the segment from opening: without it, rotation and the ring's
		 * bounds would stop; the next segment tries again */
		if (err == -E2BIG) {
			fprintf(stderr,
				"flightrec-record: %s: snapshot over the %u MiB record limit, "
				"segment %llu starts without it\n",
				s->sources[i].name, FR_RECORD_MAX >> 20, (unsigned long long)seq);
			err = 0;
		}
	}
	return err;
}
