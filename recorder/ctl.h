/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The recorder's side of the control socket (format/ringctl/control.h):
 * markers written through the one writer at the recorder's time, pins
 * taken or dropped between two deletion decisions, and the pin store the
 * ring's retention asks (fr_pins__pinned). Requests:
 *   {"op": "mark", "text": T}            -> {"ok", "time_ns", "boot_ns"}
 *   {"op": "pin", "name": N?, "from_ns", "to_ns"}
 *                                        -> {"ok", "name", "segments", "bytes",
 *                                            "pinned_bytes", "max_pinned"}
 *   {"op": "unpin", "name": N} or {"op": "unpin", "from_ns", "to_ns"}
 *                                        -> {"ok", "removed"}
 */
#ifndef FR_RECORDER_CTL_H
#define FR_RECORDER_CTL_H

#include <stdint.h>

#include "format/ringctl/control.h"
#include "format/ringctl/pins.h"
#include "rotate.h"

struct fr_ctl {
	struct fr_pins pins;
	struct fr_control *sock; /* NULL until listening */
	struct fr_rotor *rotor;	 /* NULL until the first segment is open */
	uint64_t segment_limit;	 /* the size the active segment may reach */
};

/*
 * Load DIR/pins.json and rewrite it with the bound `max_pinned` (0: none)
 * so that pins taken without a recorder check the same bound; pins
 * already over it are kept and said on stderr. Return: 0 or -errno
 * (printed).
 */
int fr_ctl__init(struct fr_ctl *c, const char *dir, uint64_t max_pinned, uint64_t segment_limit);

/* Listen on the control socket once the rotor is open. Return: 0 or -errno (printed). */
int fr_ctl__listen(struct fr_ctl *c, const char *dir, struct fr_rotor *rotor);

/* Answer the clients waiting on the socket. */
void fr_ctl__serve(struct fr_ctl *c);

/* Stop listening (the socket is removed) and free. */
void fr_ctl__free(struct fr_ctl *c);

/* The request handler, for tests: the answer, owned by the caller. */
json_t *fr_ctl__handle(void *ctx, const json_t *req);

#endif /* FR_RECORDER_CTL_H */
