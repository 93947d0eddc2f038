/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/cmd/metrics_file.h"
#include "analyzer/db/family.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Whether `name` is a built-in family: a .sql one or a metric file's. */
static int is_builtin(const struct fr_mfiles *s, const char *name)
{
	struct fr_family f;

	for (size_t i = 0; i < fr_family__count(); i++)
		if (!fr_family__get(i, &f) && !strcmp(f.name, name))
			return 1;
	for (int i = 0; i < s->builtin.n; i++)
		if (!strcmp(s->builtin.m[i].fam.name, name))
			return 1;
	return 0;
}

/* The file among user[0..n) that has a metric `name`, or NULL. */
static const char *user_file_of(const struct fr_mfiles *s, int n, const char *name)
{
	for (int k = 0; k < n; k++)
		for (int i = 0; i < s->user[k].n; i++)
			if (!strcmp(s->user[k].m[i].fam.name, name))
				return s->user[k].path;
	return NULL;
}

int fr_mfiles__load(struct fr_mfiles *s, const char *const *files, int n)
{
	int err;

	memset(s, 0, sizeof(*s));
	if ((err = fr_um__builtins(&s->builtin)))
		return err;
	for (int i = 0; i < s->builtin.n; i++) {
		struct fr_family f;

		for (size_t j = 0; j < fr_family__count(); j++)
			if (!fr_family__get(j, &f) && !strcmp(f.name, s->builtin.m[i].fam.name)) {
				fprintf(stderr,
					"flightrec: built-in family %s is both a .sql and a "
					"metric file\n",
					f.name);
				return -EINVAL;
			}
	}
	for (; s->nuser < n && s->nuser < FR_MFILE_MAX; s->nuser++) {
		struct fr_um_file *cur = &s->user[s->nuser];

		err = fr_um__parse_file(files[s->nuser], cur);
		for (int j = 0; !err && j < cur->n; j++) {
			const struct fr_um_metric *m = &cur->m[j];
			const char *other = user_file_of(s, s->nuser, m->fam.name);

			if (is_builtin(s, m->fam.name)) {
				fprintf(stderr, "%s:%d:%d: metric name '%s' is a built-in family\n",
					m->at.file, m->at.line, m->at.col, m->fam.name);
				err = -EINVAL;
			} else if (other) {
				fprintf(stderr,
					"%s:%d:%d: duplicate metric name '%s' (also in %s)\n",
					m->at.file, m->at.line, m->at.col, m->fam.name, other);
				err = -EINVAL;
			}
		}
		if (err) {
			s->nuser++; /* freed with the others */
			return err;
		}
	}
	return 0;
}

int fr_mfiles__check_families(const struct fr_mfiles *s, const char *families)
{
	char buf[2048], *save = NULL;

	if (!families)
		return 0;
	snprintf(buf, sizeof(buf), "%s", families);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!is_builtin(s, tok) && !user_file_of(s, s->nuser, tok)) {
			fprintf(stderr, "flightrec metrics: unknown family '%s'\n", tok);
			return -EINVAL;
		}
	return 0;
}

void fr_mfiles__free(struct fr_mfiles *s)
{
	fr_um__free_file(&s->builtin);
	for (int i = 0; i < s->nuser; i++)
		fr_um__free_file(&s->user[i]);
	s->nuser = 0;
}
