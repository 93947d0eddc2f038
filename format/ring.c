/* SPDX-License-Identifier: BSD-2-Clause */
#include "format/ring.h"
#include "format/reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

int fr_ring__name(char *buf, size_t cap, uint64_t seq, uint64_t boot_ns)
{
	const int n = snprintf(buf, cap, "seg-%08" PRIu64 "-%" PRIu64 FR_RING_SUFFIX, seq, boot_ns);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int fr_ring__host_name(char *buf, size_t cap, const char *host, uint64_t seq)
{
	int n;

	if (!host || !*host || strchr(host, '/') || !strcmp(host, ".") || !strcmp(host, ".."))
		return -EINVAL;
	n = snprintf(buf, cap, "%s-%04" PRIu64 FR_RING_SUFFIX, host, seq);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Digits only, at least one, no overflow. Return: chars read, or 0. */
static size_t parse_u64(const char *s, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		const uint64_t d = (uint64_t)(s[i] - '0');

		if (*v > (UINT64_MAX - d) / 10)
			return 0;
		*v = *v * 10 + d;
	}
	return i;
}

int fr_ring__parse(const char *name, uint64_t *seq, uint64_t *boot_ns)
{
	const char *p = name;
	size_t n;

	if (strncmp(p, "seg-", 4))
		return -EINVAL;
	p += 4;
	n = parse_u64(p, seq);
	if (!n || p[n] != '-')
		return -EINVAL;
	p += n + 1;
	n = parse_u64(p, boot_ns);
	if (!n || strcmp(p + n, FR_RING_SUFFIX))
		return -EINVAL;
	return 0;
}

static int has_suffix(const char *s)
{
	const size_t n = strlen(s), m = strlen(FR_RING_SUFFIX);

	return n > m && !strcmp(s + n - m, FR_RING_SUFFIX);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct fr_ring_entry *)a)->name,
		      ((const struct fr_ring_entry *)b)->name);
}

static int push(struct fr_ring_list *l, size_t *cap, const char *name, const struct stat *sb)
{
	struct fr_ring_entry *e;

	if (l->n == *cap) {
		const size_t grown = *cap ? *cap * 2 : 16;

		e = realloc(l->e, grown * sizeof(*e));
		if (!e)
			return -ENOMEM;
		l->e = e;
		*cap = grown;
	}
	e = &l->e[l->n];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	e->size = (uint64_t)sb->st_size;
	/* a clock set past 2262 saturates instead of wrapping to "very old" */
	if (__builtin_mul_overflow((int64_t)sb->st_mtim.tv_sec, 1000000000, &e->mtime_ns) ||
	    __builtin_add_overflow(e->mtime_ns, sb->st_mtim.tv_nsec, &e->mtime_ns))
		e->mtime_ns = sb->st_mtim.tv_sec < 0 ? INT64_MIN : INT64_MAX;
	e->ring_named = !fr_ring__parse(name, &e->seq, &(uint64_t){0});
	l->n++;
	return 0;
}

/* List the directory open as `dfd` (the fd stays open and owned by the caller). */
static int list_fd(int dfd, struct fr_ring_list *out)
{
	const int copy = dup(dfd);
	DIR *d = copy < 0 ? NULL : fdopendir(copy);
	struct dirent *de;
	size_t cap = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!d) {
		err = -errno;
		if (copy >= 0)
			close(copy);
		return err;
	}
	while (!err && (errno = 0, de = readdir(d))) {
		struct stat sb;

		if (!has_suffix(de->d_name))
			continue;
		/* gone since readdir, or not a file: not a segment of the ring */
		if (fstatat(dfd, de->d_name, &sb, 0) < 0 || !S_ISREG(sb.st_mode))
			continue;
		err = push(out, &cap, de->d_name, &sb);
	}
	if (!err && errno)
		err = -errno;
	closedir(d);
	if (err) {
		fr_ring_list__free(out);
		return err;
	}
	if (out->n)
		qsort(out->e, out->n, sizeof(*out->e), by_name);
	return 0;
}

int fr_ring__list(const char *dir, struct fr_ring_list *out)
{
	const int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	memset(out, 0, sizeof(*out));
	if (dfd < 0)
		return -errno;
	err = list_fd(dfd, out);
	close(dfd);
	return err;
}

void fr_ring_list__free(struct fr_ring_list *l)
{
	for (size_t i = 0; l && i < l->n; i++)
		free(l->e[i].name);
	if (l)
		free(l->e);
	if (l)
		memset(l, 0, sizeof(*l));
}

int fr_ring__overlaps(const char *path, int64_t from_wall_ns, int64_t to_wall_ns, int64_t margin_ns)
{
	const struct fr_segment_info *info;
	struct fr_reader *r;
	uint64_t min, max;
	int64_t lo, hi;
	int err;

	err = fr_reader__open(path, &r, NULL);
	if (err)
		return err;
	info = fr_reader__info(r);
	err = fr_reader__time_range(r, &min, &max);
	if (!err && min <= max) {
		/* boot ns to wall ns through the header's clock pair; a hostile
		 * header saturates instead of wrapping */
		if (__builtin_sub_overflow((int64_t)(min - info->boot_ns + info->wall_ns),
					   margin_ns, &lo))
			lo = INT64_MIN;
		if (__builtin_add_overflow((int64_t)(max - info->boot_ns + info->wall_ns),
					   margin_ns, &hi))
			hi = INT64_MAX;
		err = lo < to_wall_ns && hi >= from_wall_ns;
	}
	fr_reader__close(r);
	return err;
}

uint64_t fr_ring__next_seq(const struct fr_ring_list *l)
{
	uint64_t next = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].ring_named && l->e[i].seq + 1 > next)
			next = l->e[i].seq + 1;
	return next;
}

uint64_t fr_ring__total_bytes(const struct fr_ring_list *l)
{
	uint64_t total = 0;

	for (size_t i = 0; i < l->n; i++)
		total += l->e[i].size;
	return total;
}

size_t fr_ring__plan_retention(const struct fr_ring_list *l, const char *active,
			       const struct fr_ring_bounds *b, int64_t now_ns, bool *doomed)
{
	uint64_t total = 0, freed = 0;
	size_t n = 0;

	/* only the recorder's own segments count and go: a segment copied in
	 * or a bundle's host-named one is the user's, whatever its size */
	for (size_t i = 0; i < l->n; i++)
		total += l->e[i].ring_named ? l->e[i].size : 0;
	/* ring names sort by sequence number: oldest first, the active one last */
	for (size_t i = 0; i < l->n; i++) {
		const struct fr_ring_entry *e = &l->e[i];
		const bool too_big = b->max_bytes && total > b->max_bytes;
		const bool too_old = b->max_age_ns && e->mtime_ns < now_ns &&
				     (uint64_t)(now_ns - e->mtime_ns) > b->max_age_ns;
		const bool too_full = freed < b->free_needed;

		doomed[i] = e->ring_named && (!active || strcmp(e->name, active)) &&
			    (too_big || too_old || too_full) &&
			    !(b->pinned && b->pinned(b->pin_ctx, e));
		if (doomed[i]) {
			total -= e->size;
			freed += e->size;
			n++;
		}
	}
	return n;
}

int fr_ring__remove(const char *dir, struct fr_ring_list *l, const bool *doomed, uint64_t *deleted,
		    uint64_t *bytes)
{
	const int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t kept = 0;
	int err = 0;

	if (dfd < 0)
		return -errno;
	for (size_t i = 0; i < l->n; i++) {
		if (!doomed[i]) {
			l->e[kept++] = l->e[i];
			continue;
		}
		if (unlinkat(dfd, l->e[i].name, 0) < 0 && errno != ENOENT) {
			err = err ?: -errno;
			l->e[kept++] = l->e[i]; /* still there: retried next time */
			continue;
		}
		if (deleted)
			(*deleted)++;
		if (bytes)
			*bytes += l->e[i].size;
		free(l->e[i].name);
	}
	l->n = kept;
	close(dfd);
	return err;
}

int fr_ring__enforce(const char *dir, const char *active, const struct fr_ring_bounds *b,
		     uint64_t *deleted, uint64_t *bytes)
{
	struct fr_ring_list l = {0};
	struct timespec now;
	bool *doomed = NULL;
	int err;

	if (!b->max_bytes && !b->max_age_ns && !b->free_needed)
		return 0;
	err = fr_ring__list(dir, &l);
	if (!err && !(doomed = calloc(l.n ? l.n : 1, sizeof(*doomed))))
		err = -ENOMEM;
	if (!err) {
		clock_gettime(CLOCK_REALTIME, &now);
		if (fr_ring__plan_retention(&l, active, b,
					    (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, doomed))
			err = fr_ring__remove(dir, &l, doomed, deleted, bytes);
	}
	free(doomed);
	fr_ring_list__free(&l);
	return err;
}

static void space(const struct statvfs *vfs, uint64_t *size, uint64_t *avail)
{
	*size = (uint64_t)vfs->f_blocks * vfs->f_frsize;
	*avail = (uint64_t)vfs->f_bavail * vfs->f_frsize;
}

int fr_ring__fs_space(int fd, uint64_t *size, uint64_t *avail)
{
	struct statvfs vfs;

	if (fstatvfs(fd, &vfs) < 0)
		return -errno;
	space(&vfs, size, avail);
	return 0;
}

int fr_ring__free_shortfall(const char *dir, unsigned min_free_pct, uint64_t *shortfall)
{
	struct statvfs vfs;
	uint64_t size, avail, want;

	*shortfall = 0;
	if (min_free_pct > 100)
		return -EINVAL;
	if (statvfs(dir, &vfs) < 0)
		return -errno;
	space(&vfs, &size, &avail);
	want = size / 100 * min_free_pct + size % 100 * min_free_pct / 100;
	*shortfall = avail < want ? want - avail : 0;
	return 0;
}
