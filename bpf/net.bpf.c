// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * TCP and network: connection lifecycle from sock:inet_sock_set_state
 * (connect latency, accept, close with tcplife counters read with CO-RE),
 * retransmits, resets sent and received, RTT samples, and per-message send
 * and receive sizes (TCP and UDP) from sock_send_length/sock_recv_length.
 * Always streamed: these are per-connection or per-message facts.
 * A socket is tracked from SYN_SENT/SYN_RECV until tcp_destroy_sock, not
 * until its CLOSE: a close with unread data sends its reset after the CLOSE,
 * and a half-closed client reads the reply after the FIN closed it; both
 * still belong to the owner.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "common.bpf.h"
#include "tuple.bpf.h"

const struct fr_tcp *unused_fr_tcp __attribute__((unused));
const struct fr_sock_msg *unused_fr_sock_msg __attribute__((unused));

#define FR_ECONNABORTED 103
#define RTT_SAMPLE_NS	(1000ull * 1000 * 1000) /* at most one RTT record per socket per second */

/* What we know about a socket between its state changes. */
struct sock_info {
	__u64 start_ns;	      /* SYN_SENT / SYN_RECV */
	__u64 established_ns; /* 0: not seen established */
	__u64 last_rtt_ns;
	__u32 pid; /* 0: unknown (state changes run in softirq) */
	__u32 active;
};

struct {
	/* LRU: entries of threads killed mid-call (or sockets never closed
	 * in our sight) must not pile up until the map refuses new ones */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FR_TRACK_ENTRIES);
	__type(key, __u64);
	__type(value, struct sock_info);
} socks SEC(".maps");

static __always_inline struct fr_tcp *tcp_reserve(const struct sock *sk, __u16 op, __u32 pid)
{
	struct fr_tcp *e = fr_reserve(sizeof(*e), op);

	if (!e)
		return NULL;
	/* zero the counters: the ring memory is not cleared */
	__builtin_memset((char *)e + sizeof(e->hdr), 0, sizeof(*e) - sizeof(e->hdr));
	fr_tuple_from_sock(sk, &e->tuple);
	e->sock_id = (__u64)sk;
	/* state changes, retransmits and resets mostly run in softirq or timers:
	 * the current task is a bystander, so the owner or 0 (unknown) */
	e->hdr.pid = e->hdr.tid = pid;
	return e;
}

static __always_inline void fill_tcp_counters(struct fr_tcp *e, const struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	e->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	e->bytes_received = BPF_CORE_READ(tp, bytes_received);
	e->segs_out = BPF_CORE_READ(tp, segs_out);
	e->segs_in = BPF_CORE_READ(tp, segs_in);
	e->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	e->rttvar_us = BPF_CORE_READ(tp, mdev_us) >> 2;
	e->total_retrans = BPF_CORE_READ(tp, total_retrans);
}

/* With a pid filter, connections whose owner is unknown are left out. */
static __always_inline bool pid_selected(__u32 pid)
{
	if (pid == filter_self_tgid)
		return false;
	return !filter_tgid || pid == filter_tgid;
}

static __always_inline int handle_set_state(const struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_boot_ns();
	struct sock_info *info, fresh = {};
	struct fr_tcp *e;
	__u32 pid;

	if (BPF_CORE_READ(sk, sk_protocol) != FR_IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT || newstate == TCP_SYN_RECV) {
		fresh.start_ns = now;
		fresh.active = newstate == TCP_SYN_SENT;
		/* connect(2) runs in the caller's context; SYN_RECV in softirq */
		if (fresh.active) {
			if (!fr_current_selected())
				return 0;
			fresh.pid = bpf_get_current_pid_tgid() >> 32;
		}
		if (bpf_map_update_elem(&socks, &key, &fresh, BPF_ANY))
			fr_count_loss(FR_LOSS_TRACK_MAP_FULL);
		return 0;
	}
	info = bpf_map_lookup_elem(&socks, &key);
	pid = info ? info->pid : 0;
	if (newstate == TCP_ESTABLISHED) {
		if (!info)
			return 0;
		info->established_ns = now;
		if (!pid_selected(pid) && (pid || filter_tgid))
			return 0;
		e = tcp_reserve(sk, oldstate == TCP_SYN_SENT ? FR_OP_TCP_CONNECT : FR_OP_TCP_ACCEPT,
				pid);
		if (!e)
			return 0;
		e->latency_ns = now - info->start_ns;
		e->flags = info->active ? FR_TCP_F_ACTIVE : 0;
		fr_submit(e);
		return 0;
	}
	/* a close(2) or shutdown(2) runs in the owner's context: learn the pid */
	if (info && !info->pid && (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK))
		info->pid = pid = bpf_get_current_pid_tgid() >> 32;
	/* the entry stays until tcp_destroy_sock (see the top) */
	if (newstate != TCP_CLOSE || oldstate == TCP_LISTEN || oldstate == TCP_CLOSE)
		return 0;
	if (!pid_selected(pid) || (!pid && filter_tgid))
		return 0;
	if (oldstate == TCP_SYN_SENT) {
		e = tcp_reserve(sk, FR_OP_TCP_CONNECT, pid);
		if (!e)
			return 0;
		e->latency_ns = info ? now - info->start_ns : 0;
		e->err = BPF_CORE_READ(sk, sk_err) ?: FR_ECONNABORTED;
		e->flags = FR_TCP_F_ACTIVE;
		fr_submit(e);
		return 0;
	}
	e = tcp_reserve(sk, FR_OP_TCP_CLOSE, pid);
	if (!e)
		return 0;
	fill_tcp_counters(e, sk);
	e->latency_ns = info && info->established_ns ? now - info->established_ns : 0;
	e->flags = !info ? FR_TCP_F_ORIGIN_UNKNOWN : info->active ? FR_TCP_F_ACTIVE : 0;
	fr_submit(e);
	return 0;
}

/* The kernel frees the socket: nothing of it can follow. */
static __always_inline int handle_destroy(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	bpf_map_delete_elem(&socks, &key);
	return 0;
}

static __always_inline __u32 sock_pid(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct sock_info *info = bpf_map_lookup_elem(&socks, &key);

	return info ? info->pid : 0;
}

static __always_inline int handle_retransmit(const struct sock *sk)
{
	__u32 pid = sock_pid(sk);
	struct fr_tcp *e;

	if (!pid_selected(pid))
		return 0;
	e = tcp_reserve(sk, FR_OP_TCP_RETRANSMIT, pid);
	if (!e)
		return 0;
	e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->total_retrans = BPF_CORE_READ((struct tcp_sock *)sk, total_retrans);
	fr_submit(e);
	return 0;
}

static __always_inline int handle_reset(const struct sock *sk, const struct sk_buff *skb,
					bool received)
{
	struct fr_tcp *e;
	__u32 pid = 0;

	if (sk) {
		pid = sock_pid(sk);
		if (!pid_selected(pid))
			return 0;
		e = tcp_reserve(sk, FR_OP_TCP_RESET, pid);
		if (!e)
			return 0;
		e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	} else {
		struct fr_tuple t;

		if (!skb)
			return 0;
		/* a reset for a packet no socket wanted: the reply reverses it */
		e = fr_reserve(sizeof(*e), FR_OP_TCP_RESET);
		if (!e)
			return 0;
		__builtin_memset((char *)e + sizeof(e->hdr), 0, sizeof(*e) - sizeof(e->hdr));
		e->hdr.pid = e->hdr.tid = 0; /* no socket, no owner */
		fr_tuple_from_skb(skb, &t);
		e->tuple = t;
		__builtin_memcpy(e->tuple.saddr, t.daddr, 16);
		__builtin_memcpy(e->tuple.daddr, t.saddr, 16);
		e->tuple.sport = t.dport;
		e->tuple.dport = t.sport;
	}
	e->flags = received ? FR_TCP_F_RECEIVED : 0;
	fr_submit(e);
	return 0;
}

static __always_inline int handle_rtt(const struct sock *sk)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_boot_ns();
	struct sock_info *info = bpf_map_lookup_elem(&socks, &key);
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	struct fr_tcp *e;

	/* sockets opened before we attached are not sampled */
	if (!info || now - info->last_rtt_ns < RTT_SAMPLE_NS || !pid_selected(info->pid))
		return 0;
	info->last_rtt_ns = now;
	e = tcp_reserve(sk, FR_OP_TCP_RTT, info->pid);
	if (!e)
		return 0;
	e->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	e->rttvar_us = BPF_CORE_READ(tp, mdev_us) >> 2;
	fr_submit(e);
	return 0;
}

static __always_inline int handle_length(struct sock *sk, int ret, bool received)
{
	struct fr_sock_msg *e;
	__u16 family;

	/* errors (mostly EAGAIN on non-blocking sockets) carry no bytes */
	if (ret <= 0 || !fr_current_selected())
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != FR_AF_INET && family != FR_AF_INET6)
		return 0;
	/* an accepted socket's owner shows itself here, in its own context */
	if (BPF_CORE_READ(sk, sk_protocol) == FR_IPPROTO_TCP) {
		__u64 key = (__u64)sk;
		struct sock_info *info = bpf_map_lookup_elem(&socks, &key);

		if (info && !info->pid)
			info->pid = bpf_get_current_pid_tgid() >> 32;
	}
	e = fr_reserve(sizeof(*e), FR_OP_SOCK_MSG);
	if (!e)
		return 0;
	fr_tuple_from_sock(sk, &e->tuple);
	e->sock_id = (__u64)sk;
	e->bytes = ret;
	e->received = received;
	fr_submit(e);
	return 0;
}

FR_TRACEPOINT(inet_sock_set_state, handle_set_state, handle_set_state(sk, oldstate, newstate),
	      const struct sock *sk, const int oldstate, const int newstate)

FR_TRACEPOINT(tcp_destroy_sock, handle_destroy_sock, handle_destroy(sk), struct sock *sk)

FR_TRACEPOINT(tcp_retransmit_skb, handle_retransmit, handle_retransmit(sk), const struct sock *sk)

FR_TRACEPOINT(tcp_send_reset, handle_send_reset, handle_reset(sk, skb, false),
	      const struct sock *sk, const struct sk_buff *skb)

FR_TRACEPOINT(tcp_receive_reset, handle_receive_reset, handle_reset(sk, NULL, true),
	      struct sock *sk)

FR_TRACEPOINT(tcp_rcv_space_adjust, handle_rtt, handle_rtt(sk), struct sock *sk)

FR_TRACEPOINT(sock_send_length, handle_send_length, handle_length(sk, ret, false), struct sock *sk,
	      int ret, int flags)

FR_TRACEPOINT(sock_recv_length, handle_recv_length, handle_length(sk, ret, true), struct sock *sk,
	      int ret, int flags)
