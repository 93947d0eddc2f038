/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test helper for test_recorder.py: the records of segment files, one
 * line each, read with format/'s reader only (no analyzer), so the test
 * can compare what the recorder wrote with what the server sent:
 *   KIND_NAME TS_NS HEX_PAYLOAD        (opaque kinds)
 *   recorder_stats TS_NS SOURCE REASON SEEN LOST FIRST_NS LAST_NS
 *   proc_exec TS_NS HEX_FILENAME
 * Exit 0, or 1 when a segment cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include "format/kinds.h"
#include "format/reader.h"

static void stats(const struct fr_record *rec)
{
	struct fr_event ev;
	const struct fr_value *f = ev.f;

	if (fr_event__decode(rec->kind, rec->payload, rec->len, &ev)) {
		printf("bad_stats %llu\n", (unsigned long long)rec->ts_ns);
		return;
	}
	printf("recorder_stats %llu %.*s %.*s %llu %llu %llu %llu\n",
	       (unsigned long long)rec->ts_ns, (int)f[FR_F_RECORDER_STATS_SOURCE].len,
	       (const char *)f[FR_F_RECORDER_STATS_SOURCE].p,
	       (int)f[FR_F_RECORDER_STATS_REASON].len,
	       (const char *)f[FR_F_RECORDER_STATS_REASON].p,
	       (unsigned long long)f[FR_F_RECORDER_STATS_SEEN].u,
	       (unsigned long long)f[FR_F_RECORDER_STATS_LOST].u,
	       (unsigned long long)f[FR_F_RECORDER_STATS_FIRST_NS].u,
	       (unsigned long long)f[FR_F_RECORDER_STATS_LAST_NS].u);
}

static void exec_name(const struct fr_record *rec)
{
	struct fr_event ev;

	if (fr_event__decode(rec->kind, rec->payload, rec->len, &ev))
		return;
	printf("proc_exec %llu ", (unsigned long long)rec->ts_ns);
	for (uint32_t b = 0; b < ev.f[FR_F_PROC_EXEC_FILENAME].len; b++)
		printf("%02x", ev.f[FR_F_PROC_EXEC_FILENAME].p[b]);
	putchar('\n');
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct fr_reader *r = NULL;
		struct fr_record rec;

		if (fr_reader__open(argv[i], &r, NULL)) {
			fprintf(stderr, "hubble_segdump: cannot read %s\n", argv[i]);
			rc = 1;
			continue;
		}
		while (fr_reader__next(r, &rec) == 1) {
			const struct fr_kind_info *ki = fr_kind__info(rec.kind);

			if (rec.kind == FR_KIND_RECORDER_STATS) {
				stats(&rec);
				continue;
			}
			if (rec.kind == FR_KIND_PROC_EXEC) {
				exec_name(&rec);
				continue;
			}
			if (!ki || ki->has_schema)
				continue;
			printf("%s %llu ", ki->name, (unsigned long long)rec.ts_ns);
			for (uint32_t b = 0; b < rec.len; b++)
				printf("%02x", rec.payload[b]);
			putchar('\n');
		}
		fr_reader__close(r);
	}
	return rc;
}
