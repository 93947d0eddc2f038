// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Kernel packet drops: skb:kfree_skb with its drop reason. The reason is
 * the running kernel's enum skb_drop_reason value; the recorder writes the
 * names from the kernel's BTF into each segment.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "common.bpf.h"
#include "tuple.bpf.h"

const struct fr_skb_drop *unused_fr_skb_drop __attribute__((unused));

static __always_inline int handle_kfree_skb(struct sk_buff *skb, void *location, __u32 reason)
{
	struct fr_skb_drop *e;
	struct fr_tuple t;

	/* drops run in softirq more often than not: no process filter here */
	e = fr_reserve(sizeof(*e), FR_OP_SKB_DROP);
	if (!e)
		return 0;
	/* the task a softirq interrupted did not drop anything: no owner */
	e->hdr.pid = e->hdr.tid = 0;
	fr_tuple_from_skb(skb, &t);
	e->tuple = t;
	e->location = (__u64)location;
	e->reason = reason;
	e->ifindex = BPF_CORE_READ(skb, skb_iif);
	if (!e->ifindex)
		e->ifindex = BPF_CORE_READ(skb, dev, ifindex);
	e->eth_protocol = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	e->pad[0] = e->pad[1] = e->pad[2] = 0;
	fr_submit(e);
	return 0;
}

FR_TRACEPOINT(kfree_skb, handle_kfree_skb, handle_kfree_skb(skb, location, reason),
	      struct sk_buff *skb, void *location, enum skb_drop_reason reason)
