/* SPDX-License-Identifier: BSD-2-Clause */
#include "hubble_jsonpb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/hubble/flow.h"
#include "hubble_filter.h"
#include "hubble_sink.h"

#define READ_CHUNK    (256u << 10)
#define SHOW_BAD      10    /* bad lines reported one by one */
#define SUMMARY_EVERY 10000 /* then a summary every this many */

struct fr_hubble_jsonpb {
	char *path;
	const char *name; /* for messages: the path or "<stdin>" */
	bool is_stdin;
	struct fr_hubble_filter *filter;
	unsigned poll_ms;
	FILE *log;

	int fd, ifd; /* the input, inotify on its directory (-1: none) */
	dev_t dev;
	ino_t ino;
	off_t pos;	 /* bytes read from fd */
	uint64_t lineno; /* of the current file */

	char *buf;
	size_t start, end, cap; /* unconsumed bytes are buf[start..end) */
	bool skipping;		/* inside a line over the limit */

	uint8_t *pb; /* re-encoding buffer */
	size_t pb_cap;

	int fatal; /* the sink's -errno: recording must stop */
	struct fr_hubble_jsonpb_stats st;
};

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct fr_hubble_jsonpb *fr_hubble_jsonpb__new(const struct fr_hubble_jsonpb_opts *o)
{
	struct fr_hubble_jsonpb *in;

	if (!o || !o->path || !o->path[0]) {
		errno = EINVAL;
		return NULL;
	}
	in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	in->path = strdup(o->path);
	in->cap = READ_CHUNK * 2;
	in->buf = malloc(in->cap);
	if (!in->path || !in->buf) {
		fr_hubble_jsonpb__free(in);
		errno = ENOMEM;
		return NULL;
	}
	in->is_stdin = !strcmp(o->path, "-");
	in->name = in->is_stdin ? "<stdin>" : in->path;
	in->filter = o->filter;
	in->poll_ms = o->poll_ms ? o->poll_ms : 200;
	in->log = o->log ? o->log : stderr;
	in->fd = in->ifd = -1;
	return in;
}

void fr_hubble_jsonpb__free(struct fr_hubble_jsonpb *in)
{
	if (!in)
		return;
	if (in->fd >= 0 && !in->is_stdin)
		close(in->fd);
	if (in->ifd >= 0)
		close(in->ifd);
	free(in->path);
	free(in->buf);
	free(in->pb);
	free(in);
}

const struct fr_hubble_jsonpb_stats *fr_hubble_jsonpb__stats(const struct fr_hubble_jsonpb *in)
{
	return &in->st;
}

static void bad_line(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink, const char *why,
		     uint64_t now)
{
	uint64_t n = ++in->st.bad_line;

	fr_hubble_sink__lost(sink, "bad_line", 1, now, now);
	if (n <= SHOW_BAD)
		fprintf(in->log, "hubble-jsonpb: %s:%llu: bad line: %s\n", in->name,
			(unsigned long long)in->lineno, why);
	if (n == SHOW_BAD)
		fprintf(in->log, "hubble-jsonpb: %s: further bad lines are counted, not shown\n",
			in->name);
	else if (n % SUMMARY_EVERY == 0)
		fprintf(in->log, "hubble-jsonpb: %s: %llu bad lines so far (last at line %llu)\n",
			in->name, (unsigned long long)n, (unsigned long long)in->lineno);
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static int offer_pb(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink,
		    const ProtobufCMessage *m, const Flow__Flow *flow, uint64_t now)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	if (n > in->pb_cap) {
		uint8_t *grown = realloc(in->pb, n);

		if (!grown)
			return -ENOMEM;
		in->pb = grown;
		in->pb_cap = n;
	}
	n = protobuf_c_message_pack(m, in->pb);
	return fr_hubble_sink__offer(sink, FR_KIND_HUBBLE_FLOW_PB, in->pb, n, flow, now);
}

/* One line without its newline. */
static void take_line(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink, const char *s,
		      size_t len, uint64_t now)
{
	const Observer__GetFlowsResponse *resp;
	struct fr_hubble_error err;
	const Flow__Flow *flow;
	ProtobufCMessage *m;
	char why[256];
	int rc;

	in->st.lines++;
	in->lineno++;
	if (blank(s, len)) {
		in->st.blank++;
		return;
	}
	rc = fr_hubble__parse_line(&observer__get_flows_response__descriptor, s, len, &m, &err);
	if (rc < 0) {
		bad_line(in, sink,
			 rc == -ENOMEM ? "out of memory"
				       : fr_hubble__describe(&err, why, sizeof(why)),
			 now);
		return;
	}
	resp = (const Observer__GetFlowsResponse *)m;
	flow = resp->response_types_case == OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW
		       ? resp->flow
		       : NULL;
	if (in->filter && fr_hubble_filter__check(in->filter, resp, now) != FR_HUBBLE_KEEP) {
		in->st.skipped++;
	} else if (!err.unknown_keys && !err.unknown_enums) {
		/* nothing lost in the conversion: the smaller form */
		rc = offer_pb(in, sink, m, flow, now);
		if (rc == -ENOMEM)
			bad_line(in, sink, "out of memory", now);
		else
			in->st.pb++;
	} else {
		rc = fr_hubble_sink__offer(sink, FR_KIND_HUBBLE_FLOW_JSON, s, len, flow, now);
		in->st.json++;
	}
	if (rc < 0 && rc != -ENOMEM && !in->fatal) {
		in->st.refused++;
		in->fatal = rc;
	}
	fr_hubble__free(m);
}

/* Every complete line in the buffer; a partial one stays. */
static void take_lines(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink, uint64_t now)
{
	while (in->start < in->end && !in->fatal) {
		char *s = in->buf + in->start;
		size_t avail = in->end - in->start;
		char *nl = memchr(s, '\n', avail);

		if (in->skipping) {
			if (!nl) {
				in->start = in->end;
				break;
			}
			in->skipping = false;
			in->start += (size_t)(nl - s) + 1;
			continue;
		}
		if (!nl) {
			if (avail > FR_HUBBLE_MAX_MSG) {
				/* refused now, without holding 4 MiB more */
				in->st.lines++;
				in->lineno++;
				in->st.too_long++;
				bad_line(in, sink, "line over 4 MiB, skipped", now);
				in->skipping = true;
				in->start = in->end;
			}
			break;
		}
		if ((size_t)(nl - s) > FR_HUBBLE_MAX_MSG) {
			in->st.lines++;
			in->lineno++;
			in->st.too_long++;
			bad_line(in, sink, "line over 4 MiB, skipped", now);
		} else {
			take_line(in, sink, s, (size_t)(nl - s), now);
		}
		in->start += (size_t)(nl - s) + 1;
	}
	if (in->start == in->end)
		in->start = in->end = 0;
}

/* An unterminated last line, at the end of stdin or of a rotated file. */
static void take_tail(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink, uint64_t now)
{
	if (in->start < in->end && !in->skipping)
		take_line(in, sink, in->buf + in->start, in->end - in->start, now);
	in->start = in->end = 0;
	in->skipping = false;
}

/* Room for one more read: move the partial line to the front, grow up
 * to the limit (a longer line is refused before it needs more). */
static int make_room(struct fr_hubble_jsonpb *in)
{
	if (in->start) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	if (in->cap - in->end < READ_CHUNK) {
		size_t cap = in->cap * 2;
		char *grown;

		if (cap < in->end + READ_CHUNK)
			cap = in->end + READ_CHUNK;
		grown = realloc(in->buf, cap);
		if (!grown)
			return -ENOMEM;
		in->buf = grown;
		in->cap = cap;
	}
	return 0;
}

/* Reads what there is. Return: bytes read, 0 at EOF, or -errno. */
static ssize_t read_some(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink)
{
	ssize_t n;
	int rc = make_room(in);

	if (rc < 0)
		return rc;
	do
		n = read(in->fd, in->buf + in->end, in->cap - in->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n > 0) {
		in->end += (size_t)n;
		in->pos += n;
		in->st.bytes += (uint64_t)n;
		take_lines(in, sink, boot_ns());
	}
	return n;
}

static int run_stdin(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink,
		     const atomic_bool *stop)
{
	in->fd = STDIN_FILENO;
	while (!atomic_load(stop) && !in->fatal) {
		struct pollfd p = {.fd = in->fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, (int)in->poll_ms) == 0)
			continue;
		n = read_some(in, sink);
		if (n == 0) {
			take_tail(in, sink, boot_ns());
			return 0;
		}
		if (n < 0 && n != -EAGAIN) {
			fprintf(in->log, "hubble-jsonpb: failed to read <stdin>: %s\n",
				strerror((int)-n));
			return (int)n;
		}
	}
	return 0;
}

/* Watches the file's directory, where a rotation shows (create, rename). */
static void watch_dir(struct fr_hubble_jsonpb *in)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(in->path, '/');

	in->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in->ifd < 0)
		return; /* the poll timeout alone then */
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == in->path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - in->path), in->path);
	if (inotify_add_watch(in->ifd, dir,
			      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				      IN_ATTRIB | IN_CLOSE_WRITE) < 0) {
		close(in->ifd);
		in->ifd = -1;
	}
}

static void wait_change(struct fr_hubble_jsonpb *in)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (in->ifd < 0) {
		poll(NULL, 0, (int)in->poll_ms);
		return;
	}
	struct pollfd p = {.fd = in->ifd, .events = POLLIN};

	if (poll(&p, 1, (int)in->poll_ms) > 0)
		while (read(in->ifd, ev, sizeof(ev)) > 0)
			;
}

static int open_file(struct fr_hubble_jsonpb *in)
{
	struct stat sb;
	int fd = open(in->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	in->fd = fd;
	in->dev = sb.st_dev;
	in->ino = sb.st_ino;
	in->pos = 0;
	in->lineno = 0;
	in->start = in->end = 0;
	in->skipping = false;
	return 0;
}

/*
 * At the end of what is there: has the file been truncated (restart at 0)
 * or replaced (finish the old one, open the new)? Return: true when
 * reading should go on at once.
 */
static bool check_file(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink)
{
	struct stat now_sb, cur_sb;

	if (fstat(in->fd, &cur_sb) == 0 && cur_sb.st_size < in->pos) {
		if (lseek(in->fd, 0, SEEK_SET) == 0) {
			fprintf(in->log, "hubble-jsonpb: %s: truncated, reading from the start\n",
				in->name);
			in->pos = 0;
			in->lineno = 0;
			in->start = in->end = 0;
			in->skipping = false;
			in->st.reopened++;
			return true;
		}
	}
	if (stat(in->path, &now_sb) < 0 || now_sb.st_dev != in->dev || now_sb.st_ino != in->ino) {
		/* written between our last read and the rename: read it first */
		while (read_some(in, sink) > 0)
			;
		take_tail(in, sink, boot_ns());
		close(in->fd);
		in->fd = -1;
		in->st.reopened++;
		return true;
	}
	return false;
}

static int run_file(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink,
		    const atomic_bool *stop)
{
	int last_err = 0;

	watch_dir(in);
	while (!atomic_load(stop) && !in->fatal) {
		ssize_t n;

		if (in->fd < 0) {
			int rc = open_file(in);

			if (rc < 0) {
				if (rc != last_err && rc != -ENOENT)
					fprintf(in->log, "hubble-jsonpb: failed to open %s: %s\n",
						in->name, strerror(-rc));
				last_err = rc;
				wait_change(in);
				continue;
			}
			last_err = 0;
		}
		n = read_some(in, sink);
		if (n > 0)
			continue;
		if (n < 0) {
			if (n != last_err)
				fprintf(in->log, "hubble-jsonpb: failed to read %s: %s\n", in->name,
					strerror((int)-n));
			last_err = (int)n;
		}
		if (!check_file(in, sink))
			wait_change(in);
	}
	return 0;
}

int fr_hubble_jsonpb__run(struct fr_hubble_jsonpb *in, struct fr_hubble_sink *sink,
			  const atomic_bool *stop)
{
	int rc = in->is_stdin ? run_stdin(in, sink, stop) : run_file(in, sink, stop);

	if (in->st.bad_line > SHOW_BAD)
		fprintf(in->log, "hubble-jsonpb: %s: %llu bad lines in all (%llu over 4 MiB)\n",
			in->name, (unsigned long long)in->st.bad_line,
			(unsigned long long)in->st.too_long);
	if (in->fatal) {
		fprintf(in->log, "hubble-jsonpb: %s: stopped at line %llu: %s\n", in->name,
			(unsigned long long)in->lineno, strerror(-in->fatal));
		return in->fatal;
	}
	return rc;
}
