/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Pins: named wall-clock windows of a ring directory whose segments the
 * ring's retention must keep (fr_ring_bounds.pinned). They live in
 * DIR/pins.json (0600, replaced atomically), so they survive a restart:
 *
 *   {"version": 1, "max_pinned": BYTES,
 *    "pins": [{"name": "N", "from_ns": NS, "to_ns": NS}, ...]}
 *
 * max_pinned is the bound the recorder runs with (it rewrites the file at
 * start), so `flightrec pin` without a running recorder checks the same
 * bound; 0: none known. A segment is pinned when its blocks overlap a
 * pin's window (widened by a second, as bundles select). A pin is only
 * taken when the segments it names are there and the pinned bytes, the
 * active segment counted at its full size, stay within max_pinned.
 * libc, jansson and format/ring only; nothing here prints.
 */
#ifndef FR_FORMAT_RINGCTL_PINS_H
#define FR_FORMAT_RINGCTL_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/ring.h"

#define FR_PINS_FILE	  "pins.json"
#define FR_PINS_MAX	  64
#define FR_PIN_NAME_MAX	  64 /* with the NUL */
#define FR_PINS_MARGIN_NS 1000000000ll
/* of the file: 64 pins are far below it; a bigger file is not ours */
#define FR_PINS_FILE_MAX (64 * 1024)

struct fr_pin {
	char name[FR_PIN_NAME_MAX];
	int64_t from_ns, to_ns; /* wall clock, [from, to) */
};

struct fr_pin_verdict; /* the deletion predicate's cache */

struct fr_pins {
	struct fr_pin pin[FR_PINS_MAX];
	size_t n;
	uint64_t max_pinned; /* bytes; 0: no bound */
	char *dir;	     /* owned; set by fr_pins__init */
	/* the file as last read or written: re-read when it changes */
	bool have_stat;
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	struct fr_pin_verdict *cache;
	size_t ncache, cache_cap;
	int load_err; /* of the last re-read (the pins before it stay) */
};

/* What pins hold in a directory (fr_pins__usage). */
struct fr_pin_usage {
	uint64_t bytes; /* of every pinned segment */
	size_t segments;
	uint64_t pin_bytes; /* of the segments of the one pin asked about */
	size_t pin_segments;
};

/* An empty store for `dir`. Return: 0 or -ENOMEM. */
int fr_pins__init(struct fr_pins *p, const char *dir);
void fr_pins__free(struct fr_pins *p);

/* A pin name: 1-63 bytes of [A-Za-z0-9._-]. */
bool fr_pin__name_ok(const char *name);

/* Parse the file's text into p->pin, p->n, p->max_pinned (the rest of `p`
 * untouched). Return: 0, or -EINVAL with `why`. */
int fr_pins__parse(struct fr_pins *p, const char *text, size_t len, char *why, size_t cap);

/* The file's text (malloc'd, NUL-terminated), or NULL (no memory). */
char *fr_pins__dump(const struct fr_pins *p);

/* Read DIR/pins.json; a missing file is an empty store. Return: 0, or
 * -errno / -EINVAL with `why` (the store is left as it was). */
int fr_pins__load(struct fr_pins *p, char *why, size_t cap);

/* Write DIR/pins.json atomically (a temporary 0600 file, fsync, rename,
 * fsync of the directory). Return: 0 or -errno. */
int fr_pins__save(struct fr_pins *p);

/* Re-read the file when it changed since last read or written. Return: 1
 * re-read, 0 unchanged, -errno (p->load_err; the pins stay). */
int fr_pins__refresh(struct fr_pins *p);

/*
 * The ring's deletion predicate (fr_ring_bounds.pinned, ctx: the store):
 * re-reads the file when it changed, then tells whether entry `e` of the
 * store's directory overlaps a pin. A segment whose header cannot be read
 * counts as pinned when pins exist (never delete what cannot be checked).
 */
bool fr_pins__pinned(void *ctx, const struct fr_ring_entry *e);

/*
 * Pinned segments and bytes of the directory now, with `extra` (may be
 * NULL) as one more pin; `active` (NULL: none) is counted at
 * max(its size, active_max), the size it may reach. Return: 0 or -errno.
 */
int fr_pins__usage(const struct fr_pins *p, const struct fr_pin *extra, const char *active,
		   uint64_t active_max, struct fr_pin_usage *u);

/*
 * Take `pin` (an empty name: "pin-N", the first free) and save: refused
 * with -EEXIST (name taken), -EINVAL (bad name or window), -ENOENT (no
 * segment of the window is left), -ENOSPC (over max_pinned), -E2BIG (too
 * many pins), each with `why`. *u: the usage with the pin. On success
 * pin->name holds the name given. Return: 0 or -errno.
 */
int fr_pins__add(struct fr_pins *p, struct fr_pin *pin, const char *active, uint64_t active_max,
		 struct fr_pin_usage *u, char *why, size_t cap);

/*
 * Drop the pin named `name`, or (name NULL) every pin whose window
 * overlaps [from_ns, to_ns), and save. *removed: how many.
 * Return: 0, -ENOENT (none matched, with `why`), or -errno of the save.
 */
int fr_pins__remove(struct fr_pins *p, const char *name, int64_t from_ns, int64_t to_ns,
		    size_t *removed, char *why, size_t cap);

#endif /* FR_FORMAT_RINGCTL_PINS_H */
