/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/bundle/cut.h"
#include "format/kinds.h"
#include "format/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
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

struct cut {
	struct fr_reader *rd;
	struct fr_writer *w;
	struct fr_redact *r;
	struct fr_cut_result *res;
	int64_t offset; /* wall - boot, from the header then each clock sync */
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
		if (wall < from - margin_ns) {
			if (is_state(rec.kind)) {
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
		err = ship(&c, &rec);
	}
	fr_reader__stats(c.rd, &rs);
	fr_reader__close(c.rd);
	if (!err && res->first_wall > res->last_wall)
		err = -ENODATA;
	if (!err)
		err = fr_writer__seal(c.w);
	if (!err) {
		struct fr_writer_stats ws;

		fr_writer__stats(c.w, &ws);
		res->bytes = ws.file_bytes;
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
