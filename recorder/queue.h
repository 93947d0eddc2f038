/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A bounded queue of records from a source's own thread to the event loop
 * that owns the writer. A push never blocks: a full queue refuses the
 * record and counts it, so a stalled writer costs the source records,
 * never its thread, and the loss is reported as that source's. The
 * queue's fd is readable while records wait, for the loop's epoll.
 */
#ifndef FR_RECORDER_QUEUE_H
#define FR_RECORDER_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct fr_queue;

struct fr_queue_stats {
	uint64_t pushed;  /* records accepted */
	uint64_t dropped; /* records refused: the queue was full */
	uint64_t dropped_bytes;
};

/* A queue holding at most `max_bytes` of payload. Return: 0 or -errno. */
int fr_queue__new(size_t max_bytes, struct fr_queue **out);

/* Copy one record in (any thread). Return: 0, -ENOSPC when full (counted),
 * -ENOMEM (counted too). */
int fr_queue__push(struct fr_queue *q, uint16_t kind, uint64_t ts_ns, const void *payload,
		   uint32_t len);

/* Readable (EPOLLIN) while records wait. */
int fr_queue__fd(const struct fr_queue *q);

typedef int (*fr_queue_fn)(void *ctx, uint16_t kind, uint64_t ts_ns, const void *payload,
			   uint32_t len);

/*
 * Take every waiting record, in push order, and hand each to fn (the
 * consumer's thread; fn's errors are summed, the drain goes on).
 * Return: records taken.
 */
size_t fr_queue__drain(struct fr_queue *q, fr_queue_fn fn, void *ctx, int *fn_errors);

void fr_queue__stats(struct fr_queue *q, struct fr_queue_stats *st);

/* Frees what is still queued. Accepts NULL. */
void fr_queue__free(struct fr_queue *q);

#endif /* FR_RECORDER_QUEUE_H */
