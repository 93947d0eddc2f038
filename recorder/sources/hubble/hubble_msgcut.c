/* SPDX-License-Identifier: BSD-2-Clause */
#include "hubble_msgcut.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void fr_hubble_msgcut__init(struct fr_hubble_msgcut *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max > UINT32_MAX ? UINT32_MAX : max;
}

/* The prefix p[0..5) read: the message's body starts. Return: fn's, for a
 * refused one (reported at once), else 0. */
static int begin(struct fr_hubble_msgcut *c, const uint8_t *p, fr_hubble_msgcut_fn fn, void *ctx)
{
	const uint32_t n = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
	enum fr_hubble_msgcut_what what = FR_HUBBLE_MSGCUT_MESSAGE;

	/* the flag is 0 or 1; anything else is no identity message either */
	if (p[0])
		what = FR_HUBBLE_MSGCUT_COMPRESSED;
	else if (n > c->max)
		what = FR_HUBBLE_MSGCUT_TOO_BIG;
	c->in_body = true;
	c->skip = what != FR_HUBBLE_MSGCUT_MESSAGE;
	c->need = n;
	c->have = 0;
	c->npre = 0;
	return c->skip ? fn(ctx, what, NULL, n) : 0;
}

/* Room for the body of a message that spans chunks. */
static int reserve(struct fr_hubble_msgcut *c)
{
	uint8_t *b;

	if (c->need <= c->cap)
		return 0;
	b = realloc(c->buf, c->need);
	if (!b)
		return -ENOMEM;
	c->buf = b;
	c->cap = c->need;
	return 0;
}

int fr_hubble_msgcut__feed(struct fr_hubble_msgcut *c, const uint8_t *data, size_t len,
			   fr_hubble_msgcut_fn fn, void *ctx)
{
	int err;

	for (;;) {
		size_t take;

		if (!c->in_body) {
			if (!len)
				return 0;
			if (!c->npre && len >= FR_HUBBLE_MSGCUT_PREFIX) {
				err = begin(c, data, fn, ctx);
				data += FR_HUBBLE_MSGCUT_PREFIX;
				len -= FR_HUBBLE_MSGCUT_PREFIX;
			} else {
				take = FR_HUBBLE_MSGCUT_PREFIX - c->npre;
				take = take < len ? take : len;
				memcpy(c->pre + c->npre, data, take);
				c->npre += take;
				data += take;
				len -= take;
				if (c->npre < FR_HUBBLE_MSGCUT_PREFIX)
					return 0;
				err = begin(c, c->pre, fn, ctx);
			}
			if (err)
				return err;
		}
		take = c->need - c->have;
		take = take < len ? take : len;
		if (c->skip) {
			c->have += (uint32_t)take;
		} else if (!c->have && take == c->need) {
			/* whole in this chunk: handed on where it lies */
			c->in_body = false;
			err = fn(ctx, FR_HUBBLE_MSGCUT_MESSAGE, data, take);
			data += take;
			len -= take;
			if (err)
				return err;
			continue;
		} else {
			if ((err = reserve(c)))
				return err;
			memcpy(c->buf + c->have, data, take);
			c->have += (uint32_t)take;
		}
		data += take;
		len -= take;
		if (c->have < c->need)
			return 0;
		c->in_body = false;
		if (c->skip)
			c->skip = false;
		else if ((err = fn(ctx, FR_HUBBLE_MSGCUT_MESSAGE, c->buf, c->need)))
			return err;
	}
}

size_t fr_hubble_msgcut__pending(const struct fr_hubble_msgcut *c, size_t *want)
{
	if (!c->in_body) {
		*want = 0;
		return c->npre;
	}
	*want = FR_HUBBLE_MSGCUT_PREFIX + (size_t)c->need;
	return FR_HUBBLE_MSGCUT_PREFIX + (size_t)c->have;
}

void fr_hubble_msgcut__reset(struct fr_hubble_msgcut *c)
{
	c->npre = 0;
	c->in_body = c->skip = false;
	c->need = c->have = 0;
}

void fr_hubble_msgcut__free(struct fr_hubble_msgcut *c)
{
	free(c->buf);
	c->buf = NULL;
	c->cap = 0;
}
