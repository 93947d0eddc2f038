/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Name tables a segment carries so the analyzer needs neither this
 * machine's headers nor its BTF: syscall numbers (x86_64, generated from
 * <asm/unistd_64.h> at build time) and the running kernel's
 * enum skb_drop_reason read from /sys/kernel/btf/vmlinux.
 */
#ifndef FR_RECORDER_NAMES_H
#define FR_RECORDER_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct fr_name {
	uint32_t value;
	const char *name;
};

/* Generated: every x86_64 syscall number and name. */
extern const struct fr_name fr_syscall_names[];
extern const size_t fr_syscall_names_len;

struct fr_drop_reasons {
	struct fr_name *names; /* owned; names[i].name points into `strings` */
	size_t len;
	char *strings;
};

/*
 * Read enum skb_drop_reason from the kernel's BTF, with the
 * SKB_DROP_REASON_ prefix removed ("NO_SOCKET"). Return: 0, -ENOENT when
 * the kernel has no such enum, or -errno.
 */
int fr_drop_reasons__load(struct fr_drop_reasons *dr);

/* Accepts a zeroed or loaded table. */
void fr_drop_reasons__free(struct fr_drop_reasons *dr);

#endif /* FR_RECORDER_NAMES_H */
