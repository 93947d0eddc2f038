/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const family_names[FR_FAM_COUNT] = {
	[FR_FAM_PROC] = "proc", [FR_FAM_SYSCALLS] = "syscalls", [FR_FAM_NET] = "net",
	[FR_FAM_DROP] = "drop", [FR_FAM_FILE] = "file",		[FR_FAM_SCHED] = "sched",
	[FR_FAM_MEM] = "mem",
};

void fr_config__init(struct fr_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (int i = 0; i < FR_FAM_COUNT; i++) {
		cfg->family_on[i] = true;
		cfg->mode[i] = FR_MODE_AGGREGATE;
		cfg->ring_kib[i] = 1024;
	}
	/* low-volume families have nothing to aggregate */
	cfg->mode[FR_FAM_PROC] = FR_MODE_STREAM;
	cfg->mode[FR_FAM_NET] = FR_MODE_STREAM;
	cfg->mode[FR_FAM_DROP] = FR_MODE_STREAM;
	/* a stream of syscalls needs room for a few drain periods at ~2-5 M/s */
	cfg->ring_kib[FR_FAM_SYSCALLS] = 8192;
	/* opens are streamed with their path (296 bytes) and come in bursts */
	cfg->ring_kib[FR_FAM_FILE] = 2048;
	/* one record per send and per receive: busy sockets fill a ring fast */
	cfg->ring_kib[FR_FAM_NET] = 2048;
	cfg->max_segment_bytes = 256ull << 20;
	cfg->max_segment_age_ns = 3600ull * 1000000000ull;
	cfg->interval_ns = 1000000000ull;
	cfg->clock_sync_ns = 10000000000ull;
	cfg->drain_ms = 20;
	/* a starved reader loses events: drain ahead of ordinary work */
	cfg->nice = -5;
}

void fr_config__free(struct fr_config *cfg)
{
	free(cfg->dir);
	free(cfg->cgroup);
	free(cfg->kube_api);
	free(cfg->kube_token_file);
	free(cfg->kube_ca);
	free(cfg->kube_node);
	for (size_t i = 0; i < cfg->nkube_snapshots; i++)
		free(cfg->kube_snapshots[i]);
	free(cfg->kube_snapshots);
	cfg->dir = cfg->cgroup = NULL;
	cfg->kube_api = cfg->kube_token_file = cfg->kube_ca = cfg->kube_node = NULL;
	cfg->kube_snapshots = NULL;
	cfg->nkube_snapshots = 0;
	free(cfg->hubble);
	free(cfg->hubble_tls_ca);
	free(cfg->hubble_tls_cert);
	free(cfg->hubble_tls_key);
	free(cfg->hubble_tls_server_name);
	free(cfg->hubble_jsonpb);
	for (size_t i = 0; i < cfg->nhubble_ns; i++)
		free(cfg->hubble_ns[i]);
	for (size_t i = 0; i < cfg->nhubble_exclude_ns; i++)
		free(cfg->hubble_exclude_ns[i]);
	free(cfg->hubble_ns);
	free(cfg->hubble_exclude_ns);
	cfg->hubble = cfg->hubble_tls_ca = cfg->hubble_tls_cert = cfg->hubble_tls_key = NULL;
	cfg->hubble_tls_server_name = cfg->hubble_jsonpb = NULL;
	cfg->hubble_ns = cfg->hubble_exclude_ns = NULL;
	cfg->nhubble_ns = cfg->nhubble_exclude_ns = 0;
}

static void print_duration(FILE *f, const char *name, uint64_t ns)
{
	if (!ns)
		fprintf(f, "# %s: none\n", name);
	else if (ns % 1000000000ull == 0)
		fprintf(f, "%s = %llus\n", name, (unsigned long long)(ns / 1000000000ull));
	else
		fprintf(f, "%s = %lluns\n", name, (unsigned long long)ns);
}

static void print_string(FILE *f, const char *name, const char *v, const char *unset)
{
	if (v)
		fprintf(f, "%s = %s\n", name, v);
	else
		fprintf(f, "# %s: %s\n", name, unset);
}

static void print_hubble(const struct fr_config *cfg, FILE *f)
{
	static const char *const kinds[] = {"l34", "l7", "drop", "policy"};
	const char *sep = "";

	print_string(f, "hubble", cfg->hubble, "no gRPC input");
	print_string(f, "hubble-tls-ca", cfg->hubble_tls_ca, "system CAs when TLS is on");
	print_string(f, "hubble-tls-cert", cfg->hubble_tls_cert, "no client certificate");
	print_string(f, "hubble-tls-key", cfg->hubble_tls_key, "no client certificate");
	print_string(f, "hubble-tls-server-name", cfg->hubble_tls_server_name,
		     "the address's host");
	print_string(f, "hubble-jsonpb", cfg->hubble_jsonpb, "no jsonpb input");
	/* defaults as comments: they read back without an input */
	if (!cfg->hubble_kinds || cfg->hubble_kinds == 0xf) {
		fputs("# hubble-flows: all\n", f);
	} else {
		fputs("hubble-flows = ", f);
		for (unsigned i = 0; i < 4; i++)
			if (cfg->hubble_kinds & (1u << i)) {
				fprintf(f, "%s%s", sep, kinds[i]);
				sep = ",";
			}
		fputc('\n', f);
	}
	for (size_t i = 0; i < cfg->nhubble_ns; i++)
		fprintf(f, "hubble-namespace = %s\n", cfg->hubble_ns[i]);
	for (size_t i = 0; i < cfg->nhubble_exclude_ns; i++)
		fprintf(f, "hubble-exclude-namespace = %s\n", cfg->hubble_exclude_ns[i]);
	if (cfg->hubble_sample > 1)
		fprintf(f, "hubble-sample = %u\n", cfg->hubble_sample);
	else
		fputs("# hubble-sample: 1 (every flow)\n", f);
	if (cfg->hubble_max_fps)
		fprintf(f, "hubble-max-fps = %llu\n", (unsigned long long)cfg->hubble_max_fps);
	else
		fputs("# hubble-max-fps: no cap\n", f);
	if (cfg->hubble_queue_bytes)
		fprintf(f, "hubble-queue-size = %llu\n",
			(unsigned long long)cfg->hubble_queue_bytes);
	else
		fputs("# hubble-queue-size: 32M\n", f);
}

void fr_config__print(const struct fr_config *cfg, FILE *f)
{
	const char *sep = "";

	fprintf(f, "dir = %s\nfamilies = ", cfg->dir ? cfg->dir : "");
	for (int i = 0; i < FR_FAM_COUNT; i++)
		if (cfg->family_on[i]) {
			fprintf(f, "%s%s", sep, family_names[i]);
			sep = ",";
		}
	if (!*sep)
		fputs("none", f);
	fputs("\nmode = ", f);
	sep = "";
	for (int i = 0; i < FR_FAM_COUNT; i++) {
		fprintf(f, "%s%s=%s", sep, family_names[i],
			cfg->mode[i] == FR_MODE_STREAM ? "stream" : "aggregate");
		sep = ",";
	}
	fputs("\nring-size = ", f);
	sep = "";
	for (int i = 0; i < FR_FAM_COUNT; i++) {
		fprintf(f, "%s%s=%uK", sep, family_names[i], cfg->ring_kib[i]);
		sep = ",";
	}
	fputc('\n', f);
	/* unset settings as comments, so the output reads back as a config file */
	if (cfg->pid)
		fprintf(f, "pid = %u\n", cfg->pid);
	else
		fputs("# pid: every process\n", f);
	if (cfg->cgroup)
		fprintf(f, "cgroup = %s\n", cfg->cgroup);
	else
		fputs("# cgroup: every cgroup\n", f);
	print_duration(f, "duration", cfg->duration_ns);
	fprintf(f, "max-segment-size = %llu\n", (unsigned long long)cfg->max_segment_bytes);
	print_duration(f, "max-segment-age", cfg->max_segment_age_ns);
	if (cfg->max_size)
		fprintf(f, "max-size = %llu\n", (unsigned long long)cfg->max_size);
	else
		fputs("# max-size: unbounded\n", f);
	print_duration(f, "max-age", cfg->max_age_ns);
	if (cfg->max_pinned)
		fprintf(f, "max-pinned = %llu\n", (unsigned long long)cfg->max_pinned);
	if (cfg->min_free_pct)
		fprintf(f, "min-free = %u%%\n", cfg->min_free_pct);
	else if (cfg->min_free_bytes)
		fprintf(f, "min-free = %llu\n", (unsigned long long)cfg->min_free_bytes);
	else
		fputs("# min-free: no floor\n", f);
	print_duration(f, "interval", cfg->interval_ns);
	fprintf(f, "drain = %ums\nnice = %d\nattach = %s\nstats = %s\nverbose = %s\n",
		cfg->drain_ms, cfg->nice, cfg->attach == FR_ATTACH_RAW_TP ? "raw_tp" : "auto",
		cfg->stats ? "true" : "false", cfg->verbose ? "true" : "false");
	fprintf(f, "kube = %s\n", (const char *[]){"auto", "off", "on"}[cfg->kube]);
	print_string(f, "kube-api", cfg->kube_api, "in-cluster service account");
	print_string(f, "kube-token-file", cfg->kube_token_file, "in-cluster service account");
	print_string(f, "kube-ca", cfg->kube_ca, "in-cluster service account");
	print_string(f, "kube-node", cfg->kube_node, "$NODE_NAME, else every node's pods");
	for (size_t i = 0; i < cfg->nkube_snapshots; i++)
		fprintf(f, "kube-snapshot = %s\n", cfg->kube_snapshots[i]);
	print_hubble(cfg, f);
}

const char *fr_family__name(enum fr_family_id id)
{
	return (unsigned)id < FR_FAM_COUNT ? family_names[id] : "?";
}

int fr_family__from_name(const char *name)
{
	for (int i = 0; i < FR_FAM_COUNT; i++)
		if (!strcmp(name, family_names[i]))
			return i;
	return -EINVAL;
}

bool fr_config__any_family(const struct fr_config *cfg)
{
	for (int i = 0; i < FR_FAM_COUNT; i++)
		if (cfg->family_on[i])
			return true;
	return false;
}

bool fr_family__has_aggregate(enum fr_family_id id)
{
	return id == FR_FAM_SYSCALLS || id == FR_FAM_FILE || id == FR_FAM_SCHED || id == FR_FAM_MEM;
}

/* Parse a number followed by a suffix; the suffix is returned in *end. */
static int parse_number(const char *s, uint64_t *v, const char **end)
{
	char *e;

	/* a digit first: strtoull would skip blanks and take a sign */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &e, 10);
	if (errno || e == s)
		return -EINVAL;
	*end = e;
	return 0;
}

static int scale(uint64_t v, uint64_t mult, uint64_t *out)
{
	if (mult && v > UINT64_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

int fr_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{"", 1000000000ull},
		{"s", 1000000000ull},
		{"ms", 1000000ull},
		{"us", 1000ull},
		{"ns", 1ull},
		{"m", 60000000000ull},
		{"h", 3600000000000ull},
		{"d", 86400000000000ull},
	};
	const char *end;
	uint64_t v;

	if (parse_number(s, &v, &end))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].suffix))
			return scale(v, units[i].mult, ns);
	return -EINVAL;
}

int fr_parse_size(const char *s, uint64_t *bytes)
{
	const char *end;
	uint64_t v, mult;

	if (parse_number(s, &v, &end))
		return -EINVAL;
	switch (*end) {
	case '\0':
		mult = 1;
		break;
	case 'k':
	case 'K':
		mult = 1ull << 10;
		break;
	case 'm':
	case 'M':
		mult = 1ull << 20;
		break;
	case 'g':
	case 'G':
		mult = 1ull << 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return -EINVAL;
	return scale(v, mult, bytes);
}

int fr_config__parse_families(struct fr_config *cfg, const char *list)
{
	bool on[FR_FAM_COUNT] = {false};
	char *copy, *tok, *save = NULL;
	int err = 0;

	/* none: only Hubble or Kubernetes; main refuses it when they are off */
	if (!strcmp(list, "none")) {
		memset(cfg->family_on, 0, sizeof(cfg->family_on));
		return 0;
	}
	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int id;

		if (!strcmp(tok, "all")) {
			for (int i = 0; i < FR_FAM_COUNT; i++)
				on[i] = true;
			continue;
		}
		id = fr_family__from_name(tok);
		if (id < 0) {
			err = -EINVAL;
			break;
		}
		on[id] = true;
	}
	free(copy);
	/* "" or "," names nothing: recording nothing is never what was meant */
	if (!err && !memchr(on, true, sizeof(on)))
		err = -EINVAL;
	if (!err)
		memcpy(cfg->family_on, on, sizeof(on));
	return err;
}

int fr_config__parse_modes(struct fr_config *cfg, const char *list)
{
	enum fr_mode mode[FR_FAM_COUNT];
	char *copy, *tok, *save = NULL;
	int err = 0, n = 0;

	memcpy(mode, cfg->mode, sizeof(mode));

	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int id;

		if (!eq) {
			err = -EINVAL;
			break;
		}
		*eq = '\0';
		id = fr_family__from_name(tok);
		if (id < 0)
			err = -EINVAL;
		else if (!strcmp(eq + 1, "stream"))
			mode[id] = FR_MODE_STREAM;
		else if (!strcmp(eq + 1, "aggregate") && fr_family__has_aggregate(id))
			mode[id] = FR_MODE_AGGREGATE;
		else
			err = -EINVAL;
		n++;
	}
	free(copy);
	if (!err && !n)
		err = -EINVAL;
	/* all or nothing: a rejected list leaves the modes as they were */
	if (!err)
		memcpy(cfg->mode, mode, sizeof(mode));
	return err;
}
