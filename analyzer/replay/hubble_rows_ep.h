/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hubble endpoints at replay: a flow's source and destination (Endpoint
 * messages) repeat across flows, so each distinct one is a single
 * hubble_endpoint row, found again by its protobuf bytes in a hash map;
 * hubble_flow_row holds its id. The map is bounded: past its limit it is
 * emptied and later repeats get new rows (still correct, less shared).
 */
#ifndef FR_ANALYZER_REPLAY_HUBBLE_ROWS_EP_H
#define FR_ANALYZER_REPLAY_HUBBLE_ROWS_EP_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/replay/rowbatch.h"
#include "format/hubble/flow.h"

struct fr_rowwriter;
struct fr_hubble_ep_slot;

struct fr_hubble_eps {
	struct fr_rowbatch rows; /* hubble_endpoint */
	struct fr_hubble_ep_slot *slots;
	const struct fr_hubble_ep_slot *recent[2]; /* the last two found */
	size_t cap, n, bytes;
	int64_t next_ep;
	uint8_t *scratch; /* a JSON flow's endpoint, encoded */
	size_t scratch_cap;
};

/* Return: 0 or -errno (printed). */
int fr_hubble_eps__init(struct fr_hubble_eps *e, sqlite3 *db, struct fr_rowwriter *w);

/*
 * The hubble_endpoint.ep of endpoint m whose encoding is raw[0..len)
 * (raw NULL: encoded here), adding its row the first time (*rows counts
 * it). Return: the id (> 0), or -ENOMEM, -E2BIG, -EIO.
 */
int64_t fr_hubble_eps__id(struct fr_hubble_eps *e, const Flow__Endpoint *m, const uint8_t *raw,
			  size_t len, uint64_t *rows);

/* A lookup only: the id of the endpoint encoded as raw[0..len), 0 when it
 * has none yet; *hash is for fr_hubble_eps__add. */
int64_t fr_hubble_eps__find(struct fr_hubble_eps *e, const uint8_t *raw, size_t len,
			    uint64_t *hash);

/* Adds endpoint m, encoded as raw[0..len) with hash from find. Return: as
 * fr_hubble_eps__id. */
int64_t fr_hubble_eps__add(struct fr_hubble_eps *e, const Flow__Endpoint *m, const uint8_t *raw,
			   size_t len, uint64_t hash, uint64_t *rows);

/* A field of Flow in a serialized GetFlowsResponse: where its value is
 * (off, len bytes); off -1 when the field is absent or not there exactly
 * once (then it is not cut out). */
struct fr_hubble_cut {
	long long off;
	size_t len;
};

/* Where GetFlowsResponse.flow (flow_tag -1: not there exactly once) and
 * its source and destination are. */
struct fr_hubble_loc {
	long long flow_tag;
	size_t flow_val, flow_len;
	struct fr_hubble_cut src, dst;
};

/* Finds them in buf[0..len), a response. */
void fr_hubble_eps__locate(const uint8_t *buf, size_t len, struct fr_hubble_loc *l);

int fr_hubble_eps__flush(struct fr_hubble_eps *e);

void fr_hubble_eps__free(struct fr_hubble_eps *e);

#endif /* FR_ANALYZER_REPLAY_HUBBLE_ROWS_EP_H */
