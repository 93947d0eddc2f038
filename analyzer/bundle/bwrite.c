/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/bundle/bwrite.h"
#include "analyzer/bundle/cut.h"
#include "analyzer/bundle/manifest.h"
#include "analyzer/cmd/timespec.h"
#include "format/ring.h"
#include "format/writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GAP_NS (10ll * 1000000000ll) /* a node silent this long is a gap */

/* Cut segments that may keep their input open to place its frames (the
 * rest write them): well under the usual limit of open files. */
#define PLACED_MAX 256

struct piece {
	char tmp[4096];
	char name[256];
	char sha[65];
	const char *source;
	struct fr_cut_result res;
};

struct bundle {
	const struct fr_bundle_opts *o;
	struct piece *p;
	size_t n;
	char dir[4096];
	json_t *losses, *markers;
	json_t *vanished; /* segments the ring deleted between listing and cutting */
	size_t placed;	  /* pieces holding their input open */
};

/* A host name as a file name: [A-Za-z0-9._-], never "." or "..". */
static void safe_host(const char *host, char *out, size_t cap)
{
	size_t i = 0;

	for (; host[i] && i + 1 < cap && i < 64; i++) {
		const char c = host[i];

		out[i] = (('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') ||
			  ('0' <= c && c <= '9') || c == '-' || c == '_')
				 ? c
				 : '_';
	}
	out[i] = 0;
	if (!i)
		snprintf(out, cap, "host");
}

static int name_piece(struct bundle *b, struct piece *p)
{
	char host[80];
	uint64_t seq = 0;

	safe_host(p->res.info.host, host, sizeof(host));
	for (size_t i = 0; i + 1 < b->n; i++)
		if (!strcmp(b->p[i].res.info.host, p->res.info.host))
			seq++;
	if (fr_ring__host_name(p->name + strlen(FR_BUNDLE_SEGDIR),
			       sizeof(p->name) - strlen(FR_BUNDLE_SEGDIR), host, seq))
		return -ENAMETOOLONG;
	memcpy(p->name, FR_BUNDLE_SEGDIR, strlen(FR_BUNDLE_SEGDIR));
	return 0;
}

static int cut_all(struct bundle *b, char *const *paths, size_t n, struct fr_redact *r,
		   struct fr_bundle_result *res)
{
	b->p = calloc(n ? n : 1, sizeof(*b->p));
	if (!b->p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct piece *p = &b->p[b->n];
		struct stat sb;
		int err = fr_ring__overlaps(paths[i], b->o->from, b->o->to, 2 * b->o->margin_ns);

		if (err == 0)
			continue;
		if (err == -ENOENT) {
			/* a live ring deleted it since the directory was listed */
			fprintf(stderr,
				"flightrec bundle: %s: deleted by the ring while bundling\n",
				paths[i]);
			json_array_append_new(b->vanished,
					      json_string(strrchr(paths[i], '/')
								  ? strrchr(paths[i], '/') + 1
								  : paths[i]));
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "flightrec bundle: %s: %s\n", paths[i], strerror(-err));
			return err;
		}
		if (!stat(paths[i], &sb))
			res->input_bytes += (uint64_t)sb.st_size;
		snprintf(p->tmp, sizeof(p->tmp), "%.4000s/%zu.frseg", b->dir, i);
		p->source = strrchr(paths[i], '/') ? strrchr(paths[i], '/') + 1 : paths[i];
		err = fr_cut__segment(paths[i], p->tmp, b->o->from, b->o->to, b->o->margin_ns, r,
				      b->placed < PLACED_MAX, &p->res, b->losses, b->markers);
		if (err == -ENODATA)
			continue;
		if (err == -ENOENT) {
			unlink(p->tmp);
			fprintf(stderr,
				"flightrec bundle: %s: deleted by the ring while bundling\n",
				paths[i]);
			json_array_append_new(b->vanished, json_string(p->source));
			continue;
		}
		b->n++;
		b->placed += p->res.src_fd >= 0;
		if (!err)
			err = name_piece(b, p);
		if (err)
			return err;
		memcpy(p->sha, p->res.sha256, sizeof(p->sha));
		res->records += p->res.records;
		res->blocks += p->res.blocks;
		res->blocks_copied += p->res.blocks_copied;
	}
	return b->n ? 0 : -ENODATA;
}

static json_t *utc(int64_t ns)
{
	char buf[64];

	fr_time__format(ns, buf, sizeof(buf));
	return json_string(buf);
}

static int cmp_piece(const void *a, const void *b)
{
	const struct piece *x = *(struct piece *const *)a, *y = *(struct piece *const *)b;
	const int h = strcmp(x->res.info.host, y->res.info.host);

	return h ? h
		 : (x->res.first_wall > y->res.first_wall) -
			       (x->res.first_wall < y->res.first_wall);
}

/* Time in the window when a node wrote nothing, per node. */
static json_t *gaps(const struct bundle *b)
{
	json_t *g = json_array();
	const struct piece **v = calloc(b->n, sizeof(*v));

	if (!v)
		return g;
	for (size_t i = 0; i < b->n; i++)
		v[i] = &b->p[i];
	qsort(v, b->n, sizeof(*v), cmp_piece);
	for (size_t i = 0; i < b->n; i++) {
		const int first = !i || strcmp(v[i - 1]->res.info.host, v[i]->res.info.host);
		const int last =
			i + 1 == b->n || strcmp(v[i + 1]->res.info.host, v[i]->res.info.host);
		const int64_t before = first ? b->o->from : v[i - 1]->res.last_wall;

		if (v[i]->res.first_wall - before > GAP_NS)
			json_array_append_new(g, json_pack("{s:s,s:I,s:I}", "host",
							   v[i]->res.info.host, "from",
							   (json_int_t)before, "to",
							   (json_int_t)v[i]->res.first_wall));
		if (last && b->o->to - v[i]->res.last_wall > GAP_NS &&
		    b->o->to < (int64_t)time(NULL) * 1000000000ll)
			json_array_append_new(g, json_pack("{s:s,s:I,s:I}", "host",
							   v[i]->res.info.host, "from",
							   (json_int_t)v[i]->res.last_wall, "to",
							   (json_int_t)b->o->to));
	}
	free(v);
	return g;
}

static json_t *manifest(const struct bundle *b, const struct fr_redact *r)
{
	json_t *m = json_object(), *nodes = json_array(), *segs = json_array(),
	       *mgaps = json_array(), *red;
	struct timespec now;
	size_t hidden = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	json_object_set_new(m, "format", json_string(FR_BUNDLE_FORMAT));
	json_object_set_new(m, "version", json_integer(FR_BUNDLE_VERSION));
	json_object_set_new(m, "created", utc((int64_t)now.tv_sec * 1000000000ll + now.tv_nsec));
	json_object_set_new(m, "tool", json_string(b->o->tool));
	if (json_array_size(b->vanished))
		json_object_set(m, "segments_deleted_while_bundling", b->vanished);
	json_object_set_new(m, "window",
			    json_pack("{s:I,s:I,s:o,s:o,s:I}", "from", (json_int_t)b->o->from, "to",
				      (json_int_t)b->o->to, "from_utc", utc(b->o->from), "to_utc",
				      utc(b->o->to), "margin_ns", (json_int_t)b->o->margin_ns));
	for (size_t i = 0; i < b->n; i++) {
		const struct piece *p = &b->p[i];
		const struct fr_segment_info *in = &p->res.info;
		json_t *seg;
		int seen = 0;

		for (size_t k = 0; k < i; k++)
			seen |= !strcmp(b->p[k].res.info.host, in->host) &&
				!strcmp(b->p[k].res.info.boot_id, in->boot_id);
		if (!seen)
			json_array_append_new(nodes,
					      json_pack("{s:s,s:s,s:s,s:s}", "host", in->host,
							"boot_id", in->boot_id, "kernel",
							in->kernel, "recorder", in->recorder));
		seg = json_pack("{s:s,s:I,s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:I,s:I,s:b,s:I}", "name",
				p->name, "size", (json_int_t)p->res.bytes, "sha256", p->sha, "host",
				in->host, "boot_id", in->boot_id, "seq", (json_int_t)in->seq,
				"source", p->source, "records", (json_int_t)p->res.records,
				"state_records", (json_int_t)p->res.state_records, "first",
				(json_int_t)p->res.first_wall, "last", (json_int_t)p->res.last_wall,
				"snapshot", p->res.snapshot, "bad_blocks",
				(json_int_t)p->res.bad_blocks);
		json_object_set_new(seg, "kernel_pointers", json_string(p->res.kernel_pointers));
		json_object_set_new(seg, "blocks", json_integer((json_int_t)p->res.blocks));
		json_object_set_new(seg, "blocks_copied",
				    json_integer((json_int_t)p->res.blocks_copied));
		json_array_append_new(segs, seg);
		hidden += (in->flags & FR_SEG_KADDR_HIDDEN) != 0;
		if (!p->res.snapshot)
			json_array_append_new(mgaps, json_string(p->name));
	}
	json_object_set_new(m, "nodes", nodes);
	json_object_set_new(m, "segments", segs);
	red = fr_redact__summary(r);
	/* what was done with kernel pointers, per segment and for the bundle */
	json_object_set_new(red, "kernel_pointers",
			    json_string(!hidden		 ? "per-bundle ids"
					: hidden == b->n ? FR_REDACT_KADDR_HIDDEN
							 : "per segment"));
	json_object_set_new(m, "redaction", red);
	json_object_set_new(m, "losses", json_incref(b->losses));
	json_object_set_new(m, "markers", json_incref(b->markers));
	json_object_set_new(m, "gaps", gaps(b));
	json_object_set_new(m, "metadata_gaps", mgaps);
	return m;
}

static int add_entry(struct archive *a, const char *name, int64_t size, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	if (!e)
		return -ENOMEM;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, mtime, 0);
	rc = archive_write_header(a, e);
	archive_entry_free(e);
	return rc == ARCHIVE_OK ? 0 : -EIO;
}

static int add_file(struct archive *a, const struct piece *p, time_t mtime)
{
	static uint8_t buf[1 << 20];
	const int fd = open(p->tmp, O_RDONLY | O_CLOEXEC);
	int err = fd < 0 ? -errno : add_entry(a, p->name, (int64_t)p->res.bytes, mtime);

	for (uint64_t off = 0; !err && off < p->res.bytes;) {
		const size_t n = p->res.bytes - off < sizeof(buf) ? (size_t)(p->res.bytes - off)
								  : sizeof(buf);

		err = fr_cut__read(&p->res, fd, buf, n, off);
		if (!err && archive_write_data(a, buf, n) != (la_ssize_t)n)
			err = -EIO;
		off += n;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

static int write_archive(const struct bundle *b, json_t *m, const char *tmp)
{
	struct archive *a = archive_write_new();
	char level[16], *text = json_dumps(m, JSON_INDENT(2));
	const time_t mtime = time(NULL);
	const int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int err = (!a || !text) ? -ENOMEM : fd < 0 ? -errno : 0;

	snprintf(level, sizeof(level), "%d", b->o->level);
	if (!err &&
	    (archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	     archive_write_set_filter_option(a, "zstd", "compression-level", level) != ARCHIVE_OK ||
	     archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	     archive_write_open_fd(a, fd) != ARCHIVE_OK))
		err = -EIO;
	if (!err)
		err = add_entry(a, FR_BUNDLE_MANIFEST, (int64_t)strlen(text), mtime);
	if (!err && archive_write_data(a, text, strlen(text)) != (la_ssize_t)strlen(text))
		err = -EIO;
	for (size_t i = 0; !err && i < b->n; i++)
		err = add_file(a, &b->p[i], mtime);
	if (a && archive_write_close(a) != ARCHIVE_OK && !err)
		err = -EIO;
	if (err == -EIO && a)
		fprintf(stderr, "flightrec bundle: %s: %s\n", tmp,
			archive_error_string(a) ?: "write failed");
	if (a)
		archive_write_free(a);
	if (fd >= 0 && !err && fsync(fd) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(text);
	return err;
}

static void cleanup(struct bundle *b)
{
	for (size_t i = 0; i < b->n; i++) {
		unlink(b->p[i].tmp);
		fr_cut__result_free(&b->p[i].res);
	}
	if (b->dir[0])
		rmdir(b->dir);
	free(b->p);
	json_decref(b->losses);
	json_decref(b->markers);
	json_decref(b->vanished);
}

int fr_bundle__write(char *const *paths, size_t n, const struct fr_bundle_opts *o,
		     struct fr_redact *r, const char *out, struct fr_bundle_result *res)
{
	struct bundle b = {
		.o = o, .losses = json_object(), .markers = json_array(), .vanished = json_array()};
	const char *slash = strrchr(out, '/');
	const int dirlen = slash ? (int)(slash - out + 1) : 0;
	char tmp[4096];
	json_t *m = NULL;
	int err = 0;
	struct stat sb;

	memset(res, 0, sizeof(*res));
	snprintf(b.dir, sizeof(b.dir), "%.*s.flightrec-bundle-XXXXXX", dirlen, out);
	snprintf(tmp, sizeof(tmp), "%.*s.flightrec-bundle-out-%d", dirlen, out, (int)getpid());
	if (!mkdtemp(b.dir)) {
		err = -errno;
		fprintf(stderr, "flightrec bundle: cannot create a directory next to %s: %s\n", out,
			strerror(errno));
		b.dir[0] = 0;
	}
	if (!err)
		err = cut_all(&b, paths, n, r, res);
	if (!err && !(m = manifest(&b, r)))
		err = -ENOMEM;
	if (!err)
		err = write_archive(&b, m, tmp);
	if (!err && rename(tmp, out) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	if (!err && !stat(out, &sb))
		res->bundle_bytes = (uint64_t)sb.st_size;
	res->segments = b.n;
	json_decref(m);
	cleanup(&b);
	return err;
}
