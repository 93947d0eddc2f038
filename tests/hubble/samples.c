/* SPDX-License-Identifier: BSD-2-Clause */
#include "samples.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>

#include "format/hubble/flow.h"

size_t samples_each(const char *dir,
		    void (*fn)(const uint8_t *buf, size_t len, const char *path, void *arg),
		    void *arg)
{
	const ProtobufCMessageDescriptor *d = &observer__get_flows_response__descriptor;
	char pat[4096];
	size_t n = 0;
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/*.jsonl", dir);
	if (glob(pat, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;

		while (f && (len = getline(&line, &cap, f)) > 0) {
			struct fr_hubble_error e;
			ProtobufCMessage *m;
			uint8_t *buf;
			size_t blen;

			if (fr_hubble__parse_line(d, line, (size_t)len, &m, &e) ||
			    fr_hubble__encode(m, &buf, &blen)) {
				fr_hubble__free(m);
				continue;
			}
			fn(buf, blen, g.gl_pathv[i], arg);
			n++;
			free(buf);
			fr_hubble__free(m);
		}
		free(line);
		if (f)
			fclose(f);
	}
	globfree(&g);
	return n;
}
