/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "format/host.h"
#include "format/kinds.h"

int fr_ctl__init(struct fr_ctl *c, const char *dir, uint64_t max_pinned, uint64_t segment_limit)
{
	struct fr_pin_usage u;
	char why[512];
	int err;

	memset(c, 0, sizeof(*c));
	c->segment_limit = segment_limit;
	err = fr_pins__init(&c->pins, dir);
	err = err ?: fr_pins__load(&c->pins, why, sizeof(why));
	if (err) {
		/* a pin file we cannot read: refuse, rather than delete pinned data */
		fprintf(stderr, "flightrec-record: pins: %s (fix or remove it)\n",
			err == -ENOMEM ? "out of memory" : why);
		return err;
	}
	c->pins.max_pinned = max_pinned;
	if (c->pins.n && !fr_pins__usage(&c->pins, NULL, NULL, 0, &u))
		fprintf(stderr,
			"flightrec-record: %zu pins hold %zu segments, %llu bytes (bound %llu)%s\n",
			c->pins.n, u.segments, (unsigned long long)u.bytes,
			(unsigned long long)max_pinned,
			max_pinned && u.bytes > max_pinned ? ": over the bound, kept; unpin some"
							   : "");
	err = fr_pins__save(&c->pins);
	if (err)
		fprintf(stderr, "flightrec-record: cannot write %s/%s: %s\n", dir, FR_PINS_FILE,
			strerror(-err));
	return err;
}

int fr_ctl__listen(struct fr_ctl *c, const char *dir, struct fr_rotor *rotor)
{
	char why[512];
	const int err = fr_control__listen(dir, &c->sock, why, sizeof(why));

	c->rotor = rotor;
	if (err)
		fprintf(stderr, "flightrec-record: control socket: %s\n", why);
	return err;
}

static json_t *mark(struct fr_ctl *c, const json_t *req)
{
	const json_t *t = json_object_get(req, "text");
	const char *text = json_string_value(t);
	const size_t len = json_string_length(t);
	struct fr_writer *w = fr_rotor__writer_rotating(c->rotor);
	uint64_t boot, wall;
	char why[256];
	int err;

	if (!text)
		return fr_control__error("mark: no \"text\"");
	if (fr_mark__check_text(text, len, why, sizeof(why)))
		return fr_control__error("%s", why);
	fr_clock_pair__sample(&boot, &wall);
	err = fr_writer__append(w, FR_KIND_MARKER, boot, text, len);
	/* on disk now: a bundle cut right after the answer holds it */
	err = err ?: fr_writer__flush(w);
	if (err)
		return fr_control__error("the marker could not be written: %s", strerror(-err));
	fprintf(stderr, "flightrec-record: marker \"%s\"\n", text);
	return json_pack("{s:b,s:I,s:I}", "ok", 1, "time_ns", (json_int_t)wall, "boot_ns",
			 (json_int_t)boot);
}

static bool window(const json_t *req, int64_t *from, int64_t *to)
{
	const json_t *f = json_object_get(req, "from_ns"), *t = json_object_get(req, "to_ns");

	if (!json_is_integer(f) || !json_is_integer(t))
		return false;
	*from = json_integer_value(f);
	*to = json_integer_value(t);
	return *from < *to;
}

static json_t *pin(struct fr_ctl *c, const json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	struct fr_pin p = {0};
	struct fr_pin_usage u;
	char why[512];

	if (!window(req, &p.from_ns, &p.to_ns))
		return fr_control__error("pin: give \"from_ns\" < \"to_ns\"");
	if (name && snprintf(p.name, sizeof(p.name), "%s", name) >= (int)sizeof(p.name))
		return fr_control__error("pin: the name is longer than %d bytes",
					 FR_PIN_NAME_MAX - 1);
	fr_pins__refresh(&c->pins);
	if (fr_pins__add(&c->pins, &p, fr_rotor__active_name(c->rotor), c->segment_limit, &u, why,
			 sizeof(why)))
		return fr_control__error("%s", why);
	fprintf(stderr, "flightrec-record: pinned %s: %zu segments, %llu bytes\n", p.name,
		u.pin_segments, (unsigned long long)u.pin_bytes);
	return json_pack("{s:b,s:s,s:I,s:I,s:I,s:I}", "ok", 1, "name", p.name, "segments",
			 (json_int_t)u.pin_segments, "bytes", (json_int_t)u.pin_bytes,
			 "pinned_bytes", (json_int_t)u.bytes, "max_pinned",
			 (json_int_t)c->pins.max_pinned);
}

static json_t *unpin(struct fr_ctl *c, const json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	int64_t from = 0, to = 0;
	size_t removed;
	char why[256];

	if (!name && !window(req, &from, &to))
		return fr_control__error("unpin: give \"name\", or \"from_ns\" < \"to_ns\"");
	fr_pins__refresh(&c->pins);
	if (fr_pins__remove(&c->pins, name, from, to, &removed, why, sizeof(why)))
		return fr_control__error("%s", why);
	fprintf(stderr, "flightrec-record: unpinned %zu pins\n", removed);
	return json_pack("{s:b,s:I}", "ok", 1, "removed", (json_int_t)removed);
}

json_t *fr_ctl__handle(void *ctx, const json_t *req)
{
	struct fr_ctl *c = ctx;
	const char *op = json_string_value(json_object_get(req, "op"));

	if (!op)
		return fr_control__error("no \"op\"");
	if (!strcmp(op, "mark"))
		return mark(c, req);
	if (!strcmp(op, "pin"))
		return pin(c, req);
	if (!strcmp(op, "unpin"))
		return unpin(c, req);
	return fr_control__error("unknown op \"%s\" (mark, pin, unpin)", op);
}

void fr_ctl__serve(struct fr_ctl *c)
{
	if (c->sock)
		fr_control__serve(c->sock, fr_ctl__handle, c);
}

void fr_ctl__free(struct fr_ctl *c)
{
	fr_control__close(c->sock);
	c->sock = NULL;
	fr_pins__free(&c->pins);
}
