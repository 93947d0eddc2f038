/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SQL files of queries/, embedded at build time (queries/embed.cmake),
 * looked up by their path relative to queries/ ("schema.sql",
 * "metrics/ebpf_syscall_count.sql", "canned/top_talkers.sql").
 */
#ifndef FR_ANALYZER_DB_SQLEMBED_H
#define FR_ANALYZER_DB_SQLEMBED_H

#include <stddef.h>

struct fr_sql_file {
	const char *name;
	const char *text;
};

extern const struct fr_sql_file fr_sql_files[];
extern const size_t fr_sql_nfiles;

/* Text of an embedded file, or NULL. Borrowed, static. */
const char *fr_sql__get(const char *name);

#endif /* FR_ANALYZER_DB_SQLEMBED_H */
