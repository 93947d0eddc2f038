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

static void copy_bytes(char *dst, size_t cap, const struct fr_value *v)
{
	const size_t n = v->len < cap - 1 ? v->len : cap - 1;

	if (n)
		memcpy(dst, v->p, n);
	dst[n] = '\0';
}

/* One recorder_stats record into its (source, reason) sum. */
static void add_stat(struct fr_seg_summary *s, const struct fr_event *ev)
{
	char source[sizeof(s->stats[0].source)], reason[sizeof(s->stats[0].reason)];
	struct fr_summary_stat *t = NULL;
	const uint64_t first = ev->f[FR_F_RECORDER_STATS_FIRST_NS].u;
	const uint64_t last = ev->f[FR_F_RECORDER_STATS_LAST_NS].u;

	copy_bytes(source, sizeof(source), &ev->f[FR_F_RECORDER_STATS_SOURCE]);
	copy_bytes(reason, sizeof(reason), &ev->f[FR_F_RECORDER_STATS_REASON]);
	for (unsigned i = 0; i < s->nstats && !t; i++)
		if (!strcmp(s->stats[i].source, source) && !strcmp(s->stats[i].reason, reason))
			t = &s->stats[i];
	if (!t && s->nstats == FR_SUMMARY_MAX_STATS) {
		s->more_stats++;
		return;
	}
	if (!t) {
		t = &s->stats[s->nstats++];
		memset(t, 0, sizeof(*t));
		memcpy(t->source, source, sizeof(source));
		memcpy(t->reason, reason, sizeof(reason));
	}
	t->records++;
	t->seen += ev->f[FR_F_RECORDER_STATS_SEEN].u;
	t->lost += ev->f[FR_F_RECORDER_STATS_LOST].u;
	/* 0: the record has no start (a source's first interval) */
	if (first && (!t->first_ns || first < t->first_ns))
		t->first_ns = first;
	t->last_ns = last > t->last_ns ? last : t->last_ns;
}

static void add_marker(struct fr_seg_summary *s, const struct fr_record *rec)
{
	struct fr_summary_marker *m = &s->markers[s->nmarkers];
	size_t n = rec->len;

	if (s->nmarkers == FR_SUMMARY_MAX_MARKERS) {
		s->more_markers++;
		return;
	}
	s->nmarkers++;
	m->ts_ns = rec->ts_ns;
	m->cut = n >= sizeof(m->text);
	if (m->cut) /* at a character boundary of the UTF-8 text */
		for (n = sizeof(m->text) - 1; n && (rec->payload[n] & 0xc0) == 0x80; n--)
			;
	/* a segment not written by `flightrec mark` may hold anything */
	for (size_t i = 0; i < n; i++)
		m->text[i] = rec->payload[i] < 0x20 || rec->payload[i] == 0x7f
				     ? '?'
				     : (char)rec->payload[i];
	m->text[n] = 0;
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

		if (rec.kind == FR_KIND_MARKER)
			add_marker(s, &rec);
		if (!ki)
			s->unknown_kinds++;
		else if (ki->has_schema &&
			 fr_event__decode(rec.kind, rec.payload, rec.len, &ev) >= 0) {
			if (rec.kind == FR_KIND_RECORDER_STATS)
				add_stat(s, &ev);
		} else if (ki->has_schema) {
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
