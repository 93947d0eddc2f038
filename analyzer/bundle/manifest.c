/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/bundle/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fr_manifest__segment_name_ok(const char *name)
{
	const size_t pre = strlen(FR_BUNDLE_SEGDIR), n = strlen(name);

	if (n <= pre + 6 || n - pre > 200 || strncmp(name, FR_BUNDLE_SEGDIR, pre) ||
	    strcmp(name + n - 6, ".frseg") || strstr(name, ".."))
		return 0;
	for (const char *p = name + pre; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static int hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!(('0' <= *s && *s <= '9') || ('a' <= *s && *s <= 'f')))
			return 0;
	return 1;
}

#define BAD(...) (snprintf(why, cap, __VA_ARGS__), fr_manifest__free(m), -EBADMSG)

int fr_manifest__parse(const char *text, size_t len, struct fr_manifest *m, char *why, size_t cap)
{
	json_error_t je;
	json_t *segs, *s, *w;
	size_t i;

	memset(m, 0, sizeof(*m));
	m->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!m->root || !json_is_object(m->root))
		return BAD("manifest.json is not a JSON object (%s, line %d)", je.text, je.line);
	if (strcmp(json_string_value(json_object_get(m->root, "format")) ?: "", FR_BUNDLE_FORMAT))
		return BAD("manifest.json: format is not \"%s\"", FR_BUNDLE_FORMAT);
	if (json_integer_value(json_object_get(m->root, "version")) != FR_BUNDLE_VERSION)
		return BAD("manifest.json: version %lld is not supported (this build reads %d)",
			   (long long)json_integer_value(json_object_get(m->root, "version")),
			   FR_BUNDLE_VERSION);
	w = json_object_get(m->root, "window");
	m->from = json_integer_value(json_object_get(w, "from"));
	m->to = json_integer_value(json_object_get(w, "to"));
	segs = json_object_get(m->root, "segments");
	if (!json_is_array(segs) || !json_array_size(segs))
		return BAD("manifest.json: no segment list");
	m->e = calloc(json_array_size(segs), sizeof(*m->e));
	if (!m->e)
		return BAD("out of memory");
	json_array_foreach(segs, i, s)
	{
		const char *name = json_string_value(json_object_get(s, "name"));
		const char *sha = json_string_value(json_object_get(s, "sha256"));
		const json_t *size = json_object_get(s, "size");
		struct fr_manifest_entry *e = &m->e[m->n];

		if (!name || !fr_manifest__segment_name_ok(name))
			return BAD("manifest.json: segment %zu: bad name", i);
		if (!hex64(sha))
			return BAD("manifest.json: %s: bad sha256", name);
		if (!json_is_integer(size) || json_integer_value(size) < 0)
			return BAD("manifest.json: %s: bad size", name);
		for (size_t k = 0; k < m->n; k++)
			if (!strcmp(m->e[k].name, name))
				return BAD("manifest.json: %s listed twice", name);
		snprintf(e->name, sizeof(e->name), "%s", name);
		snprintf(e->sha256, sizeof(e->sha256), "%s", sha);
		e->size = (uint64_t)json_integer_value(size);
		m->n++;
	}
	return 0;
}

void fr_manifest__free(struct fr_manifest *m)
{
	free(m->e);
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}

int fr_sha256__init(struct fr_sha256 *h)
{
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(h->ctx);
		h->ctx = NULL;
		return -ENOMEM;
	}
	return 0;
}

void fr_sha256__update(struct fr_sha256 *h, const void *buf, size_t len)
{
	EVP_DigestUpdate(h->ctx, buf, len);
}

void fr_sha256__final(struct fr_sha256 *h, char out[65])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	EVP_DigestFinal_ex(h->ctx, md, &mdlen);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	fr_sha256__free(h);
}

void fr_sha256__free(struct fr_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int fr_sha256__file(const char *path, char out[65])
{
	static uint8_t buf[1 << 20];
	struct fr_sha256 h = {0};
	const int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = fd < 0 ? -errno : fr_sha256__init(&h);
	ssize_t n;

	while (!err && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0)
			err = errno == EINTR ? 0 : -errno;
		else
			fr_sha256__update(&h, buf, (size_t)n);
	}
	if (!err)
		fr_sha256__final(&h, out);
	else if (fd >= 0)
		fr_sha256__free(&h);
	if (fd >= 0)
		close(fd);
	return err;
}
