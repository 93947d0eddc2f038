/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading libyaml document nodes with errors at FILE:LINE:COLUMN. */
#include "analyzer/usermetric/yamlnode.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void fr_um_y__say(const struct fr_um_y *c, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%zu:%zu: ", c->path, m->line + 1, m->column + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct fr_um_mark fr_um_y__mark_of(const struct fr_um_y *c, const yaml_node_t *n)
{
	return (struct fr_um_mark){c->path, (int)n->start_mark.line + 1,
				   (int)n->start_mark.column + 1};
}

yaml_node_t *fr_um_y__node(struct fr_um_y *c, int i)
{
	c->visited++;
	return yaml_document_get_node(&c->doc, i);
}

const char *fr_um_y__type_name(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE     ? "a scalar"
	       : n->type == YAML_SEQUENCE_NODE ? "a list"
					       : "a mapping";
}

/* A scalar's text, or an error naming `what`. */
const char *fr_um_y__scalar(struct fr_um_y *c, yaml_node_t *n, const char *what)
{
	if (n->type == YAML_SCALAR_NODE)
		return (const char *)n->data.scalar.value;
	fr_um_y__say(c, &n->start_mark, "wrong type: %s must be a string or number, not %s", what,
		     fr_um_y__type_name(n));
	return NULL;
}

int fr_um_y__copy(struct fr_um_y *c, yaml_node_t *n, const char *what, char *dst, size_t cap)
{
	const char *s = fr_um_y__scalar(c, n, what);

	if (!s)
		return -EINVAL;
	if (strlen(s) >= cap) {
		fr_um_y__say(c, &n->start_mark, "%s is too long (at most %zu bytes)", what,
			     cap - 1);
		return -EINVAL;
	}
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int fr_um_y__number(struct fr_um_y *c, yaml_node_t *n, const char *what, double *v)
{
	const char *s = fr_um_y__scalar(c, n, what);
	char *end;

	if (!s)
		return -EINVAL;
	*v = strtod(s, &end);
	if (!*s || *end || !isfinite(*v)) {
		fr_um_y__say(c, &n->start_mark, "wrong type: %s must be a number, not '%s'", what,
			     s);
		return -EINVAL;
	}
	return 0;
}

int fr_um_y__integer(struct fr_um_y *c, yaml_node_t *n, const char *what, long *v)
{
	double d;

	if (fr_um_y__number(c, n, what, &d))
		return -EINVAL;
	if (d != floor(d) || fabs(d) > 1e15) {
		fr_um_y__say(c, &n->start_mark, "wrong type: %s must be an integer", what);
		return -EINVAL;
	}
	*v = (long)d;
	return 0;
}

int fr_um_y__want(struct fr_um_y *c, yaml_node_t *n, yaml_node_type_t t, const char *what)
{
	if (n->type == t)
		return 0;
	fr_um_y__say(c, &n->start_mark, "wrong type: %s must be %s, not %s", what,
		     t == YAML_SEQUENCE_NODE  ? "a list"
		     : t == YAML_MAPPING_NODE ? "a mapping"
					      : "a string",
		     fr_um_y__type_name(n));
	return -EINVAL;
}

int fr_um_y__pair(struct fr_um_y *c, const yaml_node_t *n, size_t i, struct fr_um_pair *p)
{
	const yaml_node_pair_t *q = n->data.mapping.pairs.start + i;

	if (q >= n->data.mapping.pairs.top)
		return 0;
	p->k = fr_um_y__node(c, q->key);
	p->v = fr_um_y__node(c, q->value);
	p->key = fr_um_y__scalar(c, p->k, "a key");
	return p->key ? 1 : -EINVAL;
}
