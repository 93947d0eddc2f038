/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test and benchmark helper: jsonpb lines (hubble observe -o jsonpb) into
 * one segment of Hubble records, as the recorder would store them, until
 * the recorder's --hubble-jsonpb can do it.
 *   hubble_segtool --out SEG [--json|--hex] [--repeat N] [--kind K] [--host H] FILE...
 * Every line becomes a FR_KIND_HUBBLE_FLOW_PB record (the response encoded),
 * or with --json the line itself as FR_KIND_HUBBLE_FLOW_JSON. --repeat N
 * writes the lines N times, each pass shifted by 1 s more (flow and
 * response time), so times vary. --kind K writes the protobuf payloads
 * under record kind K instead (a kind replay does not know: the benchmark's
 * floor). With --hex each line is a payload in hex, written as it is
 * (crafted protobuf for tests). Records are 1 us apart in file order.
 * Exit 0; 1 on a line that does not parse or a write error; 2 on bad
 * usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hubble/flow.h"
#include "format/writer.h"

#define RESP (&observer__get_flows_response__descriptor)

struct opts {
	const char *out, *host;
	int json, hex;
	long repeat;
	unsigned kind;
};

static void shift(Google__Protobuf__Timestamp *t, long s)
{
	if (t)
		t->seconds += s;
}

/* A payload given in hex, as it is. */
static int put_hex(struct fr_writer *w, const struct opts *o, const char *line, size_t len,
		   uint64_t ts)
{
	uint8_t *buf = malloc(len / 2 + 1);
	size_t n = 0;
	int err;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < len; i += 2) {
		unsigned v;

		if (sscanf(line + i, "%2x", &v) != 1) {
			free(buf);
			fprintf(stderr, "hubble_segtool: not hex: %.*s\n", (int)len, line);
			return -EINVAL;
		}
		buf[n++] = (uint8_t)v;
	}
	err = fr_writer__append(w, o->kind, ts, buf, n);
	free(buf);
	return err;
}

/* One line, pass `pass`, into the segment. */
static int put_line(struct fr_writer *w, const struct opts *o, const char *line, size_t len,
		    long pass, uint64_t ts)
{
	Observer__GetFlowsResponse *r = NULL;
	struct fr_hubble_error e = {0};
	uint8_t *buf = NULL;
	size_t n = 0;
	char why[256];
	int err;

	if (o->json && !pass)
		return fr_writer__append(w, FR_KIND_HUBBLE_FLOW_JSON, ts, line, len);
	if (o->hex)
		return put_hex(w, o, line, len, ts);
	err = fr_hubble__parse_line(RESP, line, len, (ProtobufCMessage **)&r, &e);
	if (err) {
		fprintf(stderr, "hubble_segtool: %s\n", fr_hubble__describe(&e, why, sizeof(why)));
		return err;
	}
	shift(r->time, pass);
	if (r->response_types_case == OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW)
		shift(r->flow->time, pass);
	if (o->json) {
		json_t *j = NULL;
		char *s;

		err = fr_hubble__to_json(&r->base, &j, &e);
		s = err ? NULL : json_dumps(j, JSON_COMPACT);
		err = s ? fr_writer__append(w, FR_KIND_HUBBLE_FLOW_JSON, ts, s, strlen(s))
			: -ENOMEM;
		free(s);
		json_decref(j);
	} else {
		err = fr_hubble__encode(&r->base, &buf, &n);
		if (!err)
			err = fr_writer__append(w, o->kind, ts, buf, n);
	}
	free(buf);
	fr_hubble__free(&r->base);
	return err;
}

static int usage(void)
{
	fprintf(stderr, "usage: hubble_segtool --out SEG [--json|--hex] [--repeat N] [--kind K] "
			"[--host H] FILE...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = {.host = "hubble-node", .repeat = 1, .kind = FR_KIND_HUBBLE_FLOW_PB};
	struct fr_writer_opts wo = {.boot_ns = 1000000000ull,
				    .wall_ns = 1700000000000000000ull,
				    .boot_id = "00000000-0000-0000-0000-000000000013",
				    .kernel = "6.0.0-test",
				    .fsync_ms = -1};
	struct fr_writer *w = NULL;
	uint64_t ts = wo.boot_ns;
	char *line = NULL;
	size_t cap = 0;
	int i, err;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			o.out = argv[++i];
		else if (!strcmp(argv[i], "--host") && i + 1 < argc)
			o.host = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			o.json = 1;
		else if (!strcmp(argv[i], "--hex"))
			o.hex = 1;
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			o.repeat = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--kind") && i + 1 < argc)
			o.kind = (unsigned)strtoul(argv[++i], NULL, 10);
		else
			return usage();
	}
	if (!o.out || i == argc || o.repeat < 1 || !o.kind || o.kind >= FR_KIND_MAX)
		return usage();
	wo.host = o.host;
	err = fr_writer__open(o.out, &wo, &w);
	for (long pass = 0; pass < o.repeat && !err; pass++) {
		for (int f = i; f < argc && !err; f++) {
			FILE *in = fopen(argv[f], "r");
			ssize_t len;

			if (!in) {
				perror(argv[f]);
				err = -errno;
				break;
			}
			while (!err && (len = getline(&line, &cap, in)) > 0) {
				while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
					len--;
				if (len)
					err = put_line(w, &o, line, (size_t)len, pass, ts += 1000);
			}
			fclose(in);
		}
	}
	if (!err)
		err = fr_writer__seal(w);
	fr_writer__free(w);
	free(line);
	if (err) {
		fprintf(stderr, "hubble_segtool: %s: %s\n", o.out, strerror(-err));
		return 1;
	}
	return 0;
}
