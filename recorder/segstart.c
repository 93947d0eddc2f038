/* SPDX-License-Identifier: BSD-2-Clause */
#include "segstart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/host.h"
#include "proctable.h"

#define VU(x)	((struct fr_value){.u = (uint64_t)(x)})
#define VS(x)	((struct fr_value){.u = (uint64_t)(int64_t)(x)})
#define VSTR(s) ((struct fr_value){.p = (const uint8_t *)(s), .len = (uint32_t)strlen(s)})

int fr_write_clock_sync(struct fr_writer *w)
{
	uint64_t boot, wall;

	fr_clock_pair__sample(&boot, &wall);
	const struct fr_value v[] = {
		[FR_F_CLOCK_SYNC_BOOT_NS] = VU(boot), [FR_F_CLOCK_SYNC_WALL_NS] = VU(wall)};

	return fr_writer__append_event(w, FR_KIND_CLOCK_SYNC, boot, v, FR_NVALS(CLOCK_SYNC, v));
}

int fr_segstart__write_status(const struct fr_segstart *s, struct fr_writer *w)
{
	const uint64_t now = fr_clock__boot_ns();
	int err = 0;

	for (int i = 0; i < FR_FAM_COUNT && !err; i++) {
		const struct fr_family_probe *f = &s->probes->fam[i];
		const char *mode = f->mode == FR_MODE_STREAM ? "stream" : "aggregate";
		char detail[320];

		snprintf(detail, sizeof(detail), "%s%s%s", f->attach[0] ? f->attach : "",
			 f->attach[0] && f->detail[0] ? ": " : "", f->detail);
		const struct fr_value v[] = {[FR_F_FAMILY_STATUS_FAMILY] = VSTR(fr_family__name(i)),
					     [FR_F_FAMILY_STATUS_ENABLED] = VU(f->on),
					     [FR_F_FAMILY_STATUS_ERR] = VS(f->err),
					     [FR_F_FAMILY_STATUS_MODE] = VSTR(mode),
					     [FR_F_FAMILY_STATUS_DETAIL] = VSTR(detail)};

		err = fr_writer__append_event(w, FR_KIND_FAMILY_STATUS, now, v,
					      FR_NVALS(FAMILY_STATUS, v));
	}
	return err;
}

/* write_names() fills both name kinds: (number, name), the same layout */
#define SAME_INDEX(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME_INDEX(FR_F_SYSCALL_NAME_NR, FR_F_DROP_REASON_NAME_REASON) &&
		       SAME_INDEX(FR_F_SYSCALL_NAME_NAME, FR_F_DROP_REASON_NAME_NAME) &&
		       SAME_INDEX(FR_F_SYSCALL_NAME__COUNT, FR_F_DROP_REASON_NAME__COUNT),
	       "syscall_name and drop_reason_name differ");

static int write_names(struct fr_writer *w, unsigned kind, const struct fr_name *names, size_t len,
		       uint64_t now)
{
	int err = 0;

	for (size_t i = 0; i < len && !err; i++) {
		const struct fr_value v[] = {[FR_F_SYSCALL_NAME_NR] = VU(names[i].value),
					     [FR_F_SYSCALL_NAME_NAME] = VSTR(names[i].name)};

		err = fr_writer__append_event(w, kind, now, v, FR_NVALS(SYSCALL_NAME, v));
	}
	return err;
}

int fr_segstart__write(void *ctx, struct fr_writer *w, uint64_t seq)
{
	const struct fr_segstart *s = ctx;
	const uint64_t now = fr_clock__boot_ns();
	char *snapshot = NULL;
	int err;

	err = fr_write_clock_sync(w);
	err = err ?: fr_segstart__write_status(s, w);
	err = err
		      ?: write_names(w, FR_KIND_SYSCALL_NAME, fr_syscall_names,
				     fr_syscall_names_len, now);
	err = err ?: write_names(w, FR_KIND_DROP_REASON_NAME, s->drops.names, s->drops.len, now);
	err = err ?: fr_proctable__snapshot_json(s->host, &snapshot);
	err = err ?: fr_writer__append(w, FR_KIND_META_SNAPSHOT, now, snapshot, strlen(snapshot));
	free(snapshot);
	return err;
}
