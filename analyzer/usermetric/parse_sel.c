/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Selectors and labels of a metric file (yamlnode.h). A selector string is
 * Inspektor Gadget's filter syntax: [!]FIELD:[OP]VALUE with OP one of
 * (none: equal), !, <, <=, >, >=, ~ (POSIX extended regex), !~, and
 * in(A,B,...) / !in(...) for sets; a leading ! negates the whole term.
 */
#include "analyzer/usermetric/yamlnode.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

/* ---- selectors ---- */

static const struct {
	const char *s;
	enum fr_um_op op;
} ops[] = {{"!~", FR_UM_NRE}, {"~", FR_UM_RE}, {">=", FR_UM_GE}, {"<=", FR_UM_LE},
	   {">", FR_UM_GT},   {"<", FR_UM_LT}, {"!", FR_UM_NE}};

static enum fr_um_op negate(enum fr_um_op op)
{
	static const enum fr_um_op neg[] = {
		[FR_UM_EQ] = FR_UM_NE,	[FR_UM_NE] = FR_UM_EQ,	[FR_UM_LT] = FR_UM_GE,
		[FR_UM_LE] = FR_UM_GT,	[FR_UM_GT] = FR_UM_LE,	[FR_UM_GE] = FR_UM_LT,
		[FR_UM_RE] = FR_UM_NRE, [FR_UM_NRE] = FR_UM_RE, [FR_UM_IN] = FR_UM_NIN,
		[FR_UM_NIN] = FR_UM_IN};

	return neg[op];
}

/* "a,b,c" of in(...) into s->val. */
static int set_values(struct fr_um_y *c, yaml_node_t *n, const char *list, size_t len,
		      struct fr_um_sel *s)
{
	s->nval = 0;
	while (len) {
		size_t k = strcspn(list, ",");

		if (k > len)
			k = len;
		while (k && list[0] == ' ')
			list++, k--, len--;
		if (s->nval == FR_UM_MAX_SET || k >= FR_UM_VAL_MAX) {
			fr_um_y__say(c, &n->start_mark,
				     "selector set: at most %d values of %d bytes", FR_UM_MAX_SET,
				     FR_UM_VAL_MAX - 1);
			return -EINVAL;
		}
		memcpy(s->val[s->nval], list, k);
		s->val[s->nval][k] = 0;
		for (char *e = s->val[s->nval] + k; e > s->val[s->nval] && e[-1] == ' ';)
			*--e = 0;
		s->nval++;
		list += k;
		len -= k;
		if (len) /* the comma */
			list++, len--;
	}
	if (s->nval)
		return 0;
	fr_um_y__say(c, &n->start_mark, "selector set in() is empty");
	return -EINVAL;
}

/* OP VALUE after "field:", into s (field set by the caller). */
static int sel_rest(struct fr_um_y *c, yaml_node_t *n, const char *rest, int neg,
		    struct fr_um_sel *s)
{
	static const char *const bad[] = {"==", "=>", "=<", "=~", "=", "<>", "!<", "!>", "~~"};
	size_t len;

	s->op = FR_UM_EQ;
	s->nval = 1;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!strncmp(rest, bad[i], strlen(bad[i]))) {
			fr_um_y__say(c, &n->start_mark,
				     "unknown operator '%s' in selector of '%s'; operators: VALUE, "
				     "!VALUE, "
				     "<N, <=N, >N, >=N, ~REGEX, !~REGEX, in(A,B), !in(A,B)",
				     bad[i], s->field);
			return -EINVAL;
		}
	if (!strncmp(rest, "in(", 3) || !strncmp(rest, "!in(", 4)) {
		const int not = rest[0] == '!';

		rest += not ? 4 : 3;
		len = strlen(rest);
		if (!len || rest[len - 1] != ')') {
			fr_um_y__say(c, &n->start_mark, "selector set of '%s' must end with ')'",
				     s->field);
			return -EINVAL;
		}
		s->op = not ? FR_UM_NIN : FR_UM_IN;
		if (set_values(c, n, rest, len - 1, s))
			return -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(rest, ops[i].s, strlen(ops[i].s))) {
			s->op = ops[i].op;
			rest += strlen(ops[i].s);
			break;
		}
	if (strlen(rest) >= FR_UM_VAL_MAX) {
		fr_um_y__say(c, &n->start_mark, "selector value is too long");
		return -EINVAL;
	}
	snprintf(s->val[0], FR_UM_VAL_MAX, "%s", rest);
	if (s->op == FR_UM_RE || s->op == FR_UM_NRE) {
		regex_t re;
		const int rc = regcomp(&re, rest, REG_EXTENDED | REG_NOSUB);

		if (rc) {
			char msg[128];

			regerror(rc, &re, msg, sizeof(msg));
			fr_um_y__say(c, &n->start_mark, "bad regex '%s' for '%s': %s", rest,
				     s->field, msg);
			return -EINVAL;
		}
		regfree(&re);
	}
out:
	if (neg)
		s->op = negate(s->op);
	s->at = fr_um_y__mark_of(c, n);
	return 0;
}

static int sel_string(struct fr_um_y *c, yaml_node_t *n, struct fr_um_metric *m)
{
	struct fr_um_sel *s = &m->sel[m->nsel];
	const char *t = fr_um_y__scalar(c, n, "a selector");
	const char *colon;
	int neg = 0;

	if (!t)
		return -EINVAL;
	if (*t == '!')
		neg = 1, t++;
	colon = strchr(t, ':');
	if (!colon || colon == t) {
		fr_um_y__say(c, &n->start_mark, "a selector is [!]FIELD:[OP]VALUE, not '%s'",
			     (const char *)n->data.scalar.value);
		return -EINVAL;
	}
	if ((size_t)(colon - t) >= sizeof(s->field)) {
		fr_um_y__say(c, &n->start_mark, "selector field is too long");
		return -EINVAL;
	}
	memcpy(s->field, t, (size_t)(colon - t));
	s->field[colon - t] = 0;
	if (sel_rest(c, n, colon + 1, neg, s))
		return -EINVAL;
	m->nsel++;
	return 0;
}

/* {field: VALUE | [A, B]} entries. */
static int sel_map(struct fr_um_y *c, yaml_node_t *n, struct fr_um_metric *m)
{
	struct fr_um_pair p;
	int r;

	for (size_t i = 0; (r = fr_um_y__pair(c, n, i, &p)) > 0; i++) {
		yaml_node_t *k = p.k, *v = p.v;
		struct fr_um_sel *s = &m->sel[m->nsel];

		if (m->nsel == FR_UM_MAX_SEL) {
			fr_um_y__say(c, &k->start_mark, "at most %d selector terms", FR_UM_MAX_SEL);
			return -EINVAL;
		}
		if (fr_um_y__copy(c, k, "a selector field", s->field, sizeof(s->field)))
			return -EINVAL;
		if (v->type == YAML_SEQUENCE_NODE) {
			s->op = FR_UM_IN;
			s->nval = 0;
			for (yaml_node_item_t *i = v->data.sequence.items.start;
			     i < v->data.sequence.items.top; i++) {
				if (s->nval == FR_UM_MAX_SET) {
					fr_um_y__say(c, &v->start_mark,
						     "at most %d values in a set", FR_UM_MAX_SET);
					return -EINVAL;
				}
				if (fr_um_y__copy(c, fr_um_y__node(c, *i), "a selector value",
						  s->val[s->nval++], FR_UM_VAL_MAX))
					return -EINVAL;
			}
			if (!s->nval) {
				fr_um_y__say(c, &v->start_mark, "selector set of '%s' is empty",
					     s->field);
				return -EINVAL;
			}
			s->at = fr_um_y__mark_of(c, v);
		} else {
			const char *t = fr_um_y__scalar(c, v, "a selector value");

			if (!t || sel_rest(c, v, t, 0, s))
				return -EINVAL;
		}
		m->nsel++;
	}
	return r;
}

int fr_um_y__selector(struct fr_um_y *c, yaml_node_t *n, struct fr_um_metric *m)
{
	if (n->type == YAML_MAPPING_NODE)
		return sel_map(c, n, m);
	if (n->type == YAML_SCALAR_NODE)
		return m->nsel < FR_UM_MAX_SEL ? sel_string(c, n, m) : -EINVAL;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *e = fr_um_y__node(c, *i);

		if (m->nsel == FR_UM_MAX_SEL) {
			fr_um_y__say(c, &e->start_mark, "at most %d selector terms", FR_UM_MAX_SEL);
			return -EINVAL;
		}
		if (e->type == YAML_MAPPING_NODE ? sel_map(c, e, m) : sel_string(c, e, m))
			return -EINVAL;
	}
	return 0;
}

/* ---- labels ---- */

/* ebpf_exporter decoders that name one of our fields. */
static const char *const decoder_fields[] = {"cgroup", "syscall", "errno", "comm",  "pid",
					     "dport",  "sport",	  "daddr", "saddr", NULL};

/* A decoder list of an ebpf_exporter label: the last decoder that names
 * one of our fields gives the label's field. */
static int decoders(struct fr_um_y *c, yaml_node_t *v, struct fr_um_label *l)
{
	if (fr_um_y__want(c, v, YAML_SEQUENCE_NODE, "decoders"))
		return -EINVAL;
	for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
	     i++) {
		yaml_node_t *d = fr_um_y__node(c, *i);
		struct fr_um_pair p;
		const char *dn;
		int r;

		if (fr_um_y__want(c, d, YAML_MAPPING_NODE, "a decoder"))
			return -EINVAL;
		for (size_t k = 0; (r = fr_um_y__pair(c, d, k, &p)) > 0; k++) {
			if (strcmp(p.key, "name"))
				continue; /* a decoder's own settings */
			if (!(dn = fr_um_y__scalar(c, p.v, "decoder name")))
				return -EINVAL;
			for (int j = 0; decoder_fields[j]; j++)
				if (!strcmp(dn, decoder_fields[j]))
					snprintf(l->field, sizeof(l->field), "%s", dn);
		}
		if (r)
			return -EINVAL;
	}
	return 0;
}

static int label_entry(struct fr_um_y *c, yaml_node_t *e, struct fr_um_metric *m)
{
	struct fr_um_label *l = &m->labels[m->nlabels];
	struct fr_um_pair p;
	int r;

	if (m->nlabels == FR_UM_MAX_LABELS) {
		fr_um_y__say(c, &e->start_mark, "at most %d labels", FR_UM_MAX_LABELS);
		return -EINVAL;
	}
	l->at = fr_um_y__mark_of(c, e);
	if (e->type == YAML_SCALAR_NODE) {
		m->nlabels++;
		return fr_um_y__copy(c, e, "a label", l->field, sizeof(l->field));
	}
	if (fr_um_y__want(c, e, YAML_MAPPING_NODE, "a label"))
		return -EINVAL;
	for (size_t i = 0; (r = fr_um_y__pair(c, e, i, &p)) > 0; i++) {
		long ignored;
		int err;

		if (!strcmp(p.key, "name"))
			err = fr_um_y__copy(c, p.v, "label name", l->name, sizeof(l->name));
		else if (!strcmp(p.key, "field"))
			err = fr_um_y__copy(c, p.v, "label field", l->field, sizeof(l->field));
		else if (!strcmp(p.key, "size"))
			err = fr_um_y__integer(c, p.v, "label size", &ignored);
		else if (!strcmp(p.key, "decoders"))
			err = decoders(c, p.v, l);
		else {
			fr_um_y__say(
				c, &p.k->start_mark,
				"unknown key '%s' in a label; keys: name, field, size, decoders",
				p.key);
			return -EINVAL;
		}
		if (err)
			return -EINVAL;
	}
	if (r)
		return -EINVAL;
	if (!*l->field)
		memcpy(l->field, l->name, sizeof(l->name)); /* name is the shorter */
	if (!*l->field) {
		fr_um_y__say(c, &e->start_mark, "missing key: a label needs 'name' or 'field'");
		return -EINVAL;
	}
	m->nlabels++;
	return 0;
}

int fr_um_y__labels(struct fr_um_y *c, yaml_node_t *n, struct fr_um_metric *m)
{
	if (fr_um_y__want(c, n, YAML_SEQUENCE_NODE, "'labels'"))
		return -EINVAL;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++)
		if (label_entry(c, fr_um_y__node(c, *i), m))
			return -EINVAL;
	return 0;
}
