/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/replay/rowwriter.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define RING 64 /* jobs in flight; a full ring makes the submitter wait */

struct job {
	int (*run)(void *);
	void *arg;
	int *busy;
};

struct fr_rowwriter {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, done;
	struct job ring[RING];
	unsigned head, tail; /* head: next to run; tail: next free */
	int stop, err;
};

static void *writer_main(void *arg)
{
	struct fr_rowwriter *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == w->tail && !w->stop)
			pthread_cond_wait(&w->more, &w->mu);
		if (w->head == w->tail)
			break;
		struct job j = w->ring[w->head % RING];
		int err = 0;

		pthread_mutex_unlock(&w->mu);
		if (!w->err) /* read without the lock: only this thread writes it */
			err = j.run(j.arg);
		pthread_mutex_lock(&w->mu);
		if (err && !w->err)
			w->err = err;
		*j.busy = 0;
		w->head++;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int fr_rowwriter__new(struct fr_rowwriter **out)
{
	struct fr_rowwriter *w = calloc(1, sizeof(*w));
	int err;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->done, NULL);
	err = pthread_create(&w->thread, NULL, writer_main, w);
	if (err) {
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->more);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return -err;
	}
	*out = w;
	return 0;
}

int fr_rowwriter__submit(struct fr_rowwriter *w, int (*run)(void *), void *arg, int *busy)
{
	int err;

	pthread_mutex_lock(&w->mu);
	while (w->tail - w->head == RING)
		pthread_cond_wait(&w->done, &w->mu);
	*busy = 1;
	w->ring[w->tail++ % RING] = (struct job){run, arg, busy};
	pthread_cond_signal(&w->more);
	err = w->err;
	pthread_mutex_unlock(&w->mu);
	return err;
}

void fr_rowwriter__wait(struct fr_rowwriter *w, const int *busy)
{
	pthread_mutex_lock(&w->mu);
	while (*busy)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

int fr_rowwriter__sync(struct fr_rowwriter *w)
{
	int err;

	pthread_mutex_lock(&w->mu);
	while (w->head != w->tail)
		pthread_cond_wait(&w->done, &w->mu);
	err = w->err;
	pthread_mutex_unlock(&w->mu);
	return err;
}

void fr_rowwriter__free(struct fr_rowwriter *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
