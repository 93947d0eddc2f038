/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Segment reader. Nothing read from the file is trusted before it is
 * bounded: every frame is checksummed, every length is checked against the
 * file size and the format limits, and in index mode the index must tile
 * the data region exactly, so a flipped bit anywhere lands in a checksum.
 */
#include "format/reader.h"
#include "format/crc32c.h"
#include "format/kinds.h"
#include "format/layout.h"
#include "format/varint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

struct block_hdr {
	uint64_t offset;
	uint32_t comp_len, raw_len, n_records, payload_crc;
	uint64_t ts_min, ts_max;
};

struct fr_reader {
	int fd;
	uint64_t file_size;
	uint64_t data_start;
	struct fr_segment_info info;
	ZSTD_DCtx *dctx;

	int use_index;
	struct block_hdr *idx;
	size_t nidx, idx_pos;
	uint64_t index_offset;

	uint64_t pos; /* scan mode: next frame offset */
	int done;
	int pending_err; /* reported by the next call to next() */

	/* current block */
	uint8_t *comp, *raw;
	size_t comp_cap, raw_cap;
	struct block_hdr blk;
	size_t raw_pos;
	uint32_t blk_left;
	uint64_t prev_ts;
	int in_block;

	int seeking;
	uint64_t seek_ts;

	struct fr_diag diag;
	struct fr_reader_stats st;
};

__attribute__((format(printf, 3, 4))) static int fail(struct fr_reader *r, uint64_t off,
						      const char *fmt, ...)
{
	va_list ap;

	r->diag.offset = off;
	va_start(ap, fmt);
	vsnprintf(r->diag.msg, sizeof(r->diag.msg), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int read_at(struct fr_reader *r, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		const ssize_t n = pread(r->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			const int err = -errno;

			fail(r, off, "read failed: %s", strerror(errno));
			return err;
		}
		if (n == 0) /* the file shrank under us */
			return fail(r, off, "unexpected end of file");
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int ensure(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *p;

	if (need <= *cap)
		return 0;
	p = realloc(*buf, need);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = need;
	return 0;
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
	err = fail(r, ioff, "index checksum mismatch");
	if (fr_get32(buf) != FR_FRAME_INDEX || fr_get32(buf + 4) != ilen - FR_FRAME_PREAMBLE ||
	    fr_crc32c(0, buf, ilen - 4) != fr_get32(buf + ilen - 4))
		goto out;
	nb = fr_get32(buf + 8);
	nk = fr_get32(buf + 12);
	err = fail(r, ioff, "index sizes inconsistent (%u blocks, %u kinds)", nb, nk);
	if ((uint64_t)FR_FRAME_PREAMBLE + FR_INDEX_HEAD + (uint64_t)nb * FR_INDEX_ENTRY +
		    (uint64_t)nk * FR_INDEX_KIND + 4 !=
	    ilen)
		goto out;
	r->idx = calloc(nb ? nb : 1, sizeof(r->idx[0]));
	if (!r->idx) {
		err = -ENOMEM;
		goto out;
	}
	expect = r->data_start;
	for (uint32_t i = 0; i < nb; i++) {
		const uint8_t *e =
			buf + FR_FRAME_PREAMBLE + FR_INDEX_HEAD + (size_t)i * FR_INDEX_ENTRY;
		struct block_hdr *b = &r->idx[i];

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
	r->nidx = nb;
	r->index_offset = ioff;
	r->st.index_blocks = nb;
	err = 1;
out:
	if (err != 1) {
		free(r->idx);
		r->idx = NULL;
	}
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

/* Read and check a block header at off. Return 1 ok, 0 torn, <0 damaged. */
static int read_block_hdr(struct fr_reader *r, uint64_t off, struct block_hdr *b)
{
	uint8_t h[FR_BLOCK_FRAME];
	int err;

	if (r->file_size - off < FR_BLOCK_FRAME)
		return 0;
	err = read_at(r, h, sizeof(h), off);
	if (err)
		return err;
	if (fr_get32(h) != FR_FRAME_BLOCK || fr_get32(h + 4) != FR_BLOCK_HDR)
		return fail(r, off, "expected a block, found frame magic 0x%08x size %u",
			    fr_get32(h), fr_get32(h + 4));
	if (fr_crc32c(0, h, FR_BLOCK_FRAME - 4) != fr_get32(h + FR_BLOCK_FRAME - 4))
		return fail(r, off, "block header checksum mismatch");
	b->offset = off;
	b->comp_len = fr_get32(h + 8);
	b->raw_len = fr_get32(h + 12);
	b->n_records = fr_get32(h + 16);
	b->ts_min = fr_get64(h + 24);
	b->ts_max = fr_get64(h + 32);
	/* A checksummed header can still come from a hostile writer. */
	if (b->comp_len > FR_BLOCK_COMP_MAX || b->raw_len > FR_BLOCK_RAW_MAX || b->n_records == 0 ||
	    b->n_records > b->raw_len / 3 || b->ts_min > b->ts_max)
		return fail(r, off, "block header out of bounds (comp %u raw %u records %u)",
			    b->comp_len, b->raw_len, b->n_records);
	if (r->file_size - off - FR_BLOCK_FRAME < b->comp_len)
		return 0;
	b->payload_crc = fr_get32(h + FR_FRAME_PREAMBLE + 32);
	return 1;
}

static int load_block(struct fr_reader *r, const struct block_hdr *b)
{
	size_t n;
	int err;

	err = ensure(&r->comp, &r->comp_cap, b->comp_len);
	if (!err)
		err = ensure(&r->raw, &r->raw_cap, b->raw_len ? b->raw_len : 1);
	if (err)
		return err;
	err = read_at(r, r->comp, b->comp_len, b->offset + FR_BLOCK_FRAME);
	if (err)
		return err;
	if (fr_crc32c(0, r->comp, b->comp_len) != b->payload_crc)
		return fail(r, b->offset, "block payload checksum mismatch");
	if (ZSTD_findFrameCompressedSize(r->comp, b->comp_len) != b->comp_len ||
	    ZSTD_getFrameContentSize(r->comp, b->comp_len) != b->raw_len)
		return fail(r, b->offset, "block payload is not one zstd frame of %u bytes",
			    b->raw_len);
	n = ZSTD_decompressDCtx(r->dctx, r->raw, b->raw_len, r->comp, b->comp_len);
	if (ZSTD_isError(n) || n != b->raw_len)
		return fail(r, b->offset, "block decompression failed: %s",
			    ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short output");
	r->blk = *b;
	r->raw_pos = 0;
	r->blk_left = b->n_records;
	r->prev_ts = b->ts_min;
	r->in_block = 1;
	r->st.blocks_ok++;
	r->st.raw_bytes += b->raw_len;
	r->st.comp_bytes += b->comp_len;
	return 1;
}

/* After a damaged block header, find the next frame that looks like a
 * block with a valid header checksum. */
static void resync(struct fr_reader *r, uint64_t from)
{
	static const uint8_t pat[8] = {0x5B, 0x2A, 0x4D, 0x18, FR_BLOCK_HDR, 0, 0, 0};
	uint8_t win[65536];
	uint64_t off = from;

	while (off + FR_BLOCK_FRAME <= r->file_size) {
		size_t len = sizeof(win);

		if (r->file_size - off < len)
			len = (size_t)(r->file_size - off);
		if (read_at(r, win, len, off))
			break;
		for (size_t i = 0; i + sizeof(pat) <= len; i++) {
			struct block_hdr b;

			if (memcmp(win + i, pat, sizeof(pat)))
				continue;
			if (read_block_hdr(r, off + i, &b) != 0) {
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

/* Next block in scan mode. Return 1 loaded, 0 end, <0 damaged. */
static int scan_block(struct fr_reader *r)
{
	const uint64_t off = r->pos;
	struct block_hdr b;
	uint8_t pre[FR_FRAME_PREAMBLE];
	int err;

	if (off == r->file_size) {
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
	err = read_block_hdr(r, off, &b);
	if (err == 0)
		return torn(r, off);
	if (err < 0) {
		r->st.blocks_bad++;
		resync(r, off + 1);
		return err;
	}
	r->pos = off + FR_BLOCK_FRAME + b.comp_len;
	err = load_block(r, &b);
	if (err < 0)
		r->st.blocks_bad++;
	return err;
}

static int index_block(struct fr_reader *r)
{
	const struct block_hdr *e;
	struct block_hdr b;
	int err;

	if (r->idx_pos == r->nidx) {
		r->done = 1;
		return 0;
	}
	e = &r->idx[r->idx_pos++];
	err = read_block_hdr(r, e->offset, &b);
	if (err == 0)
		err = fail(r, e->offset, "indexed block extends past the end of the file");
	else if (err > 0 &&
		 (b.comp_len != e->comp_len || b.raw_len != e->raw_len ||
		  b.n_records != e->n_records || b.ts_min != e->ts_min || b.ts_max != e->ts_max))
		err = fail(r, e->offset, "block header disagrees with the index");
	if (err > 0)
		err = load_block(r, &b);
	if (err < 0)
		r->st.blocks_bad++;
	return err;
}

static int block_error(struct fr_reader *r, const char *what)
{
	r->in_block = 0;
	r->st.blocks_bad++;
	r->st.blocks_ok--;
	return fail(r, r->blk.offset, "malformed record in block: %s", what);
}

int fr_reader__next(struct fr_reader *r, struct fr_record *rec)
{
	if (r->pending_err) {
		const int err = r->pending_err;

		r->pending_err = 0;
		return err;
	}
	for (;;) {
		while (r->in_block && r->blk_left) {
			const uint8_t *p = r->raw + r->raw_pos, *end = r->raw + r->blk.raw_len;
			uint64_t kind, delta, len;
			size_t n1, n2, n3;

			n1 = fr_varint__get(p, end, &kind);
			n2 = n1 ? fr_varint__get(p + n1, end, &delta) : 0;
			n3 = n2 ? fr_varint__get(p + n1 + n2, end, &len) : 0;
			if (!n3)
				return block_error(r, "truncated record header");
			p += n1 + n2 + n3;
			if (kind == 0 || kind >= FR_KIND_MAX)
				return block_error(r, "record kind out of range");
			if (len > (uint64_t)(end - p) || len > FR_RECORD_MAX)
				return block_error(r, "record length exceeds block");
			if (delta > r->blk.ts_max - r->prev_ts)
				return block_error(r, "record time outside block range");
			r->prev_ts += delta;
			r->raw_pos = (size_t)(p + len - r->raw);
			r->blk_left--;
			if (!r->blk_left && r->raw_pos != r->blk.raw_len)
				return block_error(r, "trailing bytes after last record");
			if (r->seeking && r->prev_ts < r->seek_ts)
				continue;
			r->seeking = 0;
			rec->kind = (uint16_t)kind;
			rec->len = (uint32_t)len;
			rec->ts_ns = r->prev_ts;
			rec->payload = p;
			rec->block_offset = r->blk.offset;
			if (!r->st.records || rec->ts_ns < r->st.ts_min)
				r->st.ts_min = rec->ts_ns;
			if (rec->ts_ns > r->st.ts_max)
				r->st.ts_max = rec->ts_ns;
			r->st.records++;
			return 1;
		}
		if (r->in_block && r->raw_pos != r->blk.raw_len)
			return block_error(r, "record count smaller than block content");
		r->in_block = 0;
		if (r->done)
			return 0;
		const int err = r->use_index ? index_block(r) : scan_block(r);

		if (err < 0)
			return err;
		if (err == 0)
			return 0;
	}
}

int fr_reader__seek(struct fr_reader *r, uint64_t ts_ns)
{
	r->in_block = 0;
	r->done = 0;
	r->seeking = 1;
	r->seek_ts = ts_ns;
	if (r->use_index) {
		r->idx_pos = 0;
		while (r->idx_pos < r->nidx && r->idx[r->idx_pos].ts_max < ts_ns)
			r->idx_pos++;
		return 0;
	}
	r->pos = r->data_start;
	for (;;) {
		struct block_hdr b;

		if (r->pos >= r->file_size)
			break;
		/* stop at anything that is not a whole, valid block; next() reports it */
		if (read_block_hdr(r, r->pos, &b) <= 0 || b.ts_max >= ts_ns)
			break;
		r->pos += FR_BLOCK_FRAME + b.comp_len;
	}
	return 0;
}

void fr_reader__close(struct fr_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	free(r->idx);
	free(r->comp);
	free(r->raw);
	free(r);
}
