/* SPDX-License-Identifier: BSD-2-Clause */
/* The aggregate maps, read and cleared every interval into *_AGG records. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>

#include "format/grow.h"
#include "pump_internal.h"

typedef uint64_t (*agg_encode_fn)(struct fr_pump *p, const void *key, const void *val, uint64_t now,
				  uint64_t interval);

static uint64_t syscall_agg_encode(struct fr_pump *p, const void *key, const void *val,
				   uint64_t now, uint64_t interval)
{
	const struct fr_syscall_key *k = key;
	const struct fr_syscall_val *a = val;
	const struct fr_value v[] = {[FR_F_SYSCALL_AGG_PID] = VU(k->pid),
				     [FR_F_SYSCALL_AGG_NR] = VU(k->nr),
				     [FR_F_SYSCALL_AGG_COUNT] = VU(a->count),
				     [FR_F_SYSCALL_AGG_ERRORS] = VU(a->errors),
				     [FR_F_SYSCALL_AGG_TOTAL_NS] = VU(a->total_ns),
				     [FR_F_SYSCALL_AGG_INTERVAL_NS] = VU(interval),
				     [FR_F_SYSCALL_AGG_LATENCY_HIST] = VHIST(a->hist)};

	fr_pump__append(p, FR_FAM_SYSCALLS, FR_KIND_SYSCALL_AGG, now, v, FR_NVALS(SYSCALL_AGG, v));
	return a->count;
}

static uint64_t file_agg_encode(struct fr_pump *p, const void *key, const void *val, uint64_t now,
				uint64_t interval)
{
	const struct fr_file_key *k = key;
	const struct fr_file_val *a = val;
	const struct fr_value v[] = {[FR_F_FILE_IO_AGG_PID] = VU(k->pid),
				     [FR_F_FILE_IO_AGG_OP] = VU(k->op),
				     [FR_F_FILE_IO_AGG_COUNT] = VU(a->count),
				     [FR_F_FILE_IO_AGG_BYTES] = VU(a->bytes),
				     [FR_F_FILE_IO_AGG_ERRORS] = VU(a->errors),
				     [FR_F_FILE_IO_AGG_TOTAL_NS] = VU(a->total_ns),
				     [FR_F_FILE_IO_AGG_INTERVAL_NS] = VU(interval),
				     [FR_F_FILE_IO_AGG_LATENCY_HIST] = VHIST(a->hist),
				     [FR_F_FILE_IO_AGG_FD_KIND] = VU(k->fd_kind)};

	fr_pump__append(p, FR_FAM_FILE, FR_KIND_FILE_IO_AGG, now, v, FR_NVALS(FILE_IO_AGG, v));
	return a->count;
}

static uint64_t sched_agg_encode(struct fr_pump *p, const void *key, const void *val, uint64_t now,
				 uint64_t interval)
{
	const struct fr_sched_val *a = val;
	const struct fr_value v[] = {[FR_F_SCHED_AGG_PID] = VU(*(const __u32 *)key),
				     [FR_F_SCHED_AGG_RUNTIME_NS] = VU(a->runtime_ns),
				     [FR_F_SCHED_AGG_SWITCHES] = VU(a->switches),
				     [FR_F_SCHED_AGG_INVOLUNTARY] = VU(a->involuntary),
				     [FR_F_SCHED_AGG_RUNQ_COUNT] = VU(a->runq_count),
				     [FR_F_SCHED_AGG_RUNQ_TOTAL_NS] = VU(a->runq_total_ns),
				     [FR_F_SCHED_AGG_INTERVAL_NS] = VU(interval),
				     [FR_F_SCHED_AGG_RUNQ_HIST] = VHIST(a->hist)};

	fr_pump__append(p, FR_FAM_SCHED, FR_KIND_SCHED_AGG, now, v, FR_NVALS(SCHED_AGG, v));
	return a->switches;
}

static uint64_t mem_agg_encode(struct fr_pump *p, const void *key, const void *val, uint64_t now,
			       uint64_t interval)
{
	const struct fr_mem_val *a = val;
	const struct fr_value v[] = {[FR_F_MEM_AGG_PID] = VU(*(const __u32 *)key),
				     [FR_F_MEM_AGG_USER_FAULTS] = VU(a->user_faults),
				     [FR_F_MEM_AGG_KERNEL_FAULTS] = VU(a->kernel_faults),
				     [FR_F_MEM_AGG_ALLOCS] = VU(a->allocs),
				     [FR_F_MEM_AGG_ALLOC_BYTES] = VU(a->alloc_bytes),
				     [FR_F_MEM_AGG_INTERVAL_NS] = VU(interval)};

	fr_pump__append(p, FR_FAM_MEM, FR_KIND_MEM_AGG, now, v, FR_NVALS(MEM_AGG, v));
	return a->user_faults + a->kernel_faults + a->allocs;
}

/* Generation bit of an aggregate key (its leading tgid word). */
static uint32_t key_gen(const void *key)
{
	uint32_t tgid;

	memcpy(&tgid, key, sizeof(tgid));
	return tgid & FR_AGG_GEN_BIT ? 1 : 0;
}

/*
 * Drain the keys of generation `gen` (-1: every key, once the programs are
 * detached). Collect the keys first: deleting while walking with
 * get_next_key would restart the walk.
 */
static int flush_map(struct fr_pump *p, enum fr_family_id fam, size_t key_sz, size_t val_sz,
		     agg_encode_fn encode, uint64_t now, uint64_t interval, int gen)
{
	const int fd = p->probes->fam[fam].agg_fd;
	size_t n = 0, cap = 0;
	char *keys = NULL, *val, *cur, *next;
	bool started = false;
	uint32_t tgid;
	int err = 0;

	val = malloc(val_sz);
	cur = malloc(2 * key_sz);
	if (!val || !cur) {
		err = -ENOMEM;
		goto out;
	}
	next = cur + key_sz;
	while (!bpf_map_get_next_key(fd, started ? cur : NULL, next)) {
		memcpy(cur, next, key_sz);
		started = true;
		if (gen >= 0 && key_gen(cur) != (uint32_t)gen)
			continue; /* still being written */
		err = fr_grow((void **)&keys, &cap, n + 1, key_sz, 256);
		if (err)
			goto out;
		memcpy(keys + n++ * key_sz, cur, key_sz);
	}
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_lookup_and_delete_elem(fd, keys + i * key_sz, val))
			continue; /* gone meanwhile */
		/* records carry the plain tgid */
		memcpy(cur, keys + i * key_sz, key_sz);
		memcpy(&tgid, cur, sizeof(tgid));
		tgid &= ~FR_AGG_GEN_BIT;
		memcpy(cur, &tgid, sizeof(tgid));
		p->totals.fam[fam].seen += encode(p, cur, val, now, interval);
	}
out:
	free(keys);
	free(val);
	free(cur);
	return err;
}

static bool aggregates(const struct fr_family_probe *f)
{
	return f->on && f->mode == FR_MODE_AGGREGATE && f->agg_fd >= 0;
}

/* Stream records staged per CPU, drained with the aggregates' generations. */
static bool staged(const struct fr_family_probe *f)
{
	return f->on && f->stage_fd >= 0 && f->agg_gen;
}

/* Stream mode too where a per-CPU program books into the map (sched: runtime). */
static bool drained(const struct fr_family_probe *f)
{
	return aggregates(f) || (f->on && f->agg_fd >= 0 && f->oncpu_fd >= 0);
}

/*
 * Encode and empty the stream records staged in generation `gen` of every
 * CPU (-1: both, once the programs are detached). The programs write only
 * the other generation by now, so the stage can be read and zeroed whole.
 * It is zeroed before its copy is encoded: a stage that could not be
 * zeroed stays for a later drain rather than coming out twice.
 */
static int drain_stage(struct fr_pump *p, const struct fr_family_probe *f, int gen)
{
	const size_t stride = (sizeof(struct fr_stage) + 7) & ~(size_t)7;
	const int ncpu = libbpf_num_possible_cpus();
	uint8_t *vals, *zero;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ?: -EINVAL;
	vals = malloc((size_t)ncpu * stride);
	zero = calloc((size_t)ncpu, stride);
	if (!vals || !zero) {
		free(vals);
		free(zero);
		return -ENOMEM;
	}
	for (__u32 g = 0; g < 2; g++) {
		if (gen >= 0 && g != (__u32)gen)
			continue;
		if (bpf_map_lookup_elem(f->stage_fd, &g, vals) ||
		    bpf_map_update_elem(f->stage_fd, &g, zero, BPF_ANY)) {
			err = err ?: -errno;
			continue; /* at stop, still the other generation */
		}
		for (int c = 0; c < ncpu; c++) {
			const struct fr_stage *st = (const void *)(vals + (size_t)c * stride);

			if (st->len > FR_STAGE_BYTES)
				p->totals.malformed++;
			else if (st->len)
				fr_pump__records(p, f->id, st->buf, st->len);
		}
	}
	free(vals);
	free(zero);
	return err;
}

int fr_pump__flush_aggregates(struct fr_pump *p, uint64_t now_ns, bool detached)
{
	static const struct {
		enum fr_family_id fam;
		size_t key_sz, val_sz;
		agg_encode_fn encode;
	} maps[] = {
		{FR_FAM_SYSCALLS, sizeof(struct fr_syscall_key), sizeof(struct fr_syscall_val),
		 syscall_agg_encode},
		{FR_FAM_FILE, sizeof(struct fr_file_key), sizeof(struct fr_file_val),
		 file_agg_encode},
		{FR_FAM_SCHED, sizeof(__u32), sizeof(struct fr_sched_val), sched_agg_encode},
		{FR_FAM_MEM, sizeof(__u32), sizeof(struct fr_mem_val), mem_agg_encode},
	};
	const struct fr_family_probe *sys = &p->probes->fam[FR_FAM_SYSCALLS];
	const uint64_t interval = now_ns - p->last_agg_ns;
	const size_t nmaps = sizeof(maps) / sizeof(maps[0]);
	bool any = false, settled = true;
	uint32_t old;
	int err = 0, gen = -1;

	p->last_agg_ns = now_ns;
	/* book the tasks on a CPU first, into the generation drained below */
	if (!detached)
		err = fr_probes__run_oncpu(p->probes);
	for (size_t i = 0; i < nmaps; i++)
		any |= aggregates(&p->probes->fam[maps[i].fam]);
	any |= staged(sys);
	/* the flip waits for an RCU grace period: only when it buys something */
	if (any && !detached) {
		/* a failed wait is reported there */
		settled = fr_probes__flip_aggregates(p->probes, &old) == 0;
		gen = (int)old;
	}
	/* unsettled, a program may still write the retired stage: it waits
	 * for the next flip (a map would only miss an update, a stage would
	 * give records twice) */
	if (staged(sys) && settled) {
		int e = drain_stage(p, sys, gen);

		err = err ?: e;
	}
	/* every map, even after a failure: an undrained generation would mix intervals */
	for (size_t i = 0; i < nmaps; i++) {
		int e;

		if (!drained(&p->probes->fam[maps[i].fam]))
			continue;
		e = flush_map(p, maps[i].fam, maps[i].key_sz, maps[i].val_sz, maps[i].encode,
			      now_ns, interval, gen);
		err = err ?: e;
	}
	return err;
}
