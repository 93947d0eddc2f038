/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the recorder's config-file parser and every option's
 * value parser behind it (recorder/options.c), on arbitrary file text.
 * Asserts the contracts: an error is -EINVAL or -ENOMEM with a message
 * naming the file and line; a file that parsed leaves settings that the
 * same flags would accept.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fr_config cfg;
	bool any = false;
	char msg[1024];
	int err;

	fr_config__init(&cfg);
	err = fr_options__apply_text(&cfg, "fuzz.conf", (const char *)data, size, msg, sizeof(msg));
	if (err && err != -EINVAL && err != -ENOMEM)
		abort();
	if (err && strncmp(msg, "fuzz.conf:", 10))
		abort();
	if (!err) {
		for (int i = 0; i < FR_FAM_COUNT; i++) {
			const uint32_t kib = cfg.ring_kib[i];

			any |= cfg.family_on[i];
			if (kib < 4 || kib > (1u << 20) || (kib & (kib - 1)))
				abort();
		}
		if (!any || cfg.interval_ns < 10000000ull || cfg.interval_ns > 3600000000000ull ||
		    cfg.max_segment_bytes < 4096 || cfg.drain_ms < 1 || cfg.drain_ms > 1000 ||
		    cfg.nice < -20 || cfg.nice > 19 || (cfg.dir && !*cfg.dir) ||
		    (cfg.max_size && cfg.max_size < (1u << 20)))
			abort();
	}
	fr_config__free(&cfg);
	return 0;
}
