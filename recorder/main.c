/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flightrec-record: loads the kernel probes, drains their ring buffers on
 * a short timer, and writes segments into a recording directory until
 * SIGINT/SIGTERM or --duration; SIGHUP starts a new segment.
 */
#include <argp.h>
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
#include "format/host.h"
#include "probes.h"
#include "pump.h"
#include "rotate.h"
#include "segstart.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t rotate_requested;

const char *argp_program_version = "flightrec-record 0.1.0";
static const char doc[] =
	"Record what the kernel sees into compressed segment files.\n\n"
	"Families: proc, syscalls, net, drop, file, sched, mem (default: all).\n"
	"Modes: syscalls, file, sched and mem are aggregated in the kernel by default;\n"
	"--mode syscalls=stream records one event per call.\n\n"
	"EXAMPLES:\n"
	"  flightrec-record --dir /var/lib/flightrec --duration 10s --stats\n"
	"  flightrec-record --dir d --families syscalls,proc --mode syscalls=stream\n"
	"  flightrec-record --dir d --cgroup /sys/fs/cgroup/unified/my.slice";

enum {
	OPT_MAX_SEG_SIZE = 256,
	OPT_MAX_SEG_AGE,
	OPT_INTERVAL,
	OPT_DRAIN,
	OPT_RING_SIZE,
	OPT_ATTACH,
	OPT_STATS,
	OPT_CONFIG,
	OPT_MAX_SIZE,
	OPT_MAX_AGE,
	OPT_NICE,
};

static const struct argp_option options[] = {
	{"config", OPT_CONFIG, "FILE", 0,
	 "Options from FILE, one \"name = value\" per line; later flags override it", 0},
	{"dir", 'd', "DIR", 0, "Recording directory (created if missing; required)", 0},
	{"families", 'f', "LIST", 0, "Comma-separated families to record, or \"all\"", 0},
	{"mode", 'm', "FAM=MODE,...", 0, "stream or aggregate per family", 0},
	{"pid", 'p', "PID", 0, "Only this process (tgid)", 0},
	{"cgroup", 'c', "DIR", 0, "Only tasks under this cgroup v2 directory", 0},
	{"duration", 't', "DUR", 0, "Stop after DUR (10s, 5m, 1h); default: until a signal", 0},
	{"max-size", OPT_MAX_SIZE, "SIZE", 0, "Keep the directory within SIZE (deletes oldest)", 0},
	{"max-age", OPT_MAX_AGE, "DUR", 0, "Delete sealed segments older than DUR", 0},
	{"max-segment-size", OPT_MAX_SEG_SIZE, "SIZE", 0, "Rotate past SIZE (default 256M)", 0},
	{"max-segment-age", OPT_MAX_SEG_AGE, "DUR", 0, "Rotate after DUR (default 1h)", 0},
	{"interval", OPT_INTERVAL, "DUR", 0, "Aggregate flush and statistics period (1s)", 0},
	{"drain", OPT_DRAIN, "DUR", 0, "Ring drain timer (default 20ms)", 0},
	{"ring-size", OPT_RING_SIZE, "FAM=SIZE,...", 0, "Ring buffer size per family", 0},
	{"nice", OPT_NICE, "N", 0, "Scheduling priority, -20..19 (default -5: drain on time)", 0},
	{"attach", OPT_ATTACH, "auto|raw_tp", 0, "Force the raw_tp fallback (testing)", 0},
	{"stats", OPT_STATS, NULL, 0, "Print statistics to stderr at the end", 0},
	{"verbose", 'v', NULL, 0, "libbpf debug output", 0},
	{},
};

static int parse_ring_sizes(struct fr_config *cfg, char *arg)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t bytes;
		int id;

		if (!eq)
			return -EINVAL;
		*eq = '\0';
		id = fr_family__from_name(tok);
		/* libbpf wants a power of two multiple of the page size */
		if (id < 0 || fr_parse_size(eq + 1, &bytes) || bytes < 4096 || bytes > (1u << 30) ||
		    (bytes & (bytes - 1)))
			return -EINVAL;
		cfg->ring_kib[id] = (uint32_t)(bytes >> 10);
	}
	return 0;
}

static int parse_config_file(struct fr_config *cfg, const char *path, struct argp_state *state);

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct fr_config *cfg = state->input;
	uint64_t v;
	char *end;

	switch (key) {
	case 'd':
		cfg->dir = arg;
		break;
	case 'f':
		if (fr_config__parse_families(cfg, arg))
			argp_error(state,
				   "bad --families '%s' (proc,syscalls,net,drop,file,sched,mem)",
				   arg);
		break;
	case 'm':
		if (fr_config__parse_modes(cfg, arg))
			argp_error(state,
				   "bad --mode '%s' (e.g. syscalls=stream; proc, net and drop "
				   "are stream only)",
				   arg);
		break;
	case 'p':
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (errno || *end || !v || v > 0x7fffffff)
			argp_error(state, "bad --pid '%s'", arg);
		cfg->pid = (uint32_t)v;
		break;
	case 'c':
		if (access(arg, R_OK))
			argp_error(state, "--cgroup '%s': %s", arg, strerror(errno));
		cfg->cgroup = arg;
		break;
	case 't':
		if (fr_parse_duration(arg, &cfg->duration_ns) || !cfg->duration_ns)
			argp_error(state, "bad --duration '%s' (e.g. 10s, 500ms, 5m)", arg);
		break;
	case OPT_MAX_SEG_SIZE:
		if (fr_parse_size(arg, &cfg->max_segment_bytes) || cfg->max_segment_bytes < 4096)
			argp_error(state, "bad --max-segment-size '%s' (e.g. 64M, at least 4K)",
				   arg);
		break;
	case OPT_MAX_SIZE:
		if (fr_parse_size(arg, &cfg->max_size) || cfg->max_size < (1u << 20))
			argp_error(state, "bad --max-size '%s' (e.g. 2G, at least 1M)", arg);
		break;
	case OPT_MAX_AGE:
		if (fr_parse_duration(arg, &cfg->max_age_ns) || !cfg->max_age_ns)
			argp_error(state, "bad --max-age '%s' (e.g. 24h)", arg);
		break;
	case OPT_MAX_SEG_AGE:
		if (fr_parse_duration(arg, &cfg->max_segment_age_ns) || !cfg->max_segment_age_ns)
			argp_error(state, "bad --max-segment-age '%s'", arg);
		break;
	case OPT_INTERVAL:
		if (fr_parse_duration(arg, &cfg->interval_ns) || cfg->interval_ns < 10000000ull)
			argp_error(state, "bad --interval '%s' (at least 10ms)", arg);
		break;
	case OPT_DRAIN:
		if (fr_parse_duration(arg, &v) || v < 1000000ull || v > 1000000000ull)
			argp_error(state, "bad --drain '%s' (1ms to 1s)", arg);
		cfg->drain_ms = (uint32_t)(v / 1000000ull);
		break;
	case OPT_RING_SIZE:
		if (parse_ring_sizes(cfg, arg))
			argp_error(state,
				   "bad --ring-size (FAM=SIZE, a power of two from 4K to 1G)");
		break;
	case OPT_ATTACH:
		if (!strcmp(arg, "auto"))
			cfg->attach = FR_ATTACH_AUTO;
		else if (!strcmp(arg, "raw_tp"))
			cfg->attach = FR_ATTACH_RAW_TP;
		else
			argp_error(state, "bad --attach '%s' (auto or raw_tp)", arg);
		break;
	case OPT_NICE:
		errno = 0;
		v = (uint64_t)strtol(arg, &end, 10);
		if (errno || *end || (long)v < -20 || (long)v > 19)
			argp_error(state, "bad --nice '%s' (-20..19)", arg);
		cfg->nice = (int)(long)v;
		break;
	case OPT_STATS:
		cfg->stats = true;
		break;
	case 'v':
		cfg->verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case OPT_CONFIG:
		if (parse_config_file(cfg, arg, state))
			argp_error(state, "cannot use --config '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = {options, parse_opt, NULL, doc, NULL, NULL, NULL};

/* The file's options are parsed where --config stands on the command line. */
static int parse_config_file(struct fr_config *cfg, const char *path, struct argp_state *state)
{
	static int depth;
	char **args = NULL, argv0[512];
	int argc, bad_line, err;

	if (depth) {
		fprintf(stderr, "flightrec-record: %s: config files do not nest\n", path);
		return -ELOOP;
	}
	/* argp prefixes its messages with argv[0]: make it name the file */
	snprintf(argv0, sizeof(argv0), "flightrec-record: %s", path);
	err = fr_config_file__to_args(path, argv0, &args, &argc, &bad_line);
	if (err == -EINVAL)
		fprintf(stderr, "flightrec-record: %s:%d: expected \"name = value\" or \"name\"\n",
			path, bad_line);
	else if (err)
		fprintf(stderr, "flightrec-record: %s: %s\n", path, strerror(-err));
	if (err)
		return err;
	depth++;
	err = argp_parse(&argp, argc, args, ARGP_NO_HELP | ARGP_PARSE_ARGV0 | ARGP_NO_EXIT, NULL,
			 cfg);
	depth--;
	fr_config_args__free(args, argc);
	return err ? -EINVAL : 0;
}

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
	int err, n;

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
	err = argp_parse(&argp, argc, argv, 0, NULL, &cfg);
	if (err)
		return 2;
	if (!cfg.dir) {
		fprintf(stderr, "flightrec-record: --dir is required (or dir = ... in --config)\n");
		return 2;
	}
	verbose = cfg.verbose;
	libbpf_set_print(libbpf_print);
	err = install_signals();
	if (err) {
		fprintf(stderr, "flightrec-record: failed to install signal handlers: %s\n",
			strerror(-err));
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
		return 1;
	}
	err = record(&cfg, &probes);
	fr_probes__stop(&probes);
	return err ? 1 : 0;
}
