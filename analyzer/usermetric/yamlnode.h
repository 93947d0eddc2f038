/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers of the metric file parser (parse.c, parse_sel.c) over a libyaml
 * document: every error is printed as FILE:LINE:COLUMN: message (1-based)
 * and returned as -EINVAL.
 */
#ifndef FR_ANALYZER_USERMETRIC_YAMLNODE_H
#define FR_ANALYZER_USERMETRIC_YAMLNODE_H

#include <yaml.h>

#include "analyzer/usermetric/usermetric.h"

struct fr_um_y {
	const char *path;
	yaml_document_t doc;
	long visited; /* nodes read, an alias's each time */
};

void fr_um_y__say(const struct fr_um_y *c, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct fr_um_mark fr_um_y__mark_of(const struct fr_um_y *c, const yaml_node_t *n);
yaml_node_t *fr_um_y__node(struct fr_um_y *c, int i);
const char *fr_um_y__type_name(const yaml_node_t *n);
/* A scalar's text, else NULL and "wrong type" naming `what`. */
const char *fr_um_y__scalar(struct fr_um_y *c, yaml_node_t *n, const char *what);
int fr_um_y__copy(struct fr_um_y *c, yaml_node_t *n, const char *what, char *dst, size_t cap);
int fr_um_y__number(struct fr_um_y *c, yaml_node_t *n, const char *what, double *v);
int fr_um_y__integer(struct fr_um_y *c, yaml_node_t *n, const char *what, long *v);
int fr_um_y__want(struct fr_um_y *c, yaml_node_t *n, yaml_node_type_t t, const char *what);

/* A pair of a mapping: its key (node and text) and its value. */
struct fr_um_pair {
	yaml_node_t *k, *v;
	const char *key;
};

/*
 * Pair i of mapping `n` into *p. Return: 1, 0 past the last pair, or
 * -EINVAL for a key that is not a scalar (printed). The loop over a
 * mapping:
 *	for (size_t i = 0; (r = fr_um_y__pair(c, n, i, &p)) > 0; i++) ...
 *	return r;
 */
int fr_um_y__pair(struct fr_um_y *c, const yaml_node_t *n, size_t i, struct fr_um_pair *p);

/* parse_sel.c: a metric's `selector` (a list of strings and maps, a map,
 * or one string) and `labels` into m. */
int fr_um_y__selector(struct fr_um_y *c, yaml_node_t *n, struct fr_um_metric *m);
int fr_um_y__labels(struct fr_um_y *c, yaml_node_t *n, struct fr_um_metric *m);

#endif /* FR_ANALYZER_USERMETRIC_YAMLNODE_H */
