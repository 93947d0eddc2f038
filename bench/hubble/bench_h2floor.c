// SPDX-License-Identifier: BSD-2-Clause
/*
 * fr-bench-hubble-h2floor ADDR: the raw floor of the recorder's gRPC
 * input. The recorder's own HTTP/2 reader (hubble_h2.c, hubble_conn.c,
 * hubble_msgcut.c: nghttp2, 256 KiB reads, messages cut where they lie)
 * follows GetFlows on a unix socket or HOST:PORT and discards every
 * message: no wire scan, no sink, no writer. Prints the messages, bytes,
 * seconds from the first message to the last, flows/s and the CPU time
 * the process used, as fr-bench-hubble-grpc --client does for gRPC's C
 * core.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "format/hubble/flow.h"
#include "hubble_h2.h"

struct count {
	uint64_t n, bytes, refused;
	uint64_t t0, t1;
};

static int on_msg(void *ctx, enum fr_hubble_msgcut_what what, const uint8_t *msg, size_t len)
{
	struct count *c = ctx;
	const uint64_t now = fr_hubble_conn__now();

	(void)msg;
	if (!c->n)
		c->t0 = now;
	c->t1 = now;
	c->n++;
	c->bytes += len;
	c->refused += what != FR_HUBBLE_MSGCUT_MESSAGE;
	return 0;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	Observer__GetFlowsRequest req = OBSERVER__GET_FLOWS_REQUEST__INIT;
	const struct fr_hubble_conn_opts o = {.target = argc == 2 ? argv[1] : NULL};
	struct fr_hubble_h2_call call = {.path = "/observer.Observer/GetFlows",
					 .max_msg = FR_HUBBLE_MAX_MSG,
					 .on_msg = on_msg};
	struct fr_hubble_h2 *h = NULL;
	struct count c = {0};
	atomic_bool stop = false;
	char why[256] = "";
	uint8_t *buf = NULL;
	double secs;
	int err;

	if (!o.target) {
		fprintf(stderr, "usage: fr-bench-hubble-h2floor unix:PATH|HOST:PORT\n");
		return 2;
	}
	req.follow = true;
	if (fr_hubble__encode(&req.base, &buf, &call.req_len))
		return 1;
	call.req = buf;
	call.ctx = &c;
	/* no stop: wake descriptor -1, which poll ignores */
	err = fr_hubble_h2__open(&o, NULL, -1, &stop, fr_hubble_conn__now() + 10000000000ull, &h,
				 why, sizeof(why));
	err = err ?: fr_hubble_h2__call(h, &call, why, sizeof(why));
	if (!err && call.status) {
		char g[128];

		fprintf(stderr, "fr-bench-hubble-h2floor: %s: status %d: %s%s\n", o.target,
			call.status, call.message, fr_hubble_h2__goaway(h, g, sizeof(g)));
	}
	fr_hubble_h2__close(h);
	free(buf);
	if (err) {
		fprintf(stderr, "fr-bench-hubble-h2floor: %s: %s\n", o.target, why);
		return 1;
	}
	secs = c.n > 1 ? (double)(c.t1 - c.t0) / 1e9 : 0;
	printf("h2floor flows=%llu bytes=%llu refused=%llu seconds=%.6f flows_per_s=%.0f cpu=%.3f "
	       "status=%d\n",
	       (unsigned long long)c.n, (unsigned long long)c.bytes, (unsigned long long)c.refused,
	       secs, secs > 0 ? c.n / secs : 0.0, cpu_s(), call.status);
	return c.n ? 0 : 1;
}
