/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/bundle/cut.h"
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

static int open_writer(const char *out, const struct fr_segment_info *in, struct fr_writer **w)
{
	const struct fr_writer_opts o = {
		.flush_ms = 3600u * 1000u, /* blocks close by size: the cut is not live */
		.fsync_ms = -1,
		.host = in->host,
		.boot_id = in->boot_id,
		.kernel = in->kernel,
		.recorder = in->recorder,
		.boot_ns = in->boot_ns,
		.wall_ns = in->wall_ns,
		.seq = in->seq,
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

/* The records read of a block, held until the block is read whole (the
 * reader interleaves blocks whose times overlap) or the cut ends: a block
 * read whole, inside the window and with nothing to rewrite is copied as
 * stored (no recompression); any other is re-encoded record by record. */
struct held_rec {
	uint16_t kind;
	uint32_t len;
	uint64_t ts_ns;
	size_t off; /* into held.bytes */
};

struct held {
	uint64_t blk;
	int active, copyable;
	uint32_t seen; /* records of the block read, held or not */
	uint32_t kinds[FR_KIND_MAX];
	struct held_rec *recs;
	size_t n, cap;
	uint8_t *bytes;
	size_t len, bcap;
};

struct cut {
	struct fr_reader *rd;
	struct fr_writer *w;
	struct fr_redact *r;
	struct fr_cut_result *res;
	int64_t offset;	 /* wall - boot, from the header then each clock sync */
	struct held *hs; /* blocks being read, in the order they started */
	size_t nh, hcap;
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

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 256;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* The held records of a block that cannot be copied go now, and so will
 * its next ones: only a block that may be copied is buffered. */
static int ship_held(struct cut *c, struct held *h)
{
	int err = 0;

	for (size_t i = 0; !err && i < h->n; i++) {
		const struct fr_record rec = {.kind = h->recs[i].kind,
					      .len = h->recs[i].len,
					      .ts_ns = h->recs[i].ts_ns,
					      .payload = h->bytes + h->recs[i].off};

		err = ship(c, &rec);
	}
	h->n = h->len = 0;
	return err;
}

/* The held block: as stored when it was read whole and may be copied. */
static int release(struct cut *c, struct held *h, int whole)
{
	const uint8_t *frame;
	size_t len;
	uint32_t n;
	int err;

	h->active = 0;
	if (whole && h->copyable && !fr_reader__block_frame(c->rd, h->blk, &frame, &len, &n) &&
	    n == h->n) {
		err = fr_writer__append_frame(c->w, frame, len, h->kinds);
		if (!err) {
			c->res->records += h->n;
			c->res->snapshot |= h->kinds[FR_KIND_META_SNAPSHOT] != 0;
			c->copied++;
		}
		h->n = h->len = 0;
		return err;
	}
	return ship_held(c, h);
}

/* The held block of `rec`, started when it is the block's first. */
static struct held *held_of(struct cut *c, const struct fr_record *rec)
{
	struct held *h = NULL;

	for (size_t i = 0; i < c->nh; i++) {
		if (c->hs[i].active && c->hs[i].blk == rec->block_offset)
			return &c->hs[i];
		if (!h && !c->hs[i].active)
			h = &c->hs[i]; /* a free slot keeps its buffers */
	}
	if (!h) {
		if (grow((void **)&c->hs, &c->hcap, c->nh + 1, sizeof(c->hs[0])))
			return NULL;
		h = &c->hs[c->nh++];
		memset(h, 0, sizeof(*h));
	}
	h->blk = rec->block_offset;
	h->active = 1;
	h->copyable = 1;
	h->seen = 0;
	h->n = h->len = 0;
	memset(h->kinds, 0, sizeof(h->kinds));
	return h;
}

/* Hold `rec` or ship it; `copyable` 0: it keeps its block from being
 * copied. */
static int hold(struct cut *c, struct held *h, const struct fr_record *rec, int copyable)
{
	int err;

	h->kinds[rec->kind % FR_KIND_MAX]++;
	if (h->copyable && !(copyable && !fr_redact__may_change(c->r, rec->kind))) {
		h->copyable = 0;
		err = ship_held(c, h);
		if (err)
			return err;
	}
	if (!h->copyable)
		return ship(c, rec);
	err = grow((void **)&h->recs, &h->cap, h->n + 1, sizeof(h->recs[0]));
	if (!err)
		err = grow((void **)&h->bytes, &h->bcap, h->len + rec->len, 1);
	if (err)
		return err;
	h->recs[h->n++] = (struct held_rec){rec->kind, rec->len, rec->ts_ns, h->len};
	if (rec->len)
		memcpy(h->bytes + h->len, rec->payload, rec->len);
	h->len += rec->len;
	return 0;
}

/* The blocks not read whole (the window's end, a damaged block), record
 * by record, in the order they started; then the buffers go. */
static int release_rest(struct cut *c, int err)
{
	for (size_t i = 0; i < c->nh; i++) {
		if (!err && c->hs[i].active)
			err = release(c, &c->hs[i], 0);
		free(c->hs[i].recs);
		free(c->hs[i].bytes);
	}
	free(c->hs);
	return err;
}

static void clock_sync(struct cut *c, const struct fr_record *rec)
{
	struct fr_event ev;

	if (!fr_event__decode(rec->kind, rec->payload, rec->len, &ev) &&
	    ev.f[FR_F_CLOCK_SYNC_WALL_NS].u)
		c->offset = (int64_t)(ev.f[FR_F_CLOCK_SYNC_WALL_NS].u -
				      ev.f[FR_F_CLOCK_SYNC_BOOT_NS].u);
}

int fr_cut__segment(const char *in, const char *out, int64_t from, int64_t to, int64_t margin_ns,
		    struct fr_redact *r, struct fr_cut_result *res, json_t *losses, json_t *markers)
{
	struct cut c = {.r = r, .res = res};
	struct fr_diag d = {0};
	struct fr_reader_stats rs;
	struct fr_record rec;
	int err, rc;

	memset(res, 0, sizeof(*res));
	res->first_wall = INT64_MAX;
	res->last_wall = INT64_MIN;
	err = fr_reader__open(in, &c.rd, &d);
	if (err) {
		fprintf(stderr, "flightrec bundle: %s: %s\n", in,
			d.msg[0] ? d.msg : strerror(-err));
		return err;
	}
	res->info = *fr_reader__info(c.rd);
	c.offset = (int64_t)(res->info.wall_ns - res->info.boot_ns);
	err = open_writer(out, &res->info, &c.w);
	if (err)
		fprintf(stderr, "flightrec bundle: cannot create %s: %s\n", out, strerror(-err));
	while (!err && (rc = fr_reader__next(c.rd, &rec)) != 0) {
		struct held *h;
		int64_t wall;

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
		h = held_of(&c, &rec);
		if (!h) {
			err = -ENOMEM;
			break;
		}
		if (wall < from - margin_ns) {
			if (h->copyable) { /* the block holds records the cut leaves out */
				h->copyable = 0;
				err = ship_held(&c, h);
			}
			if (!err && is_state(rec.kind)) {
				err = hold(&c, h, &rec, 0);
				res->state_records++;
			}
		} else {
			if (wall >= from && wall < to) {
				if (wall < res->first_wall)
					res->first_wall = wall;
				if (wall > res->last_wall)
					res->last_wall = wall;
				if (rec.kind == FR_KIND_RECORDER_STATS)
					add_loss(losses, &rec);
				else if (rec.kind == FR_KIND_MARKER)
					json_array_append_new(markers,
							      json_pack("{s:I,s:s%}", "time",
									(json_int_t)wall, "text",
									(const char *)rec.payload,
									(size_t)rec.len));
			}
			err = hold(&c, h, &rec, 1);
		}
		if (!err && ++h->seen == rec.block_records)
			err = release(&c, h, 1);
	}
	err = release_rest(&c, err);
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
	if (err && c.w)
		unlink(out);
	if (err && err != -ENODATA)
		fprintf(stderr, "flightrec bundle: %s: %s\n", in, strerror(-err));
	if (err)
		return err;
	return 0;
}
