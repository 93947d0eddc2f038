/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flightrec-record: loads the kernel probes, drains their ring buffers on
 * a short timer, and writes segments into a recording directory until
 * SIGINT/SIGTERM or --duration; SIGHUP starts a new segment.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "options.h"
#include "format/host.h"
#include "probes.h"
#include "pump.h"
#include "rotate.h"
#include "segstart.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t rotate_requested;

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		rotate_requested = 1;
	else
		stop_requested = 1;
}

static int install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	const int sigs[] = {SIGINT, SIGTERM, SIGHUP};

	/* no SA_RESTART: a signal must interrupt epoll_wait */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}

static void report_families(const struct fr_probes *p, const struct fr_config *cfg)
{
	for (int i = 0; i < FR_FAM_COUNT; i++) {
		const struct fr_family_probe *f = &p->fam[i];

		if (f->on)
			fprintf(stderr, "flightrec-record: %-8s on  (%s, %s)%s%s\n",
				fr_family__name(i),
				f->mode == FR_MODE_STREAM ? "stream" : "aggregate", f->attach,
				f->detail[0] ? ": " : "", f->detail);
		else if (cfg->family_on[i])
			fprintf(stderr, "flightrec-record: %-8s OFF: %s (%s)\n", fr_family__name(i),
				f->detail, strerror(-f->err));
	}
}

static void print_stats(const struct fr_pump *pump, const struct fr_rotor_stats *rs,
			const struct fr_probes *p, double seconds)
{
	struct fr_pump_totals t;
	uint64_t events = 0;

	fr_pump__totals(pump, &t);
	fprintf(stderr, "%-9s %14s %12s %12s %12s %12s\n", "family", "seen", "records", "lost_ring",
		"lost_aggmap", "lost_track");
	for (int i = 0; i < FR_FAM_COUNT; i++) {
		const struct fr_pump_family_totals *f = &t.fam[i];

		if (!p->fam[i].on)
			continue;
		events += f->seen;
		fprintf(stderr, "%-9s %14llu %12llu %12llu %12llu %12llu\n", fr_family__name(i),
			(unsigned long long)f->seen, (unsigned long long)f->records,
			(unsigned long long)f->lost[FR_LOSS_RINGBUF_FULL],
			(unsigned long long)f->lost[FR_LOSS_AGG_MAP_FULL],
			(unsigned long long)f->lost[FR_LOSS_TRACK_MAP_FULL]);
	}
	fprintf(stderr,
		"segments %llu, records on disk %llu, file bytes %llu, bytes/record %.2f, "
		"events/s %.0f, malformed %llu, write failures %llu, segments deleted %llu\n",
		(unsigned long long)rs->segments, (unsigned long long)rs->records,
		(unsigned long long)rs->file_bytes,
		rs->records ? (double)rs->file_bytes / (double)rs->records : 0.0,
		seconds > 0 ? (double)events / seconds : 0.0, (unsigned long long)t.malformed,
		(unsigned long long)(rs->records_dropped + t.append_errors),
		(unsigned long long)rs->segments_deleted);
}

/* Periodic work between drains. Return: 0 or -errno of a fatal error. */
static int run_periodic(struct fr_pump *pump, struct fr_rotor *rotor, const struct fr_config *cfg,
			uint64_t now, uint64_t *next_interval, uint64_t *next_sync)
{
	int err;

	if (now >= *next_interval) {
		*next_interval = now + cfg->interval_ns;
		err = fr_pump__flush_aggregates(pump, now, false);
		err = err ?: fr_pump__write_stats(pump, now);
		if (err)
			fprintf(stderr, "flightrec-record: failed to read kernel maps: %s\n",
				strerror(-err));
	}
	if (now >= *next_sync) {
		*next_sync = now + cfg->clock_sync_ns;
		fr_write_clock_sync(fr_rotor__writer(rotor));
	}
	if (rotate_requested) {
		rotate_requested = 0;
		err = fr_rotor__rotate(rotor);
		if (err)
			fprintf(stderr, "flightrec-record: failed to rotate segment: %s\n",
				strerror(-err));
	} else {
		err = fr_rotor__check(rotor, now);
		if (err < 0)
			fprintf(stderr, "flightrec-record: failed to rotate segment: %s\n",
				strerror(-err));
	}
	/* a block at least every flush_ms even when quiet; errors are counted */
	fr_writer__tick(fr_rotor__writer(rotor));
	return 0;
}

static int record(const struct fr_config *cfg, struct fr_probes *probes)
{
	struct fr_segstart segstart = {.probes = probes};
	struct fr_rotor_opts ro = {.dir = cfg->dir,
				   .max_bytes = cfg->max_segment_bytes,
				   .max_age_ns = cfg->max_segment_age_ns,
				   .ring_max_bytes = cfg->max_size,
				   .ring_max_age_ns = cfg->max_age_ns,
				   .on_start = fr_segstart__write,
				   .ctx = &segstart};
	struct fr_rotor_stats rs = {0};
	struct fr_rotor *rotor = NULL;
	struct fr_pump *pump = NULL;
	struct fr_host_info hi;
	uint64_t start = 0, now, next_interval, next_sync;
	bool others_read;
	int err, n;

	err = fr_rotor__prepare_dir(cfg->dir, &others_read);
	if (err == -EPERM) {
		fprintf(stderr,
			"flightrec-record: %s is writable by its group or by every user, who "
			"could delete or replace recordings: chmod go-w it, or choose another "
			"--dir\n",
			cfg->dir);
		return err;
	}
	if (err) {
		fprintf(stderr, "flightrec-record: cannot use --dir %s: %s\n", cfg->dir,
			strerror(-err));
		return err;
	}
	if (others_read)
		fprintf(stderr,
			"flightrec-record: warning: every user can list %s (segments are 0%o, "
			"unreadable to them): chmod o-rx it to hide their names\n",
			cfg->dir, FR_SEGMENT_MODE);
	fr_host_info__read(&hi);
	snprintf(segstart.host, sizeof(segstart.host), "%s", hi.host);
	err = fr_drop_reasons__load(&segstart.drops);
	if (err)
		fprintf(stderr, "flightrec-record: no drop reason names from BTF: %s\n",
			strerror(-err));
	err = fr_rotor__open(&ro, &rotor);
	if (err) {
		fprintf(stderr, "flightrec-record: failed to open a segment in %s: %s\n", cfg->dir,
			strerror(-err));
		goto cleanup;
	}
	err = fr_pump__new(probes, rotor, true, &pump);
	if (err) {
		fprintf(stderr, "flightrec-record: failed to open ring buffers: %s\n",
			strerror(-err));
		goto cleanup;
	}
	start = now = fr_clock__boot_ns();
	next_interval = start + cfg->interval_ns;
	next_sync = start + cfg->clock_sync_ns;
	fprintf(stderr, "flightrec-record: recording into %s\n", fr_rotor__path(rotor));
	while (!stop_requested) {
		n = fr_pump__poll(pump, (int)cfg->drain_ms);
		if (n < 0 && n != -EINTR) {
			err = n;
			fprintf(stderr, "flightrec-record: failed to drain ring buffers: %s\n",
				strerror(-err));
			goto cleanup;
		}
		now = fr_clock__boot_ns();
		if (cfg->duration_ns && now - start >= cfg->duration_ns)
			break;
		run_periodic(pump, rotor, cfg, now, &next_interval, &next_sync);
	}
	/* stop the producers, then take everything they left in the rings */
	fr_probes__detach(probes);
	/* detached programs may still be running: let them finish first */
	fr_probes__quiesce(probes);
	n = fr_pump__drain(pump);
	now = fr_clock__boot_ns();
	err = n < 0 ? n : 0;
	err = fr_pump__flush_aggregates(pump, now, true) ?: err;
	err = fr_pump__write_stats(pump, now) ?: err;
	/* a closing clock pair bounds drift for the whole segment */
	err = fr_write_clock_sync(fr_rotor__writer(rotor)) ?: err;
	if (err)
		fprintf(stderr, "flightrec-record: final drain incomplete: %s\n", strerror(-err));
cleanup:
	if (rotor) {
		int seal = fr_rotor__close(rotor, &rs);

		if (seal)
			fprintf(stderr, "flightrec-record: failed to seal segment: %s\n",
				strerror(-seal));
		err = err ?: seal;
	}
	if (cfg->stats && pump)
		print_stats(pump, &rs, probes, (double)(fr_clock__boot_ns() - start) / 1e9);
	fr_pump__free(pump);
	fr_drop_reasons__free(&segstart.drops);
	return err;
}

int main(int argc, char **argv)
{
	struct fr_probes probes;
	struct fr_config cfg;
	int err;

	fr_config__init(&cfg);
	err = fr_options__parse(argc, argv, &cfg);
	if (err || cfg.check) {
		if (!err)
			fr_config__print(&cfg, stdout);
		fr_config__free(&cfg);
		return err;
	}
	verbose = cfg.verbose;
	libbpf_set_print(libbpf_print);
	err = install_signals();
	if (err) {
		fprintf(stderr, "flightrec-record: failed to install signal handlers: %s\n",
			strerror(-err));
		fr_config__free(&cfg);
		return 1;
	}
	/* best effort: without CAP_SYS_NICE the recorder runs at its given priority */
	if (setpriority(PRIO_PROCESS, 0, cfg.nice) < 0)
		fprintf(stderr, "flightrec-record: cannot set nice %d: %s\n", cfg.nice,
			strerror(errno));
	err = fr_probes__start(&probes, &cfg);
	report_families(&probes, &cfg);
	if (err) {
		if (err == -EPERM)
			fprintf(stderr, "flightrec-record: BPF is not permitted: run as root "
					"(or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE)\n");
		else
			fprintf(stderr, "flightrec-record: no family could start: %s\n",
				strerror(-err));
		fr_probes__stop(&probes);
		fr_config__free(&cfg);
		return 1;
	}
	err = record(&cfg, &probes);
	fr_probes__stop(&probes);
	fr_config__free(&cfg);
	return err ? 1 : 0;
}
