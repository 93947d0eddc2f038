/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/timespec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS 1000000000LL

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -EINVAL;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

static int parse_rfc3339(const char *s, int64_t *ns)
{
	int Y, M, D, h, m, sec, oh = 0, om = 0;
	int64_t frac = 0, scale = NS / 10;
	struct tm tm = {0};
	const char *p = s;

	if (digits(&p, 4, &Y) || expect(&p, '-') || digits(&p, 2, &M) || expect(&p, '-') ||
	    digits(&p, 2, &D) || (*p != 'T' && *p != 't' && *p != ' ') || !*p++ ||
	    digits(&p, 2, &h) || expect(&p, ':') || digits(&p, 2, &m) || expect(&p, ':') ||
	    digits(&p, 2, &sec))
		return -EINVAL;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		const int sign = *p++ == '-' ? -1 : 1;

		if (digits(&p, 2, &oh) || expect(&p, ':') || digits(&p, 2, &om))
			return -EINVAL;
		oh *= sign;
		om *= sign;
	} else {
		return -EINVAL; /* a time without a zone is ambiguous */
	}
	if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	*ns = ((int64_t)timegm(&tm) - (int64_t)oh * 3600 - (int64_t)om * 60) * NS + frac;
	return 0;
}

int fr_time__parse(const char *s, int64_t *ns)
{
	char *end;

	if (!*s)
		return -EINVAL;
	if (strchr(s, 'T') || strchr(s, 't') || strchr(s, ' '))
		return parse_rfc3339(s, ns);
	errno = 0;
	*ns = strtoll(s, &end, 10);
	return *end || errno || *ns < 0 ? -EINVAL : 0;
}

int fr_window__parse(const char *s, int64_t *from, int64_t *to)
{
	const char *dots = strstr(s, "..");
	char left[64];
	size_t n;

	if (!dots || strstr(dots + 2, ".."))
		return -EINVAL;
	n = (size_t)(dots - s);
	if (n >= sizeof(left))
		return -EINVAL;
	memcpy(left, s, n);
	left[n] = 0;
	*from = FR_TIME_OPEN_FROM;
	*to = FR_TIME_OPEN_TO;
	if (n && fr_time__parse(left, from))
		return -EINVAL;
	if (dots[2] && fr_time__parse(dots + 2, to))
		return -EINVAL;
	return *from < *to ? 0 : -EINVAL;
}

int fr_duration__parse(const char *s, int64_t *ns)
{
	static const struct {
		const char *unit;
		int64_t mul;
	} units[] = {{"ns", 1}, {"us", 1000},	{"ms", 1000000},
		     {"s", NS}, {"m", 60 * NS}, {"h", 3600 * NS}};
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || v <= 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			if (v > INT64_MAX / units[i].mul)
				return -EINVAL;
			*ns = v * units[i].mul;
			return 0;
		}
	return -EINVAL;
}

void fr_time__format(int64_t ns, char *buf, unsigned long cap)
{
	const time_t secs = (time_t)(ns / NS);
	struct tm tm;
	char base[32];

	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, cap, "%s.%09lldZ", base, (long long)(ns % NS));
}
