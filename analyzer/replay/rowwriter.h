/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One thread that runs database jobs in submission order, so that SQLite's
 * insert work overlaps decoding the next records on the other core. The
 * database connection is used by one thread at a time: before the caller
 * touches it directly it must call fr_rowwriter__sync.
 */
#ifndef FR_ANALYZER_REPLAY_ROWWRITER_H
#define FR_ANALYZER_REPLAY_ROWWRITER_H

struct fr_rowwriter;

/* Return: 0, -ENOMEM or -errno of pthread_create. */
int fr_rowwriter__new(struct fr_rowwriter **out);

/* Run `run(arg)` on the writer thread; *busy is 1 until it has run.
 * Return: 0, or the first error a job returned (later jobs are dropped). */
int fr_rowwriter__submit(struct fr_rowwriter *w, int (*run)(void *), void *arg, int *busy);

/* Wait until the job that set *busy has run. */
void fr_rowwriter__wait(struct fr_rowwriter *w, const int *busy);

/* Wait until every job has run. Return: 0 or the first job error. */
int fr_rowwriter__sync(struct fr_rowwriter *w);

/* Sync, then stop the thread. */
void fr_rowwriter__free(struct fr_rowwriter *w);

#endif /* FR_ANALYZER_REPLAY_ROWWRITER_H */
