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
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "config.h"
#include "format/host.h"
#include "format/hubble/flow.h"
#include "options.h"
#include "probes.h"
#include "pump.h"
#include "rotate.h"
#include "segstart.h"
#include "sources/host/host.h"
#include "sources/hubble/hubble.h"
#include "sources/kernel/kernel.h"
#include "sources/kube/kube.h"

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

static void print_stats(const struct fr_pump_totals *totals, const struct fr_rotor_stats *rs,
			const struct fr_probes *p, double seconds)
{
	const struct fr_pump_totals t = *totals;
	uint64_t events = 0;

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
		(unsigned long long)rs->records_dropped, (unsigned long long)rs->segments_deleted);
	/* the same figures as the writer's statistics records in the data */
	fprintf(stderr,
		"lost to the disk: %llu records, %llu raw bytes (%llu not in the data: no room "
		"was left to write them); refused writes %llu, write errors %llu, records "
		"refused by the writer %llu; recovered segments %llu, torn bytes %llu, failed "
		"seals %llu\n",
		(unsigned long long)rs->records_dropped, (unsigned long long)rs->bytes_dropped,
		(unsigned long long)rs->loss_unwritten, (unsigned long long)rs->refusals,
		(unsigned long long)rs->write_errors, (unsigned long long)t.append_errors,
		(unsigned long long)rs->segments_recovered, (unsigned long long)rs->torn_bytes,
		(unsigned long long)rs->seal_failures);
}

/* Recovery at start and retried seals, on stderr. */
static void on_recover(void *ctx, const char *path, const struct fr_recovery *rec, int err)
{
	(void)ctx;
	if (err)
		fprintf(stderr, "flightrec-record: cannot recover %s: %s (left as it is)\n", path,
			strerror(-err));
	else if (!rec->blocks && !rec->kept_bytes)
		fprintf(stderr,
			"flightrec-record: removed %s: killed before its header was written "
			"(%llu torn bytes)\n",
			path, (unsigned long long)rec->torn_bytes);
	else
		fprintf(stderr,
			"flightrec-record: sealed %s: %llu blocks, %llu records kept; %llu torn "
			"bytes dropped%s\n",
			path, (unsigned long long)rec->blocks, (unsigned long long)rec->records,
			(unsigned long long)rec->torn_bytes,
			rec->index_bytes ? " (and an index without footer)" : "");
}

/* What the ring's bounds mean here, before anything is written. Return:
 * 0, or FR_EXIT_USAGE for a floor that cannot hold. */
static int explain_ring(const struct fr_config *cfg, const struct fr_rotor_opts *ro)
{
	const uint64_t limit = fr_rotor__segment_limit(ro);
	struct statvfs vfs;

	if (cfg->max_size && limit < cfg->max_segment_bytes)
		fprintf(stderr,
			"flightrec-record: ring: --max-size %llu bytes: segments rotate at %llu "
			"bytes (max-size/4, not --max-segment-size %llu) so the oldest can go\n",
			(unsigned long long)cfg->max_size, (unsigned long long)limit,
			(unsigned long long)cfg->max_segment_bytes);
	if (!cfg->min_free_bytes || statvfs(cfg->dir, &vfs) < 0)
		return 0;
	if (cfg->min_free_bytes >= (uint64_t)vfs.f_blocks * vfs.f_frsize) {
		fprintf(stderr,
			"flightrec-record: --min-free %llu bytes cannot hold: the file system of "
			"%s holds %llu bytes\n",
			(unsigned long long)cfg->min_free_bytes, cfg->dir,
			(unsigned long long)vfs.f_blocks * vfs.f_frsize);
		return FR_EXIT_USAGE;
	}
	return 0;
}

/* The host source learns of execs and exits from the kernel source. */
static void process_to_host(void *ctx, bool exec, uint32_t pid, uint32_t ppid, const char *comm,
			    size_t comm_cap, const char *exe, uint64_t ts_ns)
{
	fr_host_source__process_event(ctx, exec ? FR_PROCESS_EXEC : FR_PROCESS_EXIT, pid, ppid,
				      comm, comm_cap, exe, ts_ns);
}

struct loop {
	const struct fr_config *cfg;
	struct fr_source src[4]; /* kernel, host, kubernetes, hubble: stopped in this order */
	size_t nsrc, started;
	struct fr_rotor *rotor;
	int epfd;
};

static void report(const char *what, const char *source, int err)
{
	fprintf(stderr, "flightrec-record: %s source: %s: %s\n", source, what, strerror(-err));
}

/* Every source produces into the rotor and is polled. Return: 0 or -errno. */
static int start_sources(struct loop *l)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	while (l->started < l->nsrc) {
		struct fr_source *s = &l->src[l->started];
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)l->started};
		int fds[FR_FAM_COUNT], n = 0, err = s->start ? s->start(s->ctx, l->rotor) : 0;

		if (err) {
			report("cannot start", s->name, err);
			return err;
		}
		/* started: it is stopped at exit whatever happens next */
		l->started++;
		if (s->fds)
			n = s->fds(s->ctx, fds, FR_FAM_COUNT);
		for (int i = 0; !err && i < n; i++)
			if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fds[i], &ev) < 0)
				err = -errno;
		if (err) {
			report("cannot poll", s->name, err);
			return err;
		}
	}
	return 0;
}

/* Move what the sources have into the writer: each one that drains at
 * every wake, and those whose fd is readable (ready[i]). Return: 0 or -errno. */
static int drain_sources(struct loop *l, const bool *ready)
{
	for (size_t i = 0; i < l->started; i++) {
		const bool due = !l->src[i].drain_when_ready || ready[i];
		const int n = due && l->src[i].drain ? l->src[i].drain(l->src[i].ctx) : 0;

		if (n < 0 && n != -EINTR)
			return n;
	}
	return 0;
}

/* Periodic work between drains; failures are reported, never fatal. */
static void run_periodic(struct loop *l, uint64_t now, uint64_t *next_interval, uint64_t *next_sync)
{
	int err;

	if (now >= *next_interval) {
		*next_interval = now + l->cfg->interval_ns;
		for (size_t i = 0; i < l->started; i++) {
			err = l->src[i].on_interval ? l->src[i].on_interval(l->src[i].ctx, now) : 0;
			if (err)
				report("interval work failed", l->src[i].name, err);
		}
	}
	if (now >= *next_sync) {
		*next_sync = now + l->cfg->clock_sync_ns;
		fr_write_clock_sync(fr_rotor__writer(l->rotor));
	}
	if (rotate_requested) {
		rotate_requested = 0;
		err = fr_rotor__rotate(l->rotor);
		if (err)
			fprintf(stderr, "flightrec-record: failed to rotate segment: %s\n",
				strerror(-err));
	} else {
		err = fr_rotor__check(l->rotor, now);
		if (err < 0)
			fprintf(stderr, "flightrec-record: failed to rotate segment: %s\n",
				strerror(-err));
	}
	/* a block at least every flush_ms even when quiet; errors are counted */
	fr_writer__tick(fr_rotor__writer(l->rotor));
}

static int check_dir(const char *dir)
{
	bool others_read;
	int err = fr_rotor__prepare_dir(dir, &others_read);

	if (err == -EPERM)
		fprintf(stderr,
			"flightrec-record: %s is writable by its group or by every user, who "
			"could delete or replace recordings: chmod go-w it, or choose another "
			"--dir\n",
			dir);
	else if (err)
		fprintf(stderr, "flightrec-record: cannot use --dir %s: %s\n", dir, strerror(-err));
	else if (others_read)
		fprintf(stderr,
			"flightrec-record: warning: every user can list %s (segments are 0%o, "
			"unreadable to them): chmod o-rx it to hide their names\n",
			dir, FR_SEGMENT_MODE);
	return err;
}

/* Record until a signal or --duration. Return: 0 or -errno. */
static int run_loop(struct loop *l)
{
	uint64_t start = fr_clock__boot_ns(), now, next_interval, next_sync;
	struct epoll_event evs[16];
	int err = 0, n;

	next_interval = start + l->cfg->interval_ns;
	next_sync = start + l->cfg->clock_sync_ns;
	fprintf(stderr, "flightrec-record: recording into %s\n", fr_rotor__path(l->rotor));
	while (!stop_requested) {
		bool ready[sizeof(l->src) / sizeof(l->src[0])] = {false};

		n = epoll_wait(l->epfd, evs, 16, (int)l->cfg->drain_ms);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			fprintf(stderr, "flightrec-record: failed to wait for sources: %s\n",
				strerror(errno));
			return err;
		}
		for (int i = 0; i < n; i++)
			if (evs[i].data.u32 < l->started)
				ready[evs[i].data.u32] = true;
		err = drain_sources(l, ready);
		if (err) {
			fprintf(stderr, "flightrec-record: failed to drain ring buffers: %s\n",
				strerror(-err));
			return err;
		}
		now = fr_clock__boot_ns();
		if (l->cfg->duration_ns && now - start >= l->cfg->duration_ns)
			break;
		run_periodic(l, now, &next_interval, &next_sync);
	}
	return 0;
}

static int record(const struct fr_config *cfg, const struct fr_kube_settings *ks,
		  struct fr_probes *probes, double *seconds, struct fr_pump_totals *totals,
		  struct fr_rotor_stats *rs)
{
	struct fr_hubble_source *hubble = NULL;
	struct fr_kube_source *kube = NULL;
	struct loop l = {.cfg = cfg, .epfd = -1};
	struct fr_segstart segstart = {.sources = l.src};
	struct fr_rotor_opts ro = {.dir = cfg->dir,
				   .max_bytes = cfg->max_segment_bytes,
				   .max_age_ns = cfg->max_segment_age_ns,
				   .ring_max_bytes = cfg->max_size,
				   .ring_max_age_ns = cfg->max_age_ns,
				   /* blocks still go out every second (flush_ms) */
				   .block_size =
					   fr_hubble__wanted(cfg) ? FR_HUBBLE_SEGMENT_BLOCK : 0,
				   .min_free_pct = cfg->min_free_pct,
				   .min_free_bytes = cfg->min_free_bytes,
				   .on_start = fr_segstart__write,
				   .ctx = &segstart,
				   .on_recover = on_recover};
	struct fr_kernel_source *kernel = NULL;
	struct fr_host_source *host = NULL;
	struct fr_host_info hi;
	uint64_t start = fr_clock__boot_ns();
	int err, seal;

	err = check_dir(cfg->dir);
	if (err)
		return err;
	err = explain_ring(cfg, &ro);
	if (err)
		return -EINVAL;
	fr_host_info__read(&hi);
	err = fr_host_source__new(&(struct fr_host_source_opts){.host = hi.host}, &host);
	err = err ?: fr_kernel_source__new(probes, cfg, process_to_host, host, &kernel);
	if (!err && ks->on)
		err = fr_kube_source__new(ks, &kube);
	if (!err && fr_hubble__wanted(cfg))
		err = fr_hubble_source__new(cfg, &hubble);
	if (err) {
		fprintf(stderr, "flightrec-record: cannot set up the sources: %s\n",
			strerror(-err));
		goto out;
	}
	/* --families none: no kernel source at all (no BPF, no rings) */
	if (fr_config__any_family(cfg))
		fr_kernel_source__as_source(kernel, &l.src[l.nsrc++]);
	fr_host_source__as_source(host, &l.src[l.nsrc++]);
	if (kube)
		fr_kube_source__as_source(kube, &l.src[l.nsrc++]);
	if (hubble)
		fr_hubble_source__as_source(hubble, &l.src[l.nsrc++]);
	segstart.nsources = l.nsrc;
	err = fr_rotor__open(&ro, &l.rotor);
	if (err) {
		fprintf(stderr, "flightrec-record: failed to open a segment in %s: %s\n", cfg->dir,
			strerror(-err));
		goto out;
	}
	err = start_sources(&l);
	err = err ?: run_loop(&l);
	/* producers first, so a later source hears of everything before it stops */
	for (size_t i = 0; i < l.started; i++) {
		const int e = l.src[i].stop ? l.src[i].stop(l.src[i].ctx, fr_clock__boot_ns()) : 0;

		if (e)
			report("final drain incomplete", l.src[i].name, e);
		err = err ?: e;
	}
	/* a closing clock pair bounds drift for the whole segment */
	err = fr_write_clock_sync(fr_rotor__writer(l.rotor)) ?: err;
	seal = fr_rotor__close(l.rotor, rs);
	if (seal)
		fprintf(stderr, "flightrec-record: failed to seal segment: %s\n", strerror(-seal));
	err = err ?: seal;
out:
	*seconds = (double)(fr_clock__boot_ns() - start) / 1e9;
	if (kernel)
		fr_kernel_source__totals(kernel, totals);
	if (l.epfd >= 0)
		close(l.epfd);
	fr_hubble_source__free(hubble);
	fr_kube_source__free(kube);
	fr_host_source__free(host);
	fr_kernel_source__free(kernel);
	return err;
}

int main(int argc, char **argv)
{
	struct fr_pump_totals totals = {0};
	struct fr_rotor_stats rs = {0};
	struct fr_probes probes;
	double seconds = 0;
	struct fr_kube_settings ks = {0};
	struct fr_config cfg;
	char msg[1024];
	int err;

	fr_config__init(&cfg);
	err = fr_options__parse(argc, argv, &cfg);
	if (err || cfg.check) {
		if (!err)
			fr_config__print(&cfg, stdout);
		fr_config__free(&cfg);
		return err;
	}
	/* before the probes: a bad snapshot file or no API is a usage error */
	err = fr_kube_settings__resolve(&cfg, &ks, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "flightrec-record: %s\n", err == -EINVAL ? msg : strerror(-err));
		fr_config__free(&cfg);
		return err == -EINVAL ? FR_EXIT_USAGE : 1;
	}
	if (!fr_config__any_family(&cfg) && !ks.on && !fr_hubble__wanted(&cfg)) {
		fprintf(stderr, "flightrec-record: --families none records nothing without "
				"--hubble, --hubble-jsonpb or --kube\n");
		fr_kube_settings__free(&ks);
		fr_config__free(&cfg);
		return FR_EXIT_USAGE;
	}
	if (ks.on && !ks.snapshot_json)
		fprintf(stderr, "flightrec-record: kubernetes: from %s%s%s\n", ks.url,
			ks.node[0] ? ", pods of node " : "", ks.node);
	verbose = cfg.verbose;
	libbpf_set_print(libbpf_print);
	err = install_signals();
	if (err) {
		fprintf(stderr, "flightrec-record: failed to install signal handlers: %s\n",
			strerror(-err));
		fr_kube_settings__free(&ks);
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
		fr_kube_settings__free(&ks);
		fr_config__free(&cfg);
		return 1;
	}
	err = record(&cfg, &ks, &probes, &seconds, &totals, &rs);
	if (cfg.stats)
		print_stats(&totals, &rs, &probes, seconds);
	fr_probes__stop(&probes);
	fr_kube_settings__free(&ks);
	fr_config__free(&cfg);
	return err ? 1 : 0;
}
