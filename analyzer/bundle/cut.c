/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/bundle/cut.h"
#include "analyzer/bundle/manifest.h"
#include "format/grow.h"
#include "format/kinds.h"
#include "format/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Records before the window that a replay of the window reads state from. */
static int is_state(unsigned kind)
{
	switch (kind) {
	case FR_KIND_CLOCK_SYNC:
	case FR_KIND_FAMILY_STATUS:
	case FR_KIND_DROP_REASON_NAME:
	case FR_KIND_SYSCALL_NAME:
	case FR_KIND_META_SNAPSHOT:
	case FR_KIND_META_CHANGE:
	case FR_KIND_HUBBLE_STATUS_PB:
	case FR_KIND_PROC_EXEC:
	case FR_KIND_PROC_EXIT:
	case FR_KIND_PROC_FORK:
	case FR_KIND_TCP_CONNECT:
	case FR_KIND_TCP_ACCEPT:
	case FR_KIND_TCP_CLOSE:
		return 1;
	default:
		return 0;
	}
}

static void add_loss(json_t *losses, const struct fr_record *rec)
{
	struct fr_event ev;
	char key[160];
	json_t *o;

	if (fr_event__decode(rec->kind, rec->payload, rec->len, &ev))
		return;
	snprintf(key, sizeof(key), "%.*s/%.*s", (int)ev.f[FR_F_RECORDER_STATS_SOURCE].len,
		 (const char *)ev.f[FR_F_RECORDER_STATS_SOURCE].p,
		 (int)ev.f[FR_F_RECORDER_STATS_REASON].len,
		 (const char *)ev.f[FR_F_RECORDER_STATS_REASON].p);
	o = json_object_get(losses, key);
	if (!o) {
		o = json_pack("{s:I,s:I}", "seen", (json_int_t)0, "lost", (json_int_t)0);
		json_object_set_new(losses, key, o);
	}
	json_object_set_new(o, "seen",
			    json_integer(json_integer_value(json_object_get(o, "seen")) +
					 (json_int_t)ev.f[FR_F_RECORDER_STATS_SEEN].u));
	json_object_set_new(o, "lost",
			    json_integer(json_integer_value(json_object_get(o, "lost")) +
					 (json_int_t)ev.f[FR_F_RECORDER_STATS_LOST].u));
}

static void tap(void *ctx, const uint8_t *buf, size_t len)
{
	fr_sha256__update(ctx, buf, len);
}

static int open_writer(const char *out, const struct fr_segment_info *in, struct fr_sha256 *sha,
		       struct fr_writer **w)
{
	const struct fr_writer_opts o = {
		.flush_ms = 3600u * 1000u,     /* blocks close by size: the cut is not live */
		.fsync_ms = FR_WRITER_NO_SYNC, /* a scratch file: the archive is synced */
		.host = in->host,
		.boot_id = in->boot_id,
		.kernel = in->kernel,
		.recorder = in->recorder,
		.boot_ns = in->boot_ns,
		.wall_ns = in->wall_ns,
		.seq = in->seq,
		/* kernel addresses come hidden or are mapped to per-bundle ids */
		.flags = FR_SEG_KADDR_HIDDEN,
		.tap = tap,
		.tap_ctx = sha,
	};
	const int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int err;

	if (fd < 0)
		return -errno;
	err = fr_writer__open_fd(fd, &o, w);
	if (err)
		close(fd);
	return err;
}

/* A block copied as stored whose records are still read, for the
 * manifest only (losses, markers, the window's first and last record). */
struct placed {
	uint64_t blk;
	uint32_t left; /* records of it not read yet */
};

struct cut {
	struct fr_reader *rd;
	struct fr_writer *w;
	struct fr_redact *r;
	struct fr_cut_result *res;
	int64_t from, to, margin; /* the window, wall ns */
	int64_t offset;		  /* wall - boot, from the header then each clock sync */
	struct fr_sha256 sha;
	size_t refs_cap;
	struct placed *pl; /* copied blocks being read */
	size_t npl, plcap;
	uint64_t copied; /* blocks copied as stored */
};

static int ship(struct cut *c, const struct fr_record *rec)
{
	const uint8_t *p;
	size_t n;
	int err = fr_redact__record(c->r, rec->kind, rec->payload, rec->len, &p, &n);

	if (err)
		return err == 1 ? 0 : err;
	if (!c->w)
		return 0;
	err = fr_writer__append(c->w, rec->kind, rec->ts_ns, p, n);
	if (!err)
		c->res->records++;
	if (!err && rec->kind == FR_KIND_META_SNAPSHOT)
		c->res->snapshot = 1;
	return err;
}

/* Whether `rec` is of a block copied as stored (counted: the last record of
 * a block ends its entry). */
static int was_placed(struct cut *c, const struct fr_record *rec)
{
	for (size_t i = 0; i < c->npl; i++) {
		if (c->pl[i].blk != rec->block_offset)
			continue;
		if (!--c->pl[i].left)
			c->pl[i] = c->pl[--c->npl];
		return 1;
	}
	return 0;
}

static void clock_sync(struct cut *c, const struct fr_record *rec)
{
	struct fr_event ev;

	if (!fr_event__decode(rec->kind, rec->payload, rec->len, &ev) &&
	    ev.f[FR_F_CLOCK_SYNC_WALL_NS].u)
		c->offset = (int64_t)(ev.f[FR_F_CLOCK_SYNC_WALL_NS].u -
				      ev.f[FR_F_CLOCK_SYNC_BOOT_NS].u);
}

/* The frame `b` goes in as stored: placed (left out of the cut's file, the
 * archive reads it from the input) when the cut may, else written. */
static int copy_frame(struct cut *c, const struct fr_block_view *b)
{
	struct fr_cut_result *res = c->res;
	struct fr_cut_ref *last;
	uint64_t at;
	int err;

	if (res->src_fd < 0)
		return fr_writer__append_frame(c->w, b->frame, b->frame_len, b->kinds);
	err = fr_grow((void **)&res->refs, &c->refs_cap, res->nrefs + 1, sizeof(res->refs[0]), 16);
	if (!err)
		err = fr_writer__place_frame(c->w, b->frame, b->frame_len, b->kinds, &at);
	if (err)
		return err;
	last = res->nrefs ? &res->refs[res->nrefs - 1] : NULL; /* after fr_grow() */
	if (last && last->at + last->len == at && last->src + last->len == b->offset)
		last->len += b->frame_len; /* the next block of the input, next in the cut */
	else
		res->refs[res->nrefs++] = (struct fr_cut_ref){at, b->offset, b->frame_len};
	return 0;
}

/* A block the cut decides on before its records are read (the reader's
 * block filter): wholly before the window with no state record, left out;
 * wholly inside the widened window with nothing to rewrite and no clock
 * sync (it moves the wall clock of the records after it), copied as stored
 * now, so the cut's blocks keep the input's order. Such a block holding no
 * record the manifest reads (statistics, markers) and wholly inside the
 * window is not even decompressed; the others are read for the manifest. */
static int filter(void *ctx, const struct fr_block_view *b)
{
	struct cut *c = ctx;
	const int64_t lo = (int64_t)b->ts_min + c->offset, hi = (int64_t)b->ts_max + c->offset;
	int err, read;

	if (hi < c->from - c->margin) {
		for (unsigned k = 0; k < FR_KIND_MAX; k++)
			if (b->kinds[k] && is_state(k))
				return 0;
		return 1;
	}
	if (lo < c->from - c->margin || hi >= c->to + c->margin || b->kinds[FR_KIND_CLOCK_SYNC])
		return 0;
	for (unsigned k = 0; k < FR_KIND_MAX; k++)
		if (b->kinds[k] && fr_redact__may_change(c->r, k))
			return 0;
	read = lo < c->from || hi >= c->to || b->kinds[FR_KIND_RECORDER_STATS] ||
	       b->kinds[FR_KIND_MARKER];
	err = read ? fr_grow((void **)&c->pl, &c->plcap, c->npl + 1, sizeof(c->pl[0]), 16) : 0;
	if (!err)
		err = copy_frame(c, b);
	if (err)
		return err;
	c->res->records += b->n_records;
	c->res->snapshot |= b->kinds[FR_KIND_META_SNAPSHOT] != 0;
	c->copied++;
	if (read) {
		c->pl[c->npl++] = (struct placed){b->offset, b->n_records};
		return 0;
	}
	if (lo < c->res->first_wall)
		c->res->first_wall = lo;
	if (hi > c->res->last_wall)
		c->res->last_wall = hi;
	return 1;
}

static int pread_all(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		const ssize_t n = pread(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO; /* the file shrank under us */
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int fr_cut__read(const struct fr_cut_result *res, int fd, uint8_t *buf, size_t len, uint64_t off)
{
	uint64_t left_out = 0; /* bytes of refs before `off`: not in the file */
	size_t i = 0;

	while (len) {
		const struct fr_cut_ref *f;
		uint64_t n;
		int err;

		for (; i < res->nrefs && res->refs[i].at + res->refs[i].len <= off; i++)
			left_out += res->refs[i].len; /* refs are in segment order */
		f = i < res->nrefs ? &res->refs[i] : NULL;
		if (f && off >= f->at) { /* a placed frame: the input's bytes */
			n = f->at + f->len - off < len ? f->at + f->len - off : len;
			err = pread_all(res->src_fd, buf, (size_t)n, f->src + (off - f->at));
		} else {
			n = f && f->at - off < len ? f->at - off : len;
			err = pread_all(fd, buf, (size_t)n, off - left_out);
		}
		if (err)
			return err;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

void fr_cut__result_free(struct fr_cut_result *res)
{
	if (res->src_fd >= 0)
		close(res->src_fd);
	res->src_fd = -1;
	free(res->refs);
	res->refs = NULL;
	res->nrefs = 0;
}

int fr_cut__segment(const char *in, const char *out, int64_t from, int64_t to, int64_t margin_ns,
		    struct fr_redact *r, int place, struct fr_cut_result *res, json_t *losses,
		    json_t *markers)
{
	struct cut c = {.r = r, .res = res, .from = from, .to = to, .margin = margin_ns};
	struct fr_diag d = {0};
	struct fr_reader_stats rs;
	struct fr_record rec;
	int err, rc;

	memset(res, 0, sizeof(*res));
	res->src_fd = -1;
	res->first_wall = INT64_MAX;
	res->last_wall = INT64_MIN;
	err = fr_sha256__init(&c.sha);
	if (err)
		return err;
	err = fr_reader__open(in, &c.rd, &d);
	if (err) {
		fprintf(stderr, "flightrec bundle: %s: %s\n", in,
			d.msg[0] ? d.msg : strerror(-err));
		fr_sha256__free(&c.sha);
		return err;
	}
	res->info = *fr_reader__info(c.rd);
	res->kernel_pointers = fr_redact__segment(r, (res->info.flags & FR_SEG_KADDR_HIDDEN) != 0);
	c.offset = (int64_t)(res->info.wall_ns - res->info.boot_ns);
	if (place) {
		res->src_fd = fr_reader__dup_fd(c.rd);
		err = res->src_fd < 0 ? res->src_fd : 0;
	}
	if (!err)
		err = open_writer(out, &res->info, &c.sha, &c.w);
	if (err)
		fprintf(stderr, "flightrec bundle: cannot create %s: %s\n", out, strerror(-err));
	fr_reader__set_block_filter(c.rd, filter, &c);
	while (!err && (rc = fr_reader__next(c.rd, &rec)) != 0) {
		int64_t wall;
		int placed;

		if (rc < 0) {
			/* a damaged block: said, counted, the rest goes on */
			fprintf(stderr, "flightrec bundle: %s: offset %" PRIu64 ": %s\n", in,
				fr_reader__diag(c.rd)->offset, fr_reader__diag(c.rd)->msg);
			res->bad_blocks++;
			if (rc != -EBADMSG)
				err = rc;
			continue;
		}
		if (rec.kind == FR_KIND_CLOCK_SYNC)
			clock_sync(&c, &rec);
		wall = (int64_t)rec.ts_ns + c.offset;
		if (wall >= to + margin_ns)
			break;
		placed = c.npl && was_placed(&c, &rec);
		if (wall < from - margin_ns) {
			if (is_state(rec.kind) && !placed) {
				err = ship(&c, &rec);
				res->state_records++;
			}
			continue;
		}
		if (wall >= from && wall < to) {
			if (wall < res->first_wall)
				res->first_wall = wall;
			if (wall > res->last_wall)
				res->last_wall = wall;
			if (rec.kind == FR_KIND_RECORDER_STATS)
				add_loss(losses, &rec);
			else if (rec.kind == FR_KIND_MARKER)
				json_array_append_new(markers, json_pack("{s:I,s:s%}", "time",
									 (json_int_t)wall, "text",
									 (const char *)rec.payload,
									 (size_t)rec.len));
		}
		if (!placed)
			err = ship(&c, &rec);
	}
	free(c.pl);
	fr_reader__stats(c.rd, &rs);
	fr_reader__close(c.rd);
	res->blocks_copied = c.copied;
	if (!err && res->first_wall > res->last_wall)
		err = -ENODATA;
	if (!err)
		err = fr_writer__seal(c.w);
	if (!err) {
		struct fr_writer_stats ws;

		fr_writer__stats(c.w, &ws);
		res->bytes = ws.file_bytes;
		res->blocks = ws.blocks;
	}
	fr_writer__free(c.w);
	if (!err)
		fr_sha256__final(&c.sha, res->sha256);
	fr_sha256__free(&c.sha);
	if (err || !res->nrefs)
		fr_cut__result_free(res);
	if (err && c.w)
		unlink(out);
	if (err && err != -ENODATA)
		fprintf(stderr, "flightrec bundle: %s: %s\n", in, strerror(-err));
	if (err)
		return err;
	return 0;
}
