/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hubble messages on the wire: errors, and the scan (flow_scan.c) before
 * protobuf-c builds the message (protobuf-c itself only says yes or no,
 * and has no limits of its own).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hubble/flow.h"
#include "format/hubble/flow_priv.h"

static const char *const errnames[FR_HUBBLE_NERR] = {
	[FR_HUBBLE_OK] = "ok",
	[FR_HUBBLE_ETOOBIG] = "message too large",
	[FR_HUBBLE_ETRUNC] = "truncated",
	[FR_HUBBLE_EVARINT] = "varint too long",
	[FR_HUBBLE_EFIELD] = "invalid field number",
	[FR_HUBBLE_EWIRETYPE] = "wrong wire type",
	[FR_HUBBLE_EGROUP] = "group wire type not supported",
	[FR_HUBBLE_EDEPTH] = "nested too deep",
	[FR_HUBBLE_EREPEATED] = "too many repeated entries",
	[FR_HUBBLE_EUTF8] = "string not UTF-8 or holds NUL",
	[FR_HUBBLE_EUNPACK] = "protobuf-c refused the message",
	[FR_HUBBLE_EJSON] = "not a JSON document",
	[FR_HUBBLE_ETYPE] = "JSON value of the wrong type",
	[FR_HUBBLE_EVALUE] = "value out of range",
	[FR_HUBBLE_ENOMEM] = "out of memory",
};

const char *fr_hubble__strerror(enum fr_hubble_errcode code)
{
	return (unsigned)code < FR_HUBBLE_NERR ? errnames[code] : "unknown error";
}

const char *fr_hubble__describe(const struct fr_hubble_error *e, char *buf, size_t size)
{
	snprintf(buf, size, "%s at offset %zu%s%s%s", fr_hubble__strerror(e->code), e->offset,
		 e->path[0] ? " (" : "", e->path, e->path[0] ? ")" : "");
	return buf;
}

int fr_hubble__fail(struct fr_hubble_error *e, enum fr_hubble_errcode code, size_t offset)
{
	if (e) {
		e->code = code;
		e->offset = offset;
	}
	if (code == FR_HUBBLE_ENOMEM)
		return -ENOMEM;
	return code == FR_HUBBLE_ETOOBIG ? -E2BIG : -EBADMSG;
}

void fr_hubble__path_prepend(struct fr_hubble_error *e, const char *name)
{
	size_t n, old;

	if (!e)
		return;
	n = strlen(name);
	old = strlen(e->path);
	if (n + 1 + old >= sizeof(e->path))
		return; /* keep the innermost part */
	memmove(e->path + n + (old ? 1 : 0), e->path, old + 1);
	memcpy(e->path, name, n);
	if (old)
		e->path[n] = '.';
}

static void err_reset(struct fr_hubble_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

int fr_hubble__validate(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
			struct fr_hubble_error *err)
{
	struct fr_hubble_scan s = {.base = buf, .err = err};

	err_reset(err);
	if (!d || (!buf && len))
		return -EINVAL;
	if (len > FR_HUBBLE_MAX_MSG)
		return fr_hubble__fail(err, FR_HUBBLE_ETOOBIG, FR_HUBBLE_MAX_MSG);
	return fr_hubble__scan(&s, d, buf, len, 1, NULL, NULL);
}

int fr_hubble__decode(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		      ProtobufCMessage **out, struct fr_hubble_error *err)
{
	static const uint8_t empty[1];
	int rc;

	*out = NULL;
	rc = fr_hubble__validate(d, buf, len, err);
	if (rc)
		return rc;
	*out = protobuf_c_message_unpack(d, NULL, len, len ? buf : empty);
	if (!*out)
		return fr_hubble__fail(err, FR_HUBBLE_EUNPACK, 0);
	return 0;
}

int fr_hubble__encode(const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	*buf = malloc(n ? n : 1);
	if (!*buf)
		return -ENOMEM;
	*len = protobuf_c_message_pack(m, *buf);
	return 0;
}

void fr_hubble__free(ProtobufCMessage *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}
