/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Event fields that become text in ev_ rows: addresses ("10.0.1.7"),
 * histograms (a JSON array of bucket counts) and C strings from BPF.
 */
#ifndef FR_ANALYZER_OUT_FIELDTEXT_H
#define FR_ANALYZER_OUT_FIELDTEXT_H

#include <netinet/in.h>

#include "analyzer/replay/rowbatch.h"
#include "format/kinds.h"

/* Text of a 4- or 16-byte address into dst[INET6_ADDRSTRLEN]; "" otherwise. */
void fr_fieldtext__addr(char *dst, const struct fr_value *v);

/* Add a histogram column to the row. */
void fr_fieldtext__add_hist(struct fr_rowbatch *b, const struct fr_value *v);

/* Add a BYTES column: an address as text when `is_addr`, else the bytes
 * without trailing NULs. */
void fr_fieldtext__add_bytes(struct fr_rowbatch *b, int is_addr, const struct fr_value *v);

#endif /* FR_ANALYZER_OUT_FIELDTEXT_H */
