/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Segment reader. Nothing read from the file is trusted before it is
 * bounded: every frame is checksummed, every length is checked against the
 * file size and the format limits, and in index mode the index must tile
 * the data region exactly, so a flipped bit anywhere lands in a checksum.
 *
 * Time order: blocks can overlap in time (a producer may hand the writer a
 * record older than a block already written), so the reader keeps every
 * block whose range can still hold the next record open and merges their
 * records by time. The block table comes from the index, or from a scan of
 * block headers when there is none.
 */
#include "format/reader.h"
#include "format/block.h"
#include "format/crc32c.h"
#include "format/kinds.h"
#include "format/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* Blocks open at once for merging; past this, order is best effort and
 * counted in fr_reader_stats.unordered. */
#define MAX_OPEN 32

/* Buffer bytes the open blocks may hold together (one block is always
 * opened whatever its size): 32 blocks declaring 32 MiB each would
 * otherwise take 2 GiB from a file of a few KiB. Blocks of the default
 * 256 KiB never reach it. docs/FORMAT.md, "Reader limits". */
#define OPEN_BYTES_MAX (64u << 20)

/* A recycled cursor keeps its buffers only up to this size. */
#define SPARE_BYTES_MAX (8u << 20)

struct fr_reader {
	int fd;
	uint64_t file_size;
	uint64_t data_start;
	struct fr_segment_info info;
	ZSTD_DCtx *dctx;

	int use_index;
	int table_built;
	struct fr_block_hdr *table;
	uint64_t *suffix_min; /* min ts_min of table[i..] */
	size_t ntable, table_pos;
	uint64_t table_end; /* where the header scan stopped */

	uint64_t pos; /* sequential scan after the table */
	int done;
	int pending_err; /* reported by the next call to next() */

	struct fr_block_cursor *open[MAX_OPEN];
	size_t nopen;
	uint64_t open_bytes;	       /* block_bytes() of the open cursors */
	struct fr_block_cursor *spare; /* one recycled cursor keeps its buffers */
	uint64_t next_seq;
	uint64_t last_ts;

	int seeking;
	uint64_t seek_ts;

	struct fr_diag diag;
	struct fr_reader_stats st;

	uint8_t *frame; /* fr_reader__block_frame() */
	size_t frame_cap;

	fr_block_filter_fn filter;
	void *filter_ctx;
};

#define fail(r, off, ...) fr_diag__set(&(r)->diag, off, __VA_ARGS__)

static int set_table(struct fr_reader *r, struct fr_block_hdr *t, size_t n);

static int read_at(struct fr_reader *r, void *buf, size_t len, uint64_t off)
{
	return fr_pread_all(r->fd, buf, len, off, &r->diag);
}

static int get_str(const uint8_t *p, size_t *pos, size_t end, char *dst, size_t cap)
{
	size_t n;

	if (*pos + 2 > end)
		return -1;
	n = fr_get16(p + *pos);
	if (n > FR_SEG_STR_MAX || n >= cap || *pos + 2 + n > end)
		return -1;
	memcpy(dst, p + *pos + 2, n);
	dst[n] = '\0';
	*pos += 2 + n;
	return 0;
}

static int parse_header(struct fr_reader *r)
{
	uint8_t buf[FR_FRAME_PREAMBLE + FR_SEG_HDR_MAX];
	struct fr_segment_info *in = &r->info;
	uint32_t size;
	size_t pos, end;
	int err;

	if (r->file_size < FR_FRAME_PREAMBLE) {
		fail(r, 0, "file is %" PRIu64 " bytes, shorter than a segment header",
		     r->file_size);
		return -ENODATA;
	}
	err = read_at(r, buf, FR_FRAME_PREAMBLE, 0);
	if (err)
		return err;
	if (fr_get32(buf) != FR_FRAME_SEGMENT_HDR)
		return fail(r, 0, "not a flightrec segment (magic 0x%08x)", fr_get32(buf));
	size = fr_get32(buf + 4);
	if (size < FR_SEG_FIXED + 4 * 2 + 4 || size > FR_SEG_HDR_MAX)
		return fail(r, 4, "segment header size %u out of range", size);
	if (r->file_size < FR_FRAME_PREAMBLE + (uint64_t)size) {
		fail(r, 0, "segment header truncated (file is %" PRIu64 " bytes)", r->file_size);
		return -ENODATA;
	}
	err = read_at(r, buf + FR_FRAME_PREAMBLE, size, FR_FRAME_PREAMBLE);
	if (err)
		return err;
	end = FR_FRAME_PREAMBLE + size - 4;
	if (fr_crc32c(0, buf, end) != fr_get32(buf + end))
		return fail(r, 0, "segment header checksum mismatch");
	const uint8_t *c = buf + FR_FRAME_PREAMBLE;

	if (fr_get32(c) != FR_SEG_MAGIC)
		return fail(r, 8, "bad segment magic 0x%08x", fr_get32(c));
	in->version = fr_get16(c + 4);
	if (in->version == 0)
		return fail(r, 12, "segment version 0 is invalid");
	if (in->version > FR_FORMAT_VERSION) {
		fail(r, 12, "segment version %u is newer than this reader (%u)", in->version,
		     FR_FORMAT_VERSION);
		return -EPROTONOSUPPORT;
	}
	in->flags = fr_get16(c + 6); /* bits this reader does not know are ignored */
	in->boot_ns = fr_get64(c + 8);
	in->wall_ns = fr_get64(c + 16);
	in->seq = fr_get64(c + 24);
	in->created_wall_ns = fr_get64(c + 32);
	pos = FR_FRAME_PREAMBLE + FR_SEG_FIXED;
	if (get_str(buf, &pos, end, in->host, sizeof(in->host)) ||
	    get_str(buf, &pos, end, in->boot_id, sizeof(in->boot_id)) ||
	    get_str(buf, &pos, end, in->kernel, sizeof(in->kernel)) ||
	    get_str(buf, &pos, end, in->recorder, sizeof(in->recorder)) || pos != end)
		return fail(r, FR_FRAME_PREAMBLE + FR_SEG_FIXED,
			    "malformed segment header strings");
	r->data_start = FR_FRAME_PREAMBLE + size;
	return 0;
}

/* Load the index through the footer. Return 1 when used, 0 when the segment
 * has no footer (unsealed), -EBADMSG when footer or index are damaged. */
static int load_index(struct fr_reader *r)
{
	uint8_t foot[FR_FOOTER_FRAME], *buf = NULL;
	uint64_t foot_off, ioff, expect;
	struct fr_block_hdr *t = NULL;
	uint32_t ilen, nb, nk;
	int err;

	if (r->file_size < r->data_start + FR_FOOTER_FRAME)
		return 0;
	foot_off = r->file_size - FR_FOOTER_FRAME;
	err = read_at(r, foot, sizeof(foot), foot_off);
	if (err)
		return err;
	if (fr_get32(foot) != FR_FRAME_FOOTER)
		return 0;
	if (fr_get32(foot + 4) != FR_FOOTER || fr_get32(foot + 20) != FR_FOOTER_MAGIC ||
	    fr_crc32c(0, foot, FR_FOOTER_FRAME - 4) != fr_get32(foot + 24))
		return fail(r, foot_off, "footer checksum mismatch");
	ioff = fr_get64(foot + 8);
	ilen = fr_get32(foot + 16);
	if (ioff < r->data_start || ilen < FR_FRAME_PREAMBLE + FR_INDEX_HEAD + 4 ||
	    ilen > FR_INDEX_MAX || ioff + ilen != foot_off)
		return fail(r, foot_off, "footer points to an impossible index (%" PRIu64 ", %u)",
			    ioff, ilen);
	buf = malloc(ilen);
	if (!buf)
		return -ENOMEM;
	err = read_at(r, buf, ilen, ioff);
	if (err)
		goto out;
	if (fr_get32(buf) != FR_FRAME_INDEX || fr_get32(buf + 4) != ilen - FR_FRAME_PREAMBLE ||
	    fr_crc32c(0, buf, ilen - 4) != fr_get32(buf + ilen - 4)) {
		err = fail(r, ioff, "index checksum mismatch");
		goto out;
	}
	nb = fr_get32(buf + 8);
	nk = fr_get32(buf + 12);
	if ((uint64_t)FR_FRAME_PREAMBLE + FR_INDEX_HEAD + (uint64_t)nb * FR_INDEX_ENTRY +
		    (uint64_t)nk * FR_INDEX_KIND + 4 !=
	    ilen) {
		err = fail(r, ioff, "index sizes inconsistent (%u blocks, %u kinds)", nb, nk);
		goto out;
	}
	t = calloc(nb ? nb : 1, sizeof(*t));
	if (!t) {
		err = -ENOMEM;
		goto out;
	}
	expect = r->data_start;
	for (uint32_t i = 0; i < nb; i++) {
		const uint8_t *e =
			buf + FR_FRAME_PREAMBLE + FR_INDEX_HEAD + (size_t)i * FR_INDEX_ENTRY;
		struct fr_block_hdr *b = &t[i];

		b->offset = fr_get64(e);
		b->comp_len = fr_get32(e + 8);
		b->raw_len = fr_get32(e + 12);
		b->n_records = fr_get32(e + 16);
		b->ts_min = fr_get64(e + 24);
		b->ts_max = fr_get64(e + 32);
		/* blocks must tile [data_start, index) exactly */
		if (b->offset != expect || b->comp_len > FR_BLOCK_COMP_MAX ||
		    b->ts_min > b->ts_max) {
			err = fail(r, ioff, "index entry %u is inconsistent", i);
			goto out;
		}
		expect = b->offset + FR_BLOCK_FRAME + b->comp_len;
	}
	if (expect != ioff) {
		err = fail(r, ioff, "index does not cover the data region");
		goto out;
	}
	err = set_table(r, t, nb);
	if (err)
		goto out;
	t = NULL;
	r->table_end = ioff;
	r->st.index_blocks = nb;
	err = 1;
out:
	free(t);
	free(buf);
	return err;
}

int fr_reader__open(const char *path, struct fr_reader **out, struct fr_diag *diag)
{
	struct fr_reader *r = calloc(1, sizeof(*r));
	struct stat sb;
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		err = -errno;
		snprintf(r->diag.msg, sizeof(r->diag.msg), "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(r->fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		err = -EINVAL;
		snprintf(r->diag.msg, sizeof(r->diag.msg), "not a regular file");
		goto fail;
	}
	r->file_size = (uint64_t)sb.st_size;
	r->st.file_bytes = r->file_size;
	err = parse_header(r);
	if (err)
		goto fail;
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx) {
		err = -ENOMEM;
		goto fail;
	}
	err = load_index(r);
	if (err < 0 && err != -EBADMSG)
		goto fail;
	if (err == -EBADMSG) {
		/* keep going by scanning, but the damage is reported first */
		r->st.index_error = 1;
		r->pending_err = -EBADMSG;
	}
	r->use_index = err == 1;
	r->st.has_index = r->use_index;
	r->pos = r->data_start;
	*out = r;
	return 0;
fail:
	if (diag)
		*diag = r->diag;
	fr_reader__close(r);
	return err;
}

const struct fr_segment_info *fr_reader__info(const struct fr_reader *r)
{
	return &r->info;
}

const struct fr_diag *fr_reader__diag(const struct fr_reader *r)
{
	return &r->diag;
}

void fr_reader__stats(const struct fr_reader *r, struct fr_reader_stats *st)
{
	*st = r->st;
}

static int torn(struct fr_reader *r, uint64_t off)
{
	r->st.torn_offset = off;
	r->st.torn_bytes = r->file_size - off;
	r->done = 1;
	return 0;
}

static int set_table(struct fr_reader *r, struct fr_block_hdr *t, size_t n)
{
	r->suffix_min = malloc((n ? n : 1) * sizeof(uint64_t));
	if (!r->suffix_min)
		return -ENOMEM;
	for (size_t i = n; i-- > 0;)
		r->suffix_min[i] = i + 1 < n && r->suffix_min[i + 1] < t[i].ts_min
					   ? r->suffix_min[i + 1]
					   : t[i].ts_min;
	r->table = t;
	r->ntable = n;
	return 0;
}

/* Without an index: list the whole, valid blocks from the start by their
 * headers alone. Whatever stops the scan (torn tail, damage, the index
 * frame) is left to the sequential path, which reports it. */
static int build_scan_table(struct fr_reader *r)
{
	struct fr_block_hdr *t = NULL, b;
	size_t n = 0, cap = 0;
	uint64_t off = r->data_start;
	struct fr_diag scratch;

	while (off < r->file_size &&
	       fr_block__read_hdr(r->fd, r->file_size, off, &b, &scratch) == 1) {
		if (n == cap) {
			struct fr_block_hdr *p;

			cap = cap ? 2 * cap : 64;
			p = realloc(t, cap * sizeof(*t));
			if (!p) {
				free(t);
				return -ENOMEM;
			}
			t = p;
		}
		t[n++] = b;
		off += FR_BLOCK_FRAME + b.comp_len;
	}
	r->table_end = off;
	return set_table(r, t, n);
}

static int ensure_table(struct fr_reader *r)
{
	int err = 0;

	if (r->table_built)
		return 0;
	if (!r->use_index)
		err = build_scan_table(r);
	if (!err) {
		r->table_built = 1;
		r->pos = r->table_end;
	}
	return err;
}

/* Buffer bytes a loaded block may hold: payload, columns and rows. The
 * index has no flags, so every block is priced as a column block. */
static uint64_t block_bytes(const struct fr_block_hdr *b)
{
	return (uint64_t)b->comp_len + 2 * (uint64_t)b->raw_len;
}

/* Whether another block fits beside the open ones. */
static int may_open(const struct fr_reader *r, const struct fr_block_hdr *b)
{
	return !r->nopen || r->open_bytes + block_bytes(b) <= OPEN_BYTES_MAX;
}

static struct fr_block_cursor *cursor_new(struct fr_reader *r)
{
	struct fr_block_cursor *c = r->spare;

	r->spare = NULL;
	/* the block last returned from may be large: its buffers are not kept */
	if (c && c->comp_cap + c->cols_cap + c->rows_cap > SPARE_BYTES_MAX) {
		fr_block__free(c);
		c = NULL;
	}
	return c ? c : calloc(1, sizeof(*c));
}

static void cursor_put(struct fr_reader *r, struct fr_block_cursor *c)
{
	if (!r->spare && c->comp_cap + c->cols_cap + c->rows_cap <= SPARE_BYTES_MAX)
		r->spare = c;
	else
		fr_block__free(c);
}

/* Show a read block to the filter. Return: 1 taken, 0 not, <0 error. */
static int offer(struct fr_reader *r, struct fr_block_cursor *c)
{
	uint32_t kinds[FR_KIND_MAX];
	struct fr_block_view v;

	if (!r->filter || !(c->hdr.flags & FR_BLOCK_COLUMNS))
		return 0;
	/* a block whose kinds cannot be read is read in full, which reports
	 * its damage */
	if (fr_block__kinds(c, r->dctx, kinds, &r->diag))
		return 0;
	v = (struct fr_block_view){.offset = c->hdr.offset,
				   .ts_min = c->hdr.ts_min,
				   .ts_max = c->hdr.ts_max,
				   .n_records = c->hdr.n_records,
				   .frame = c->comp,
				   .frame_len = FR_BLOCK_FRAME + (size_t)c->hdr.comp_len,
				   .kinds = kinds};
	return r->filter(r->filter_ctx, &v);
}

/* Load a block into a new open cursor. Return 1 opened or taken by the
 * filter, <0 damaged. */
static int open_block(struct fr_reader *r, const struct fr_block_hdr *b)
{
	struct fr_block_cursor *c = cursor_new(r);
	int err, taken = 0;

	if (!c)
		return -ENOMEM;
	err = fr_block__read_frame(c, r->fd, b, &r->diag);
	if (!err) {
		taken = offer(r, c);
		if (taken < 0) { /* the filter's own error */
			cursor_put(r, c);
			return taken;
		}
	}
	if (!err && !taken)
		err = fr_block__decode(c, r->dctx, &r->diag);
	if (err < 0) {
		cursor_put(r, c);
		r->st.blocks_bad++;
		return err;
	}
	r->st.blocks_ok++;
	r->st.raw_bytes += b->raw_len;
	r->st.comp_bytes += b->comp_len;
	if (taken) {
		cursor_put(r, c);
		r->st.blocks_taken++;
		return 1;
	}
	c->seq = r->next_seq++;
	r->open[r->nopen++] = c;
	r->open_bytes += block_bytes(&c->hdr);
	return 1;
}

/* After a damaged block header, find the next frame that looks like a
 * block with a valid header checksum. */
static void resync(struct fr_reader *r, uint64_t from)
{
	static const uint8_t pat[8] = {0x5B, 0x2A, 0x4D, 0x18, FR_BLOCK_HDR, 0, 0, 0};
	uint8_t win[65536];
	struct fr_diag scratch;
	uint64_t off = from;

	while (off + FR_BLOCK_FRAME <= r->file_size) {
		size_t len = sizeof(win);

		if (r->file_size - off < len)
			len = (size_t)(r->file_size - off);
		if (read_at(r, win, len, off))
			break;
		for (size_t i = 0; i + sizeof(pat) <= len; i++) {
			struct fr_block_hdr b;

			if (memcmp(win + i, pat, sizeof(pat)))
				continue;
			if (fr_block__read_hdr(r->fd, r->file_size, off + i, &b, &scratch) != 0) {
				r->pos = off + i;
				return;
			}
		}
		if (len < sizeof(win))
			break;
		off += len - sizeof(pat) + 1;
	}
	r->done = 1;
}

/* Sequential path past the table. Return 1 opened, 0 end, <0 damaged. */
static int scan_block(struct fr_reader *r)
{
	const uint64_t off = r->pos;
	struct fr_block_hdr b;
	uint8_t pre[FR_FRAME_PREAMBLE];
	int err;

	if (r->use_index || off == r->file_size) {
		r->done = 1;
		return 0;
	}
	if (r->file_size - off < FR_FRAME_PREAMBLE)
		return torn(r, off);
	err = read_at(r, pre, sizeof(pre), off);
	if (err)
		return err;
	if (fr_get32(pre) == FR_FRAME_INDEX) {
		/* blocks end here; an unfinished index or footer is a torn tail */
		const uint64_t foot = off + FR_FRAME_PREAMBLE + fr_get32(pre + 4);

		if (foot > r->file_size)
			return torn(r, off);
		if (foot < r->file_size && r->file_size - foot < FR_FOOTER_FRAME)
			return torn(r, foot);
		r->done = 1;
		/* a whole footer that load_index() did not accept is damage */
		if (foot < r->file_size && !r->st.index_error) {
			r->st.index_error = 1;
			return fail(r, foot, "footer after the index is damaged");
		}
		return 0;
	}
	err = fr_block__read_hdr(r->fd, r->file_size, off, &b, &r->diag);
	if (err == 0)
		return torn(r, off);
	if (err < 0) {
		r->st.blocks_bad++;
		resync(r, off + 1);
		return err;
	}
	r->pos = off + FR_BLOCK_FRAME + b.comp_len;
	return open_block(r, &b);
}

/* Open the next block of the table, checking it against the index. */
static int table_block(struct fr_reader *r)
{
	const struct fr_block_hdr *e = &r->table[r->table_pos++];
	struct fr_block_hdr b;
	int err;

	err = fr_block__read_hdr(r->fd, r->file_size, e->offset, &b, &r->diag);
	if (err == 0)
		err = fail(r, e->offset, "indexed block extends past the end of the file");
	else if (err > 0 &&
		 (b.comp_len != e->comp_len || b.raw_len != e->raw_len ||
		  b.n_records != e->n_records || b.ts_min != e->ts_min || b.ts_max != e->ts_max))
		err = fail(r, e->offset, "block header disagrees with the index");
	if (err < 0) {
		r->st.blocks_bad++;
		return err;
	}
	return open_block(r, &b);
}

static size_t min_open(const struct fr_reader *r)
{
	size_t best = 0;

	for (size_t i = 1; i < r->nopen; i++) {
		const struct fr_block_cursor *a = r->open[i], *b = r->open[best];

		if (a->head.ts_ns < b->head.ts_ns ||
		    (a->head.ts_ns == b->head.ts_ns && a->seq < b->seq))
			best = i;
	}
	return best;
}

static void close_open(struct fr_reader *r, size_t i)
{
	r->open_bytes -= block_bytes(&r->open[i]->hdr);
	cursor_put(r, r->open[i]);
	r->open[i] = r->open[--r->nopen];
}

int fr_reader__next(struct fr_reader *r, struct fr_record *rec)
{
	int err;

	if (r->pending_err) {
		err = r->pending_err;
		r->pending_err = 0;
		return err;
	}
	err = ensure_table(r);
	if (err)
		return err;
	for (;;) {
		/* open every block that may hold a record before the current head */
		while (r->table_pos < r->ntable && r->nopen < MAX_OPEN &&
		       may_open(r, &r->table[r->table_pos]) &&
		       (!r->nopen ||
			r->suffix_min[r->table_pos] <= r->open[min_open(r)]->head.ts_ns)) {
			err = table_block(r);
			if (err < 0)
				return err;
		}
		if (!r->nopen) {
			if (r->table_pos < r->ntable)
				continue;
			if (r->done)
				return 0;
			err = scan_block(r);
			if (err <= 0)
				return err;
			continue;
		}
		const size_t i = min_open(r);
		struct fr_block_cursor *c = r->open[i];

		*rec = c->head;
		err = fr_block__advance(c, &r->diag);
		if (err <= 0) {
			/* the record in hand is whole; damage after it is reported next */
			if (err < 0) {
				r->st.blocks_bad++;
				r->st.blocks_ok--;
				r->pending_err = err;
			}
			/* rec points into c's buffer: keep it alive until the next call */
			if (r->spare)
				fr_block__free(r->spare);
			r->spare = c;
			r->open_bytes -= block_bytes(&c->hdr);
			r->open[i] = r->open[--r->nopen];
		}
		if (r->seeking && rec->ts_ns < r->seek_ts) {
			if (r->pending_err) {
				err = r->pending_err;
				r->pending_err = 0;
				return err;
			}
			continue;
		}
		r->seeking = 0;
		if (r->st.records && rec->ts_ns < r->last_ts)
			r->st.unordered++;
		r->last_ts = rec->ts_ns;
		if (!r->st.records || rec->ts_ns < r->st.ts_min)
			r->st.ts_min = rec->ts_ns;
		if (rec->ts_ns > r->st.ts_max)
			r->st.ts_max = rec->ts_ns;
		r->st.records++;
		return 1;
	}
}

int fr_reader__seek(struct fr_reader *r, uint64_t ts_ns)
{
	const int err = ensure_table(r);

	if (err)
		return err;
	while (r->nopen)
		close_open(r, 0);
	r->done = 0;
	r->seeking = 1;
	r->seek_ts = ts_ns;
	r->pos = r->table_end;
	/* blocks wholly before ts_ns hold nothing to return */
	r->table_pos = 0;
	while (r->table_pos < r->ntable && r->table[r->table_pos].ts_max < ts_ns)
		r->table_pos++;
	return 0;
}

int fr_reader__time_range(struct fr_reader *r, uint64_t *min, uint64_t *max)
{
	const int err = ensure_table(r);

	*min = UINT64_MAX;
	*max = 0;
	if (err)
		return err;
	for (size_t i = 0; i < r->ntable; i++) {
		if (r->table[i].ts_min < *min)
			*min = r->table[i].ts_min;
		if (r->table[i].ts_max > *max)
			*max = r->table[i].ts_max;
	}
	return 0;
}

int fr_reader__block_frame(struct fr_reader *r, uint64_t offset, const uint8_t **frame, size_t *len,
			   uint32_t *n_records)
{
	struct fr_block_hdr b;
	size_t n;
	int rc = fr_block__read_hdr(r->fd, r->file_size, offset, &b, &r->diag);

	if (rc <= 0)
		return rc ? rc : fail(r, offset, "block runs past the end of the file");
	n = FR_BLOCK_FRAME + (size_t)b.comp_len;
	if (n > r->frame_cap) {
		uint8_t *p = realloc(r->frame, n);

		if (!p)
			return -ENOMEM;
		r->frame = p;
		r->frame_cap = n;
	}
	rc = read_at(r, r->frame, n, offset);
	if (rc)
		return rc;
	if (fr_crc32c(0, r->frame + FR_BLOCK_FRAME, b.comp_len) != b.payload_crc)
		return fail(r, offset, "block payload checksum mismatch");
	*frame = r->frame;
	*len = n;
	*n_records = b.n_records;
	return 0;
}

void fr_reader__set_block_filter(struct fr_reader *r, fr_block_filter_fn fn, void *ctx)
{
	r->filter = fn;
	r->filter_ctx = ctx;
}

int fr_reader__dup_fd(const struct fr_reader *r)
{
	const int fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

void fr_reader__close(struct fr_reader *r)
{
	if (!r)
		return;
	while (r->nopen)
		close_open(r, 0);
	fr_block__free(r->spare);
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	free(r->table);
	free(r->suffix_min);
	free(r->frame);
	free(r);
}
