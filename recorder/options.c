/* SPDX-License-Identifier: BSD-2-Clause */
#include "options.h"

#include "hubble_filter.h"
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *argp_program_version = "flightrec-record 0.1.0";
static const char doc[] =
	"Record what the kernel sees into compressed segment files.\n\n"
	"Families: proc, syscalls, net, drop, file, sched, mem (default: all; none: Hubble or\n"
	"Kubernetes only, no BPF).\n"
	"Modes: syscalls, file, sched and mem are aggregated in the kernel by default;\n"
	"--mode syscalls=stream records one event per call.\n\n"
	"EXAMPLES:\n"
	"  flightrec-record --dir /var/lib/flightrec --duration 10s --stats\n"
	"  flightrec-record --dir d --families syscalls,proc --mode syscalls=stream\n"
	"  flightrec-record --dir d --cgroup /sys/fs/cgroup/unified/my.slice\n"
	"  flightrec-record --config /etc/flightrec/record.conf --check-config\n"
	"  flightrec-record --dir d --hubble unix:/var/run/cilium/hubble.sock\n"
	"  flightrec-record --dir d --families none --hubble hubble-relay:443 \\\n"
	"      --hubble-tls-ca ca.crt --hubble-tls-cert tls.crt --hubble-tls-key tls.key";

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
	OPT_CHECK,
	OPT_KUBE,
	OPT_KUBE_API,
	OPT_KUBE_TOKEN,
	OPT_KUBE_CA,
	OPT_KUBE_NODE,
	OPT_KUBE_SNAPSHOT,
	OPT_HUBBLE,
	OPT_HUBBLE_TLS_CA,
	OPT_HUBBLE_TLS_CERT,
	OPT_HUBBLE_TLS_KEY,
	OPT_HUBBLE_TLS_NAME,
	OPT_HUBBLE_FLOWS,
	OPT_HUBBLE_NS,
	OPT_HUBBLE_EXCLUDE_NS,
	OPT_HUBBLE_SAMPLE,
	OPT_HUBBLE_MAX_FPS,
	OPT_HUBBLE_JSONPB,
	OPT_HUBBLE_QUEUE,
	OPT_MIN_FREE,
	OPT_MAX_PINNED,
};

static const struct argp_option options[] = {
	{"config", OPT_CONFIG, "FILE", 0,
	 "Options from FILE, one \"name = value\" per line; later flags override it", 0},
	{"check-config", OPT_CHECK, NULL, 0,
	 "Print the settings the options and config file give, then exit", 0},
	{"dir", 'd', "DIR", 0, "Recording directory (created 0750 if missing; required)", 0},
	{"families", 'f', "LIST", 0, "Comma-separated families to record, or \"all\"", 0},
	{"mode", 'm', "FAM=MODE,...", 0, "stream or aggregate per family", 0},
	{"pid", 'p', "PID", 0, "Only this process (tgid)", 0},
	{"cgroup", 'c', "DIR", 0, "Only tasks under this cgroup v2 directory", 0},
	{"duration", 't', "DUR", 0, "Stop after DUR (10s, 5m, 1h); default: until a signal", 0},
	{"max-size", OPT_MAX_SIZE, "SIZE", 0,
	 "Keep the directory within SIZE, at least 2M, by deleting the oldest segments "
	 "(segments are then at most SIZE/4)",
	 0},
	{"max-age", OPT_MAX_AGE, "DUR", 0, "Delete sealed segments older than DUR", 0},
	{"min-free", OPT_MIN_FREE, "PCT%|SIZE", 0,
	 "Keep this much of the file system free (10%, 512M): delete the oldest segments, "
	 "and stop writing (losses counted as disk_floor) when that is not enough",
	 0},
	{"max-pinned", OPT_MAX_PINNED, "SIZE", 0,
	 "Bytes of segments `flightrec pin` may hold against deletion (default: half of "
	 "--max-size; at most --max-size less two segments)",
	 0},
	{"max-segment-size", OPT_MAX_SEG_SIZE, "SIZE", 0,
	 "Rotate past SIZE (default 256M; at most --max-size/4)", 0},
	{"max-segment-age", OPT_MAX_SEG_AGE, "DUR", 0, "Rotate after DUR (default 1h)", 0},
	{"interval", OPT_INTERVAL, "DUR", 0, "Aggregate flush and statistics period (1s)", 0},
	{"drain", OPT_DRAIN, "DUR", 0, "Ring drain timer (default 20ms)", 0},
	{"ring-size", OPT_RING_SIZE, "FAM=SIZE,...", 0, "Ring buffer size per family", 0},
	{"nice", OPT_NICE, "N", 0, "Scheduling priority, -20..19 (default -5: drain on time)", 0},
	{"attach", OPT_ATTACH, "auto|raw_tp", 0, "Force the raw_tp fallback (testing)", 0},
	{"stats", OPT_STATS, NULL, 0, "Print statistics to stderr at the end", 0},
	{"verbose", 'v', NULL, 0, "libbpf debug output", 0},
	{"kube", OPT_KUBE, "off|auto|on", 0,
	 "Kubernetes metadata from the API server (auto: when in a cluster or --kube-api)", 0},
	{"kube-api", OPT_KUBE_API, "URL", 0, "API server (default: the in-cluster one)", 0},
	{"kube-token-file", OPT_KUBE_TOKEN, "FILE", 0,
	 "Bearer token, re-read at every request (default: the service account's)", 0},
	{"kube-ca", OPT_KUBE_CA, "FILE", 0, "CA bundle of the API server", 0},
	{"kube-node", OPT_KUBE_NODE, "NAME", 0,
	 "Watch only this node's pods (default: $NODE_NAME; services etc. cluster-wide)", 0},
	{"kube-snapshot", OPT_KUBE_SNAPSHOT, "FILE", 0,
	 "kubectl get ... -A -o json output, written as the Kubernetes snapshot at every "
	 "segment start instead of asking the API (repeatable)",
	 0},
	{"hubble", OPT_HUBBLE, "ADDR", 0,
	 "Hubble flows over gRPC (GetFlows, follow) from unix:PATH or /PATH (the Cilium agent's "
	 "/var/run/cilium/hubble.sock) or HOST:PORT (Hubble Relay; TLS with --hubble-tls-*)",
	 0},
	{"hubble-tls-ca", OPT_HUBBLE_TLS_CA, "FILE", 0,
	 "TLS to HOST:PORT, trusting this CA bundle (PEM; default: the system's)", 0},
	{"hubble-tls-cert", OPT_HUBBLE_TLS_CERT, "FILE", 0,
	 "Client certificate for mutual TLS (PEM, with --hubble-tls-key)", 0},
	{"hubble-tls-key", OPT_HUBBLE_TLS_KEY, "FILE", 0, "Private key of --hubble-tls-cert", 0},
	{"hubble-tls-server-name", OPT_HUBBLE_TLS_NAME, "NAME", 0,
	 "Name the server's certificate must carry (default: the address's host)", 0},
	{"hubble-flows", OPT_HUBBLE_FLOWS, "LIST", 0,
	 "Flow kinds to record: l34,l7,drop,policy or all (default)", 0},
	{"hubble-namespace", OPT_HUBBLE_NS, "NS", 0,
	 "Only flows from or to this namespace (repeatable, or NS,NS)", 0},
	{"hubble-exclude-namespace", OPT_HUBBLE_EXCLUDE_NS, "NS", 0,
	 "No flows from or to this namespace (repeatable, or NS,NS)", 0},
	{"hubble-sample", OPT_HUBBLE_SAMPLE, "N", 0,
	 "Record 1 flow in N (skips are counted; default 1: all)", 0},
	{"hubble-max-fps", OPT_HUBBLE_MAX_FPS, "N", 0,
	 "At most N flows per second (skips are counted; default: no cap)", 0},
	{"hubble-jsonpb", OPT_HUBBLE_JSONPB, "FILE|-", 0,
	 "Hubble flows from `hubble observe -o jsonpb` lines in FILE (followed like tail -F) "
	 "or stdin, instead of --hubble",
	 0},
	{"hubble-queue-size", OPT_HUBBLE_QUEUE, "SIZE", 0,
	 "Hubble records waiting for the writer, at most (default 32M; more is counted as "
	 "queue_full)",
	 0},
	{},
};

static int bad(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "10%" (1-99) or a size. */
static int parse_min_free(struct fr_config *cfg, const char *arg, char *msg, size_t len)
{
	const size_t n = strlen(arg);
	uint64_t v;

	if (n > 1 && arg[n - 1] == '%') {
		char digits[8];
		char *end;
		unsigned long pct;

		if (n - 1 >= sizeof(digits) || arg[0] < '0' || arg[0] > '9')
			goto refuse;
		memcpy(digits, arg, n - 1);
		digits[n - 1] = '\0';
		pct = strtoul(digits, &end, 10);
		if (*end || pct < 1 || pct > 99)
			goto refuse;
		cfg->min_free_pct = (unsigned)pct;
		cfg->min_free_bytes = 0;
		return 0;
	}
	if (fr_parse_size(arg, &v) || !v)
		goto refuse;
	cfg->min_free_bytes = v;
	cfg->min_free_pct = 0;
	return 0;
refuse:
	return bad(msg, len,
		   "bad --min-free '%s' (a percentage of the file system, 1%%-99%%, "
		   "or a size such as 512M)",
		   arg);
}

static int replace_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

static int parse_ring_sizes(uint32_t kib[FR_FAM_COUNT], const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int err = 0, n = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t bytes;
		int id;

		if (!eq) {
			err = -EINVAL;
			break;
		}
		*eq = '\0';
		id = fr_family__from_name(tok);
		/* libbpf wants a power of two multiple of the page size */
		if (id < 0 || fr_parse_size(eq + 1, &bytes) || bytes < 4096 || bytes > (1u << 30) ||
		    (bytes & (bytes - 1)))
			err = -EINVAL;
		else
			kib[id] = (uint32_t)(bytes >> 10);
		n++;
	}
	free(copy);
	return err ? err : n ? 0 : -EINVAL;
}

static int parse_pid(const char *arg, uint32_t *pid, char *msg, size_t len)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || !v || v > 0x7fffffff)
		return bad(msg, len, "bad --pid '%s'", arg);
	/* a pid that does not exist would record nothing, silently */
	if (kill((pid_t)v, 0) < 0 && errno == ESRCH)
		return bad(msg, len, "--pid %llu: no such process", v);
	*pid = (uint32_t)v;
	return 0;
}

/* A file the recorder will read: it must be readable now. */
static int readable_file(const char *opt, const char *arg, char *msg, size_t len)
{
	struct stat sb;

	if (stat(arg, &sb) < 0 || access(arg, R_OK) < 0)
		return bad(msg, len, "--%s '%s': %s", opt, arg, strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return bad(msg, len, "--%s '%s': a directory", opt, arg);
	return 0;
}

static int apply_kube(struct fr_config *cfg, int key, const char *arg, char *msg, size_t len)
{
	char **more;

	switch (key) {
	case OPT_KUBE:
		if (!strcmp(arg, "auto"))
			cfg->kube = FR_KUBE_MODE_AUTO;
		else if (!strcmp(arg, "off"))
			cfg->kube = FR_KUBE_MODE_OFF;
		else if (!strcmp(arg, "on"))
			cfg->kube = FR_KUBE_MODE_ON;
		else
			return bad(msg, len, "bad --kube '%s' (off, auto or on)", arg);
		return 0;
	case OPT_KUBE_API:
		if (strncmp(arg, "https://", 8) && strncmp(arg, "http://", 7))
			return bad(msg, len, "bad --kube-api '%s' (https://HOST:PORT)", arg);
		return replace_string(&cfg->kube_api, arg);
	case OPT_KUBE_TOKEN:
		return readable_file("kube-token-file", arg, msg, len)
			       ?: replace_string(&cfg->kube_token_file, arg);
	case OPT_KUBE_CA:
		return readable_file("kube-ca", arg, msg, len)
			       ?: replace_string(&cfg->kube_ca, arg);
	case OPT_KUBE_NODE:
		if (!*arg || strlen(arg) > 253)
			return bad(msg, len, "bad --kube-node '%s' (a node name)", arg);
		return replace_string(&cfg->kube_node, arg);
	}
	if (readable_file("kube-snapshot", arg, msg, len))
		return -EINVAL;
	more = realloc(cfg->kube_snapshots, (cfg->nkube_snapshots + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	cfg->kube_snapshots = more;
	more[cfg->nkube_snapshots] = NULL;
	if (replace_string(&more[cfg->nkube_snapshots], arg))
		return -ENOMEM;
	cfg->nkube_snapshots++;
	return 0;
}

/* A PEM file: readable now and holding `what` ("CERTIFICATE", "PRIVATE KEY"). */
static int pem_file(const char *opt, const char *arg, const char *what, char *msg, size_t len)
{
	char head[65536];
	ssize_t n;
	int fd;

	if (readable_file(opt, arg, msg, len))
		return -EINVAL;
	fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return bad(msg, len, "--%s '%s': %s", opt, arg, strerror(errno));
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (n < 0)
		return bad(msg, len, "--%s '%s': %s", opt, arg, strerror(errno));
	head[n] = '\0';
	/* "-----BEGIN CERTIFICATE-----", "-----BEGIN EC PRIVATE KEY-----", ... */
	if (!strstr(head, "-----BEGIN ") || !strstr(head, what))
		return bad(msg, len, "--%s '%s': no PEM %s in it", opt, arg, what);
	return 0;
}

/* unix:PATH, unix://PATH, /PATH or HOST:PORT, as a gRPC target in *out. */
static int hubble_target(const char *arg, char **out, char *msg, size_t len)
{
	const char *path = NULL, *colon = strrchr(arg, ':');
	char *end, *t;
	unsigned long port;

	if (!strncmp(arg, "unix://", 7))
		path = arg + 7;
	else if (!strncmp(arg, "unix:", 5))
		path = arg + 5;
	else if (arg[0] == '/')
		path = arg;
	if (path) {
		/* sun_path holds 107 bytes and a NUL */
		if (!*path || strlen(path) > 107)
			return bad(msg, len, "bad --hubble '%s' (a socket path of 1 to 107 bytes)",
				   arg);
		t = malloc(strlen(path) + 6);
		if (!t)
			return -ENOMEM;
		snprintf(t, strlen(path) + 6, "unix:%s", path);
		free(*out);
		*out = t;
		return 0;
	}
	errno = 0;
	port = colon ? strtoul(colon + 1, &end, 10) : 0;
	if (!colon || colon == arg || errno || end == colon + 1 || *end || !port || port > 65535 ||
	    strchr(arg, '/'))
		return bad(msg, len,
			   "bad --hubble '%s' (unix:PATH, /PATH, or HOST:PORT such as "
			   "hubble-relay:443)",
			   arg);
	return replace_string(out, arg);
}

/* Append NS,NS... to a list after checking each is a namespace name. */
static int add_namespaces(const char *opt, const char *arg, char ***list, size_t *n, char *msg,
			  size_t len)
{
	char why[256], **more, **add = NULL;
	size_t nadd = 0;
	int err = fr_hubble_filter__parse_list(arg, &add, &nadd, why, sizeof(why));

	if (err == -EINVAL)
		return bad(msg, len, "bad --%s '%s': %s", opt, arg, why);
	if (err)
		return err;
	more = realloc(*list, (*n + nadd) * sizeof(*more));
	if (!more) {
		fr_hubble_filter__free_list(add, nadd);
		return -ENOMEM;
	}
	memcpy(more + *n, add, nadd * sizeof(*add));
	free(add); /* the strings moved to the list */
	*list = more;
	*n += nadd;
	return 0;
}

static int parse_count(const char *arg, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(arg, &end, 10);
	return errno || end == arg || *end || *arg < '0' || *arg > '9' || *v > max ? -EINVAL : 0;
}

static int apply_hubble(struct fr_config *cfg, int key, const char *arg, char *msg, size_t len)
{
	char why[256];
	uint64_t v;

	switch (key) {
	case OPT_HUBBLE:
		return hubble_target(arg, &cfg->hubble, msg, len);
	case OPT_HUBBLE_TLS_CA:
		return pem_file("hubble-tls-ca", arg, "CERTIFICATE", msg, len)
			       ?: replace_string(&cfg->hubble_tls_ca, arg);
	case OPT_HUBBLE_TLS_CERT:
		return pem_file("hubble-tls-cert", arg, "CERTIFICATE", msg, len)
			       ?: replace_string(&cfg->hubble_tls_cert, arg);
	case OPT_HUBBLE_TLS_KEY:
		return pem_file("hubble-tls-key", arg, "PRIVATE KEY", msg, len)
			       ?: replace_string(&cfg->hubble_tls_key, arg);
	case OPT_HUBBLE_TLS_NAME:
		if (!*arg || strlen(arg) > 253 || strpbrk(arg, " /:"))
			return bad(msg, len, "bad --hubble-tls-server-name '%s' (a host name)",
				   arg);
		return replace_string(&cfg->hubble_tls_server_name, arg);
	case OPT_HUBBLE_FLOWS:
		if (fr_hubble_filter__parse_kinds(arg, &cfg->hubble_kinds, why, sizeof(why)))
			return bad(msg, len,
				   "bad --hubble-flows '%s': %s (l34,l7,drop,policy or all)", arg,
				   why);
		return 0;
	case OPT_HUBBLE_NS:
		return add_namespaces("hubble-namespace", arg, &cfg->hubble_ns, &cfg->nhubble_ns,
				      msg, len);
	case OPT_HUBBLE_EXCLUDE_NS:
		return add_namespaces("hubble-exclude-namespace", arg, &cfg->hubble_exclude_ns,
				      &cfg->nhubble_exclude_ns, msg, len);
	case OPT_HUBBLE_SAMPLE:
		if (parse_count(arg, UINT32_MAX, &v) || !v)
			return bad(msg, len, "bad --hubble-sample '%s' (N >= 1: 1 flow in N)", arg);
		cfg->hubble_sample = (uint32_t)v;
		return 0;
	case OPT_HUBBLE_MAX_FPS:
		if (parse_count(arg, 1000000000ull, &v))
			return bad(msg, len, "bad --hubble-max-fps '%s' (0 to 10^9 flows/s)", arg);
		cfg->hubble_max_fps = v;
		return 0;
	case OPT_HUBBLE_JSONPB:
		if (strcmp(arg, "-") && (!*arg || arg[strlen(arg) - 1] == '/'))
			return bad(msg, len, "bad --hubble-jsonpb '%s' (a file, or - for stdin)",
				   arg);
		return replace_string(&cfg->hubble_jsonpb, arg);
	}
	if (fr_parse_size(arg, &v) || v < 4096 || v > (1ull << 30))
		return bad(msg, len, "bad --hubble-queue-size '%s' (4K to 1G)", arg);
	cfg->hubble_queue_bytes = v;
	return 0;
}

/* Settings that only make sense together, once every option is in. */
static int check_hubble(const struct fr_config *cfg, char *msg, size_t len)
{
	const bool tls = cfg->hubble_tls_ca || cfg->hubble_tls_cert || cfg->hubble_tls_key ||
			 cfg->hubble_tls_server_name;

	if (cfg->hubble && cfg->hubble_jsonpb)
		return bad(msg, len, "--hubble and --hubble-jsonpb: choose one Hubble input");
	if (tls && (!cfg->hubble || !strncmp(cfg->hubble, "unix:", 5)))
		return bad(msg, len,
			   "--hubble-tls-* need --hubble HOST:PORT (a unix socket has no TLS)");
	if (!cfg->hubble_tls_cert != !cfg->hubble_tls_key)
		return bad(msg, len, "--hubble-tls-cert and --hubble-tls-key go together");
	if (!cfg->hubble && !cfg->hubble_jsonpb &&
	    ((cfg->hubble_kinds && cfg->hubble_kinds != 0xf) || cfg->nhubble_ns ||
	     cfg->nhubble_exclude_ns || cfg->hubble_sample > 1 || cfg->hubble_max_fps))
		return bad(msg, len,
			   "--hubble-flows/-namespace/-sample/-max-fps need --hubble "
			   "or --hubble-jsonpb");
	return 0;
}

/* One option by key; the value is validated whole before cfg changes. */
static int apply_key(struct fr_config *cfg, int key, const char *arg, char *msg, size_t len)
{
	uint32_t kib[FR_FAM_COUNT];
	struct stat sb;
	uint64_t v;
	long n;
	char *end;
	int err;

	switch (key) {
	case 'd':
		if (!*arg)
			return bad(msg, len, "bad --dir '': a directory is needed");
		return replace_string(&cfg->dir, arg);
	case 'f':
		err = fr_config__parse_families(cfg, arg);
		if (err == -EINVAL)
			return bad(msg, len,
				   "bad --families '%s' (proc,syscalls,net,drop,file,sched,mem, "
				   "all or none)",
				   arg);
		return err;
	case 'm':
		err = fr_config__parse_modes(cfg, arg);
		if (err == -EINVAL)
			return bad(msg, len,
				   "bad --mode '%s' (e.g. syscalls=stream; proc, net and drop "
				   "are stream only)",
				   arg);
		return err;
	case 'p':
		return parse_pid(arg, &cfg->pid, msg, len);
	case 'c':
		if (stat(arg, &sb) < 0 || access(arg, R_OK) < 0)
			return bad(msg, len, "--cgroup '%s': %s", arg, strerror(errno));
		if (!S_ISDIR(sb.st_mode))
			return bad(msg, len, "--cgroup '%s': not a directory", arg);
		return replace_string(&cfg->cgroup, arg);
	case 't':
		if (fr_parse_duration(arg, &v) || !v)
			return bad(msg, len, "bad --duration '%s' (e.g. 10s, 500ms, 5m)", arg);
		cfg->duration_ns = v;
		return 0;
	case OPT_MAX_SEG_SIZE:
		if (fr_parse_size(arg, &v) || v < 4096)
			return bad(msg, len, "bad --max-segment-size '%s' (e.g. 64M, at least 4K)",
				   arg);
		cfg->max_segment_bytes = v;
		return 0;
	case OPT_MAX_SIZE:
		if (fr_parse_size(arg, &v) || v < FR_RING_MIN_SIZE)
			return bad(msg, len,
				   "bad --max-size '%s' (e.g. 2G; at least 2M: the ring keeps 4 "
				   "segments of at least two 256K blocks)",
				   arg);
		cfg->max_size = v;
		return 0;
	case OPT_MIN_FREE:
		return parse_min_free(cfg, arg, msg, len);
	case OPT_MAX_PINNED:
		if (fr_parse_size(arg, &v) || !v)
			return bad(msg, len, "bad --max-pinned '%s' (e.g. 512M)", arg);
		cfg->max_pinned = v;
		return 0;
	case OPT_MAX_AGE:
		if (fr_parse_duration(arg, &v) || !v)
			return bad(msg, len, "bad --max-age '%s' (e.g. 24h)", arg);
		cfg->max_age_ns = v;
		return 0;
	case OPT_MAX_SEG_AGE:
		if (fr_parse_duration(arg, &v) || v < 1000000000ull)
			return bad(msg, len, "bad --max-segment-age '%s' (e.g. 1h, at least 1s)",
				   arg);
		cfg->max_segment_age_ns = v;
		return 0;
	case OPT_INTERVAL:
		if (fr_parse_duration(arg, &v) || v < 10000000ull || v > 3600000000000ull)
			return bad(msg, len, "bad --interval '%s' (10ms to 1h)", arg);
		cfg->interval_ns = v;
		return 0;
	case OPT_DRAIN:
		if (fr_parse_duration(arg, &v) || v < 1000000ull || v > 1000000000ull)
			return bad(msg, len, "bad --drain '%s' (1ms to 1s)", arg);
		cfg->drain_ms = (uint32_t)(v / 1000000ull);
		return 0;
	case OPT_RING_SIZE:
		memcpy(kib, cfg->ring_kib, sizeof(kib));
		err = parse_ring_sizes(kib, arg);
		if (err == -EINVAL)
			return bad(msg, len,
				   "bad --ring-size '%s' (FAM=SIZE, a power of two from 4K to 1G)",
				   arg);
		if (!err)
			memcpy(cfg->ring_kib, kib, sizeof(kib));
		return err;
	case OPT_ATTACH:
		if (!strcmp(arg, "auto"))
			cfg->attach = FR_ATTACH_AUTO;
		else if (!strcmp(arg, "raw_tp"))
			cfg->attach = FR_ATTACH_RAW_TP;
		else
			return bad(msg, len, "bad --attach '%s' (auto or raw_tp)", arg);
		return 0;
	case OPT_NICE:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || end == arg || *end || n < -20 || n > 19)
			return bad(msg, len, "bad --nice '%s' (-20..19)", arg);
		cfg->nice = (int)n;
		return 0;
	case OPT_STATS:
		cfg->stats = true;
		return 0;
	case 'v':
		cfg->verbose = true;
		return 0;
	case OPT_CHECK:
		cfg->check = true;
		return 0;
	case OPT_KUBE:
	case OPT_KUBE_API:
	case OPT_KUBE_TOKEN:
	case OPT_KUBE_CA:
	case OPT_KUBE_NODE:
	case OPT_KUBE_SNAPSHOT:
		return apply_kube(cfg, key, arg, msg, len);
	}
	if (key >= OPT_HUBBLE && key <= OPT_HUBBLE_QUEUE)
		return apply_hubble(cfg, key, arg, msg, len);
	return bad(msg, len, "option %d is not known", key);
}

/* An option by long name (a config line), or by key when name is NULL (argp). */
static const struct argp_option *find_option(const char *name, int key)
{
	for (const struct argp_option *o = options; o->name; o++)
		if (name ? !strcmp(o->name, name) : o->key == key)
			return o;
	return NULL;
}

static bool *flag_slot(struct fr_config *cfg, int key)
{
	switch (key) {
	case OPT_STATS:
		return &cfg->stats;
	case 'v':
		return &cfg->verbose;
	case OPT_CHECK:
		return &cfg->check;
	}
	return NULL;
}

int fr_options__apply(struct fr_config *cfg, const char *name, const char *value, char *msg,
		      size_t msg_len)
{
	const struct argp_option *o = find_option(name, 0);

	if (!o)
		return bad(msg, msg_len, "unknown option '%s' (see flightrec-record --help)", name);
	if (o->key == OPT_CONFIG)
		return bad(msg, msg_len, "config files do not nest (config = ...)");
	if (!o->arg) {
		bool *slot = flag_slot(cfg, o->key);

		/* a flag: bare, or true/false so a ConfigMap can turn it off */
		if (!value || !strcmp(value, "true"))
			*slot = true;
		else if (!strcmp(value, "false"))
			*slot = false;
		else
			return bad(msg, msg_len, "bad %s = '%s': a flag is bare, true or false",
				   name, value);
		return 0;
	}
	if (!value)
		return bad(msg, msg_len, "option --%s needs a value (%s = %s)", name, name, o->arg);
	return apply_key(cfg, o->key, value, msg, msg_len);
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* One line, NUL-terminated and without its newline. */
static int apply_line(struct fr_config *cfg, char *line, char *msg, size_t len)
{
	char *name, *value = NULL, *eq;

	line[strcspn(line, "#")] = '\0';
	eq = strchr(line, '=');
	if (eq) {
		*eq = '\0';
		value = trim(eq + 1);
	}
	name = trim(line);
	if (!*name && !eq)
		return 0;
	if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyz-") != strlen(name))
		return bad(msg, len, "expected \"name = value\" or \"name\", not '%s%s%s'", name,
			   eq ? " = " : "", value ? value : "");
	if (value && !*value)
		return bad(msg, len, "'%s =' without a value", name);
	return fr_options__apply(cfg, name, value, msg, len);
}

#define LINE_MAX_BYTES 4096

int fr_options__apply_text(struct fr_config *cfg, const char *path, const char *text, size_t len,
			   char *msg, size_t msg_len)
{
	char line[LINE_MAX_BYTES + 1], why[512];
	size_t pos = 0;
	int lineno = 0, err = 0;

	while (pos < len && !err) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		const size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (n > LINE_MAX_BYTES)
			err = bad(why, sizeof(why), "line longer than %d bytes", LINE_MAX_BYTES);
		else if (memchr(text + pos, '\0', n))
			err = bad(why, sizeof(why), "NUL byte: not a text file");
		else {
			memcpy(line, text + pos, n);
			line[n] = '\0';
			err = apply_line(cfg, line, why, sizeof(why));
		}
		pos += n + (nl != NULL);
	}
	if (err == -ENOMEM)
		snprintf(why, sizeof(why), "%s", strerror(ENOMEM));
	if (err)
		snprintf(msg, msg_len, "%s:%d: %s", path, lineno, why);
	return err;
}

int fr_options__apply_file(struct fr_config *cfg, const char *path, char *msg, size_t msg_len)
{
	struct stat sb;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msg_len, "%s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &sb) < 0)
		err = -errno;
	else if (!S_ISREG(sb.st_mode))
		err = S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL;
	else if (!(text = malloc(FR_CONFIG_FILE_MAX + 1)))
		err = -ENOMEM;
	/* read one byte past the bound to tell a file that grew past it */
	while (!err && len <= FR_CONFIG_FILE_MAX &&
	       (n = read(fd, text + len, FR_CONFIG_FILE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno != EINTR)
			err = -errno;
		else if (n > 0)
			len += (size_t)n;
	}
	close(fd);
	if (err == -EINVAL)
		snprintf(msg, msg_len, "%s: not a regular file", path);
	else if (err)
		snprintf(msg, msg_len, "%s: %s", path, strerror(-err));
	else if (len > FR_CONFIG_FILE_MAX)
		err = bad(msg, msg_len, "%s: larger than %u bytes: not a config file", path,
			  FR_CONFIG_FILE_MAX);
	else
		err = fr_options__apply_text(cfg, path, text, len, msg, msg_len);
	free(text);
	return err;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct fr_config *cfg = state->input;
	char msg[1024];
	int err;

	switch (key) {
	case OPT_CONFIG:
		/* the file's options take effect where --config stands */
		err = fr_options__apply_file(cfg, arg, msg, sizeof(msg));
		if (err) {
			fprintf(stderr, "%s: %s\n", state->name, msg);
			return EINVAL;
		}
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	case ARGP_KEY_END:
		if (!cfg->dir)
			argp_error(state, "--dir is required (or dir = ... in --config)");
		else if (check_hubble(cfg, msg, sizeof(msg)))
			argp_error(state, "%s", msg);
		return 0;
	default:
		if (!find_option(NULL, key))
			return ARGP_ERR_UNKNOWN;
		err = apply_key(cfg, key, arg, msg, sizeof(msg));
		if (err == -EINVAL)
			argp_error(state, "%s", msg);
		else if (err)
			argp_failure(state, 1, -err, "cannot keep an option");
		return err ? EINVAL : 0;
	}
}

static const struct argp argp = {options, parse_opt, NULL, doc, NULL, NULL, NULL};

int fr_options__parse(int argc, char **argv, struct fr_config *cfg)
{
	return argp_parse(&argp, argc, argv, 0, NULL, cfg) ? FR_EXIT_USAGE : 0;
}
