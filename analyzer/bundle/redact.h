/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Rewrites records before they leave the site. Kernel pointers (socket ids,
 * drop locations, kernel fault addresses) never ship raw: those of a segment
 * whose recorder hid them with a per-run secret ship as they are, the others
 * are replaced by per-bundle ids; the classes chosen with --redact replace values by per-bundle
 * pseudonyms (pseudo.h), the same value getting the same pseudonym in every
 * record, so a redacted bundle still replays and its reports still join:
 *
 *   ips         addresses in kernel tuples, metadata and Hubble flows
 *   comm-args   process names (comm) and command lines
 *   exe-paths   executable paths (exec filename, metadata exe)
 *   l7-urls     Hubble HTTP URLs
 *   l7-headers  Hubble HTTP header values
 *   dns-names   DNS queries, CNAMEs and the names Hubble attaches to IPs
 *   labels      Kubernetes label values (pods, selectors, Hubble labels)
 *
 * Schema kinds are decoded and re-encoded by their schema (format/kinds.c),
 * metadata and jsonpb flows as JSON, protobuf flows through the Hubble
 * decoder. A record that cannot be parsed while a class needs it is dropped
 * and counted, never shipped as is.
 */
#ifndef FR_ANALYZER_BUNDLE_REDACT_H
#define FR_ANALYZER_BUNDLE_REDACT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/bundle/pseudo.h"

enum fr_redact_class {
	FR_REDACT_IPS,
	FR_REDACT_COMM_ARGS,
	FR_REDACT_EXE_PATHS,
	FR_REDACT_L7_URLS,
	FR_REDACT_L7_HEADERS,
	FR_REDACT_DNS_NAMES,
	FR_REDACT_LABELS,
	FR_REDACT_NCLASSES
};

struct fr_redact {
	struct fr_pseudo ps;
	unsigned classes;		     /* bits 1u << enum fr_redact_class */
	uint64_t values[FR_REDACT_NCLASSES]; /* values replaced per class */
	uint64_t kptrs;			     /* kernel pointers replaced */
	int kaddr_hidden;		     /* the segment's addresses are hidden already */
	uint64_t dropped;		     /* records that could not be rewritten */
	int8_t need[256];		     /* per kind: 1 a rule applies, 0 not, -1 unknown */
	uint8_t rule[256][24];		     /* per kind and field: what to do, when need is 1 */
	uint8_t *buf;			     /* the rewritten payload */
	size_t cap;
};

/* Name of a class ("ips", ...). */
const char *fr_redact__class_name(unsigned c);

/* Parse "ips,labels,..." (also "all", "ips-keep-subnets"). Return: 0, or
 * -EINVAL with the bad word in `why`. */
int fr_redact__parse(const char *list, unsigned *classes, int *keep_subnets, char *why, size_t cap);

/* Return: 0 or -errno (no randomness). */
int fr_redact__init(struct fr_redact *r, unsigned classes, int keep_subnets);

/*
 * One record: *out, *outlen is the payload to ship (the input itself when
 * nothing needs rewriting). Return: 0; 1 when the record must be dropped
 * (counted); -ENOMEM.
 */
int fr_redact__record(struct fr_redact *r, unsigned kind, const uint8_t *in, size_t len,
		      const uint8_t **out, size_t *outlen);

/*
 * The segment whose records come next: `kaddr_hidden` when its header says
 * the recorder hid its kernel addresses (FR_SEG_KADDR_HIDDEN), so they ship
 * as they are; otherwise they become per-bundle ids. Return: what the
 * manifest says of that segment's kernel pointers.
 */
const char *fr_redact__segment(struct fr_redact *r, int kaddr_hidden);

#define FR_REDACT_KADDR_HIDDEN "hidden by the recorder with a per-run secret"
#define FR_REDACT_KADDR_MAPPED "replaced by per-bundle ids"

/* Whether fr_redact__record() may change or drop a record of `kind`
 * (0: it always ships as is, so its block may be copied verbatim). */
int fr_redact__may_change(struct fr_redact *r, unsigned kind);

/* What was done, for the manifest: classes, keep_subnets, counts
 * (kernel_pointers: "per-bundle ids"; the bundle writer says more when
 * segments came with hidden addresses). */
json_t *fr_redact__summary(const struct fr_redact *r);

void fr_redact__free(struct fr_redact *r);

#endif /* FR_ANALYZER_BUNDLE_REDACT_H */
