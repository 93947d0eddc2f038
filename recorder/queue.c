/* SPDX-License-Identifier: BSD-2-Clause */
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct item {
	struct item *next;
	uint64_t ts_ns;
	uint32_t len;
	uint16_t kind;
	uint8_t payload[];
};

struct fr_queue {
	pthread_mutex_t lock;
	struct item *head, **tail;
	size_t bytes, max_bytes;
	int efd;
	struct fr_queue_stats st;
};

int fr_queue__new(size_t max_bytes, struct fr_queue **out)
{
	struct fr_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		const int err = -errno;

		free(q);
		return err;
	}
	pthread_mutex_init(&q->lock, NULL);
	q->tail = &q->head;
	q->max_bytes = max_bytes;
	*out = q;
	return 0;
}

int fr_queue__push(struct fr_queue *q, uint16_t kind, uint64_t ts_ns, const void *payload,
		   uint32_t len)
{
	struct item *it = NULL;
	const uint64_t one = 1;
	int err = 0, was_empty;

	pthread_mutex_lock(&q->lock);
	if (q->bytes + len > q->max_bytes)
		err = -ENOSPC;
	else if (!(it = malloc(sizeof(*it) + len)))
		err = -ENOMEM;
	if (err) {
		q->st.dropped++;
		q->st.dropped_bytes += len;
		pthread_mutex_unlock(&q->lock);
		return err;
	}
	it->next = NULL;
	it->ts_ns = ts_ns;
	it->len = len;
	it->kind = kind;
	memcpy(it->payload, payload, len);
	was_empty = !q->head;
	*q->tail = it;
	q->tail = &it->next;
	q->bytes += len;
	q->st.pushed++;
	pthread_mutex_unlock(&q->lock);
	/* one wakeup per empty-to-waiting edge: the consumer drains it all */
	if (was_empty && write(q->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int fr_queue__fd(const struct fr_queue *q)
{
	return q->efd;
}

size_t fr_queue__drain(struct fr_queue *q, fr_queue_fn fn, void *ctx, int *fn_errors)
{
	struct item *it, *next;
	uint64_t ticks;
	size_t n = 0;

	/* clear the wakeup before taking the list: a push after the take
	 * signals again instead of being missed (EAGAIN: nothing to clear) */
	ssize_t cleared = read(q->efd, &ticks, sizeof(ticks));

	(void)cleared;
	pthread_mutex_lock(&q->lock);
	it = q->head;
	q->head = NULL;
	q->tail = &q->head;
	q->bytes = 0;
	pthread_mutex_unlock(&q->lock);
	for (; it; it = next, n++) {
		next = it->next;
		if (fn(ctx, it->kind, it->ts_ns, it->payload, it->len) && fn_errors)
			(*fn_errors)++;
		free(it);
	}
	return n;
}

void fr_queue__stats(struct fr_queue *q, struct fr_queue_stats *st)
{
	pthread_mutex_lock(&q->lock);
	*st = q->st;
	pthread_mutex_unlock(&q->lock);
}

void fr_queue__free(struct fr_queue *q)
{
	struct item *it, *next;

	if (!q)
		return;
	for (it = q->head; it; it = next) {
		next = it->next;
		free(it);
	}
	close(q->efd);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
