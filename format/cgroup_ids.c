/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A path is read component by component ('/'), each split again at ':'
 * (the systemd cgroupsPath form "slice:prefix:id" that containerd and
 * CRI-O may show); later matches overwrite earlier ones, so the innermost
 * container and pod win.
 */
#include "format/cgroup_ids.h"

#include <errno.h>
#include <string.h>

static const struct {
	const char *prefix, *runtime;
} prefixed[] = {
	{"cri-containerd-", "containerd"},
	{"crio-", "cri-o"},
	{"docker-", "docker"},
	{"libpod-", "podman"},
};

/* The token (or component) before a bare id that names its runtime. */
static const struct {
	const char *token, *runtime;
} hints[] = {
	{"cri-containerd", "containerd"},
	{"crio", "cri-o"},
	{"docker", "docker"},
	{"libpod_parent", "podman"},
	{"containerd", "containerd"},
};

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int has_suffix(const char *s, size_t n, const char *sfx)
{
	const size_t k = strlen(sfx);

	return n > k && !memcmp(s + n - k, sfx, k);
}

static int starts(const char *s, size_t n, const char *prefix)
{
	const size_t k = strlen(prefix);

	return n > k && !memcmp(s, prefix, k);
}

static const char *hint_runtime(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strlen(hints[i].token) == n && !memcmp(s, hints[i].token, n))
			return hints[i].runtime;
	return NULL;
}

/* A pod uid, '_' read as '-' (systemd's escape): UUID or 32 hex digits. */
static int take_uid(const char *s, size_t n, char out[FR_POD_UID_MAX + 1])
{
	char u[FR_POD_UID_MAX + 1];

	if (n != 36 && n != 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		u[i] = s[i] == '_' ? '-' : s[i];
	u[n] = 0;
	if (n == 32 && !is_hex(u, 32))
		return 0;
	for (size_t i = 0; n == 36 && i < n; i++) {
		const int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? u[i] != '-' : !is_hex(u + i, 1))
			return 0;
	}
	memcpy(out, u, n + 1);
	return 1;
}

static void set_container(struct fr_cgroup_ids *out, const char *id, const char *runtime)
{
	memcpy(out->container_id, id, FR_CONTAINER_ID_LEN);
	out->container_id[FR_CONTAINER_ID_LEN] = 0;
	out->runtime = runtime;
}

/* One token; `hint`: the runtime named by the token or component before. */
static void token(const char *s, size_t n, const char *hint, struct fr_cgroup_ids *out)
{
	size_t m = has_suffix(s, n, ".scope") ? n - 6 : n;
	const char *pod;

	if (m == FR_CONTAINER_ID_LEN && is_hex(s, m)) {
		set_container(out, s, hint ? hint : "");
		return;
	}
	for (size_t i = 0; i < sizeof(prefixed) / sizeof(prefixed[0]); i++) {
		const size_t k = strlen(prefixed[i].prefix);

		if (starts(s, m, prefixed[i].prefix) && m - k == FR_CONTAINER_ID_LEN &&
		    is_hex(s + k, m - k)) {
			set_container(out, s + k, prefixed[i].runtime);
			return;
		}
	}
	if (starts(s, n, "pod")) { /* cgroupfs: pod<uid> */
		take_uid(s + 3, n - 3, out->pod_uid);
		return;
	}
	if (!has_suffix(s, n, ".slice"))
		return;
	/* systemd: kubepods[-<qos>]-pod<uid>.slice, the last "-pod" */
	m = n - 6;
	pod = NULL;
	for (const char *p = s; p + 4 <= s + m; p++)
		if (!memcmp(p, "-pod", 4))
			pod = p + 4;
	if (pod)
		take_uid(pod, (size_t)(s + m - pod), out->pod_uid);
}

int fr_cgroup_ids__parse(const char *path, struct fr_cgroup_ids *out)
{
	const char *prev = NULL; /* the runtime the previous token names */

	if (!path || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->runtime = "";
	for (const char *c = path; *c;) {
		const size_t len = strcspn(c, "/");

		for (const char *t = c; t < c + len;) {
			const size_t n = strcspn(t, ":/");

			if (n) {
				token(t, n, prev, out);
				prev = hint_runtime(t, n);
			}
			t += n + (t[n] == ':');
		}
		c += len + (c[len] == '/');
	}
	return out->container_id[0] || out->pod_uid[0] ? 0 : -ENOENT;
}
