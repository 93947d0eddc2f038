/* SPDX-License-Identifier: BSD-2-Clause */
#include "probes.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cgroup_filter.h"
#include "format/host.h"

#include "drop.skel.h"
#include "file.skel.h"
#include "mem.skel.h"
#include "net.skel.h"
#include "proc.skel.h"
#include "sched.skel.h"
#include "syscall.skel.h"

#define PROG_OPTIONAL 1u /* the family runs without it */
#define PROG_TRACEFS  2u /* `raw` is a tracepoint program: needs tracefs, no tp_btf twin */

struct prog_spec {
	const char *tp;	 /* tracepoint: "sched_switch", or "syscalls/sys_enter_read" */
	const char *btf; /* tp_btf program, NULL when there is none */
	const char *raw; /* raw_tp (or tracepoint) program */
	unsigned flags;
};

struct family_spec {
	int (*open)(struct fr_family_probe *f);
	const char *agg_map; /* NULL: no aggregate mode */
	const struct prog_spec *progs;
	unsigned nprogs;
	const char *oncpu; /* raw_tp program run on every CPU (fr_probes__run_oncpu), or NULL */
};

/* Skeleton types differ per object; these give every one the same shape. */
#define SKEL_OPENER(x)                                                                             \
	static void x##_skel_destroy(void *s)                                                      \
	{                                                                                          \
		x##_bpf__destroy(s);                                                               \
	}                                                                                          \
	static int x##_skel_open(struct fr_family_probe *f)                                        \
	{                                                                                          \
		struct x##_bpf *s = x##_bpf__open();                                               \
		if (!s)                                                                            \
			return -errno;                                                             \
		f->skel = s;                                                                       \
		f->obj = s->obj;                                                                   \
		f->destroy = x##_skel_destroy;                                                     \
		return 0;                                                                          \
	}
SKEL_OPENER(proc)
SKEL_OPENER(syscall)
SKEL_OPENER(net)
SKEL_OPENER(drop)
SKEL_OPENER(file)
SKEL_OPENER(sched)
SKEL_OPENER(mem)

#define TP(name, prog)                                                                             \
	{                                                                                          \
		name, prog "_btf", prog "_raw", 0                                                  \
	}
#define TP_OPT(name, prog)                                                                         \
	{                                                                                          \
		name, prog "_btf", prog "_raw", PROG_OPTIONAL                                      \
	}
#define SYSCALL_TP(sc)                                                                             \
	{"syscalls/sys_enter_" #sc, NULL, "handle_enter_" #sc, PROG_TRACEFS},                      \
	{                                                                                          \
		"syscalls/sys_exit_" #sc, NULL, "handle_exit_" #sc, PROG_TRACEFS                   \
	}

static const struct prog_spec proc_progs[] = {
	TP("sched_process_exec", "handle_exec"),
	TP("sched_process_exit", "handle_exit"),
	TP("sched_process_fork", "handle_fork"),
};
static const struct prog_spec syscall_progs[] = {
	TP_OPT("sys_enter", "handle_sys_enter"),
	TP_OPT("sys_exit", "handle_sys_exit"),
};
static const struct prog_spec net_progs[] = {
	TP("inet_sock_set_state", "handle_set_state"),
	TP("tcp_destroy_sock", "handle_destroy_sock"), /* since 4.16; min. 5.8 */
	TP_OPT("tcp_retransmit_skb", "handle_retransmit"),
	TP_OPT("tcp_retransmit_synack", "handle_retransmit_synack"),
	TP_OPT("tcp_send_reset", "handle_send_reset"),
	TP_OPT("tcp_receive_reset", "handle_receive_reset"),
	TP_OPT("tcp_rcv_space_adjust", "handle_rtt"),
	TP_OPT("sock_send_length", "handle_send_length"),
	TP_OPT("sock_recv_length", "handle_recv_length"),
};
static const struct prog_spec drop_progs[] = {
	TP("kfree_skb", "handle_kfree_skb"),
};
static const struct prog_spec file_progs[] = {
	SYSCALL_TP(read),     SYSCALL_TP(write),	   SYSCALL_TP(pread64),
	SYSCALL_TP(pwrite64), SYSCALL_TP(readv),	   SYSCALL_TP(writev),
	SYSCALL_TP(preadv),   SYSCALL_TP(pwritev),	   SYSCALL_TP(preadv2),
	SYSCALL_TP(pwritev2), SYSCALL_TP(copy_file_range), SYSCALL_TP(sendfile64),
	SYSCALL_TP(splice),   SYSCALL_TP(openat),
};
_Static_assert(sizeof(file_progs) / sizeof(file_progs[0]) <= FR_PROBE_MAX_LINKS,
	       "FR_PROBE_MAX_LINKS below the file family's programs");
static const struct prog_spec sched_progs[] = {
	TP("sched_switch", "handle_switch"),
	TP("sched_wakeup", "handle_wakeup"),
	TP("sched_wakeup_new", "handle_wakeup_new"),
};
static const struct prog_spec mem_progs[] = {
	TP_OPT("page_fault_user", "handle_fault_user"),
	TP_OPT("page_fault_kernel", "handle_fault_kernel"),
	TP_OPT("kmalloc", "handle_kmalloc"),
	TP_OPT("mm_page_alloc", "handle_page_alloc"),
	TP("mark_victim", "handle_oom"),
};

#define SPEC_ONCPU(x, agg, progs, oncpu)                                                           \
	{                                                                                          \
		x##_skel_open, agg, progs, sizeof(progs) / sizeof(progs[0]), oncpu                 \
	}
#define SPEC(x, agg, progs) SPEC_ONCPU(x, agg, progs, NULL)
static const struct family_spec family_specs[FR_FAM_COUNT] = {
	[FR_FAM_PROC] = SPEC(proc, NULL, proc_progs),
	[FR_FAM_SYSCALLS] = SPEC(syscall, "syscall_agg", syscall_progs),
	[FR_FAM_NET] = SPEC(net, NULL, net_progs),
	[FR_FAM_DROP] = SPEC(drop, NULL, drop_progs),
	[FR_FAM_FILE] = SPEC(file, "file_agg", file_progs),
	[FR_FAM_SCHED] = SPEC_ONCPU(sched, "sched_agg", sched_progs, "book_oncpu"),
	[FR_FAM_MEM] = SPEC(mem, "mem_agg", mem_progs),
};

static const char *const loss_names[FR_LOSS_MAX] = {
	[FR_LOSS_RINGBUF_FULL] = "ringbuf_full",
	[FR_LOSS_AGG_MAP_FULL] = "agg_map_full",
	[FR_LOSS_TRACK_MAP_FULL] = "track_map_full",
};

const char *fr_loss__name(unsigned reason)
{
	return reason < FR_LOSS_MAX ? loss_names[reason] : "unknown";
}

/* A two-instruction program: "return 0". */
static int load_trivial(enum bpf_prog_type type, const struct bpf_prog_load_opts *opts)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(type, NULL, "GPL", insns, 2, opts);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int fr_probes__bpf_permitted(void)
{
	return load_trivial(BPF_PROG_TYPE_SOCKET_FILTER, NULL);
}

/* Does the kernel take a tp_btf program on this tracepoint? (bcc's probe_tp_btf) */
static bool tp_btf_supported(const char *tp)
{
	int id = libbpf_find_vmlinux_btf_id(tp, BPF_TRACE_RAW_TP);
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);

	if (id <= 0)
		return false;
	opts.attach_btf_id = id;
	return load_trivial(BPF_PROG_TYPE_TRACING, &opts) == 0;
}

static bool tracepoint_in_btf(const struct btf *vmlinux, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
}

/* tracepoint programs need tracefs; mount it where libbpf looks if absent. */
static int tracefs_ensure(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK) ||
	    !access("/sys/kernel/debug/tracing/events", F_OK))
		return 0;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
		return -errno;
	return 0;
}

static bool tracefs_event_exists(const char *tp)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s", tp);
	if (!access(path, F_OK))
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s", tp);
	return !access(path, F_OK);
}

/* Offset of global `var` in the data section `sec` (".rodata", ".bss"). */
static int datasec_offset(struct bpf_object *obj, const char *sec_name, const char *var, size_t sz,
			  size_t *offset)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	int id;

	id = btf ? btf__find_by_name_kind(btf, sec_name, BTF_KIND_DATASEC) : -1;
	if (id <= 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (unsigned i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, v->name_off), var))
			continue;
		if (vs->size != sz)
			return -EINVAL;
		*offset = vs->offset;
		return 0;
	}
	return -ENOENT;
}

/* The internal map holding section `sec_name` (libbpf prefixes its name). */
static struct bpf_map *internal_map(struct bpf_object *obj, const char *sec_name)
{
	struct bpf_map *map, *found = NULL;

	bpf_object__for_each_map (map, obj)
		if (bpf_map__is_internal(map) && strstr(bpf_map__name(map), sec_name))
			found = map;
	return found;
}

/*
 * Set a `const volatile` global of the object before load, by name: the
 * variable's offset comes from the object's .rodata BTF section, so one
 * function serves every skeleton.
 */
static int obj_set_rodata(struct bpf_object *obj, const char *var, const void *val, size_t sz)
{
	struct bpf_map *rodata = internal_map(obj, ".rodata");
	size_t data_sz, offset;
	const void *init;
	char *data;
	int err;

	if (!rodata)
		return -ENOENT;
	err = datasec_offset(obj, ".rodata", var, sz, &offset);
	if (err)
		return err;
	init = bpf_map__initial_value(rodata, &data_sz);
	if (!init || offset + sz > data_sz)
		return -EINVAL;
	data = malloc(data_sz);
	if (!data)
		return -ENOMEM;
	memcpy(data, init, data_sz);
	memcpy(data + offset, val, sz);
	err = bpf_map__set_initial_value(rodata, data, data_sz);
	free(data);
	return err;
}

/*
 * Map the loaded object's .bss to reach `agg_gen` while programs run.
 * Mapped by hand: libbpf before 1.5 only remaps global data for skeleton
 * loads, and we load through the bpf_object.
 */
static int map_agg_gen(struct fr_family_probe *f)
{
	struct bpf_map *bss = internal_map(f->obj, ".bss");
	long page = sysconf(_SC_PAGESIZE);
	size_t offset, len;
	void *mem;
	int err;

	if (!bss || page <= 0)
		return -ENOENT;
	err = datasec_offset(f->obj, ".bss", "agg_gen", sizeof(uint32_t), &offset);
	if (err)
		return err;
	len = ((size_t)bpf_map__value_size(bss) + (size_t)page - 1) & ~((size_t)page - 1);
	if (offset + sizeof(uint32_t) > bpf_map__value_size(bss))
		return -EINVAL;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(bss), 0);
	if (mem == MAP_FAILED)
		return -errno;
	f->bss = mem;
	f->bss_len = len;
	f->agg_gen = (volatile uint32_t *)((char *)mem + offset);
	return 0;
}

/* Arrays indexed by thread id need pid_max entries. */
static int size_by_pid_max(struct bpf_map *map)
{
	unsigned long pid_max = 4194304; /* the kernel's upper limit on 64-bit */
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");

	if (!map)
		return -ENOENT;
	if (f) {
		if (fscanf(f, "%lu", &pid_max) != 1)
			pid_max = 4194304;
		fclose(f);
	}
	return bpf_map__set_max_entries(map, (__u32)pid_max);
}

static int configure(struct fr_family_probe *f, const struct fr_config *cfg)
{
	const __u32 self = (__u32)getpid(), tgid = cfg->pid;
	const bool stream = f->mode == FR_MODE_STREAM, cgroup = cfg->cgroup != NULL;
	/* the syscalls programs account files too when both families run */
	const bool host_file = f->id == FR_FAM_SYSCALLS && cfg->family_on[FR_FAM_FILE];
	const bool file_stream = cfg->mode[FR_FAM_FILE] == FR_MODE_STREAM;
	const bool file_agg_used = f->id == FR_FAM_FILE ? !stream : host_file && !file_stream;
	/* aggregated syscalls stream nothing: a token ring instead of 16 MiB */
	__u64 ring =
		f->id == FR_FAM_SYSCALLS && !stream ? 64u << 10 : (__u64)cfg->ring_kib[f->id] << 10;
	struct bpf_map *events = bpf_object__find_map_by_name(f->obj, "events");
	struct bpf_map *file_agg = bpf_object__find_map_by_name(f->obj, "file_agg");
	__u64 wakeup, cgroup_id;
	int err;

	if (!events)
		return -ENOENT;
	if (host_file && ring < (__u64)cfg->ring_kib[FR_FAM_FILE] << 10)
		ring = (__u64)cfg->ring_kib[FR_FAM_FILE] << 10; /* opens stream with their path */
	wakeup = ring / 4;
	err = bpf_map__set_max_entries(events, (__u32)ring);
	/* a preallocated hash of 16 Ki file entries is 5 MiB of kernel memory */
	if (!err && file_agg && !file_agg_used)
		err = bpf_map__set_max_entries(file_agg, 1);
	if (!err && f->id == FR_FAM_SYSCALLS) {
		err = obj_set_rodata(f->obj, "targ_file", &host_file, sizeof(host_file));
		err = err
			      ?: obj_set_rodata(f->obj, "targ_file_stream", &file_stream,
						sizeof(file_stream));
	}
	if (!err && f->id == FR_FAM_SYSCALLS)
		err = size_by_pid_max(bpf_object__find_map_by_name(f->obj, "syscall_start"));
	err = err ?: obj_set_rodata(f->obj, "filter_self_tgid", &self, sizeof(self));
	err = err ?: obj_set_rodata(f->obj, "filter_tgid", &tgid, sizeof(tgid));
	err = err ?: obj_set_rodata(f->obj, "filter_cgroup", &cgroup, sizeof(cgroup));
	if (!err && cgroup && !(err = fr_cgroup_filter__id(cfg->cgroup, &cgroup_id)))
		err = obj_set_rodata(f->obj, "filter_cgroup_id", &cgroup_id, sizeof(cgroup_id));
	err = err ?: obj_set_rodata(f->obj, "wakeup_bytes", &wakeup, sizeof(wakeup));
	err = err ?: obj_set_rodata(f->obj, "targ_stream", &stream, sizeof(stream));
	return err;
}

static void note(struct fr_family_probe *f, const char *fmt, const char *arg)
{
	size_t n = strlen(f->detail);

	if (n && n < sizeof(f->detail) - 2) {
		f->detail[n++] = ';';
		f->detail[n++] = ' ';
	}
	snprintf(f->detail + n, sizeof(f->detail) - n, fmt, arg);
}

static void note_attach(struct fr_family_probe *f, const char *type)
{
	size_t n = strlen(f->attach);

	if (strstr(f->attach, type))
		return;
	snprintf(f->attach + n, sizeof(f->attach) - n, "%s%s", n ? "+" : "", type);
}

/*
 * Choose one program per tracepoint and disable the rest. Return: 0, or
 * -ENOENT when a required tracepoint is missing (detail says which).
 */
static int select_programs(struct fr_family_probe *f, const struct family_spec *spec,
			   const struct btf *vmlinux, const struct fr_config *cfg,
			   const char **chosen)
{
	struct bpf_program *prog;

	bpf_object__for_each_program (prog, f->obj)
		bpf_program__set_autoload(prog, false);
	for (unsigned i = 0; i < spec->nprogs; i++) {
		const struct prog_spec *ps = &spec->progs[i];
		const char *type = NULL;

		chosen[i] = NULL;
		if (getenv("FR_SKIP") && strstr(ps->tp, getenv("FR_SKIP")))
			continue;
		if (ps->flags & PROG_TRACEFS) {
			if (tracefs_event_exists(ps->tp)) {
				chosen[i] = ps->raw;
				type = "tracepoint";
			}
		} else if (tracepoint_in_btf(vmlinux, ps->tp)) {
			bool btf = cfg->attach == FR_ATTACH_AUTO && tp_btf_supported(ps->tp);

			chosen[i] = btf ? ps->btf : ps->raw;
			type = btf ? "tp_btf" : "raw_tp";
		}
		if (!chosen[i]) {
			note(f, "tracepoint %s missing", ps->tp);
			if (!(ps->flags & PROG_OPTIONAL))
				return -ENOENT;
			continue;
		}
		prog = bpf_object__find_program_by_name(f->obj, chosen[i]);
		if (!prog)
			return -ENOENT;
		bpf_program__set_autoload(prog, true);
		note_attach(f, type);
	}
	if (spec->oncpu) {
		prog = bpf_object__find_program_by_name(f->obj, spec->oncpu);
		if (!prog)
			return -ENOENT;
		bpf_program__set_autoload(prog, true);
	}
	return 0;
}

/*
 * Run program `fd` once on every online CPU (BPF_PROG_TEST_RUN on a CPU
 * is an IPI there: the program sees the task it interrupted as current).
 */
static int run_on_cpus(int fd)
{
	const int ncpu = libbpf_num_possible_cpus();
	int err = 0;

	if (ncpu <= 0)
		return ncpu ?: -EINVAL;
	for (int c = 0; c < ncpu; c++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = (__u32)c);
		int e = bpf_prog_test_run_opts(fd, &o);

		if (e && e != -ENXIO) /* ENXIO: a CPU that is not online */
			err = err ?: e;
	}
	return err;
}

/* The family's per-CPU program, once it is attached: -1 when it cannot run. */
static int start_oncpu(struct fr_family_probe *f, const struct family_spec *spec)
{
	struct bpf_program *prog;
	int fd, err;

	if (!spec->oncpu)
		return -1;
	prog = bpf_object__find_program_by_name(f->obj, spec->oncpu);
	fd = prog ? bpf_program__fd(prog) : -ENOENT;
	err = fd < 0 ? fd : run_on_cpus(fd);
	if (err) {
		note(f, "%s",
		     "tasks on a CPU at start, at stop and at each interval not booked "
		     "until they switch out (running a program on a CPU failed)");
		return -1;
	}
	return fd;
}

static int attach_programs(struct fr_family_probe *f, const struct family_spec *spec,
			   const char **chosen)
{
	for (unsigned i = 0; i < spec->nprogs; i++) {
		struct bpf_program *prog;
		struct bpf_link *link;

		if (!chosen[i])
			continue;
		prog = bpf_object__find_program_by_name(f->obj, chosen[i]);
		link = prog ? bpf_program__attach(prog) : NULL;
		if (!link) {
			int err = -errno;

			note(f, "attach %s failed", spec->progs[i].tp);
			if (!(spec->progs[i].flags & PROG_OPTIONAL))
				return err ?: -ENOENT;
			continue;
		}
		f->links[f->nlinks++] = link;
	}
	return 0;
}

static int family_start(struct fr_family_probe *f, const struct fr_config *cfg,
			const struct btf *vmlinux)
{
	const struct family_spec *spec = &family_specs[f->id];
	const char *chosen[FR_PROBE_MAX_LINKS];
	int err;

	if (spec->progs[0].flags & PROG_TRACEFS) {
		err = tracefs_ensure();
		if (err) {
			note(f, "%s", "tracefs not mounted and cannot be mounted");
			return err;
		}
	}
	err = spec->open(f);
	if (err) {
		note(f, "%s", "open failed");
		return err;
	}
	err = configure(f, cfg);
	err = err ?: select_programs(f, spec, vmlinux, cfg, chosen);
	if (err)
		return err;
	err = bpf_object__load(f->obj);
	if (err) {
		note(f, "%s", "load failed (verifier or missing kernel support)");
		return err;
	}
	if (cfg->cgroup) {
		err = fr_cgroup_filter__apply(f->obj, cfg->cgroup);
		if (err) {
			note(f, "cannot use cgroup %s as a filter", cfg->cgroup);
			return err;
		}
	}
	err = attach_programs(f, spec, chosen);
	if (err)
		return err;
	f->oncpu_fd = start_oncpu(f, spec);
	f->ring_fd = bpf_object__find_map_fd_by_name(f->obj, "events");
	f->lost_fd = bpf_object__find_map_fd_by_name(f->obj, "lost");
	f->agg_fd = spec->agg_map ? bpf_object__find_map_fd_by_name(f->obj, spec->agg_map) : -1;
	f->stage_fd = f->mode == FR_MODE_STREAM
			      ? bpf_object__find_map_fd_by_name(f->obj, "syscall_stage")
			      : -1;
	if (f->agg_fd >= 0) {
		err = map_agg_gen(f);
		if (err) {
			note(f, "%s", "cannot map .bss to switch aggregate generations");
			return err;
		}
	}
	return 0;
}

/*
 * The file family runs inside the syscalls family's programs (configured
 * with targ_file): it owns no object, only a view of the shared maps.
 */
static int family_host_file(struct fr_family_probe *f, const struct fr_family_probe *sys)
{
	f->agg_fd = f->mode == FR_MODE_AGGREGATE
			    ? bpf_object__find_map_fd_by_name(sys->obj, "file_agg")
			    : -1;
	if (f->mode == FR_MODE_AGGREGATE && f->agg_fd < 0)
		return -ENOENT;
	f->agg_gen = sys->agg_gen;
	snprintf(f->attach, sizeof(f->attach), "%.16s, in syscalls", sys->attach);
	snprintf(f->detail, sizeof(f->detail),
		 "accounted by the syscalls programs; its records and losses count there");
	return 0;
}

static void family_detach(struct fr_family_probe *f)
{
	for (unsigned i = 0; i < f->nlinks; i++)
		bpf_link__destroy(f->links[i]);
	f->nlinks = 0;
}

static void family_stop(struct fr_family_probe *f)
{
	family_detach(f);
	if (f->bss)
		munmap(f->bss, f->bss_len);
	f->bss = NULL;
	f->agg_gen = NULL;
	if (f->skel && f->destroy)
		f->destroy(f->skel);
	f->skel = NULL;
	f->obj = NULL;
	f->ring_fd = f->lost_fd = f->agg_fd = f->oncpu_fd = f->stage_fd = -1;
}

int fr_probes__start(struct fr_probes *p, const struct fr_config *cfg)
{
	struct btf *vmlinux = NULL;
	int first_err = 0, running = 0, err;

	memset(p, 0, sizeof(*p));
	p->start_ns = fr_clock__boot_ns();
	p->rcu_outer_fd = p->rcu_inner_fd = -1;
	for (int i = 0; i < FR_FAM_COUNT; i++) {
		struct fr_family_probe *f = &p->fam[i];

		f->id = i;
		f->mode = cfg->mode[i];
		f->ring_fd = f->lost_fd = f->agg_fd = f->oncpu_fd = f->stage_fd = -1;
		if (!cfg->family_on[i])
			snprintf(f->detail, sizeof(f->detail), "disabled by configuration");
	}
	/* --families none: nothing to load, and no BPF needed */
	if (!fr_config__any_family(cfg))
		return 0;
	err = fr_probes__bpf_permitted();
	if (err) {
		for (int i = 0; i < FR_FAM_COUNT; i++)
			if (cfg->family_on[i]) {
				p->fam[i].err = err;
				note(&p->fam[i], "%s", "BPF not permitted (needs root or CAP_BPF)");
			}
		return err;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = -errno;
		for (int i = 0; i < FR_FAM_COUNT; i++)
			if (cfg->family_on[i]) {
				p->fam[i].err = err;
				note(&p->fam[i], "%s", "no kernel BTF (/sys/kernel/btf/vmlinux)");
			}
		return err;
	}
	for (int i = 0; i < FR_FAM_COUNT; i++) {
		struct fr_family_probe *f = &p->fam[i];

		if (!cfg->family_on[i])
			continue;
		if (i == FR_FAM_FILE && p->fam[FR_FAM_SYSCALLS].on) {
			/* the syscalls programs account files already: a second,
			 * standalone file family would count every call twice */
			err = family_host_file(f, &p->fam[FR_FAM_SYSCALLS]);
			if (err) {
				f->err = err;
				note(f, "%s", "cannot read the syscalls family's file map");
				first_err = first_err ?: err;
				continue;
			}
			f->on = true;
			running++;
			continue;
		}
		err = family_start(f, cfg, vmlinux);
		if (err) {
			f->err = err;
			family_stop(f);
			first_err = first_err ?: err;
			continue;
		}
		f->on = true;
		running++;
	}
	btf__free(vmlinux);
	return running ? 0 : (first_err ?: -ENOENT);
}

int fr_probes__run_oncpu(struct fr_probes *p)
{
	int err = 0;

	for (int i = 0; i < FR_FAM_COUNT; i++)
		if (p->fam[i].nlinks && p->fam[i].oncpu_fd >= 0)
			err = run_on_cpus(p->fam[i].oncpu_fd) ?: err;
	return err;
}

void fr_probes__detach(struct fr_probes *p)
{
	for (int i = 0; i < FR_FAM_COUNT; i++)
		family_detach(&p->fam[i]);
}

void fr_probes__stop(struct fr_probes *p)
{
	for (int i = 0; i < FR_FAM_COUNT; i++)
		family_stop(&p->fam[i]);
	if (p->rcu_outer_fd >= 0)
		close(p->rcu_outer_fd);
	if (p->rcu_inner_fd >= 0)
		close(p->rcu_inner_fd);
	p->rcu_outer_fd = p->rcu_inner_fd = -1;
}

/*
 * Wait until every BPF program run that started before has finished.
 * Tracepoint programs run with preemption disabled inside an RCU read-side
 * section, and the kernel updates a map-in-map from bpf(2) only after
 * synchronize_rcu(): such an update is the wait. Unlike
 * membarrier(MEMBARRIER_CMD_GLOBAL) it works on nohz_full kernels and
 * wherever bpf(2) itself is allowed.
 */
static int wait_for_programs(struct fr_probes *p)
{
	const __u32 key = 0;

	if (p->rcu_outer_fd < 0) {
		LIBBPF_OPTS(bpf_map_create_opts, o);

		p->rcu_inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fr_rcu_in", 4, 4, 1, NULL);
		if (p->rcu_inner_fd < 0)
			return -errno;
		o.inner_map_fd = p->rcu_inner_fd;
		p->rcu_outer_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "fr_rcu", 4, 4, 1, &o);
		if (p->rcu_outer_fd < 0)
			return -errno;
	}
	return bpf_map_update_elem(p->rcu_outer_fd, &key, &p->rcu_inner_fd, BPF_ANY) ? -errno : 0;
}

int fr_probes__flip_aggregates(struct fr_probes *p, uint32_t *old_gen)
{
	const uint32_t old = p->agg_gen, next = old ^ 1;
	int err;

	for (int i = 0; i < FR_FAM_COUNT; i++)
		if (p->fam[i].agg_gen)
			*p->fam[i].agg_gen = next;
	p->agg_gen = next;
	*old_gen = old;
	err = wait_for_programs(p);
	if (err)
		fprintf(stderr,
			"flightrec-record: cannot wait for BPF programs (%s): aggregates read now "
			"may miss updates in flight\n",
			strerror(-err));
	return err;
}

int fr_probes__quiesce(struct fr_probes *p)
{
	int err = wait_for_programs(p);

	/*
	 * Syscall tracepoints are faultable since 6.13: a task can hold the
	 * probe list (tasks-trace RCU) a little longer than the grace period
	 * covers before it enters the program. No bpf(2) call waits for that
	 * flavour; a short sleep covers a preempted task in practice.
	 */
	usleep(20000);
	return err;
}

int fr_probes__read_lost(const struct fr_family_probe *f, uint64_t lost[FR_LOSS_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	memset(lost, 0, sizeof(uint64_t) * FR_LOSS_MAX);
	if (f->lost_fd < 0)
		return 0;
	if (ncpu <= 0)
		return ncpu ?: -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 r = 0; r < FR_LOSS_MAX; r++) {
		if (bpf_map_lookup_elem(f->lost_fd, &r, vals) < 0) {
			int err = -errno;

			free(vals);
			return err;
		}
		for (int c = 0; c < ncpu; c++)
			lost[r] += vals[c];
	}
	free(vals);
	return 0;
}
