/* SPDX-License-Identifier: BSD-2-Clause */
#include "hubble_resume.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format/kinds.h"
#include "format/reader.h"
#include "format/ring.h"
#include "hubble_wire.h"

/* One flow record: the newest time so far, and the ids at it. */
static void take(struct fr_hubble_resume *r, const struct fr_hubble_wire *w, const uint8_t *p,
		 size_t len)
{
	const int cmp = !r->found		   ? 1
			: w->time_s != r->time_s   ? (w->time_s > r->time_s ? 1 : -1)
			: w->time_ns != r->time_ns ? (w->time_ns > r->time_ns ? 1 : -1)
						   : 0;

	if (cmp < 0)
		return;
	if (cmp > 0) {
		r->found = true;
		r->time_s = w->time_s;
		r->time_ns = w->time_ns;
		r->nids = 0;
	}
	if (r->nids == FR_HUBBLE_RESUME_IDS)
		memmove(r->ids, r->ids + 1, (FR_HUBBLE_RESUME_IDS - 1) * sizeof(r->ids[0]));
	r->ids[r->nids < FR_HUBBLE_RESUME_IDS ? r->nids++ : FR_HUBBLE_RESUME_IDS - 1] =
		fr_hubble_wire__id(w, p, len);
}

/* Every Hubble flow of one segment. Return: 0 or the reader's -errno. */
static int read_segment(const char *path, struct fr_hubble_resume *r)
{
	struct fr_reader *rd = NULL;
	struct fr_record rec;
	int err = fr_reader__open(path, &rd, NULL);

	if (err)
		return err;
	/* -EBADMSG: a damaged block, the reader goes on with the next */
	while ((err = fr_reader__next(rd, &rec)) != 0) {
		struct fr_hubble_wire w;

		if (err < 0 && err != -EBADMSG)
			break;
		if (err < 0 || rec.kind != FR_KIND_HUBBLE_FLOW_PB)
			continue;
		if (!fr_hubble_wire__scan(rec.payload, rec.len, &w, NULL) &&
		    w.type == FR_HUBBLE_WIRE_FLOW && w.has_time)
			take(r, &w, rec.payload, rec.len);
	}
	fr_reader__close(rd);
	return err < 0 ? err : 0;
}

int fr_hubble_resume__read(const char *dir, struct fr_hubble_resume *out)
{
	struct fr_ring_list l = {0};
	size_t tried = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = fr_ring__list(dir, &l);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	for (size_t i = l.n; i-- > 0 && !out->found && tried < FR_HUBBLE_RESUME_SEGMENTS;) {
		char path[4096];

		if (!l.e[i].ring_named)
			continue; /* a copied-in segment: not this recorder's */
		tried++;
		if (snprintf(path, sizeof(path), "%s/%s", dir, l.e[i].name) >= (int)sizeof(path))
			continue;
		/* an unreadable segment (damaged header): the one before it */
		read_segment(path, out);
		if (out->found)
			snprintf(out->segment, sizeof(out->segment), "%s", l.e[i].name);
	}
	fr_ring_list__free(&l);
	return 0;
}

void fr_hubble_resume__format_time(int64_t s, int32_t ns, char *buf, size_t size)
{
	const time_t t = (time_t)s;
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "%lld s", (long long)s);
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
}
