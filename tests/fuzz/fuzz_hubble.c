/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the Hubble flow decoder (format/hubble/flow.h) on
 * whatever a Hubble server or a jsonpb file could hand it. The input goes
 * through fr_hubble__decode as a GetFlowsResponse and as a Flow, and
 * through fr_hubble__parse_line as one jsonpb line. Asserts the
 * contracts: 0 with a message, or -EBADMSG / -E2BIG / -ENOMEM with an
 * error code; a decoded message converts to JSON or is refused, and its
 * own encoding decodes again to the same bytes. Differential: the
 * streaming jsonpb reader against the jansson one (both accept, with
 * equal bytes and unknown counts, or both refuse; the streaming reader
 * may leave a line to jansson). And replay's one-pass read of a flow's
 * columns (fr_hubble_cols__from_wire) against the full decode and the
 * columns of its message (cols_check: same columns, or left to the full
 * decode); the columns of any decoded flow response are read too.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cols_check.h"
#include "format/hubble/flow.h"
#include "format/hubble/flow_cols.h"
#include "format/hubble/flow_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const struct fr_hubble_error *e)
{
	if (rc && rc != -EBADMSG && rc != -E2BIG && rc != -ENOMEM)
		abort();
	if (rc && (e->code == FR_HUBBLE_OK || e->code >= FR_HUBBLE_NERR))
		abort(); /* refused without saying why */
}

/* A decoded or parsed message: JSON out, and its bytes decode again. */
static void exercise(const ProtobufCMessageDescriptor *d, ProtobufCMessage *m)
{
	struct fr_hubble_error e;
	ProtobufCMessage *m2 = NULL;
	uint8_t *b = NULL, *b2 = NULL;
	size_t n = 0, n2 = 0;
	json_t *j = NULL;
	int rc;

	rc = fr_hubble__to_json(m, &j, &e);
	check_err(rc, &e);
	if (!rc && !json_is_object(j))
		abort();
	json_decref(j);
	if (fr_hubble__encode(m, &b, &n))
		return;
	rc = fr_hubble__decode(d, b, n, &m2, &e);
	check_err(rc, &e);
	if (!rc) {
		if (fr_hubble__encode(m2, &b2, &n2) == 0 && (n2 != n || memcmp(b, b2, n)))
			abort(); /* re-encoding is stable */
	}
	free(b);
	free(b2);
	fr_hubble__free(m2);
}

/* The two jsonpb readers on one line, as type d. */
static void differential(const ProtobufCMessageDescriptor *d, const char *s, size_t n)
{
	struct fr_hubble_error ef, ej;
	ProtobufCMessage *mf = NULL, *mj = NULL;
	uint8_t *bf = NULL, *bj = NULL;
	size_t nf = 0, nj = 0;
	int rf, rj;

	if (n > FR_HUBBLE_MAX_MSG)
		return;
	rf = fr_hubble__parse_line_fast(d, s, n, &mf, &ef);
	rj = fr_hubble__parse_line_jansson(d, s, n, &mj, &ej);
	if (rf == -EAGAIN || rf == -ENOMEM || rj == -ENOMEM)
		goto out; /* left to jansson */
	if ((rf == 0) != (rj == 0))
		abort(); /* one accepts what the other refuses */
	if (rf == 0 && (ef.unknown_keys != ej.unknown_keys || ef.unknown_enums != ej.unknown_enums))
		abort();
	if (rf == 0 && !fr_hubble__encode(mf, &bf, &nf) && !fr_hubble__encode(mj, &bj, &nj) &&
	    (nf != nj || memcmp(bf, bj, nf)))
		abort(); /* not the same message */
out:
	free(bf);
	free(bj);
	fr_hubble__free(mf);
	fr_hubble__free(mj);
}

/* Replay's columns of a flow both ways: the same, or left to the decode. */
static void columns(const uint8_t *data, size_t size)
{
	static struct fr_hubble_cols c;
	struct fr_hubble_error e;
	ProtobufCMessage *m = NULL;
	char why[200];

	if (cols_check(data, size, why, sizeof(why)) < 0)
		abort();
	if (!fr_hubble__decode(&observer__get_flows_response__descriptor, data, size, &m, &e) &&
	    ((Observer__GetFlowsResponse *)m)->response_types_case ==
		    OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW)
		fr_hubble_cols__from_msg(&c, (Observer__GetFlowsResponse *)m);
	fr_hubble__free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCMessageDescriptor *ds[] = {&observer__get_flows_response__descriptor,
						  &flow__flow__descriptor};
	struct fr_hubble_error e;

	for (size_t i = 0; i < 2; i++) {
		ProtobufCMessage *m = NULL;
		int rc = fr_hubble__decode(ds[i], data, size, &m, &e);

		check_err(rc, &e);
		if (!rc)
			exercise(ds[i], m);
		fr_hubble__free(m);
	}
	{
		ProtobufCMessage *m = NULL;
		int rc = fr_hubble__parse_line(ds[0], (const char *)data, size, &m, &e);

		check_err(rc, &e);
		if (!rc)
			exercise(ds[0], m);
		fr_hubble__free(m);
	}
	for (size_t i = 0; i < 2; i++)
		differential(ds[i], (const char *)data, size);
	columns(data, size);
	return 0;
}
