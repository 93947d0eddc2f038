/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* asprintf */
#include "analyzer/bundle/bread.h"
#include "analyzer/bundle/manifest.h"
#include "format/reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RATIO_FLOOR (64ull << 20)

void fr_bundle_limits__default(struct fr_bundle_limits *l)
{
	const char *env = getenv("FLIGHTREC_BUNDLE_MAX_BYTES");

	l->max_entry = 64ull << 30;
	l->max_total = 256ull << 30;
	l->max_ratio = 100;
	if (env && *env) {
		char *end;
		const unsigned long long v = strtoull(env, &end, 10);

		if (!*end && v) {
			l->max_total = v;
			l->max_entry = v;
		}
	}
}

int fr_bundle__is_bundle(const char *path)
{
	static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
	uint8_t head[4];
	const int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, head, sizeof(head));
	close(fd);
	return n == 4 && !memcmp(head, zstd_magic, 4);
}

struct xtract {
	const char *path;
	const struct fr_bundle_limits *l;
	struct archive *a;
	char *dir;
	struct fr_manifest m;
	int have_manifest;
	uint8_t *seen; /* per manifest entry */
	uint64_t total;
	char why[512];
};

#define REFUSE(x, ...) (snprintf((x)->why, sizeof((x)->why), __VA_ARGS__), -EBADMSG)

static int bomb_check(struct xtract *x)
{
	const uint64_t in = (uint64_t)archive_filter_bytes(x->a, -1);
	const uint64_t out = (uint64_t)archive_filter_bytes(x->a, 0);

	if (out > RATIO_FLOOR && out / (in ? in : 1) > x->l->max_ratio)
		return REFUSE(x,
			      "decompression bomb: %" PRIu64 " bytes inflated from %" PRIu64
			      " (ratio over %" PRIu64 ")",
			      out, in, x->l->max_ratio);
	return 0;
}

/* Read the entry's data: into `fd` (or memory when mem), bounded, hashed. */
static int read_data(struct xtract *x, const char *name, int fd, char *mem, uint64_t expect,
		     char sha[65])
{
	static uint8_t buf[1 << 20];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t got = 0;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen;
	int err = ctx ? 0 : -ENOMEM;

	if (ctx)
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (!err) {
		const la_ssize_t n = archive_read_data(x->a, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0) {
			err = REFUSE(x, "%s: damaged archive: %s", name,
				     archive_error_string(x->a) ?: "read error");
			break;
		}
		if (got + (uint64_t)n > expect) {
			err = REFUSE(x, "%s: more data than its header's %" PRIu64 " bytes", name,
				     expect);
			break;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		if (mem)
			memcpy(mem + got, buf, (size_t)n);
		else if (write(fd, buf, (size_t)n) != n)
			err = -errno ? -errno : -EIO;
		got += (uint64_t)n;
		x->total += (uint64_t)n;
		if (!err)
			err = bomb_check(x);
	}
	if (!err && got != expect)
		err = REFUSE(x, "%s: truncated: %" PRIu64 " of %" PRIu64 " bytes", name, got,
			     expect);
	if (!err) {
		EVP_DigestFinal_ex(ctx, md, &mdlen);
		for (unsigned i = 0; i < 32; i++)
			snprintf(sha + 2 * i, 3, "%02x", md[i]);
	}
	EVP_MD_CTX_free(ctx);
	return err;
}

static int manifest_entry(struct xtract *x, int64_t size)
{
	char *text, sha[65];
	int err;

	if (size > (int64_t)FR_BUNDLE_MAX_MANIFEST)
		return REFUSE(x, "manifest.json: %" PRId64 " bytes, over the %u MiB bound", size,
			      FR_BUNDLE_MAX_MANIFEST >> 20);
	text = malloc((size_t)size + 1);
	if (!text)
		return -ENOMEM;
	err = read_data(x, FR_BUNDLE_MANIFEST, -1, text, (uint64_t)size, sha);
	if (!err)
		err = fr_manifest__parse(text, (size_t)size, &x->m, x->why, sizeof(x->why));
	free(text);
	if (err)
		return err;
	x->have_manifest = 1;
	x->seen = calloc(x->m.n, 1);
	return x->seen ? 0 : -ENOMEM;
}

static int segment_entry(struct xtract *x, const char *name, int64_t size)
{
	const char *base = name + strlen(FR_BUNDLE_SEGDIR);
	char path[4096], sha[65];
	size_t i;
	int fd, err;

	for (i = 0; i < x->m.n && strcmp(x->m.e[i].name, name); i++)
		;
	if (i == x->m.n)
		return REFUSE(x, "%s: not listed in manifest.json", name);
	if (x->seen[i])
		return REFUSE(x, "%s: duplicate entry", name);
	x->seen[i] = 1;
	if ((uint64_t)size != x->m.e[i].size)
		return REFUSE(x, "%s: %" PRId64 " bytes, manifest.json says %" PRIu64, name, size,
			      x->m.e[i].size);
	snprintf(path, sizeof(path), "%s/%s", x->dir, base);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = read_data(x, name, fd, NULL, (uint64_t)size, sha);
	close(fd);
	if (!err && strcmp(sha, x->m.e[i].sha256))
		err = REFUSE(x, "%s: checksum mismatch (sha256 %s, manifest.json says %s)", name,
			     sha, x->m.e[i].sha256);
	return err;
}

static int entry(struct xtract *x, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	const int64_t size = archive_entry_size(e);

	if (!name || !*name)
		return REFUSE(x, "an entry without a name");
	if (name[0] == '/')
		return REFUSE(x, "%s: absolute path", name);
	if (!strcmp(name, "..") || !strncmp(name, "../", 3) || strstr(name, "/../") ||
	    (strlen(name) >= 3 && !strcmp(name + strlen(name) - 3, "/..")))
		return REFUSE(x, "%s: path traversal", name);
	if (archive_entry_hardlink(e) || archive_entry_symlink(e) ||
	    archive_entry_filetype(e) == AE_IFLNK)
		return REFUSE(x, "%s: links are not allowed", name);
	if (archive_entry_filetype(e) != AE_IFREG)
		return REFUSE(x, "%s: not a regular file (device, directory or FIFO)", name);
	if (!archive_entry_size_is_set(e) || size < 0)
		return REFUSE(x, "%s: no size", name);
	if ((uint64_t)size > x->l->max_entry || x->total + (uint64_t)size > x->l->max_total)
		return REFUSE(x,
			      "%s: %" PRId64 " bytes, over the bound (%" PRIu64
			      " per entry, %" PRIu64 " in all)",
			      name, size, x->l->max_entry, x->l->max_total);
	if (!strcmp(name, FR_BUNDLE_MANIFEST)) {
		if (x->have_manifest)
			return REFUSE(x, "%s: duplicate entry", name);
		return manifest_entry(x, size);
	}
	if (!x->have_manifest)
		return REFUSE(x, "%s: manifest.json must be the first entry", name);
	if (!fr_manifest__segment_name_ok(name))
		return REFUSE(x, "%s: unexpected entry (only manifest.json and segments/*.frseg)",
			      name);
	return segment_entry(x, name, size);
}

/* The segments' headers against the manifest's nodes. */
static int check_headers(struct xtract *x, char **paths)
{
	json_t *segs = json_object_get(x->m.root, "segments");

	for (size_t i = 0; i < x->m.n; i++) {
		json_t *s = json_array_get(segs, i);
		const char *host = json_string_value(json_object_get(s, "host"));
		const char *boot = json_string_value(json_object_get(s, "boot_id"));
		struct fr_reader *r;
		struct fr_diag d = {0};
		int err = fr_reader__open(paths[i], &r, &d);

		if (err)
			return REFUSE(x, "%.200s: not a segment: %.200s", x->m.e[i].name,
				      d.msg[0] ? d.msg : strerror(-err));
		err = (host && strcmp(host, fr_reader__info(r)->host)) ||
		      (boot && strcmp(boot, fr_reader__info(r)->boot_id));
		fr_reader__close(r);
		if (err)
			return REFUSE(x,
				      "%.200s: the manifest disagrees with the segment (host "
				      "%.100s, boot id %.60s)",
				      x->m.e[i].name, host ?: "?", boot ?: "?");
	}
	return 0;
}

static int run(struct xtract *x, char ***paths)
{
	struct archive_entry *e;
	int rc, err = 0;

	if (archive_read_support_filter_zstd(x->a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(x->a) != ARCHIVE_OK)
		return -ENOTSUP;
	if (archive_read_open_filename(x->a, x->path, 1 << 20) != ARCHIVE_OK)
		return REFUSE(x, "damaged archive (not a tar.zst): %s",
			      archive_error_string(x->a) ?: "?");
	while (!err && (rc = archive_read_next_header(x->a, &e)) != ARCHIVE_EOF) {
		if (rc != ARCHIVE_OK)
			return REFUSE(x, "damaged archive: %s",
				      archive_error_string(x->a) ?: "bad header");
		err = bomb_check(x);
		if (!err)
			err = entry(x, e);
	}
	if (err)
		return err;
	if (!x->have_manifest)
		return REFUSE(x, "no manifest.json");
	*paths = calloc(x->m.n, sizeof(**paths));
	if (!*paths)
		return -ENOMEM;
	for (size_t i = 0; i < x->m.n; i++) {
		if (!x->seen[i])
			return REFUSE(x, "%s: listed in manifest.json, missing from the archive",
				      x->m.e[i].name);
		if (asprintf(&(*paths)[i], "%s/%s", x->dir,
			     x->m.e[i].name + strlen(FR_BUNDLE_SEGDIR)) < 0) {
			(*paths)[i] = NULL;
			return -ENOMEM;
		}
	}
	return check_headers(x, *paths);
}

void fr_bundle__remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

int fr_bundle__extract(const char *path, const struct fr_bundle_limits *l, char **dir,
		       char ***paths, size_t *n)
{
	const char *tmpdir = getenv("TMPDIR");
	struct xtract x = {.path = path, .l = l};
	char **p = NULL;
	int err;

	*dir = NULL;
	*paths = NULL;
	*n = 0;
	if (asprintf(&x.dir, "%s/flightrec-bundle-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp") < 0)
		return -ENOMEM;
	if (!mkdtemp(x.dir)) {
		err = -errno;
		fprintf(stderr, "flightrec: %s: cannot create a directory to read it: %s\n", path,
			strerror(errno));
		free(x.dir);
		return err;
	}
	x.a = archive_read_new();
	err = x.a ? run(&x, &p) : -ENOMEM;
	if (x.a)
		archive_read_free(x.a);
	if (err) {
		if (err == -EBADMSG)
			fprintf(stderr, "flightrec: %s: bundle refused: %s\n", path, x.why);
		else
			fprintf(stderr, "flightrec: %s: %s\n", path, strerror(-err));
		for (size_t i = 0; p && i < x.m.n; i++)
			free(p[i]);
		free(p);
		fr_bundle__remove(x.dir);
		free(x.dir);
	} else {
		*dir = x.dir;
		*paths = p;
		*n = x.m.n;
	}
	free(x.seen);
	fr_manifest__free(&x.m);
	return err;
}
