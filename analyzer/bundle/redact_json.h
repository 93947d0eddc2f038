/* SPDX-License-Identifier: BSD-2-Clause */
/* The JSON half of redact.h: metadata objects and Hubble flows. */
#ifndef FR_ANALYZER_BUNDLE_REDACT_JSON_H
#define FR_ANALYZER_BUNDLE_REDACT_JSON_H

#include <jansson.h>

#include "analyzer/bundle/redact.h"

/* Rewrite every value of the enabled classes in `v`, in place.
 * Return: 0 or -ENOMEM. */
int fr_redact__json(struct fr_redact *r, json_t *v);

/* Whether a class that touches JSON (metadata) or flows is on. */
int fr_redact__wants_meta(const struct fr_redact *r);
int fr_redact__wants_flows(const struct fr_redact *r);

#endif /* FR_ANALYZER_BUNDLE_REDACT_JSON_H */
