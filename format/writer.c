/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Segment writer. Records are encoded straight into the raw block buffer
 * (varint kind, varint ts delta, varint length, payload); a side array of
 * (ts, offset) lets the rare out-of-order block be re-encoded sorted at
 * flush time instead of paying for a sort on every block.
 */
#include "format/writer.h"
#include "format/writer_internal.h"
#include "format/columns.h"
#include "format/crc32c.h"
#include "format/host.h"
#include "format/layout.h"
#include "format/varint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

static int write_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		const ssize_t n = pwrite(fd, buf, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Append a frame at good_end; on failure cut the file back so readers see
 * only whole frames. */
int fr_writer__write_frame(struct fr_writer *w, const uint8_t *buf, size_t len)
{
	const char *reason = NULL;
	int err = w->gate ? w->gate(w->gate_ctx, len, &reason) : 0;

	if (err) {
		w->st.refusals++;
		w->fail_reason = reason ? reason : "refused";
		return err;
	}
	/* placed frames are not in the file: it is the segment without them */
	err = write_all(w->fd, buf, len, w->good_end - w->placed);
	if (err) {
		w->st.write_errors++;
		w->fail_reason = FR_WRITER_LOSS_REASON;
		if (ftruncate(w->fd, (off_t)(w->good_end - w->placed)) < 0) {
			/* nothing more to do: the reader treats the rest as a torn tail */
		}
		return err;
	}
	if (w->tap)
		w->tap(w->tap_ctx, buf, len);
	w->good_end += len;
	w->dirty = 1;
	return 0;
}

static size_t put_str(uint8_t *p, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > FR_SEG_STR_MAX)
		n = FR_SEG_STR_MAX;
	fr_put16(p, (uint16_t)n);
	if (n)
		memcpy(p + 2, s, n);
	return 2 + n;
}

static int write_header(struct fr_writer *w, const struct fr_writer_opts *o)
{
	uint8_t buf[FR_FRAME_PREAMBLE + FR_SEG_HDR_MAX];
	struct fr_host_info hi;
	uint64_t boot_ns = o->boot_ns, wall_ns = o->wall_ns;
	uint8_t *p = buf + FR_FRAME_PREAMBLE;

	fr_host_info__read(&hi);
	if (!boot_ns && !wall_ns)
		fr_clock_pair__sample(&boot_ns, &wall_ns);
	fr_put32(p, FR_SEG_MAGIC);
	fr_put16(p + 4, FR_FORMAT_VERSION);
	fr_put16(p + 6, (uint16_t)o->flags);
	fr_put64(p + 8, boot_ns);
	fr_put64(p + 16, wall_ns);
	fr_put64(p + 24, o->seq);
	fr_put64(p + 32, wall_ns);
	p += FR_SEG_FIXED;
	p += put_str(p, o->host ? o->host : hi.host);
	p += put_str(p, o->boot_id ? o->boot_id : hi.boot_id);
	p += put_str(p, o->kernel ? o->kernel : hi.kernel);
	p += put_str(p, o->recorder ? o->recorder : "flightrec");
	fr_put32(buf, FR_FRAME_SEGMENT_HDR);
	fr_put32(buf + 4, (uint32_t)(p + 4 - buf - FR_FRAME_PREAMBLE));
	fr_put32(p, fr_crc32c(0, buf, (size_t)(p - buf)));
	p += 4;
	return fr_writer__write_frame(w, buf, (size_t)(p - buf));
}

int fr_writer__open_fd(int fd, const struct fr_writer_opts *opts, struct fr_writer **out)
{
	static const struct fr_writer_opts defaults = {.fsync_ms = 5000};
	const struct fr_writer_opts *o = opts ? opts : &defaults;
	struct fr_writer *w;
	int err;

	*out = NULL;
	if (o->block_size > FR_WRITER_MAX_BLOCK || o->level > ZSTD_maxCLevel() ||
	    o->level < ZSTD_minCLevel() || o->fsync_ms < FR_WRITER_NO_SYNC ||
	    (o->flags & ~FR_SEG_FLAGS_KNOWN))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->block_size = o->block_size ? o->block_size : FR_WRITER_DEFAULT_BLOCK;
	w->level = o->level ? o->level : 3;
	w->flush_ns = (uint64_t)(o->flush_ms ? o->flush_ms : 1000) * 1000000ull;
	w->fsync_ms = o->fsync_ms;
	w->gate = o->gate;
	w->gate_ctx = o->gate_ctx;
	w->tap = o->tap;
	w->tap_ctx = o->tap_ctx;
	w->cctx = ZSTD_createCCtx();
	w->last_sync_mono = fr_clock__mono_ns();
	if (!w->cctx) {
		err = -ENOMEM;
		goto fail;
	}
	err = write_header(w, o);
	if (err)
		goto fail;
	w->st.file_bytes = w->good_end;
	*out = w;
	return 0;
fail:
	w->fd = -1; /* the caller still owns fd on failure */
	fr_writer__free(w);
	return err;
}

int fr_writer__open(const char *path, const struct fr_writer_opts *opts, struct fr_writer **out)
{
	const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FR_SEGMENT_MODE);
	int err;

	*out = NULL;
	if (fd < 0)
		return -errno;
	err = fr_writer__open_fd(fd, opts, out);
	if (err) {
		close(fd);
		unlink(path);
	}
	return err;
}

int fr_writer__sync_due(struct fr_writer *w, int force)
{
	const uint64_t now = fr_clock__mono_ns();

	if (!w->dirty || w->fsync_ms == FR_WRITER_NO_SYNC)
		return 0;
	if (!force &&
	    (w->fsync_ms < 0 || now - w->last_sync_mono < (uint64_t)w->fsync_ms * 1000000ull))
		return 0;
	if (fdatasync(w->fd) < 0)
		return -errno;
	w->dirty = 0;
	w->last_sync_mono = now;
	return 0;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct rec_ref *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Rewrite the pending block sorted by time with deltas from ts_min. */
static int resort(struct fr_writer *w)
{
	uint8_t *dst;
	uint64_t prev = w->ts_min;
	size_t pos = 0;
	int err;

	err = fr_writer__grow((void **)&w->scratch, &w->scratch_cap,
			      w->raw_len + w->n * FR_VARINT_MAX, 1);
	if (err)
		return err;
	dst = w->scratch;
	qsort(w->refs, w->n, sizeof(w->refs[0]), cmp_ref);
	for (size_t i = 0; i < w->n; i++) {
		const uint8_t *p = w->raw + w->refs[i].off, *end = w->raw + w->raw_len;
		uint64_t kind = 0, delta, len = 0;

		p += fr_varint__get(p, end, &kind);
		p += fr_varint__get(p, end, &delta);
		p += fr_varint__get(p, end, &len);
		pos += fr_varint__put(dst + pos, kind);
		pos += fr_varint__put(dst + pos, w->refs[i].ts - prev);
		pos += fr_varint__put(dst + pos, len);
		memcpy(dst + pos, p, len);
		pos += len;
		prev = w->refs[i].ts;
	}
	w->scratch = w->raw;
	w->raw = dst;
	w->raw_len = pos;
	{
		const size_t c = w->scratch_cap;

		w->scratch_cap = w->raw_cap;
		w->raw_cap = c;
	}
	return 0;
}

static void reset_pending(struct fr_writer *w)
{
	w->raw_len = 0;
	w->n = 0;
	w->unsorted = 0;
	w->ledger_recs = 0;
	w->ledger_raw = 0;
	memset(w->pending_kinds, 0, sizeof(w->pending_kinds));
}

/* The entry to add a loss of (source, reason) to: one not yet in a block. */
static struct loss *ledger_slot(struct fr_writer *w, const char *source, const char *reason)
{
	struct loss *l;

	for (size_t i = 0; i < w->nledger; i++) {
		l = &w->ledger[i];
		if (!l->in_block && !strcmp(l->source, source) && !strcmp(l->reason, reason))
			return l;
	}
	if (w->nledger == LEDGER_MAX) /* never expected: the last one absorbs it */
		return &w->ledger[LEDGER_MAX - 1];
	l = &w->ledger[w->nledger++];
	*l = (struct loss){.source = source, .reason = reason};
	return l;
}

static void ledger_add(struct fr_writer *w, const char *source, const char *reason, uint64_t lost,
		       uint64_t bytes, uint64_t first_ns, uint64_t last_ns)
{
	struct loss *l = ledger_slot(w, source, reason);

	l->lost += lost;
	l->bytes += bytes;
	if (first_ns && (!l->first_ns || first_ns < l->first_ns))
		l->first_ns = first_ns;
	if (last_ns > l->last_ns)
		l->last_ns = last_ns;
}

/* The pending block was written (ok) or lost: settle or reopen its entries. */
static void ledger_settle(struct fr_writer *w, int ok)
{
	struct loss kept[LEDGER_MAX];
	size_t n = w->nledger;

	memcpy(kept, w->ledger, n * sizeof(kept[0]));
	w->nledger = 0;
	for (size_t i = 0; i < n; i++)
		if (!ok || !kept[i].in_block)
			ledger_add(w, kept[i].source, kept[i].reason, kept[i].lost, kept[i].bytes,
				   kept[i].first_ns, kept[i].last_ns);
}

/* The column stream in w->scratch into w->out after the frame header, as
 * one zstd frame whose first zstd block ends with the kind column: a
 * reader learns a block's kinds by decompressing that much only
 * (fr_block__kinds). Return: compressed size or a zstd error code. */
static size_t compress(struct fr_writer *w, size_t cols)
{
	const size_t head = fr_columns__kinds_end(w->scratch, cols);
	ZSTD_outBuffer out = {w->out + FR_BLOCK_FRAME, w->out_cap - FR_BLOCK_FRAME, 0};
	ZSTD_inBuffer in = {w->scratch, head, 0};
	size_t rc = ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);

	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setPledgedSrcSize(w->cctx, cols);
	if (head && !ZSTD_isError(rc))
		do /* returns what is left to flush; `out` holds a whole bound */
			rc = ZSTD_compressStream2(w->cctx, &out, &in, ZSTD_e_flush);
		while (!ZSTD_isError(rc) && rc);
	in = (ZSTD_inBuffer){w->scratch + head, cols - head, 0};
	do
		rc = ZSTD_isError(rc) ? rc : ZSTD_compressStream2(w->cctx, &out, &in, ZSTD_e_end);
	while (!ZSTD_isError(rc) && rc);
	return ZSTD_isError(rc) ? rc : out.pos;
}

int fr_writer__flush(struct fr_writer *w)
{
	uint8_t *h;
	size_t comp;
	uint32_t n_records;
	int err, cols;

	if (w->sealed || w->fd < 0)
		return -EBADF;
	if (!w->n)
		return 0;
	if (w->unsorted) {
		err = resort(w);
		if (err)
			return err;
	}
	err = fr_writer__grow((void **)&w->scratch, &w->scratch_cap, fr_columns__bound(w->raw_len),
			      1);
	if (err)
		return err;
	cols = fr_columns__encode(w->raw, w->raw_len, (uint32_t)w->n, w->scratch);
	if (cols < 0)
		return cols;
	err = fr_writer__grow((void **)&w->out, &w->out_cap,
			      FR_BLOCK_FRAME + ZSTD_compressBound((size_t)cols), 1);
	if (err)
		return err;
	comp = compress(w, (size_t)cols);
	if (ZSTD_isError(comp))
		return -EIO;
	n_records = (uint32_t)w->n;
	h = w->out;
	fr_put32(h, FR_FRAME_BLOCK);
	fr_put32(h + 4, FR_BLOCK_HDR);
	h += FR_FRAME_PREAMBLE;
	fr_put32(h, (uint32_t)comp);
	fr_put32(h + 4, (uint32_t)cols);
	fr_put32(h + 8, n_records);
	fr_put32(h + 12, FR_BLOCK_COLUMNS);
	fr_put64(h + 16, w->ts_min);
	fr_put64(h + 24, w->ts_max);
	fr_put32(h + 32, fr_crc32c(0, w->out + FR_BLOCK_FRAME, comp));
	fr_put32(h + 36, fr_crc32c(0, w->out, FR_BLOCK_FRAME - 4));

	const uint64_t offset = w->good_end;

	err = fr_writer__write_frame(w, w->out, FR_BLOCK_FRAME + comp);
	if (err) {
		const uint32_t lost = n_records - w->ledger_recs;
		const uint64_t bytes = w->raw_len - w->ledger_raw;

		ledger_settle(w, 0);
		ledger_add(w, FR_WRITER_LOSS_SOURCE, w->fail_reason, lost, bytes, w->ts_min,
			   w->ts_max);
		w->st.records_dropped += lost;
		w->st.bytes_dropped += bytes;
		reset_pending(w);
		return err;
	}
	ledger_settle(w, 1);
	err = fr_writer__grow((void **)&w->idx, &w->idx_cap, w->nidx + 1, sizeof(w->idx[0]));
	if (!err)
		w->idx[w->nidx++] = (struct fr_index_entry){
			offset, w->ts_min, w->ts_max, (uint32_t)comp, (uint32_t)cols, n_records};
	for (unsigned k = 0; k < FR_KIND_MAX; k++)
		w->kind_counts[k] += w->pending_kinds[k];
	w->st.records += n_records;
	w->st.blocks++;
	w->st.raw_bytes += w->raw_len;
	w->st.comp_bytes += comp;
	w->st.file_bytes = w->good_end;
	reset_pending(w);
	if (err)
		return err; /* index entry lost: the block is still readable by scan */
	return fr_writer__sync_due(w, w->fsync_ms == 0);
}

/* Start a record in the pending block, no flush. Return: 0 and *dst where
 * its `len` payload bytes go (the caller adds len to raw_len), or -ENOMEM. */
static int put(struct fr_writer *w, unsigned kind, uint64_t ts_ns, size_t len, uint8_t **dst)
{
	const size_t need = 3 * FR_VARINT_MAX + len;
	int err;

	err = fr_writer__grow((void **)&w->raw, &w->raw_cap, w->raw_len + need, 1);
	if (!err)
		err = fr_writer__grow((void **)&w->refs, &w->refs_cap, w->n + 1,
				      sizeof(w->refs[0]));
	if (err)
		return err;
	if (!w->n) {
		w->first_mono = fr_clock__mono_ns();
		w->ts_min = w->ts_max = w->last_ts = ts_ns;
	}
	if (ts_ns < w->last_ts)
		w->unsorted = 1;
	if (ts_ns < w->ts_min)
		w->ts_min = ts_ns;
	if (ts_ns > w->ts_max)
		w->ts_max = ts_ns;
	w->refs[w->n] = (struct rec_ref){ts_ns, (uint32_t)w->raw_len, (uint32_t)w->n};
	w->n++;
	w->pending_kinds[kind]++;

	uint8_t *p = w->raw + w->raw_len;

	p += fr_varint__put(p, kind);
	/* out-of-order deltas are rewritten by resort() */
	p += fr_varint__put(p, ts_ns >= w->last_ts ? ts_ns - w->last_ts : 0);
	if (ts_ns >= w->last_ts)
		w->last_ts = ts_ns;
	p += fr_varint__put(p, len);
	w->raw_len = (size_t)(p - w->raw);
	*dst = p;
	return 0;
}

/* Encode a RECORDER_STATS record into buf. Return: its length or -errno. */
static int encode_stat(uint8_t *buf, size_t cap, const char *source, const char *reason,
		       uint64_t seen, uint64_t lost, uint64_t first_ns, uint64_t last_ns)
{
	const struct fr_value v[] = {
		[FR_F_RECORDER_STATS_SOURCE] = {.p = (const uint8_t *)source,
						.len = (uint32_t)strlen(source)},
		[FR_F_RECORDER_STATS_REASON] = {.p = (const uint8_t *)reason,
						.len = (uint32_t)strlen(reason)},
		[FR_F_RECORDER_STATS_SEEN] = {.u = seen},
		[FR_F_RECORDER_STATS_LOST] = {.u = lost},
		[FR_F_RECORDER_STATS_FIRST_NS] = {.u = first_ns},
		[FR_F_RECORDER_STATS_LAST_NS] = {.u = last_ns},
	};

	return fr_event__encode(FR_KIND_RECORDER_STATS, v, FR_NVALS(RECORDER_STATS, v), buf, cap);
}

/* One ledger RECORDER_STATS record into the pending block. */
static int put_stat(struct fr_writer *w, uint64_t ts, const char *source, const char *reason,
		    uint64_t lost, uint64_t first_ns, uint64_t last_ns)
{
	uint8_t buf[1024], *dst;
	const int n = encode_stat(buf, sizeof(buf), source, reason, 0, lost, first_ns, last_ns);
	int err;

	if (n < 0)
		return n;
	err = put(w, FR_KIND_RECORDER_STATS, ts, (size_t)n, &dst);
	if (err)
		return err;
	memcpy(dst, buf, (size_t)n);
	w->raw_len += (size_t)n;
	w->ledger_recs++;
	return 0;
}

/* Open the (empty) pending block with the ledger's unwritten losses, so
 * they reach the disk with the first block that does. */
static void ledger_put(struct fr_writer *w, uint64_t ts)
{
	char bytes_reason[96];

	for (size_t i = 0; i < w->nledger; i++) {
		struct loss *l = &w->ledger[i];
		const size_t n = w->n, raw_len = w->raw_len;
		const uint32_t recs = w->ledger_recs;
		int err;

		if (l->in_block)
			continue;
		err = put_stat(w, ts, l->source, l->reason, l->lost, l->first_ns, l->last_ns);
		if (!err && l->bytes) {
			snprintf(bytes_reason, sizeof(bytes_reason), "%s_bytes", l->reason);
			err = put_stat(w, ts, l->source, bytes_reason, l->bytes, l->first_ns,
				       l->last_ns);
		}
		if (err) { /* out of memory: this entry waits for the next block */
			w->pending_kinds[FR_KIND_RECORDER_STATS] -= w->ledger_recs - recs;
			w->ledger_recs = recs;
			w->n = n;
			w->raw_len = raw_len;
			break;
		}
		l->in_block = 1;
	}
	w->ledger_raw = w->raw_len;
}

static int reserve(struct fr_writer *w, unsigned kind, uint64_t ts_ns, size_t len, uint8_t **dst)
{
	const size_t need = 3 * FR_VARINT_MAX + len;

	if (kind == FR_KIND_INVALID || kind >= FR_KIND_MAX)
		return -EINVAL;
	if (len > FR_RECORD_MAX)
		return -E2BIG;
	if (w->sealed || w->fd < 0)
		return -EBADF;
	/* the clock is read every 64 appends: a busy writer fills blocks long
	 * before they age, and fr_writer__tick() covers the quiet one. A failed
	 * write is counted and in the ledger: the record is still taken. */
	if (w->n && (w->raw_len + need > w->block_size ||
		     ((w->n & 63) == 0 && fr_clock__mono_ns() - w->first_mono >= w->flush_ns)))
		fr_writer__flush(w);
	if (!w->n && w->nledger)
		ledger_put(w, ts_ns);
	return put(w, kind, ts_ns, len, dst);
}

int fr_writer__append(struct fr_writer *w, unsigned kind, uint64_t ts_ns, const void *payload,
		      size_t len)
{
	uint8_t *dst = NULL;
	const int err = reserve(w, kind, ts_ns, len, &dst);

	if (!dst)
		return err;
	if (len)
		memcpy(dst, payload, len);
	w->raw_len += len;
	return err;
}

int fr_writer__append_event(struct fr_writer *w, unsigned kind, uint64_t ts_ns,
			    const struct fr_value *vals, unsigned nvals)
{
	uint8_t buf[1024], *tmp = buf;
	const size_t bound = fr_event__encoded_bound(kind, vals, nvals);
	int n, err;

	if (!bound)
		return -EINVAL;
	if (bound > sizeof(buf)) {
		tmp = malloc(bound);
		if (!tmp)
			return -ENOMEM;
	}
	n = fr_event__encode(kind, vals, nvals, tmp, bound);
	err = n < 0 ? n : fr_writer__append(w, kind, ts_ns, tmp, (size_t)n);
	if (tmp != buf)
		free(tmp);
	return err;
}

int fr_writer__append_stats(struct fr_writer *w, const char *source, const char *reason,
			    uint64_t seen, uint64_t lost, uint64_t first_ns, uint64_t last_ns)
{
	uint8_t buf[1024];
	const int n = encode_stat(buf, sizeof(buf), source, reason, seen, lost, first_ns, last_ns);

	return n < 0 ? n : fr_writer__append(w, FR_KIND_RECORDER_STATS, last_ns, buf, (size_t)n);
}

int fr_writer__tick(struct fr_writer *w)
{
	int err = 0;

	if (w->sealed || w->fd < 0)
		return -EBADF;
	/* a quiet writer still gets its losses into the data */
	if (!w->n && w->nledger)
		ledger_put(w, w->last_ts);
	if (w->n && fr_clock__mono_ns() - w->first_mono >= w->flush_ns)
		err = fr_writer__flush(w);
	if (!err)
		err = fr_writer__sync_due(w, 0);
	return err;
}

static int write_index(struct fr_writer *w)
{
	size_t nkinds = 0, len, pos;
	const uint64_t index_offset = w->good_end;
	uint8_t *buf, foot[FR_FOOTER_FRAME];
	int err;

	for (unsigned k = 0; k < FR_KIND_MAX; k++)
		nkinds += w->kind_counts[k] != 0;
	len = FR_FRAME_PREAMBLE + FR_INDEX_HEAD + w->nidx * FR_INDEX_ENTRY +
	      nkinds * FR_INDEX_KIND + 4;
	if (len > FR_INDEX_MAX)
		return -EFBIG;
	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	fr_put32(buf, FR_FRAME_INDEX);
	fr_put32(buf + 4, (uint32_t)(len - FR_FRAME_PREAMBLE));
	fr_put32(buf + 8, (uint32_t)w->nidx);
	fr_put32(buf + 12, (uint32_t)nkinds);
	pos = FR_FRAME_PREAMBLE + FR_INDEX_HEAD;
	for (size_t i = 0; i < w->nidx; i++, pos += FR_INDEX_ENTRY) {
		const struct fr_index_entry *e = &w->idx[i];

		fr_put64(buf + pos, e->offset);
		fr_put32(buf + pos + 8, e->comp_len);
		fr_put32(buf + pos + 12, e->raw_len);
		fr_put32(buf + pos + 16, e->n_records);
		fr_put64(buf + pos + 24, e->ts_min);
		fr_put64(buf + pos + 32, e->ts_max);
	}
	for (unsigned k = 0; k < FR_KIND_MAX; k++) {
		if (!w->kind_counts[k])
			continue;
		fr_put16(buf + pos, (uint16_t)k);
		fr_put64(buf + pos + 8, w->kind_counts[k]);
		pos += FR_INDEX_KIND;
	}
	fr_put32(buf + pos, fr_crc32c(0, buf, pos));
	err = fr_writer__write_frame(w, buf, len);
	free(buf);
	if (err)
		return err;
	fr_put32(foot, FR_FRAME_FOOTER);
	fr_put32(foot + 4, FR_FOOTER);
	fr_put64(foot + 8, index_offset);
	fr_put32(foot + 16, (uint32_t)len);
	fr_put32(foot + 20, FR_FOOTER_MAGIC);
	fr_put32(foot + 24, fr_crc32c(0, foot, FR_FOOTER_FRAME - 4));
	return fr_writer__write_frame(w, foot, sizeof(foot));
}

int fr_writer__seal(struct fr_writer *w)
{
	int err;

	if (w->sealed || w->fd < 0)
		return -EBADF;
	if (!w->n && w->nledger)
		ledger_put(w, w->last_ts);
	err = fr_writer__flush(w);
	if (!err && w->nidx != w->st.blocks)
		err = -ENOMEM; /* an index entry was lost: leave it unsealed, still scannable */
	if (!err)
		err = write_index(w);
	if (!err)
		err = fr_writer__sync_due(w, 1);
	w->st.file_bytes = w->good_end;
	w->sealed = 1;
	if (close(w->fd) < 0 && !err)
		err = -errno;
	w->fd = -1;
	return err;
}

void fr_writer__stats(const struct fr_writer *w, struct fr_writer_stats *st)
{
	*st = w->st;
	st->pending_records = w->n;
	st->pending_bytes = w->raw_len;
	st->loss_unwritten = 0;
	for (size_t i = 0; i < w->nledger; i++)
		if (!strcmp(w->ledger[i].source, FR_WRITER_LOSS_SOURCE))
			st->loss_unwritten += w->ledger[i].lost;
}

int fr_writer__add_loss(struct fr_writer *w, const char *source, const char *reason, uint64_t lost,
			uint64_t first_ns, uint64_t last_ns)
{
	if (w->sealed || w->fd < 0)
		return -EBADF;
	ledger_add(w, source, reason, lost, 0, first_ns, last_ns);
	return 0;
}

void fr_writer__carry_losses(struct fr_writer *to, struct fr_writer *from)
{
	for (size_t i = 0; i < from->nledger; i++) {
		const struct loss *l = &from->ledger[i];

		ledger_add(to, l->source, l->reason, l->lost, l->bytes, l->first_ns, l->last_ns);
	}
	from->nledger = 0;
}

int fr_writer__seal_fd(int fd, uint64_t end, const struct fr_index_entry *e, size_t n,
		       const uint64_t kind_counts[FR_KIND_MAX])
{
	struct fr_writer w = {
		.fd = fd, .good_end = end, .idx = (struct fr_index_entry *)e, .nidx = n};
	int err;

	memcpy(w.kind_counts, kind_counts, sizeof(w.kind_counts));
	if (ftruncate(fd, (off_t)end) < 0)
		return -errno;
	err = write_index(&w);
	if (!err && fdatasync(fd) < 0)
		err = -errno;
	return err;
}

void fr_writer__free(struct fr_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		if (!w->sealed)
			fr_writer__flush(w);
		close(w->fd);
	}
	ZSTD_freeCCtx(w->cctx);
	free(w->raw);
	free(w->refs);
	free(w->out);
	free(w->scratch);
	free(w->idx);
	free(w);
}
