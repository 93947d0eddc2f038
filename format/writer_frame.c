/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frames copied from another segment as stored: written, or placed
 * (indexed at their offset in the segment but left out of the file, which
 * the caller completes, as a bundle does when it assembles its archive
 * from the source segments).
 */
#include "format/layout.h"
#include "format/writer.h"
#include "format/writer_internal.h"

#include <errno.h>
#include <string.h>

/* Check `frame` is one block frame; flush the pending block before it. */
static int frame_start(struct fr_writer *w, const uint8_t *frame, size_t len)
{
	const uint8_t *h = frame + FR_FRAME_PREAMBLE;
	int err;

	if (len < FR_BLOCK_FRAME || fr_get32(frame) != FR_FRAME_BLOCK ||
	    fr_get32(frame + 4) != FR_BLOCK_HDR || len != FR_BLOCK_FRAME + (size_t)fr_get32(h))
		return -EINVAL;
	err = fr_writer__flush(w);
	if (!err)
		err = fr_writer__grow((void **)&w->idx, &w->idx_cap, w->nidx + 1,
				      sizeof(w->idx[0]));
	return err;
}

/* The frame at `offset` is in the file: index it and count it. */
static void frame_done(struct fr_writer *w, const uint8_t *frame, uint64_t offset,
		       const uint32_t kinds[FR_KIND_MAX])
{
	const uint8_t *h = frame + FR_FRAME_PREAMBLE;

	w->idx[w->nidx++] = (struct fr_index_entry){offset,	 fr_get64(h + 16), fr_get64(h + 24),
						    fr_get32(h), fr_get32(h + 4),  fr_get32(h + 8)};
	for (unsigned k = 0; k < FR_KIND_MAX; k++)
		w->kind_counts[k] += kinds[k];
	w->st.records += fr_get32(h + 8);
	w->st.blocks++;
	w->st.raw_bytes += fr_get32(h + 4);
	w->st.comp_bytes += fr_get32(h);
	w->st.file_bytes = w->good_end;
}

int fr_writer__append_frame(struct fr_writer *w, const uint8_t *frame, size_t len,
			    const uint32_t kinds[FR_KIND_MAX])
{
	int err = frame_start(w, frame, len);
	const uint64_t offset = w->good_end; /* after the pending block */

	if (!err)
		err = fr_writer__write_frame(w, frame, len);
	if (err)
		return err;
	frame_done(w, frame, offset, kinds);
	return fr_writer__sync_due(w, w->fsync_ms == 0);
}

int fr_writer__place_frame(struct fr_writer *w, const uint8_t *frame, size_t len,
			   const uint32_t kinds[FR_KIND_MAX], uint64_t *offset)
{
	int err = w->gate ? -EINVAL : frame_start(w, frame, len); /* a gate bounds bytes written */

	if (err)
		return err;
	*offset = w->good_end;
	w->good_end += len;
	w->placed += len;
	if (w->tap)
		w->tap(w->tap_ctx, frame, len);
	frame_done(w, frame, *offset, kinds);
	return 0;
}
