/* SPDX-License-Identifier: BSD-2-Clause */
#include "host.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "format/host.h"
#include "format/kinds.h"
#include "proctable.h"
#include "queue.h"
#include "stats.h"

/* A request from the kernel source: what the ring buffer record said. */
struct process_req {
	uint32_t pid, ppid;
	uint8_t exec;
	char comm[64];
	char exe[512];
};

struct fr_host_source {
	struct fr_host_source_opts o;
	struct fr_rotor *rotor;	   /* set by start */
	struct fr_queue *requests; /* kernel source -> host thread */
	struct fr_queue *records;  /* host thread -> loop (META_CHANGE) */
	pthread_t thread;
	bool started;
	int stop_fd;
	atomic_bool stopping;
	struct fr_queue_stats reported_req, reported_rec;
	uint64_t last_stats_ns;
	char host[256];
};

/* Host thread: one request becomes one META_CHANGE record. */
static int on_request(void *ctx, uint16_t kind, uint64_t ts_ns, const void *payload, uint32_t len)
{
	struct fr_host_source *h = ctx;
	struct process_req req;
	struct fr_process proc;
	char *json = NULL;
	int err;

	if (len != sizeof(req))
		return -EINVAL;
	memcpy(&req, payload, sizeof(req));
	/* exec: the process is alive, /proc has its cgroup; exit: it is gone */
	if (!req.exec || fr_process__read(req.pid, &proc)) {
		memset(&proc, 0, sizeof(proc));
		proc.pid = req.pid;
	}
	proc.ppid = req.ppid;
	snprintf(proc.comm, sizeof(proc.comm), "%s", req.comm);
	if (req.exe[0])
		snprintf(proc.exe, sizeof(proc.exe), "%s", req.exe);
	err = fr_process__change_json(req.exec ? "add" : "delete", &proc, &json);
	if (err)
		return err; /* out of memory: the change is lost, the snapshot has it */
	/* a full queue counts the record as lost (statistics of "host") */
	fr_queue__push(h->records, FR_KIND_META_CHANGE, ts_ns, json, (uint32_t)strlen(json));
	free(json);
	return 0;
}

static void *host_main(void *arg)
{
	struct fr_host_source *h = arg;
	struct pollfd fds[2] = {{.fd = fr_queue__fd(h->requests), .events = POLLIN},
				{.fd = h->stop_fd, .events = POLLIN}};

	while (!atomic_load(&h->stopping)) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		fr_queue__drain(h->requests, on_request, h, NULL);
	}
	/* requests made before the stop still become records */
	fr_queue__drain(h->requests, on_request, h, NULL);
	return NULL;
}

int fr_host_source__new(const struct fr_host_source_opts *o, struct fr_host_source **out)
{
	const size_t bytes = o->queue_bytes ? o->queue_bytes : 4u << 20;
	struct fr_host_source *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->o = *o;
	snprintf(h->host, sizeof(h->host), "%s", o->host ? o->host : "");
	h->o.host = h->host;
	h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err = h->stop_fd < 0 ? -errno : 0;
	err = err ?: fr_queue__new(bytes, &h->requests);
	err = err ?: fr_queue__new(bytes, &h->records);
	err = err ?: -pthread_create(&h->thread, NULL, host_main, h);
	if (err) {
		fr_host_source__free(h);
		return err;
	}
	h->started = true;
	*out = h;
	return 0;
}

void fr_host_source__process_event(struct fr_host_source *h, enum fr_process_event ev, uint32_t pid,
				   uint32_t ppid, const char *comm, size_t comm_cap,
				   const char *exe, uint64_t ts_ns)
{
	struct process_req req = {.pid = pid, .ppid = ppid, .exec = ev == FR_PROCESS_EXEC};

	snprintf(req.comm, sizeof(req.comm), "%.*s", (int)strnlen(comm, comm_cap), comm);
	if (exe)
		snprintf(req.exe, sizeof(req.exe), "%s", exe);
	/* refused when full: counted, and reported by the next statistics */
	fr_queue__push(h->requests, 0, ts_ns, &req, sizeof(req));
}

static int write_record(void *ctx, uint16_t kind, uint64_t ts_ns, const void *payload, uint32_t len)
{
	struct fr_host_source *h = ctx;

	return fr_writer__append(fr_rotor__writer(h->rotor), kind, ts_ns, payload, len);
}

static int host_drain(void *ctx)
{
	struct fr_host_source *h = ctx;
	int errors = 0;

	if (!h->rotor)
		return 0; /* not started: records wait */
	/* append errors are the writer's to count (records_dropped) */
	return (int)fr_queue__drain(h->records, write_record, h, &errors);
}

static int host_snapshot(void *ctx, struct fr_writer *w, uint64_t now_ns)
{
	struct fr_host_source *h = ctx;
	char *snapshot = NULL;
	int err = fr_proctable__snapshot_json(h->host, &snapshot);

	err = err
		      ?: fr_writer__append(w, FR_KIND_META_SNAPSHOT, now_ns, snapshot,
					   strlen(snapshot));
	free(snapshot);
	return err;
}

/* What the queues refused since the last call, as source "host". */
static int host_stats(struct fr_host_source *h, uint64_t now_ns)
{
	struct fr_queue_stats req, rec;
	struct fr_writer *w = fr_rotor__writer(h->rotor);
	int err;

	fr_queue__stats(h->requests, &req);
	fr_queue__stats(h->records, &rec);
	err = fr_stats__write(w, "host", "queue_full", req.pushed - h->reported_req.pushed,
			      (req.dropped - h->reported_req.dropped) +
				      (rec.dropped - h->reported_rec.dropped),
			      h->last_stats_ns, now_ns);
	h->reported_req = req;
	h->reported_rec = rec;
	h->last_stats_ns = now_ns;
	return err;
}

static int host_fds(void *ctx, int *fds, int max)
{
	if (max < 1)
		return 0;
	fds[0] = fr_queue__fd(((struct fr_host_source *)ctx)->records);
	return 1;
}

static int host_start(void *ctx, struct fr_rotor *rotor)
{
	struct fr_host_source *h = ctx;

	h->rotor = rotor;
	h->last_stats_ns = fr_clock__boot_ns();
	return 0;
}

static int host_interval(void *ctx, uint64_t now_ns)
{
	struct fr_host_source *h = ctx;

	host_drain(h);
	return host_stats(h, now_ns);
}

static void stop_thread(struct fr_host_source *h)
{
	const uint64_t one = 1;

	if (!h->started)
		return;
	atomic_store(&h->stopping, true);
	if (write(h->stop_fd, &one, sizeof(one)) < 0)
		perror("flightrec-record: host source: cannot wake its thread");
	pthread_join(h->thread, NULL);
	h->started = false;
}

static int host_stop(void *ctx, uint64_t now_ns)
{
	struct fr_host_source *h = ctx;

	/* the kernel source is stopped first: no request comes after this */
	stop_thread(h);
	host_drain(h);
	return h->rotor ? host_stats(h, now_ns) : 0;
}

void fr_host_source__as_source(struct fr_host_source *h, struct fr_source *s)
{
	*s = (struct fr_source){.name = "host",
				.ctx = h,
				.fds = host_fds,
				.drain_when_ready = true,
				.start = host_start,
				.drain = host_drain,
				.on_interval = host_interval,
				.snapshot = host_snapshot,
				.stop = host_stop};
}

void fr_host_source__free(struct fr_host_source *h)
{
	if (!h)
		return;
	stop_thread(h);
	fr_queue__free(h->requests);
	fr_queue__free(h->records);
	if (h->stop_fd >= 0)
		close(h->stop_fd);
	free(h);
}
