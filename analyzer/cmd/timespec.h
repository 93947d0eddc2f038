/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Command-line time values: windows "FROM..TO" (RFC 3339 UTC such as
 * 2026-01-15T12:00:00Z or 2026-01-15T12:00:00.5+01:00, or integer ns since
 * the epoch; either side may be empty for "open") and durations ("10s",
 * "500ms", "1m", "2h", "250us", "100ns").
 */
#ifndef FR_ANALYZER_CMD_TIMESPEC_H
#define FR_ANALYZER_CMD_TIMESPEC_H

#include <stdint.h>

#define FR_TIME_OPEN_FROM INT64_MIN
#define FR_TIME_OPEN_TO	  INT64_MAX

/* Parse one time point. Return: 0 or -EINVAL. */
int fr_time__parse(const char *s, int64_t *ns);

/* Parse "FROM..TO"; an empty side gives FR_TIME_OPEN_*. FROM must be
 * before TO. Return: 0 or -EINVAL. */
int fr_window__parse(const char *s, int64_t *from, int64_t *to);

/* Parse a positive duration. Return: 0 or -EINVAL. */
int fr_duration__parse(const char *s, int64_t *ns);

/* Format wall-clock ns as RFC 3339 UTC with nanoseconds. */
void fr_time__format(int64_t ns, char *buf, unsigned long cap);

#endif /* FR_ANALYZER_CMD_TIMESPEC_H */
