/* SPDX-License-Identifier: BSD-2-Clause */
#include <bpf/libbpf.h>
#include <errno.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>

#include "format/host.h"
#include "pump_internal.h"
#include "stats.h"

/* The family each BPF record op belongs to (FR_FAM_COUNT: none). */
static const enum fr_family_id op_family[FR_OP_MAX] = {
	[0] = FR_FAM_COUNT,
	[FR_OP_PROC_EXEC] = FR_FAM_PROC,
	[FR_OP_PROC_EXIT] = FR_FAM_PROC,
	[FR_OP_PROC_FORK] = FR_FAM_PROC,
	[FR_OP_SYSCALL] = FR_FAM_SYSCALLS,
	[FR_OP_TCP_CONNECT] = FR_FAM_NET,
	[FR_OP_TCP_ACCEPT] = FR_FAM_NET,
	[FR_OP_TCP_CLOSE] = FR_FAM_NET,
	[FR_OP_TCP_RETRANSMIT] = FR_FAM_NET,
	[FR_OP_TCP_RESET] = FR_FAM_NET,
	[FR_OP_TCP_RTT] = FR_FAM_NET,
	[FR_OP_SOCK_MSG] = FR_FAM_NET,
	[FR_OP_SKB_DROP] = FR_FAM_DROP,
	[FR_OP_FILE_IO] = FR_FAM_FILE,
	[FR_OP_FILE_OPEN] = FR_FAM_FILE,
	[FR_OP_SCHED_SWITCH] = FR_FAM_SCHED,
	[FR_OP_PAGE_FAULT] = FR_FAM_MEM,
	[FR_OP_MEM_ALLOC] = FR_FAM_MEM,
	[FR_OP_OOM_KILL] = FR_FAM_MEM,
};

/*
 * The records of one ring sample (or of a drained stage): back to back,
 * each sized by its header. Bad records are counted, never returned.
 */
void fr_pump__records(struct fr_pump *p, enum fr_family_id ring_fam, const void *data, size_t size)
{
	const uint8_t *at = data;

	while (size) {
		enum fr_family_id fam = ring_fam;
		struct fr_hdr h;
		size_t len;

		if (size < sizeof(h)) {
			p->totals.malformed++;
			return;
		}
		memcpy(&h, at, sizeof(h));
		/* a header size past the sample (or under a header) is not a
		 * boundary: the rest goes to the encoder as one record */
		len = h.size >= sizeof(h) && h.size < size ? h.size : size;
		/* by what the record is, not which ring brought it (the syscalls
		 * ring also carries the file family's records) */
		if (h.op < FR_OP_MAX && op_family[h.op] != FR_FAM_COUNT)
			fam = op_family[h.op];
		p->totals.fam[fam].seen++;
		if (fr_pump__encode(p, fam, h.op, at, len))
			p->totals.malformed++;
		at += len;
		size -= len;
	}
}

/* ring_buffer callback: a negative return would stop the drain. */
static int on_record(void *ctx, void *data, size_t size)
{
	const struct pump_source *src = ctx;

	fr_pump__records(src->pump, src->fam, data, size);
	return 0;
}

int fr_pump__new(struct fr_probes *probes, struct fr_rotor *rotor, fr_pump_process_fn on_process,
		 void *ctx, struct fr_pump **out)
{
	struct fr_pump *p = calloc(1, sizeof(*p));
	int err = 0;

	if (!p)
		return -ENOMEM;
	p->probes = probes;
	p->rotor = rotor;
	p->on_process = on_process;
	p->process_ctx = ctx;
	if (getrandom(p->kptr_key, sizeof(p->kptr_key), 0) != (ssize_t)sizeof(p->kptr_key)) {
		free(p);
		return -EIO; /* no secret: kernel addresses would leave readable */
	}
	/* the maps count from the first attach, before the segment opened */
	p->last_agg_ns = p->last_stats_ns =
		probes->start_ns ? probes->start_ns : fr_clock__boot_ns();
	for (int i = 0; i < FR_FAM_COUNT && !err; i++) {
		const struct fr_family_probe *f = &probes->fam[i];

		p->sources[i].pump = p;
		p->sources[i].fam = i;
		if (!f->on || f->ring_fd < 0)
			continue;
		if (!p->rb) {
			p->rb = ring_buffer__new(f->ring_fd, on_record, &p->sources[i], NULL);
			err = p->rb ? 0 : -errno;
		} else {
			err = ring_buffer__add(p->rb, f->ring_fd, on_record, &p->sources[i]);
		}
	}
	if (!err && !p->rb)
		err = -ENOENT;
	if (err) {
		fr_pump__free(p);
		return err;
	}
	*out = p;
	return 0;
}

int fr_pump__drain(struct fr_pump *p)
{
	return ring_buffer__consume(p->rb);
}

static void write_stat(struct fr_pump *p, const char *source, const char *reason, uint64_t seen,
		       uint64_t lost, uint64_t first, uint64_t last)
{
	if (fr_stats__write(fr_rotor__writer(p->rotor), source, reason, seen, lost, first, last))
		p->totals.append_errors++;
}

int fr_pump__write_stats(struct fr_pump *p, uint64_t now_ns)
{
	int err = 0;

	for (int i = 0; i < FR_FAM_COUNT; i++) {
		const struct fr_family_probe *f = &p->probes->fam[i];
		struct fr_pump_family_totals *cur = &p->totals.fam[i], *old = &p->reported.fam[i];

		if (!f->on)
			continue;
		err = err ?: fr_probes__read_lost(f, cur->lost);
		/* one row per loss reason; `seen` goes on the first so sums stay right */
		for (unsigned r = 0; r < FR_LOSS_MAX; r++)
			if (r == FR_LOSS_RINGBUF_FULL || cur->lost[r] != old->lost[r])
				write_stat(p, fr_family__name(i), fr_loss__name(r),
					   r == FR_LOSS_RINGBUF_FULL ? cur->seen - old->seen : 0,
					   cur->lost[r] - old->lost[r], p->last_stats_ns, now_ns);
	}
	if (p->totals.malformed != p->reported.malformed)
		write_stat(p, "ringbuf", "malformed", 0,
			   p->totals.malformed - p->reported.malformed, p->last_stats_ns, now_ns);
	/* records the writer refused (out of memory, too big): what it could not
	 * put on disk (ENOSPC, EIO) it writes itself, when it can (writer.h) */
	if (p->totals.append_errors != p->append_errors_reported) {
		write_stat(p, "writer", "append_failed", 0,
			   p->totals.append_errors - p->append_errors_reported, p->last_stats_ns,
			   now_ns);
		p->append_errors_reported = p->totals.append_errors;
	}
	p->reported = p->totals;
	p->last_stats_ns = now_ns;
	return err;
}

void fr_pump__totals(const struct fr_pump *p, struct fr_pump_totals *t)
{
	*t = p->totals;
}

void fr_pump__free(struct fr_pump *p)
{
	if (!p)
		return;
	ring_buffer__free(p->rb);
	free(p);
}
