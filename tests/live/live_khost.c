/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live `metrics --by comm` on a host without Kubernetes: processes of two
 * programs (fr_ident_child run through symlinks named frc_alpha and
 * frc_beta, which become their comm) make known numbers of getppid calls
 * in a fresh cgroup that the recorder selects (with the proc family, whose
 * execs name processes); after replay, the ebpf_syscall_count series of
 * each comm and of the cgroup must equal what the programs did, exactly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_util.h"

#define KIDS 5 /* even: frc_alpha, odd: frc_beta */

static const char *const comms[2] = {"frc_alpha", "frc_beta"};

static long calls_of(int kid)
{
	return 3000 + 1500L * kid;
}

struct by_sums {
	const char *label;   /* "comm" or "cgroup" */
	char cgroup[2][300]; /* accepted cgroup values: path, id */
	uint64_t comm[2], cgroup_calls[2], other;
};

/* csv: family,type,time_ns,labels,le,value; labels "comm=X;syscall=Y". */
static void take_row(struct by_sums *s, char *line)
{
	char *labels, *value = strrchr(line, ',');
	char name[320];

	if (!value || strncmp(line, "ebpf_syscall_count,", 19))
		return;
	labels = strchr(strchr(strchr(line, ',') + 1, ',') + 1, ',') + 1;
	if (!strstr(labels, ";syscall=getppid,"))
		return;
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "comm=%s;", comms[i]);
		if (!strncmp(labels, name, strlen(name))) {
			s->comm[i] += strtoull(value + 1, NULL, 10);
			return;
		}
		snprintf(name, sizeof(name), "cgroup=%s;", s->cgroup[i]);
		if (!strncmp(labels, name, strlen(name))) {
			s->cgroup_calls[i] += strtoull(value + 1, NULL, 10);
			return;
		}
	}
	s->other += strtoull(value + 1, NULL, 10);
}

static void metrics_by(const char *fr, const char *db, struct by_sums *s)
{
	char cmd[1024], line[2048];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "'%s' metrics '%s' --format csv --family ebpf_syscall_count --by %s", fr, db,
		 s->label);
	p = popen(cmd, "r");
	CHECK(p != NULL, "popen %s", cmd);
	while (fgets(line, sizeof(line), p))
		take_row(s, line);
	CHECK(pclose(p) == 0, "%s failed", cmd);
}

/* Symlinks frc_alpha, frc_beta to fr_ident_child (next to this binary) in `dir`. */
static void make_links(char *dir, size_t cap)
{
	char self[512], target[600], link[700];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	CHECK(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	CHECK(strrchr(self, '/') != NULL, "no directory in %s", self);
	*strrchr(self, '/') = '\0';
	snprintf(target, sizeof(target), "%s/fr_ident_child", self);
	CHECK(!access(target, X_OK), "%s: %s", target, strerror(errno));
	live_mkdtemp(dir, cap);
	for (int i = 0; i < 2; i++) {
		snprintf(link, sizeof(link), "%s/%s", dir, comms[i]);
		CHECK(!symlink(target, link), "symlink %s: %s", link, strerror(errno));
	}
}

/* Fork a kid into `cg` and exec it through its link; return its pid. */
static pid_t run_kid(const char *links, const char *cg, int kid)
{
	char path[700], arg[32];
	int go[2];
	char c;
	pid_t pid;

	CHECK(!pipe(go), "pipe: %s", strerror(errno));
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		snprintf(path, sizeof(path), "%s/%s", links, comms[kid % 2]);
		snprintf(arg, sizeof(arg), "%ld", calls_of(kid));
		execl(path, comms[kid % 2], arg, (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	live_cgroup__join(cg, pid);
	CHECK(write(go[1], "g", 1) == 1, "release kid");
	close(go[1]);
	return pid;
}

int live_scenario_by_comm(const char *recorder)
{
	const char *args[] = {"--families", "syscalls,proc", "--cgroup", NULL, NULL};
	struct by_sums comm = {.label = "comm"}, cgroup = {.label = "cgroup"};
	uint64_t want[2] = {0, 0};
	char links[256], cg[256], db[300];
	struct live_recorder r;
	struct stat st;
	const char *fr, *rel;
	int rc, status;

	live_require_bpf();
	if ((rc = live_cgroup__create(cg, sizeof(cg))))
		return rc;
	make_links(links, sizeof(links));
	args[3] = cg;
	live_recorder__start(&r, recorder, args);
	for (int k = 0; k < KIDS; k++) {
		const pid_t pid = run_kid(links, cg, k);

		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
		      "kid %d status 0x%x", k, status);
		want[k % 2] += (uint64_t)calls_of(k);
	}
	usleep(1500000); /* an interval flush after the last kid */
	live_recorder__stop(&r);
	/* the cgroup is known by its path (host metadata) or its id (the inode) */
	CHECK(!stat(cg, &st), "stat %s: %s", cg, strerror(errno));
	rel = strstr(cg, "/flightrec-live-");
	snprintf(cgroup.cgroup[0], sizeof(cgroup.cgroup[0]), "%s", rel ? rel : cg);
	snprintf(cgroup.cgroup[1], sizeof(cgroup.cgroup[1]), "%llu", (unsigned long long)st.st_ino);
	rmdir(cg);

	fr = live_replay(r.dir, db, sizeof(db));
	metrics_by(fr, db, &comm);
	metrics_by(fr, db, &cgroup);
	printf("by_comm: %s made %llu getppid, %s %llu; metrics --by comm: %llu, %llu (other "
	       "comms %llu); --by cgroup: %s %llu, %s %llu (other %llu)\n",
	       comms[0], (unsigned long long)want[0], comms[1], (unsigned long long)want[1],
	       (unsigned long long)comm.comm[0], (unsigned long long)comm.comm[1],
	       (unsigned long long)comm.other, cgroup.cgroup[0],
	       (unsigned long long)cgroup.cgroup_calls[0], cgroup.cgroup[1],
	       (unsigned long long)cgroup.cgroup_calls[1], (unsigned long long)cgroup.other);
	CHECK(comm.comm[0] == want[0] && comm.comm[1] == want[1], "getppid per comm");
	CHECK(comm.other == 0, "getppid under other comms");
	CHECK(cgroup.cgroup_calls[0] + cgroup.cgroup_calls[1] == want[0] + want[1] &&
		      cgroup.other == 0,
	      "getppid per cgroup");
	return 0;
}
