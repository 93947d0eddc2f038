/* SPDX-License-Identifier: BSD-2-Clause */
/* Fill a struct fr_tuple from a socket or from the headers of an skb. */
#ifndef FR_BPF_TUPLE_BPF_H
#define FR_BPF_TUPLE_BPF_H

#include "fr_abi.h"

#define FR_AF_INET     2
#define FR_AF_INET6    10
#define FR_ETH_P_IP    0x0800
#define FR_ETH_P_IPV6  0x86DD
#define FR_IPPROTO_TCP 6
#define FR_IPPROTO_UDP 17

static __always_inline void fr_tuple_from_sock(const struct sock *sk, struct fr_tuple *t)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	__builtin_memset(t, 0, sizeof(*t));
	t->family = family;
	t->protocol = BPF_CORE_READ(sk, sk_protocol);
	/* inet_sport, not skc_num: the port is released (num = 0) before the
	 * final transition to TCP_CLOSE */
	t->sport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	t->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == FR_AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)t->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)t->daddr, sk, __sk_common.skc_daddr);
	} else if (family == FR_AF_INET6) {
		BPF_CORE_READ_INTO(&t->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&t->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/*
 * Addresses and ports from the packet itself (a socket may not exist, e.g.
 * a drop before lookup). Leaves zeroes where the headers are not set yet.
 */
static __always_inline void fr_tuple_from_skb(const struct sk_buff *skb, struct fr_tuple *t)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__u16 ports[2] = {0, 0};
	__u8 l4 = 0;

	__builtin_memset(t, 0, sizeof(*t));
	if (nh == (__u16)~0U)
		return;
	if (proto == FR_ETH_P_IP) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return;
		t->family = FR_AF_INET;
		__builtin_memcpy(t->saddr, &ip.saddr, 4);
		__builtin_memcpy(t->daddr, &ip.daddr, 4);
		l4 = ip.protocol;
		/* the transport header may not be set yet on receive */
		if (th == (__u16)~0U || th <= nh)
			th = nh + ip.ihl * 4;
	} else if (proto == FR_ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return;
		t->family = FR_AF_INET6;
		__builtin_memcpy(t->saddr, &ip6.saddr, 16);
		__builtin_memcpy(t->daddr, &ip6.daddr, 16);
		l4 = ip6.nexthdr; /* extension headers are not walked */
		if (th == (__u16)~0U || th <= nh)
			th = nh + sizeof(ip6);
	} else {
		return;
	}
	t->protocol = l4;
	if ((l4 == FR_IPPROTO_TCP || l4 == FR_IPPROTO_UDP) &&
	    !bpf_probe_read_kernel(ports, sizeof(ports), head + th)) {
		t->sport = bpf_ntohs(ports[0]);
		t->dport = bpf_ntohs(ports[1]);
	}
}

#endif /* FR_BPF_TUPLE_BPF_H */
