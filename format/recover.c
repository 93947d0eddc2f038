/* SPDX-License-Identifier: BSD-2-Clause */
#include "format/recover.h"
#include "format/block.h"
#include "format/layout.h"
#include "format/reader.h"
#include "format/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct scan {
	struct fr_index_entry *e;
	size_t n, cap;
	uint64_t kinds[FR_KIND_MAX];
};

/* Load the block, count its records per kind. Return: 0 or -errno (damage). */
static int count_block(int fd, ZSTD_DCtx *dctx, const struct fr_block_hdr *b, struct scan *s)
{
	struct fr_block_cursor *c = calloc(1, sizeof(*c));
	uint64_t kinds[FR_KIND_MAX] = {0}, n = 0;
	struct fr_diag d;
	int err = c ? fr_block__load(c, fd, dctx, b, &d) : -ENOMEM;

	while (!err && c->has_head) {
		kinds[c->head.kind]++; /* the cursor bounds kinds below FR_KIND_MAX */
		n++;
		err = fr_block__advance(c, &d);
		err = err > 0 ? 0 : err;
	}
	fr_block__free(c);
	if (!err && n != b->n_records)
		err = -EBADMSG;
	if (err)
		return err;
	for (unsigned k = 0; k < FR_KIND_MAX; k++)
		s->kinds[k] += kinds[k];
	return 0;
}

static int push(struct scan *s, const struct fr_block_hdr *b)
{
	if (s->n == s->cap) {
		const size_t cap = s->cap ? 2 * s->cap : 64;
		struct fr_index_entry *p = realloc(s->e, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->e = p;
		s->cap = cap;
	}
	s->e[s->n++] = (struct fr_index_entry){.offset = b->offset,
					       .ts_min = b->ts_min,
					       .ts_max = b->ts_max,
					       .comp_len = b->comp_len,
					       .raw_len = b->raw_len,
					       .n_records = b->n_records};
	return 0;
}

/* Walk the frames from `off`: whole, valid blocks go into `s`. Return: the
 * end of the last one, or -errno of an I/O or memory failure. */
static int64_t scan(int fd, uint64_t size, uint64_t off, struct scan *s, struct fr_recovery *out)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	int err = dctx ? 0 : -ENOMEM;

	while (!err && off < size) {
		uint8_t pre[FR_FRAME_PREAMBLE];
		struct fr_block_hdr b;
		struct fr_diag d;
		int got;

		if (size - off < sizeof(pre) ||
		    pread(fd, pre, sizeof(pre), (off_t)off) != sizeof(pre))
			break;
		if (fr_get32(pre) == FR_FRAME_INDEX) {
			out->index_bytes = size - off;
			break;
		}
		got = fr_block__read_hdr(fd, size, off, &b, &d);
		if (got == -EIO || got == -ENOMEM)
			err = got;
		/* cut short or damaged: the readable part ends here */
		if (got != 1 || count_block(fd, dctx, &b, s))
			break;
		err = push(s, &b);
		if (!err) {
			out->records += b.n_records;
			out->ts_min = b.ts_min < out->ts_min ? b.ts_min : out->ts_min;
			out->ts_max = b.ts_max > out->ts_max ? b.ts_max : out->ts_max;
			off += FR_BLOCK_FRAME + b.comp_len;
		}
	}
	ZSTD_freeDCtx(dctx);
	return err ? err : (int64_t)off;
}

int fr_segment__recover(const char *path, struct fr_recovery *out)
{
	struct fr_reader_stats rst;
	struct scan s = {0};
	struct fr_reader *r;
	uint8_t pre[FR_FRAME_PREAMBLE];
	struct stat sb;
	int64_t end;
	int fd, err;

	memset(out, 0, sizeof(*out));
	out->ts_min = UINT64_MAX;
	err = fr_reader__open(path, &r, NULL);
	if (err)
		return err;
	fr_reader__stats(r, &rst);
	fr_reader__close(r);
	if (rst.has_index) {
		out->was_sealed = 1;
		return 0;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the reader checked the header frame: blocks start right after it */
	if (fstat(fd, &sb) < 0 || pread(fd, pre, sizeof(pre), 0) != sizeof(pre)) {
		err = errno ? -errno : -EIO;
		goto out;
	}
	end = scan(fd, (uint64_t)sb.st_size, FR_FRAME_PREAMBLE + fr_get32(pre + 4), &s, out);
	if (end < 0) {
		err = (int)end;
		goto out;
	}
	out->blocks = s.n;
	out->torn_bytes = (uint64_t)sb.st_size - (uint64_t)end - out->index_bytes;
	err = fr_writer__seal_fd(fd, (uint64_t)end, s.e, s.n, s.kinds);
	if (!err && fstat(fd, &sb) == 0)
		out->kept_bytes = (uint64_t)sb.st_size;
out:
	free(s.e);
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}
