/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/pin.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/cmd/markers.h"
#include "analyzer/cmd/timespec.h"
#include "analyzer/segset.h"
#include "format/ringctl/control.h"
#include "format/ringctl/pins.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CALL_TIMEOUT_MS 10000

static const char pin_usage[] =
	"usage: flightrec pin DIR (--from T --to T | --since DURATION |\n"
	"                          --around MARKER [--before 5m] [--after 5m]) [--name N]\n"
	"  Keeps the segments of ring directory DIR that overlap the window from being\n"
	"  deleted by the ring's bounds, until `flightrec unpin`. Refused when no segment\n"
	"  of the window is left or when the pinned bytes would pass the recorder's\n"
	"  --max-pinned (the active segment counts at its full size). The running\n"
	"  recorder takes the pin; without one it goes into DIR/pins.json.\n"
	"  --name N   A-Z a-z 0-9 . _ -, up to 63 (default pin-1, pin-2, ...)\n";

static const char unpin_usage[] =
	"usage: flightrec unpin DIR (--name N | --from T --to T | --since DURATION)\n"
	"  Drops the pin named N, or every pin whose window overlaps the one given;\n"
	"  their segments go when the ring's bounds say so.\n";

struct pin_args {
	const char *name, *from, *to, *since, *around, *before, *after;
};

static int option(int c, const char *arg, void *ctx)
{
	struct pin_args *a = ctx;
	const char **slot[] = {
		['n'] = &a->name,   ['F'] = &a->from,	['T'] = &a->to,	  ['s'] = &a->since,
		['A'] = &a->around, ['B'] = &a->before, ['E'] = &a->after};

	if (c < 0 || (size_t)c >= sizeof(slot) / sizeof(slot[0]) || !slot[c])
		return -1;
	*slot[c] = arg;
	return 0;
}

static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
				     {"from", required_argument, NULL, 'F'},
				     {"to", required_argument, NULL, 'T'},
				     {"since", required_argument, NULL, 's'},
				     {"around", required_argument, NULL, 'A'},
				     {"before", required_argument, NULL, 'B'},
				     {"after", required_argument, NULL, 'E'},
				     {"help", no_argument, NULL, 'h'},
				     {NULL, 0, NULL, 0}};

/* The window the options give. Return: 0, or the exit code after printing why. */
static int window(const struct pin_args *a, const char *dir, const char *cmd, const char *usage,
		  int64_t *from, int64_t *to)
{
	const int ways = !!a->since + !!(a->from || a->to) + !!a->around;
	struct timespec now;
	struct fr_segset set = {0};
	char *const inputs[] = {(char *)dir};
	int64_t d;
	int err;

	if (ways != 1 || ((a->before || a->after) && !a->around))
		return fr_cli__usage_error(cmd,
					   "give one window: --from T --to T, --since D or "
					   "--around MARKER",
					   usage);
	if (a->since) {
		if (fr_duration__parse(a->since, &d))
			return fr_cli__usage_error(cmd, "bad --since (e.g. 15m)", usage);
		clock_gettime(CLOCK_REALTIME, &now);
		*to = (int64_t)now.tv_sec * 1000000000ll + now.tv_nsec;
		*from = *to - d;
		return 0;
	}
	if (a->from || a->to) {
		if (!a->from || !a->to || fr_time__parse(a->from, from) ||
		    fr_time__parse(a->to, to) || *from >= *to)
			return fr_cli__usage_error(
				cmd, "give --from T and --to T (RFC 3339 or ns), FROM before TO",
				usage);
		return 0;
	}
	err = fr_segset__collect(&set, inputs, 1);
	if (!err)
		err = fr_markers__window(set.paths, set.n, a->around, a->before, a->after, cmd,
					 from, to);
	else
		err = 1;
	fr_segset__free(&set);
	return err;
}

/* Ask the running recorder. Return: 0 answered (*resp), 1 failed, -ENOTCONN none runs. */
static int ask(const char *dir, json_t *req, const char *cmd, json_t **resp)
{
	char why[512];
	int err =
		req ? fr_control__call(dir, req, CALL_TIMEOUT_MS, resp, why, sizeof(why)) : -ENOMEM;

	json_decref(req);
	if (err == -ENOTCONN)
		return err;
	if (err)
		fprintf(stderr, "flightrec %s: %s\n", cmd, err == -ENOMEM ? "out of memory" : why);
	else if (!json_is_true(json_object_get(*resp, "ok"))) {
		fprintf(stderr, "flightrec %s: %s\n", cmd,
			json_string_value(json_object_get(*resp, "error")) ?: "refused");
		json_decref(*resp);
		err = 1;
	}
	return err ? 1 : 0;
}

static void said(const char *name, int64_t from, int64_t to, size_t segs, uint64_t bytes,
		 uint64_t all, uint64_t max, const char *where)
{
	char a[40], b[40];

	fr_time__format(from, a, sizeof(a));
	fr_time__format(to, b, sizeof(b));
	printf("pinned %s: %s .. %s: %zu segments, %" PRIu64 " bytes (all pins %" PRIu64
	       " bytes, bound %" PRIu64 ")%s\n",
	       name, a, b, segs, bytes, all, max, where);
}

int fr_cmd_pin(int argc, char **argv)
{
	struct pin_args a = {0};
	struct fr_pin p = {0};
	struct fr_pin_usage u;
	struct fr_pins store;
	json_t *resp;
	const char *dir;
	char why[512];
	int err;

	err = fr_cli__options(argc, argv, "h", opts, pin_usage, option, &a);
	if (err != FR_CLI_OPERANDS)
		return err;
	if (argc - optind != 1)
		return fr_cli__usage_error("pin", "give one ring directory", pin_usage);
	dir = argv[optind];
	if (a.name && !fr_pin__name_ok(a.name))
		return fr_cli__usage_error("pin", "bad --name: 1-63 of A-Z a-z 0-9 . _ -",
					   pin_usage);
	err = window(&a, dir, "pin", pin_usage, &p.from_ns, &p.to_ns);
	if (err)
		return err;
	err = ask(dir,
		  json_pack("{s:s,s:s?,s:I,s:I}", "op", "pin", "name", a.name, "from_ns",
			    (json_int_t)p.from_ns, "to_ns", (json_int_t)p.to_ns),
		  "pin", &resp);
	if (err != -ENOTCONN) {
		if (!err)
			said(json_string_value(json_object_get(resp, "name")), p.from_ns, p.to_ns,
			     (size_t)json_integer_value(json_object_get(resp, "segments")),
			     (uint64_t)json_integer_value(json_object_get(resp, "bytes")),
			     (uint64_t)json_integer_value(json_object_get(resp, "pinned_bytes")),
			     (uint64_t)json_integer_value(json_object_get(resp, "max_pinned")), "");
		json_decref(err ? NULL : resp);
		return err;
	}
	/* no recorder: nothing deletes now; the next one reads the file */
	if (a.name)
		snprintf(p.name, sizeof(p.name), "%s", a.name);
	err = fr_pins__init(&store, dir);
	err = err ?: fr_pins__load(&store, why, sizeof(why));
	err = err ?: fr_pins__add(&store, &p, NULL, 0, &u, why, sizeof(why));
	if (err)
		fprintf(stderr, "flightrec pin: %s\n", err == -ENOMEM ? "out of memory" : why);
	else
		said(p.name, p.from_ns, p.to_ns, u.pin_segments, u.pin_bytes, u.bytes,
		     store.max_pinned, " (no recorder running: kept in pins.json)");
	fr_pins__free(&store);
	return err ? 1 : 0;
}

int fr_cmd_unpin(int argc, char **argv)
{
	struct pin_args a = {0};
	struct fr_pins store;
	int64_t from = 0, to = 0;
	size_t removed = 0;
	json_t *resp;
	const char *dir;
	char why[512];
	int err;

	err = fr_cli__options(argc, argv, "h", opts, unpin_usage, option, &a);
	if (err != FR_CLI_OPERANDS)
		return err;
	if (argc - optind != 1)
		return fr_cli__usage_error("unpin", "give one ring directory", unpin_usage);
	dir = argv[optind];
	if (a.name && (a.from || a.to || a.since || a.around))
		return fr_cli__usage_error("unpin", "give --name or a window, not both",
					   unpin_usage);
	if (!a.name) {
		err = window(&a, dir, "unpin", unpin_usage, &from, &to);
		if (err)
			return err;
	}
	err = ask(dir,
		  a.name ? json_pack("{s:s,s:s}", "op", "unpin", "name", a.name)
			 : json_pack("{s:s,s:I,s:I}", "op", "unpin", "from_ns", (json_int_t)from,
				     "to_ns", (json_int_t)to),
		  "unpin", &resp);
	if (err != -ENOTCONN) {
		if (!err)
			printf("unpinned %" PRId64 " pins\n",
			       (int64_t)json_integer_value(json_object_get(resp, "removed")));
		json_decref(err ? NULL : resp);
		return err;
	}
	err = fr_pins__init(&store, dir);
	err = err ?: fr_pins__load(&store, why, sizeof(why));
	err = err ?: fr_pins__remove(&store, a.name, from, to, &removed, why, sizeof(why));
	if (err)
		fprintf(stderr, "flightrec unpin: %s\n", err == -ENOMEM ? "out of memory" : why);
	else
		printf("unpinned %zu pins (no recorder running)\n", removed);
	fr_pins__free(&store);
	return err ? 1 : 0;
}
