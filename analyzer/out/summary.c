/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/out/summary.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void note(struct fr_seg_summary *s, const struct fr_diag *d)
{
	if (s->errors < FR_SUMMARY_MAX_ERRORS)
		s->err[s->errors] = *d;
	s->errors++;
}

int fr_seg_summary__read(struct fr_seg_summary *s, const char *path)
{
	struct fr_reader *r = NULL;
	struct fr_record rec;
	struct fr_diag d;
	struct fr_event ev;
	int err;

	memset(s, 0, sizeof(*s));
	s->path = path;
	err = fr_reader__open(path, &r, &d);
	if (err) {
		s->open_err = err;
		note(s, &d);
		return err;
	}
	s->info = *fr_reader__info(r);
	while ((err = fr_reader__next(r, &rec)) != 0) {
		if (err < 0) {
			note(s, fr_reader__diag(r));
			if (err != -EBADMSG)
				break; /* I/O or memory: going on would repeat it */
			continue;
		}
		s->kind_counts[rec.kind]++;
		const struct fr_kind_info *ki = fr_kind__info(rec.kind);

		if (!ki)
			s->unknown_kinds++;
		else if (ki->has_schema &&
			 fr_event__decode(rec.kind, rec.payload, rec.len, &ev) < 0) {
			d.offset = rec.block_offset;
			snprintf(d.msg, sizeof(d.msg), "%s record payload does not decode",
				 ki->name);
			s->bad_payloads++;
			note(s, &d);
		}
	}
	fr_reader__stats(r, &s->st);
	fr_reader__close(r);
	return 0;
}

uint64_t fr_seg_summary__wall(const struct fr_segment_info *in, uint64_t boot_ns)
{
	return in->wall_ns + (boot_ns - in->boot_ns); /* wraps correctly for earlier times */
}

void fr_format_utc(uint64_t wall_ns, char *buf, unsigned long cap)
{
	const time_t sec = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(wall_ns % 1000000000ull));
}
