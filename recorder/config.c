/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <ctype.h>
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

bool fr_family__has_aggregate(enum fr_family_id id)
{
	return id == FR_FAM_SYSCALLS || id == FR_FAM_FILE || id == FR_FAM_SCHED || id == FR_FAM_MEM;
}

/* Parse a number followed by a suffix; the suffix is returned in *end. */
static int parse_number(const char *s, uint64_t *v, const char **end)
{
	char *e;

	if (!s || !*s || *s == '-' || *s == '+')
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
	if (!err)
		memcpy(cfg->family_on, on, sizeof(on));
	return err;
}

int fr_config__parse_modes(struct fr_config *cfg, const char *list)
{
	char *copy, *tok, *save = NULL;
	int err = 0;

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
			cfg->mode[id] = FR_MODE_STREAM;
		else if (!strcmp(eq + 1, "aggregate") && fr_family__has_aggregate(id))
			cfg->mode[id] = FR_MODE_AGGREGATE;
		else
			err = -EINVAL;
	}
	free(copy);
	return err;
}

/* Make room for two more slots (an argument and the NULL). */
static int reserve_args(char ***args, int n, int *cap)
{
	char **grown;

	if (n + 2 <= *cap)
		return 0;
	grown = realloc(*args, (size_t)(*cap + 16) * sizeof(**args));
	if (!grown)
		return -ENOMEM;
	*args = grown;
	*cap += 16;
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

void fr_config_args__free(char **argv, int argc)
{
	for (int i = 0; argv && i < argc; i++)
		free(argv[i]);
	free(argv);
}

int fr_config_file__to_args(const char *path, const char *argv0, char ***argv, int *argc,
			    int *bad_line)
{
	char line[1024], **args = NULL;
	int n = 0, cap = 0, lineno = 0, err = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	*bad_line = 0;
	while (!err && fgets(line, sizeof(line), f)) {
		char *name, *value, *eq, *arg;
		size_t len;

		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		name = trim(line);
		if (!*name)
			continue;
		eq = strchr(name, '=');
		value = eq ? trim(eq + 1) : NULL;
		if (eq)
			*eq = '\0';
		name = trim(name);
		if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyz-") != strlen(name) ||
		    (value && !*value)) {
			err = -EINVAL;
			*bad_line = lineno;
			break;
		}
		if (!n) {
			err = reserve_args(&args, n, &cap);
			if (err || !(args[n] = strdup(argv0)))
				break;
			n++;
		}
		len = strlen(name) + (value ? strlen(value) + 1 : 0) + 3;
		arg = malloc(len);
		err = arg ? reserve_args(&args, n, &cap) : -ENOMEM;
		if (err) {
			free(arg);
			break;
		}
		snprintf(arg, len, "--%s%s%s", name, value ? "=" : "", value ? value : "");
		args[n++] = arg;
	}
	fclose(f);
	if (!err && !n) {
		err = reserve_args(&args, n, &cap);
		if (!err && !(args[n] = strdup(argv0)))
			err = -ENOMEM;
		n += !err;
	}
	if (!err && n && !args[0])
		err = -ENOMEM;
	if (err) {
		fr_config_args__free(args, n);
		return err;
	}
	args[n] = NULL;
	*argv = args;
	*argc = n;
	return 0;
}
