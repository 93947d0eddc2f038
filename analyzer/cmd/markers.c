/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/markers.h"
#include "analyzer/cmd/timespec.h"
#include "format/kinds.h"
#include "format/reader.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LISTED_MAX 20 /* candidates printed when a choice is refused */

static int add(struct fr_marker_list *l, int64_t wall, const uint8_t *text, size_t len)
{
	char *t = malloc(len + 1);

	if (!t)
		return -ENOMEM;
	if (l->n == l->cap) {
		const size_t cap = l->cap ? 2 * l->cap : 16;
		struct fr_marker *m = realloc(l->m, cap * sizeof(*m));

		if (!m) {
			free(t);
			return -ENOMEM;
		}
		l->m = m;
		l->cap = cap;
	}
	memcpy(t, text, len);
	t[len] = 0;
	l->m[l->n++] = (struct fr_marker){.wall_ns = wall, .text = t};
	return 0;
}

static int scan_one(const char *path, struct fr_marker_list *out)
{
	struct fr_reader *r;
	struct fr_diag d = {0};
	struct fr_record rec;
	struct fr_event ev;
	int64_t offset;
	int rc, err = fr_reader__open(path, &r, &d);

	if (err) {
		if (err != -ENOENT) /* the caller says why a missing one is skipped */
			fprintf(stderr, "%s: %s\n", path, d.msg[0] ? d.msg : strerror(-err));
		return err;
	}
	offset = (int64_t)(fr_reader__info(r)->wall_ns - fr_reader__info(r)->boot_ns);
	while (!err && (rc = fr_reader__next(r, &rec)) != 0) {
		if (rc < 0)
			continue; /* a damaged block: the next one is read */
		/* clock syncs refine the pair, as replay maps time */
		if (rec.kind == FR_KIND_CLOCK_SYNC &&
		    !fr_event__decode(rec.kind, rec.payload, rec.len, &ev) &&
		    ev.f[FR_F_CLOCK_SYNC_WALL_NS].u)
			offset = (int64_t)(ev.f[FR_F_CLOCK_SYNC_WALL_NS].u -
					   ev.f[FR_F_CLOCK_SYNC_BOOT_NS].u);
		else if (rec.kind == FR_KIND_MARKER)
			err = add(out, (int64_t)rec.ts_ns + offset, rec.payload, rec.len);
	}
	fr_reader__close(r);
	return err;
}

int fr_markers__scan(char *const *paths, size_t n, struct fr_marker_list *out)
{
	for (size_t i = 0; i < n; i++) {
		const int err = scan_one(paths[i], out);

		/* a ring's oldest segment can be deleted by the running recorder
		 * between the listing and this read: its markers went with it */
		if (err == -ENOENT) {
			fprintf(stderr, "%s: deleted by the ring while its markers were read\n",
				paths[i]);
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}

void fr_marker_list__free(struct fr_marker_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->m[i].text);
	free(l->m);
	memset(l, 0, sizeof(*l));
}

static void list(const struct fr_marker_list *l, const char *query, const char *cmd)
{
	char t[40];
	size_t shown = 0;

	for (size_t i = 0; i < l->n && shown < LISTED_MAX; i++) {
		if (query && !strstr(l->m[i].text, query))
			continue;
		fr_time__format(l->m[i].wall_ns, t, sizeof(t));
		fprintf(stderr, "flightrec %s:   %s  %s\n", cmd, t, l->m[i].text);
		shown++;
	}
	if (shown == LISTED_MAX)
		fprintf(stderr, "flightrec %s:   ...\n", cmd);
}

const struct fr_marker *fr_markers__pick(const struct fr_marker_list *l, const char *query,
					 const char *cmd)
{
	const struct fr_marker *exact = NULL, *part = NULL;
	bool several = false;

	for (size_t i = 0; i < l->n; i++) {
		const struct fr_marker *m = &l->m[i];

		if (!strcmp(m->text, query)) {
			if (!exact || m->wall_ns > exact->wall_ns)
				exact = m;
		} else if (strstr(m->text, query)) {
			if (part && strcmp(part->text, m->text))
				several = true;
			if (!part || m->wall_ns > part->wall_ns)
				part = m;
		}
	}
	if (exact)
		return exact;
	if (part && !several)
		return part;
	if (part) {
		fprintf(stderr,
			"flightrec %s: '%s' matches markers of different texts: give one whole\n",
			cmd, query);
		list(l, query, cmd);
		return NULL;
	}
	fprintf(stderr, "flightrec %s: no marker says '%s'%s\n", cmd, query,
		l->n ? "; the markers are:" : " (there is no marker)");
	list(l, NULL, cmd);
	return NULL;
}

int fr_markers__window(char *const *paths, size_t n, const char *query, const char *before,
		       const char *after, const char *cmd, int64_t *from, int64_t *to)
{
	int64_t b = 300000000000ll, a = 300000000000ll;
	struct fr_marker_list l = {0};
	const struct fr_marker *m;
	char t[40];
	int err;

	if ((before && fr_duration__parse(before, &b)) ||
	    (after && fr_duration__parse(after, &a))) {
		fprintf(stderr, "flightrec %s: bad --before/--after (e.g. 5m, 30s)\n", cmd);
		return 2;
	}
	err = fr_markers__scan(paths, n, &l);
	if (err) {
		fprintf(stderr, "flightrec %s: cannot read the markers: %s\n", cmd, strerror(-err));
		fr_marker_list__free(&l);
		return 1;
	}
	m = fr_markers__pick(&l, query, cmd);
	if (m) {
		*from = m->wall_ns - b;
		*to = m->wall_ns + a;
		fr_time__format(m->wall_ns, t, sizeof(t));
		fprintf(stderr, "flightrec %s: around the marker of %s: %s\n", cmd, t, m->text);
	}
	fr_marker_list__free(&l);
	return m ? 0 : 1;
}
