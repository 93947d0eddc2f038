/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/db/family.h"
#include "analyzer/db/sqlembed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "metrics/"

const char *fr_family__type_name(enum fr_family_type t)
{
	return t == FR_FAMILY_COUNTER ? "counter" : t == FR_FAMILY_GAUGE ? "gauge" : "histogram";
}

/* Copy the value of "-- key: value" if `line` is that key. Return: 1 copied,
 * 0 another line, -1 a value longer than dst holds (never cut silently). */
static int header_value(const char *line, size_t len, const char *key, char *dst, size_t cap)
{
	const size_t kl = strlen(key);
	size_t n;

	if (len < 4 + kl || strncmp(line, "-- ", 3) || strncmp(line + 3, key, kl) ||
	    line[3 + kl] != ':')
		return 0;
	line += 4 + kl;
	len -= 4 + kl;
	while (len && *line == ' ')
		line++, len--;
	if (len > cap - 1)
		return -1;
	n = len;
	memcpy(dst, line, n);
	dst[n] = 0;
	return 1;
}

/* "B1, B2, ...": increasing positive bounds. Return: 0 or -EINVAL. */
static int parse_bounds(const char *s, struct fr_family *f)
{
	while (*s) {
		char *end;
		const double b = strtod(s, &end);

		if (end == s || !(b > 0) || f->nbounds == FR_FAMILY_MAX_BOUNDS ||
		    (f->nbounds && b <= f->bounds[f->nbounds - 1]))
			return -EINVAL;
		f->bounds[f->nbounds++] = b;
		s = end + strspn(end, ", ");
	}
	return 0;
}

/* "NAME=DIM, ...": a conn family's own labels. Return: 0 or -EINVAL. */
static int parse_own(const char *s, struct fr_family *f)
{
	while (*s) {
		const size_t n = strcspn(s, "=");
		const size_t d = n && s[n] ? strcspn(s + n + 1, ", ") : 0;

		if (!n || !s[n] || !d || n >= sizeof(f->own_name[0]) ||
		    d >= sizeof(f->own_dim[0]) || f->nown == FR_FAMILY_MAX_OWN)
			return -EINVAL;
		memcpy(f->own_name[f->nown], s, n);
		f->own_name[f->nown][n] = 0;
		memcpy(f->own_dim[f->nown], s + n + 1, d);
		f->own_dim[f->nown++][d] = 0;
		s += n + 1 + d;
		s += strspn(s, ", ");
	}
	return 0;
}

int fr_family__parse(const char *file, const char *sql, struct fr_family *f)
{
	char type[32] = "", attr[32] = "", scale[32] = "", bounds[256] = "", own[256] = "",
	     ctx[16] = "";
	const char *p = sql;
	int too_long = 0;

	memset(f, 0, sizeof(*f));
	f->sql = sql;
	f->scale = 1;
	while (*p && !strncmp(p, "--", 2)) {
		const char *eol = strchr(p, '\n');
		const size_t len = eol ? (size_t)(eol - p) : strlen(p);

		too_long |= header_value(p, len, "family", f->name, sizeof(f->name)) < 0;
		too_long |= header_value(p, len, "help", f->help, sizeof(f->help)) < 0;
		too_long |= header_value(p, len, "type", type, sizeof(type)) < 0;
		too_long |= header_value(p, len, "attribution", attr, sizeof(attr)) < 0;
		too_long |= header_value(p, len, "scale", scale, sizeof(scale)) < 0;
		too_long |= header_value(p, len, "buckets", bounds, sizeof(bounds)) < 0;
		too_long |= header_value(p, len, "labels", own, sizeof(own)) < 0;
		too_long |= header_value(p, len, "context", ctx, sizeof(ctx)) < 0;
		p += len + (eol ? 1 : 0);
	}
	if (too_long) {
		fprintf(stderr, "flightrec: %s: a family header value is too long\n", file);
		return -EINVAL;
	}
	if (!strcmp(type, "counter"))
		f->type = FR_FAMILY_COUNTER;
	else if (!strcmp(type, "gauge"))
		f->type = FR_FAMILY_GAUGE;
	else if (!strcmp(type, "histogram"))
		f->type = FR_FAMILY_HISTOGRAM;
	else
		goto bad;
	if (!f->name[0] || !f->help[0] ||
	    (strcmp(attr, "process") && strcmp(attr, "conn") && strcmp(attr, "hubble") &&
	     strcmp(attr, "none")))
		goto bad;
	f->conn = !strcmp(attr, "conn");
	f->hubble = !strcmp(attr, "hubble");
	f->plain = !strcmp(attr, "none");
	f->ctx_first = !strcmp(ctx, "first");
	if (ctx[0] && (!f->hubble || (strcmp(ctx, "first") && strcmp(ctx, "last"))))
		goto bad;
	if (scale[0])
		f->scale = strtod(scale, NULL);
	if (!(f->scale > 0) || parse_bounds(bounds, f) || parse_own(own, f) ||
	    (f->nbounds && f->type != FR_FAMILY_HISTOGRAM) || (f->conn && !f->nown))
		goto bad;
	return 0;
bad:
	fprintf(stderr,
		"flightrec: %s: bad family header (family, type, help, attribution; scale, "
		"buckets, labels, context)\n",
		file);
	return -EINVAL;
}

/* metrics/NAME.sql; metrics/NAME.yaml are metric files (usermetric.h). */
static int is_family_file(const char *name)
{
	const size_t n = strlen(name);

	return !strncmp(name, PREFIX, strlen(PREFIX)) && n > 4 && !strcmp(name + n - 4, ".sql");
}

size_t fr_family__count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < fr_sql_nfiles; i++)
		n += is_family_file(fr_sql_files[i].name);
	return n;
}

int fr_family__get(size_t idx, struct fr_family *f)
{
	/* embed.cmake sorts files by path, so this is name order */
	for (size_t i = 0; i < fr_sql_nfiles; i++)
		if (is_family_file(fr_sql_files[i].name) && !idx--)
			return fr_family__parse(fr_sql_files[i].name, fr_sql_files[i].text, f);
	return -ENOENT;
}
