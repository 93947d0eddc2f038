/* SPDX-License-Identifier: BSD-2-Clause */
#include "kernel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/host.h"
#include "names.h"

struct fr_kernel_source {
	struct fr_probes *probes;
	const struct fr_config *cfg;
	fr_pump_process_fn on_process;
	void *process_ctx;
	struct fr_pump *pump;	      /* from start */
	struct fr_drop_reasons drops; /* empty when the kernel has none */
};

int fr_kernel_source__new(struct fr_probes *probes, const struct fr_config *cfg,
			  fr_pump_process_fn on_process, void *ctx, struct fr_kernel_source **out)
{
	struct fr_kernel_source *k = calloc(1, sizeof(*k));
	int err;

	if (!k)
		return -ENOMEM;
	k->probes = probes;
	k->cfg = cfg;
	k->on_process = on_process;
	k->process_ctx = ctx;
	err = fr_drop_reasons__load(&k->drops);
	if (err)
		fprintf(stderr, "flightrec-record: no drop reason names from BTF: %s\n",
			strerror(-err));
	*out = k;
	return 0;
}

#define VU(x)	((struct fr_value){.u = (uint64_t)(x)})
#define VS(x)	((struct fr_value){.u = (uint64_t)(int64_t)(x)})
#define VSTR(s) ((struct fr_value){.p = (const uint8_t *)(s), .len = (uint32_t)strlen(s)})

static int write_status(const struct fr_probes *probes, struct fr_writer *w, uint64_t now)
{
	int err = 0;

	for (int i = 0; i < FR_FAM_COUNT && !err; i++) {
		const struct fr_family_probe *f = &probes->fam[i];
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

static int kernel_snapshot(void *ctx, struct fr_writer *w, uint64_t now_ns)
{
	struct fr_kernel_source *k = ctx;
	int err = write_status(k->probes, w, now_ns);

	err = err
		      ?: write_names(w, FR_KIND_SYSCALL_NAME, fr_syscall_names,
				     fr_syscall_names_len, now_ns);
	return err
		       ?: write_names(w, FR_KIND_DROP_REASON_NAME, k->drops.names, k->drops.len,
				      now_ns);
}

static int kernel_start(void *ctx, struct fr_rotor *rotor)
{
	struct fr_kernel_source *k = ctx;

	return fr_pump__new(k->probes, rotor, k->on_process, k->process_ctx, &k->pump);
}

/* Each ring's own fd, not libbpf's epoll of them: an epoll nested in the
 * loop's cost ~15 % more recorder CPU in stream mode (measured). */
static int kernel_fds(void *ctx, int *fds, int max)
{
	const struct fr_kernel_source *k = ctx;
	int n = 0;

	for (int i = 0; i < FR_FAM_COUNT && n < max; i++)
		if (k->probes->fam[i].on && k->probes->fam[i].ring_fd >= 0)
			fds[n++] = k->probes->fam[i].ring_fd;
	return n;
}

static int kernel_drain(void *ctx)
{
	struct fr_kernel_source *k = ctx;

	/* rings submit without wakeups: drain all of them, woken or not */
	return fr_pump__drain(k->pump);
}

static int kernel_interval(void *ctx, uint64_t now_ns)
{
	struct fr_kernel_source *k = ctx;
	int err = fr_pump__flush_aggregates(k->pump, now_ns, false);

	return fr_pump__write_stats(k->pump, now_ns) ?: err;
}

static int kernel_stop(void *ctx, uint64_t now_ns)
{
	struct fr_kernel_source *k = ctx;
	int n, err;

	/* book what the tasks on a CPU ran so far, stop the producers, then
	 * take everything they left in the rings */
	err = fr_probes__run_oncpu(k->probes);
	fr_probes__detach(k->probes);
	if (!k->pump)
		return err;
	/* detached programs may still be running: let them finish first */
	fr_probes__quiesce(k->probes);
	n = fr_pump__drain(k->pump);
	err = n < 0 ? n : err;
	err = fr_pump__flush_aggregates(k->pump, now_ns, true) ?: err;
	return fr_pump__write_stats(k->pump, now_ns) ?: err;
}

void fr_kernel_source__as_source(struct fr_kernel_source *k, struct fr_source *s)
{
	*s = (struct fr_source){.name = "kernel",
				.ctx = k,
				.fds = kernel_fds,
				.start = kernel_start,
				.drain = kernel_drain,
				.on_interval = kernel_interval,
				.snapshot = kernel_snapshot,
				.stop = kernel_stop};
}

void fr_kernel_source__totals(const struct fr_kernel_source *k, struct fr_pump_totals *t)
{
	if (k->pump)
		fr_pump__totals(k->pump, t);
	else
		memset(t, 0, sizeof(*t));
}

void fr_kernel_source__free(struct fr_kernel_source *k)
{
	if (!k)
		return;
	fr_pump__free(k->pump);
	fr_drop_reasons__free(&k->drops);
	free(k);
}
