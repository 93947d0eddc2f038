/* SPDX-License-Identifier: BSD-2-Clause */
#include "format/block.h"
#include "format/columns.h"
#include "format/crc32c.h"
#include "format/kinds.h"
#include "format/layout.h"
#include "format/varint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fr_diag__set(struct fr_diag *d, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	d->offset = off;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int fr_pread_all(int fd, void *buf, size_t len, uint64_t off, struct fr_diag *diag)
{
	uint8_t *p = buf;

	while (len) {
		const ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			const int err = -errno;

			fr_diag__set(diag, off, "read failed: %s", strerror(errno));
			return err;
		}
		if (n == 0) /* the file shrank under us */
			return fr_diag__set(diag, off, "unexpected end of file");
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

/* Check a block frame's header bytes `h` (FR_BLOCK_FRAME of them) found at
 * `off`. Return: 0 or -EBADMSG (diag set). */
static int parse_hdr(const uint8_t *h, uint64_t off, struct fr_block_hdr *b, struct fr_diag *diag)
{
	if (fr_get32(h) != FR_FRAME_BLOCK || fr_get32(h + 4) != FR_BLOCK_HDR)
		return fr_diag__set(diag, off, "expected a block, found frame magic 0x%08x size %u",
				    fr_get32(h), fr_get32(h + 4));
	if (fr_crc32c(0, h, FR_BLOCK_FRAME - 4) != fr_get32(h + FR_BLOCK_FRAME - 4))
		return fr_diag__set(diag, off, "block header checksum mismatch");
	b->offset = off;
	b->comp_len = fr_get32(h + 8);
	b->raw_len = fr_get32(h + 12);
	b->n_records = fr_get32(h + 16);
	b->flags = fr_get32(h + 20);
	b->ts_min = fr_get64(h + 24);
	b->ts_max = fr_get64(h + 32);
	b->payload_crc = fr_get32(h + FR_FRAME_PREAMBLE + 32);
	if (b->flags & ~FR_BLOCK_COLUMNS)
		return fr_diag__set(diag, off, "block uses unknown features (flags 0x%x)",
				    b->flags);
	/* A checksummed header can still come from a hostile writer. */
	if (b->comp_len > FR_BLOCK_COMP_MAX || b->raw_len > FR_BLOCK_RAW_MAX || b->n_records == 0 ||
	    b->n_records > b->raw_len / 3 || b->ts_min > b->ts_max)
		return fr_diag__set(diag, off,
				    "block header out of bounds (comp %u raw %u records %u)",
				    b->comp_len, b->raw_len, b->n_records);
	return 0;
}

int fr_block__read_hdr(int fd, uint64_t file_size, uint64_t off, struct fr_block_hdr *b,
		       struct fr_diag *diag)
{
	uint8_t h[FR_BLOCK_FRAME];
	int err;

	if (file_size - off < FR_BLOCK_FRAME)
		return 0;
	err = fr_pread_all(fd, h, sizeof(h), off, diag);
	if (!err)
		err = parse_hdr(h, off, b, diag);
	if (err)
		return err;
	if (file_size - off - FR_BLOCK_FRAME < b->comp_len)
		return 0;
	return 1;
}

int fr_block__read_frame(struct fr_block_cursor *c, int fd, const struct fr_block_hdr *b,
			 struct fr_diag *diag)
{
	const uint8_t *payload;
	struct fr_block_hdr again;
	int err;

	c->has_head = 0;
	c->frame_ok = 0;
	err = ensure(&c->comp, &c->comp_cap, FR_BLOCK_FRAME + (size_t)b->comp_len);
	if (!err)
		err = fr_pread_all(fd, c->comp, FR_BLOCK_FRAME + (size_t)b->comp_len, b->offset,
				   diag);
	/* the header read now must be the one checked before */
	if (!err)
		err = parse_hdr(c->comp, b->offset, &again, diag);
	if (err)
		return err;
	if (again.comp_len != b->comp_len || again.raw_len != b->raw_len ||
	    again.n_records != b->n_records || again.flags != b->flags ||
	    again.payload_crc != b->payload_crc || again.ts_min != b->ts_min ||
	    again.ts_max != b->ts_max)
		return fr_diag__set(diag, b->offset, "block header changed while reading");
	payload = c->comp + FR_BLOCK_FRAME;
	if (fr_crc32c(0, payload, b->comp_len) != b->payload_crc)
		return fr_diag__set(diag, b->offset, "block payload checksum mismatch");
	if (ZSTD_findFrameCompressedSize(payload, b->comp_len) != b->comp_len ||
	    ZSTD_getFrameContentSize(payload, b->comp_len) != b->raw_len)
		return fr_diag__set(diag, b->offset,
				    "block payload is not one zstd frame of %u bytes", b->raw_len);
	c->hdr = *b;
	c->frame_ok = 1;
	return 0;
}

/* The kind column of a column block's first `len` bytes: 1 and counts when
 * it is whole, 0 when more bytes are needed, -1 when malformed. */
static int kind_column(const uint8_t *p, size_t len, uint32_t n_records, uint32_t *kinds)
{
	const uint8_t *const end = p + len;
	uint64_t n, rows_len, k;
	size_t m = fr_varint__get(p, end, &n);

	if (!m)
		return len >= 2 * FR_VARINT_MAX ? -1 : 0;
	p += m;
	m = fr_varint__get(p, end, &rows_len);
	if (!m)
		return len >= 2 * FR_VARINT_MAX ? -1 : 0;
	p += m;
	if (n != n_records)
		return -1;
	if ((size_t)(end - p) < n) /* one byte at least per kind */
		return 0;
	memset(kinds, 0, FR_KIND_MAX * sizeof(kinds[0]));
	for (uint64_t i = 0; i < n; i++) {
		m = fr_varint__get(p, end, &k);
		if (!m)
			return (size_t)(end - p) >= FR_VARINT_MAX ? -1 : 0;
		if (!k || k >= FR_KIND_MAX)
			return -1;
		kinds[k]++;
		p += m;
	}
	return 1;
}

int fr_block__kinds(struct fr_block_cursor *c, ZSTD_DCtx *dctx, uint32_t kinds[FR_KIND_MAX],
		    struct fr_diag *diag)
{
	const struct fr_block_hdr *b = &c->hdr;
	ZSTD_inBuffer in = {c->comp + FR_BLOCK_FRAME, 0, 0};
	ZSTD_outBuffer out = {NULL, b->raw_len, 0};
	size_t step = 4096;
	int rc = 0, err;

	if (!c->frame_ok || !(b->flags & FR_BLOCK_COLUMNS))
		return -EINVAL;
	err = ensure(&c->cols, &c->cols_cap, b->raw_len ? b->raw_len : 1);
	if (err)
		return err;
	out.dst = c->cols;
	ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
	/* feed the frame in growing steps: zstd decodes only the blocks it has
	 * whole, and the kind column is at the start (format/columns.c) */
	while (rc == 0) {
		const size_t before = out.pos, consumed = in.pos, given = in.size;
		size_t ret;

		in.size = in.size + step < b->comp_len ? in.size + step : b->comp_len;
		step *= 2;
		ret = ZSTD_decompressStream(dctx, &out, &in);
		if (ZSTD_isError(ret))
			return fr_diag__set(diag, b->offset, "block decompression failed: %s",
					    ZSTD_getErrorName(ret));
		if (out.pos != before)
			rc = kind_column(c->cols, out.pos, b->n_records, kinds);
		if (rc == 0 && in.size == given && in.pos == consumed && out.pos == before)
			rc = -1; /* all given, nothing more comes out */
	}
	ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
	if (rc < 0)
		return fr_diag__set(diag, b->offset, "block columns are malformed");
	return 0;
}

int fr_block__decode(struct fr_block_cursor *c, ZSTD_DCtx *dctx, struct fr_diag *diag)
{
	const struct fr_block_hdr *b = &c->hdr;
	const int columns = b->flags & FR_BLOCK_COLUMNS;
	uint8_t *dst;
	size_t n;
	int err;

	if (!c->frame_ok)
		return -EINVAL;
	err = columns ? ensure(&c->cols, &c->cols_cap, b->raw_len ? b->raw_len : 1)
		      : ensure(&c->rows, &c->rows_cap, b->raw_len ? b->raw_len : 1);
	if (err)
		return err;
	dst = columns ? c->cols : c->rows;
	n = ZSTD_decompressDCtx(dctx, dst, b->raw_len, c->comp + FR_BLOCK_FRAME, b->comp_len);
	if (ZSTD_isError(n) || n != b->raw_len)
		return fr_diag__set(diag, b->offset, "block decompression failed: %s",
				    ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short output");
	c->rows_len = b->raw_len;
	if (columns) {
		/* rows hold the same varints as the columns, minus section headers */
		int rows;

		err = ensure(&c->rows, &c->rows_cap, b->raw_len);
		if (err)
			return err;
		rows = fr_columns__decode(c->cols, b->raw_len, b->n_records, c->rows, b->raw_len);
		if (rows < 0)
			return fr_diag__set(diag, b->offset, "block columns are malformed");
		c->rows_len = (size_t)rows;
	}
	c->pos = 0;
	c->left = b->n_records;
	c->prev_ts = b->ts_min;
	err = fr_block__advance(c, diag);
	if (err == 0) /* n_records >= 1, so an empty block is malformed */
		return fr_diag__set(diag, b->offset, "malformed record in block: no records");
	return err < 0 ? err : 0;
}

int fr_block__load(struct fr_block_cursor *c, int fd, ZSTD_DCtx *dctx, const struct fr_block_hdr *b,
		   struct fr_diag *diag)
{
	const int err = fr_block__read_frame(c, fd, b, diag);

	return err ? err : fr_block__decode(c, dctx, diag);
}

static int malformed(struct fr_block_cursor *c, struct fr_diag *diag, const char *what)
{
	c->has_head = 0;
	c->left = 0;
	return fr_diag__set(diag, c->hdr.offset, "malformed record in block: %s", what);
}

int fr_block__advance(struct fr_block_cursor *c, struct fr_diag *diag)
{
	const uint8_t *p = c->rows + c->pos, *const end = c->rows + c->rows_len;
	uint64_t kind = 0, delta = 0, len = 0;
	size_t n1, n2, n3;

	c->has_head = 0;
	if (!c->left)
		return 0;
	n1 = fr_varint__get(p, end, &kind);
	n2 = n1 ? fr_varint__get(p + n1, end, &delta) : 0;
	n3 = n2 ? fr_varint__get(p + n1 + n2, end, &len) : 0;
	if (!n3)
		return malformed(c, diag, "truncated record header");
	p += n1 + n2 + n3;
	if (kind == 0 || kind >= FR_KIND_MAX)
		return malformed(c, diag, "record kind out of range");
	if (len > (uint64_t)(end - p) || len > FR_RECORD_MAX)
		return malformed(c, diag, "record length exceeds block");
	if (delta > c->hdr.ts_max - c->prev_ts)
		return malformed(c, diag, "record time outside block range");
	c->prev_ts += delta;
	c->pos = (size_t)(p + len - c->rows);
	c->left--;
	if (!c->left && c->pos != c->rows_len)
		return malformed(c, diag, "trailing bytes after last record");
	c->head.kind = (uint16_t)kind;
	c->head.len = (uint32_t)len;
	c->head.ts_ns = c->prev_ts;
	c->head.payload = p;
	c->head.block_offset = c->hdr.offset;
	c->head.block_records = c->hdr.n_records;
	c->has_head = 1;
	return 1;
}

void fr_block__free(struct fr_block_cursor *c)
{
	if (!c)
		return;
	free(c->comp);
	free(c->cols);
	free(c->rows);
	free(c);
}
