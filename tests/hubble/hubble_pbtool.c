/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test helper for crosscheck.py: fr_hubble's encoder and decoder on a
 * pipe, so another protobuf implementation can check both.
 *   hubble_pbtool decode  < records   (u32 little-endian length + bytes)
 *                         > one jsonpb line per record, or "ERROR ..."
 *   hubble_pbtool encode  < jsonpb lines > records
 * Messages are observer.GetFlowsResponse. Exit 0, or 1 on a bad record
 * stream or an unparsable line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hubble/flow.h"

#define RESP (&observer__get_flows_response__descriptor)

static int decode_all(void)
{
	struct fr_hubble_error e;
	uint8_t hdr[4], *buf;
	char why[256];

	while (fread(hdr, 1, 4, stdin) == 4) {
		uint32_t n = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24;
		ProtobufCMessage *m = NULL;
		json_t *j = NULL;

		buf = malloc(n ? n : 1);
		if (!buf || fread(buf, 1, n, stdin) != n)
			return 1;
		if (fr_hubble__decode(RESP, buf, n, &m, &e) || fr_hubble__to_json(m, &j, &e)) {
			printf("ERROR %s\n", fr_hubble__describe(&e, why, sizeof(why)));
		} else {
			char *s = json_dumps(j, JSON_COMPACT);

			printf("%s\n", s ? s : "ERROR out of memory");
			free(s);
		}
		json_decref(j);
		fr_hubble__free(m);
		free(buf);
	}
	return 0;
}

static int encode_all(void)
{
	struct fr_hubble_error e;
	char *line = NULL, why[256];
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) > 0) {
		ProtobufCMessage *m = NULL;
		uint8_t *b, hdr[4];
		size_t n;

		if (fr_hubble__parse_line(RESP, line, (size_t)len, &m, &e)) {
			fprintf(stderr, "%s\n", fr_hubble__describe(&e, why, sizeof(why)));
			return 1;
		}
		if (fr_hubble__encode(m, &b, &n))
			return 1;
		for (int i = 0; i < 4; i++)
			hdr[i] = (uint8_t)(n >> (8 * i));
		fwrite(hdr, 1, 4, stdout);
		fwrite(b, 1, n, stdout);
		free(b);
		fr_hubble__free(m);
	}
	free(line);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "decode"))
		return decode_all();
	if (argc == 2 && !strcmp(argv[1], "encode"))
		return encode_all();
	fprintf(stderr, "usage: hubble_pbtool decode|encode\n");
	return 2;
}
