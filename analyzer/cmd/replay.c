/* SPDX-License-Identifier: BSD-2-Clause */
/* The replay's command line and output file; the replay itself is
 * analyzer/replay/pipeline.c. */
#include "analyzer/cmd/replay.h"
#include "analyzer/cmd/cli.h"
#include "analyzer/db/db.h"
#include "analyzer/replay/pipeline.h"
#include "analyzer/segset.h"
#include "format/meta/kubeobj.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: flightrec replay [--ignore-errors] [--force] [--kube-snapshot FILE]... -o OUT.db "
	"INPUT...\n"
	"  INPUT is a segment file or a ring directory of *.frseg files.\n"
	"  --kube-snapshot FILE  kubectl get pods,services,endpointslices,nodes,namespaces,\n"
	"                   replicasets -A -o json output: the cluster as of the recording's\n"
	"                   start, for recordings made without API access (repeatable)\n"
	"  --ignore-errors  keep what is readable; what was skipped is printed and\n"
	"                   recorded in the replay_errors table\n"
	"  --force          replace OUT.db even when it is not a SQLite database\n"
	"  OUT.db is written under a temporary name and renamed when complete; it\n"
	"  is as private as the inputs (0600, or 0640 when they are group-readable).\n";

static int is_sqlite_file(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	FILE *f = fopen(path, "rbe");
	size_t n = f ? fread(head, 1, sizeof(head), f) : 0;

	if (f)
		fclose(f);
	return n == sizeof(head) && !memcmp(head, magic, sizeof(head));
}

/*
 * What may be replaced: nothing that is an input, a directory, or an
 * existing file that is not a database (unless forced). Also the mode of
 * the new database: no wider than any input's, never world-readable.
 */
static int check_output(const char *out, const struct fr_segset *set, int force, mode_t *mode)
{
	struct stat ob, ib;
	const int exists = !stat(out, &ob), stat_errno = errno;

	*mode = 0640;
	for (size_t i = 0; i < set->n; i++) {
		if (stat(set->paths[i], &ib) < 0)
			continue; /* reported when it is opened */
		if (exists && ib.st_dev == ob.st_dev && ib.st_ino == ob.st_ino) {
			fprintf(stderr, "flightrec: replay: -o %s is one of the inputs\n", out);
			return -EINVAL;
		}
		*mode &= ib.st_mode | 0600;
	}
	if (!exists && stat_errno != ENOENT)
		fprintf(stderr, "flightrec: replay: -o %s: %s\n", out, strerror(stat_errno));
	if (!exists)
		return stat_errno == ENOENT ? 0 : -stat_errno;
	if (S_ISDIR(ob.st_mode)) {
		fprintf(stderr, "flightrec: replay: -o %s is a directory\n", out);
		return -EISDIR;
	}
	if (!force && (!S_ISREG(ob.st_mode) || (ob.st_size && !is_sqlite_file(out)))) {
		fprintf(stderr,
			"flightrec: replay: -o %s exists and is not a SQLite database; "
			"--force replaces it\n",
			out);
		return -EEXIST;
	}
	return 0;
}

/* An empty file of `mode` next to `out`, under a name nobody else uses:
 * SQLite then keeps that mode, and rename() makes the result appear whole. */
static int create_tmp(const char *out, mode_t mode, char *tmp, size_t cap)
{
	const char *slash = strrchr(out, '/');
	const int dirlen = slash ? (int)(slash - out + 1) : 0;
	int fd;

	if (snprintf(tmp, cap, "%.*s.flightrec-replay-XXXXXX", dirlen, out) >= (int)cap)
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0 || fchmod(fd, mode) < 0) {
		const int err = -errno;

		fprintf(stderr, "flightrec: replay: cannot create the output next to %s: %s\n", out,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return err;
	}
	close(fd);
	return 0;
}

struct replay_args {
	const char *out;
	int ignore_errors, force;
	const char **kube_files;
	size_t nkube;
};

static int option(int c, const char *arg, void *ctx)
{
	struct replay_args *a = ctx;

	if (c == 'o')
		a->out = arg;
	else if (c == 'i')
		a->ignore_errors = 1;
	else if (c == 'f')
		a->force = 1;
	else if (c == 'k') {
		const char **more = realloc(a->kube_files, (a->nkube + 1) * sizeof(*more));

		if (!more)
			return -1;
		a->kube_files = more;
		more[a->nkube++] = arg;
	} else
		return -1;
	return 0;
}

/* The --kube-snapshot files as one snapshot. Return: 0 or -errno. */
static int kube_snapshot(const struct replay_args *a, char **json)
{
	struct fr_kube_snapshot_stats st;
	char why[1024];
	int err;

	*json = NULL;
	if (!a->nkube)
		return 0;
	err = fr_kube__snapshot_from_files(a->kube_files, a->nkube, NULL, json, &st, why,
					   sizeof(why));
	if (err)
		fprintf(stderr, "flightrec: replay: --kube-snapshot %s\n",
			err == -ENOMEM ? strerror(ENOMEM) : why);
	else
		fprintf(stderr,
			"flightrec: replay: --kube-snapshot: %zu pods, %zu services, %zu endpoint "
			"slices, %zu nodes, %zu namespaces\n",
			st.objects[FR_KUBE_POD], st.objects[FR_KUBE_SERVICE],
			st.objects[FR_KUBE_ENDPOINTSLICE], st.objects[FR_KUBE_NODE],
			st.objects[FR_KUBE_NAMESPACE]);
	return err;
}

int fr_cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"ignore-errors", no_argument, NULL, 'i'},
					     {"force", no_argument, NULL, 'f'},
					     {"kube-snapshot", required_argument, NULL, 'k'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct replay_args a = {0};
	struct fr_pipeline_opts po = {0};
	struct fr_segset set = {0};
	const char *out;
	sqlite3 *db = NULL;
	char tmp[4096], *kube = NULL;
	uint64_t problems = 0;
	int err, created = 0;
	mode_t mode = 0600;

	err = fr_cli__options(argc, argv, "o:h", opts, usage, option, &a);
	if (err != FR_CLI_OPERANDS) {
		free(a.kube_files);
		return err;
	}
	out = a.out;
	if (!out || optind >= argc) {
		free(a.kube_files);
		return fr_cli__usage_error("replay",
					   out ? "no INPUT given" : "-o OUT.db is required", usage);
	}
	/* before anything is written: a bad file is the user's to fix */
	err = kube_snapshot(&a, &kube);
	free(a.kube_files);
	if (err)
		return 1;
	po.kube_snapshot = kube;
	po.ignore_errors = a.ignore_errors;
	po.progress = isatty(STDERR_FILENO);
	err = fr_segset__collect(&set, argv + optind, argc - optind);
	if (!err && !set.n) {
		fprintf(stderr, "flightrec: replay: no segments in the inputs\n");
		err = -ENOENT;
	}
	if (!err)
		err = check_output(out, &set, a.force, &mode);
	if (!err) {
		err = create_tmp(out, mode, tmp, sizeof(tmp));
		created = !err;
	}
	if (!err)
		err = fr_db__create(tmp, &db);
	if (!err)
		err = fr_pipeline__run(db, set.paths, set.n, &po, &problems);
	fr_db__close(db);
	if (!err && rename(tmp, out)) {
		err = -errno;
		fprintf(stderr, "flightrec: replay: cannot rename %s to %s: %s\n", tmp, out,
			strerror(errno));
	}
	if (err && created)
		unlink(tmp);
	fr_segset__free(&set);
	free(kube);
	if (err) {
		fprintf(stderr, "flightrec: replay failed: %s\n", strerror(-err));
		return 1;
	}
	if (problems)
		fprintf(stderr,
			"flightrec: replay: %" PRIu64
			" problems skipped (see table replay_errors in %s)\n",
			problems, out);
	return 0;
}
