/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * manifest.json, the first entry of a bundle: what the bundle holds and how
 * to check it. Version 1 fields (docs/BUNDLE.md):
 *   format "flightrec-bundle", version 1, created, tool,
 *   window {from, to, from_utc, to_utc, margin_ns},
 *   nodes [{host, boot_id, kernel, recorder}],
 *   segments [{name, size, sha256, host, boot_id, seq, source, records,
 *              state_records, first, last, snapshot, bad_blocks}],
 *   redaction {classes, keep_subnets, values_replaced, kernel_pointers, ...},
 *   losses {"source/reason": {seen, lost}}, markers [{time, text}],
 *   gaps [{host, from, to}], metadata_gaps [segment names without snapshot].
 */
#ifndef FR_ANALYZER_BUNDLE_MANIFEST_H
#define FR_ANALYZER_BUNDLE_MANIFEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define FR_BUNDLE_FORMAT       "flightrec-bundle"
#define FR_BUNDLE_VERSION      1
#define FR_BUNDLE_MANIFEST     "manifest.json"
#define FR_BUNDLE_SEGDIR       "segments/"
#define FR_BUNDLE_MAX_MANIFEST (16u << 20)

struct fr_manifest_entry {
	char name[256]; /* "segments/<file>.frseg" */
	uint64_t size;
	char sha256[65]; /* lower-case hex */
};

struct fr_manifest {
	struct fr_manifest_entry *e;
	size_t n;
	int64_t from, to;
	json_t *root; /* the whole document */
};

/* Whether `name` is a segment entry name a bundle may hold:
 * "segments/" + [A-Za-z0-9._-]{1,200} ending in ".frseg", no "..". */
int fr_manifest__segment_name_ok(const char *name);

/*
 * Parse and check the manifest text. Return: 0, or -EBADMSG with why.
 */
int fr_manifest__parse(const char *text, size_t len, struct fr_manifest *m, char *why, size_t cap);

void fr_manifest__free(struct fr_manifest *m);

/* SHA-256 over bytes given in pieces (OpenSSL's EVP: SHA-NI where the CPU
 * has it). */
struct fr_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

/* Return: 0 or -ENOMEM. */
int fr_sha256__init(struct fr_sha256 *h);
void fr_sha256__update(struct fr_sha256 *h, const void *buf, size_t len);
/* Hex digest; frees the state. */
void fr_sha256__final(struct fr_sha256 *h, char out[65]);
/* Without a digest (accepts a freed state). */
void fr_sha256__free(struct fr_sha256 *h);

/* Hex SHA-256 of a file. Return: 0 or -errno. */
int fr_sha256__file(const char *path, char out[65]);

#endif /* FR_ANALYZER_BUNDLE_MANIFEST_H */
