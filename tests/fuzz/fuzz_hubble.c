/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the Hubble flow decoder (format/hubble/flow.h) on
 * whatever a Hubble server or a jsonpb file could hand it. The input goes
 * through fr_hubble__decode as a GetFlowsResponse and as a Flow, and
 * through fr_hubble__parse_line as one jsonpb line. Asserts the
 * contracts: 0 with a message, or -EBADMSG / -E2BIG / -ENOMEM with an
 * error code; a decoded message converts to JSON or is refused, and its
 * own encoding decodes again to the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/hubble/flow.h"

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
	return 0;
}
