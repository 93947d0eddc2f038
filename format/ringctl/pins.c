/* SPDX-License-Identifier: BSD-2-Clause */
#include "format/ringctl/pins.h"
#include "format/ringctl/ringctl_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fr_pin_verdict {
	char *name;
	bool pinned;
};

int fr_pins__init(struct fr_pins *p, const char *dir)
{
	memset(p, 0, sizeof(*p));
	p->dir = strdup(dir);
	return p->dir ? 0 : -ENOMEM;
}

static void forget_verdicts(struct fr_pins *p)
{
	for (size_t i = 0; i < p->ncache; i++)
		free(p->cache[i].name);
	p->ncache = 0;
}

void fr_pins__free(struct fr_pins *p)
{
	if (!p)
		return;
	forget_verdicts(p);
	free(p->cache);
	free(p->dir);
	memset(p, 0, sizeof(*p));
}

bool fr_pin__name_ok(const char *name)
{
	size_t n = 0;

	for (; name[n]; n++)
		if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= 'A' && name[n] <= 'Z') ||
		      (name[n] >= '0' && name[n] <= '9') || strchr("._-", name[n])))
			return false;
	return n > 0 && n < FR_PIN_NAME_MAX;
}

int fr_pins__parse(struct fr_pins *p, const char *text, size_t len, char *why, size_t cap)
{
	struct fr_pin pins[FR_PINS_MAX];
	json_int_t max_pinned = 0;
	json_error_t jerr;
	json_t *root, *arr = NULL, *e;
	size_t i, n = 0;
	int err = 0;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fr_ringctl__say(why, cap, -EINVAL, "not JSON: line %d: %s", jerr.line,
				       jerr.text);
	if (json_unpack_ex(root, &jerr, JSON_STRICT, "{s?I,s?I,s:o}", "version", &(json_int_t){0},
			   "max_pinned", &max_pinned, "pins", &arr) ||
	    !json_is_array(arr) || max_pinned < 0)
		err = fr_ringctl__say(
			why, cap, -EINVAL,
			"expected {\"version\", \"max_pinned\": BYTES, \"pins\": [...]}");
	if (!err && json_array_size(arr) > FR_PINS_MAX)
		err = fr_ringctl__say(why, cap, -EINVAL, "%zu pins: at most %d",
				      json_array_size(arr), FR_PINS_MAX);
	for (i = 0; !err && i < json_array_size(arr); i++) {
		const char *name = NULL;
		json_int_t from, to;

		e = json_array_get(arr, i);
		if (json_unpack_ex(e, &jerr, JSON_STRICT, "{s:s,s:I,s:I}", "name", &name, "from_ns",
				   &from, "to_ns", &to) ||
		    !fr_pin__name_ok(name) || from >= to) {
			err = fr_ringctl__say(
				why, cap, -EINVAL,
				"pin %zu: expected {\"name\": [A-Za-z0-9._-]{1,63}, "
				"\"from_ns\": NS, \"to_ns\": NS} with from_ns < to_ns",
				i);
			break;
		}
		for (size_t j = 0; j < n; j++)
			if (!strcmp(pins[j].name, name))
				err = fr_ringctl__say(why, cap, -EINVAL, "pin name %s twice", name);
		snprintf(pins[n].name, sizeof(pins[n].name), "%s", name);
		pins[n].from_ns = from;
		pins[n++].to_ns = to;
	}
	json_decref(root);
	if (err)
		return err;
	memcpy(p->pin, pins, n * sizeof(pins[0]));
	p->n = n;
	p->max_pinned = (uint64_t)max_pinned;
	forget_verdicts(p);
	return 0;
}

char *fr_pins__dump(const struct fr_pins *p)
{
	json_t *root = json_pack("{s:i,s:I,s:[]}", "version", 1, "max_pinned",
				 (json_int_t)p->max_pinned, "pins");
	json_t *arr = root ? json_object_get(root, "pins") : NULL;
	char *s = NULL;

	for (size_t i = 0; arr && i < p->n; i++)
		if (json_array_append_new(arr, json_pack("{s:s,s:I,s:I}", "name", p->pin[i].name,
							 "from_ns", (json_int_t)p->pin[i].from_ns,
							 "to_ns", (json_int_t)p->pin[i].to_ns)))
			arr = NULL;
	if (arr)
		s = json_dumps(root, JSON_INDENT(1));
	json_decref(root);
	return s;
}

static int file_path(const struct fr_pins *p, const char *name, char *buf, size_t cap)
{
	const int n = snprintf(buf, cap, "%s/%s", p->dir, name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static void remember_stat(struct fr_pins *p, const struct stat *sb)
{
	p->have_stat = sb != NULL;
	if (!sb)
		return;
	p->dev = sb->st_dev;
	p->ino = sb->st_ino;
	p->size = sb->st_size;
	p->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

int fr_pins__load(struct fr_pins *p, char *why, size_t cap)
{
	char path[PATH_MAX], *text;
	struct stat sb;
	ssize_t got;
	int fd, err;

	err = file_path(p, FR_PINS_FILE, path, sizeof(path));
	if (err)
		return fr_ringctl__say(why, cap, err, "%s: path too long", p->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		p->n = 0;
		forget_verdicts(p);
		remember_stat(p, NULL);
		return 0;
	}
	if (fd < 0 || fstat(fd, &sb) < 0) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return fr_ringctl__say(why, cap, err, "%s: %s", path, strerror(-err));
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > FR_PINS_FILE_MAX) {
		close(fd);
		return fr_ringctl__say(why, cap, -EINVAL,
				       "%s: not a regular file of at most %d bytes", path,
				       FR_PINS_FILE_MAX);
	}
	text = malloc((size_t)sb.st_size + 1);
	got = text ? read(fd, text, (size_t)sb.st_size) : -1;
	err = got < 0 ? -errno : got != sb.st_size ? -EIO : 0;
	close(fd);
	if (!err) {
		char inner[200];

		err = fr_pins__parse(p, text, (size_t)got, inner, sizeof(inner));
		if (err)
			fr_ringctl__say(why, cap, err, "%s: %s", path, inner);
	} else {
		fr_ringctl__say(why, cap, err, "%s: %s", path, strerror(-err));
	}
	free(text);
	if (!err)
		remember_stat(p, &sb);
	return err;
}

int fr_pins__save(struct fr_pins *p)
{
	char path[PATH_MAX], tmp[PATH_MAX], *text = fr_pins__dump(p);
	struct stat sb;
	int fd = -1, err, dfd;

	if (!text)
		return -ENOMEM;
	err = file_path(p, FR_PINS_FILE, path, sizeof(path));
	err = err ?: file_path(p, "." FR_PINS_FILE ".XXXXXX", tmp, sizeof(tmp));
	if (!err) {
		fd = mkstemp(tmp); /* 0600 */
		err = fd < 0 ? -errno : 0;
	}
	if (!err)
		err = fr_ringctl__write_all(fd, text, strlen(text), false);
	if (!err)
		err = fr_ringctl__write_all(fd, "\n", 1, false);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (!err && fstat(fd, &sb) < 0)
		err = -errno;
	if (fd >= 0 && close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err && fd >= 0)
		unlink(tmp);
	free(text);
	if (err)
		return err;
	/* the rename is durable only once the directory is */
	dfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	remember_stat(p, &sb);
	forget_verdicts(p);
	return 0;
}

int fr_pins__refresh(struct fr_pins *p)
{
	char path[PATH_MAX];
	struct stat sb;
	bool same;
	int err;

	if (file_path(p, FR_PINS_FILE, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (stat(path, &sb) < 0) {
		if (errno != ENOENT)
			return p->load_err = -errno;
		same = !p->have_stat;
	} else {
		same = p->have_stat && sb.st_dev == p->dev && sb.st_ino == p->ino &&
		       sb.st_size == p->size &&
		       (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec == p->mtime_ns;
	}
	if (same)
		return 0;
	err = fr_pins__load(p, NULL, 0);
	p->load_err = err;
	return err ? err : 1;
}

static bool overlaps_pin(const char *path, const struct fr_pin *pin, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const int rc =
			fr_ring__overlaps(path, pin[i].from_ns, pin[i].to_ns, FR_PINS_MARGIN_NS);

		if (rc != 0)
			return true; /* overlaps, or unreadable: kept */
	}
	return false;
}

bool fr_pins__pinned(void *ctx, const struct fr_ring_entry *e)
{
	struct fr_pins *p = ctx;
	char path[PATH_MAX];
	bool pinned;

	fr_pins__refresh(p);
	if (!p->n)
		return false;
	for (size_t i = 0; i < p->ncache; i++)
		if (!strcmp(p->cache[i].name, e->name))
			return p->cache[i].pinned;
	if (file_path(p, e->name, path, sizeof(path)))
		return true;
	pinned = overlaps_pin(path, p->pin, p->n);
	if (p->ncache == p->cache_cap) {
		const size_t cap = p->cache_cap ? 2 * p->cache_cap : 16;
		struct fr_pin_verdict *c = realloc(p->cache, cap * sizeof(*c));

		if (!c)
			return pinned;
		p->cache = c;
		p->cache_cap = cap;
	}
	p->cache[p->ncache].name = strdup(e->name);
	if (p->cache[p->ncache].name)
		p->cache[p->ncache++].pinned = pinned;
	return pinned;
}

int fr_pins__usage(const struct fr_pins *p, const struct fr_pin *extra, const char *active,
		   uint64_t active_max, struct fr_pin_usage *u)
{
	struct fr_ring_list l;
	char path[PATH_MAX];
	int err;

	memset(u, 0, sizeof(*u));
	err = fr_ring__list(p->dir, &l);
	if (err)
		return err;
	for (size_t i = 0; i < l.n; i++) {
		const struct fr_ring_entry *e = &l.e[i];
		uint64_t size = e->size;
		bool mine, any;

		/* only the recorder's segments are ever deleted */
		if (!e->ring_named || file_path(p, e->name, path, sizeof(path)))
			continue;
		if (active && !strcmp(e->name, active) && active_max > size)
			size = active_max;
		mine = extra && overlaps_pin(path, extra, 1);
		any = mine || overlaps_pin(path, p->pin, p->n);
		if (mine) {
			u->pin_segments++;
			u->pin_bytes += size;
		}
		if (any) {
			u->segments++;
			u->bytes += size;
		}
	}
	fr_ring_list__free(&l);
	return 0;
}

static const struct fr_pin *find(const struct fr_pins *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->pin[i].name, name))
			return &p->pin[i];
	return NULL;
}

int fr_pins__add(struct fr_pins *p, struct fr_pin *pin, const char *active, uint64_t active_max,
		 struct fr_pin_usage *u, char *why, size_t cap)
{
	int err;

	if (!pin->name[0])
		for (unsigned k = 1; k <= FR_PINS_MAX + 1; k++) {
			snprintf(pin->name, sizeof(pin->name), "pin-%u", k);
			if (!find(p, pin->name))
				break;
		}
	if (!fr_pin__name_ok(pin->name))
		return fr_ringctl__say(why, cap, -EINVAL,
				       "bad pin name '%s': 1-63 of A-Z a-z 0-9 . _ -", pin->name);
	if (pin->from_ns >= pin->to_ns)
		return fr_ringctl__say(why, cap, -EINVAL,
				       "the window's start is not before its end");
	if (find(p, pin->name))
		return fr_ringctl__say(why, cap, -EEXIST,
				       "a pin named %s exists: unpin it or choose --name",
				       pin->name);
	if (p->n == FR_PINS_MAX)
		return fr_ringctl__say(why, cap, -E2BIG, "%d pins already: unpin some first",
				       FR_PINS_MAX);
	err = fr_pins__usage(p, pin, active, active_max, u);
	if (err)
		return fr_ringctl__say(why, cap, err, "cannot list %s: %s", p->dir, strerror(-err));
	if (!u->pin_segments)
		return fr_ringctl__say(why, cap, -ENOENT,
				       "no segment of %s holds the window (deleted already, or not "
				       "recorded): nothing to pin",
				       p->dir);
	if (p->max_pinned && u->bytes > p->max_pinned)
		return fr_ringctl__say(
			why, cap, -ENOSPC,
			"refused: the window's %zu segments hold %llu bytes; pinned with the "
			"others %llu bytes, over the pinned bound of %llu bytes (unpin "
			"something, narrow the window, or raise --max-pinned)",
			u->pin_segments, (unsigned long long)u->pin_bytes,
			(unsigned long long)u->bytes, (unsigned long long)p->max_pinned);
	p->pin[p->n++] = *pin;
	err = fr_pins__save(p);
	if (err) {
		p->n--;
		return fr_ringctl__say(why, cap, err, "cannot write %s/%s: %s", p->dir,
				       FR_PINS_FILE, strerror(-err));
	}
	return 0;
}

int fr_pins__remove(struct fr_pins *p, const char *name, int64_t from_ns, int64_t to_ns,
		    size_t *removed, char *why, size_t cap)
{
	struct fr_pins before = *p;
	size_t kept = 0;
	int err;

	*removed = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct fr_pin *q = &p->pin[i];
		const bool match =
			name ? !strcmp(q->name, name) : q->from_ns < to_ns && from_ns < q->to_ns;

		if (match)
			(*removed)++;
		else
			p->pin[kept++] = *q;
	}
	p->n = kept;
	if (!*removed && name)
		return fr_ringctl__say(why, cap, -ENOENT, "no pin named %s", name);
	if (!*removed)
		return fr_ringctl__say(why, cap, -ENOENT, "no pin overlaps that window");
	err = fr_pins__save(p);
	if (err) {
		memcpy(p->pin, before.pin, sizeof(p->pin));
		p->n = before.n;
		return fr_ringctl__say(why, cap, err, "cannot write %s/%s: %s", p->dir,
				       FR_PINS_FILE, strerror(-err));
	}
	return 0;
}
