/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/mark.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/cmd/timespec.h"
#include "format/ringctl/control.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CALL_TIMEOUT_MS 5000

static const char usage[] =
	"usage: flightrec mark DIR TEXT\n"
	"  Writes a marker (\"deploy 42 starts\") into the stream of the recorder writing\n"
	"  the ring directory DIR, now, at the recorder's time; prints that time (UTC).\n"
	"  TEXT: one line of UTF-8, 1 to 1024 bytes, no control characters.\n"
	"  Then: flightrec bundle DIR --around TEXT -o incident.tar.zst\n"
	"  Root or the owner of DIR; exit 1 when no recorder runs there.\n";

static int option(int c, const char *arg, void *ctx)
{
	(void)c;
	(void)arg;
	(void)ctx;
	return -1;
}

int fr_cmd_mark(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	json_t *req, *resp = NULL;
	const char *dir, *text;
	char why[512], t[40];
	int err;

	err = fr_cli__options(argc, argv, "h", opts, usage, option, NULL);
	if (err != FR_CLI_OPERANDS)
		return err;
	if (argc - optind != 2)
		return fr_cli__usage_error("mark", "give DIR and one TEXT (quote it)", usage);
	dir = argv[optind];
	text = argv[optind + 1];
	if (fr_mark__check_text(text, strlen(text), why, sizeof(why))) {
		fprintf(stderr, "flightrec mark: %s\n", why);
		return 2;
	}
	req = json_pack("{s:s,s:s}", "op", "mark", "text", text);
	err = req ? fr_control__call(dir, req, CALL_TIMEOUT_MS, &resp, why, sizeof(why)) : -ENOMEM;
	json_decref(req);
	if (err) {
		fprintf(stderr, "flightrec mark: %s\n", err == -ENOMEM ? "out of memory" : why);
		return 1;
	}
	if (!json_is_true(json_object_get(resp, "ok"))) {
		fprintf(stderr, "flightrec mark: the recorder refused: %s\n",
			json_string_value(json_object_get(resp, "error")) ?: "(no reason)");
		json_decref(resp);
		return 1;
	}
	fr_time__format(json_integer_value(json_object_get(resp, "time_ns")), t, sizeof(t));
	printf("%s\n", t);
	json_decref(resp);
	return 0;
}
