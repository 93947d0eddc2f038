// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * TCP and network: connection lifecycle from sock:inet_sock_set_state
 * (connect latency, accept, close with tcplife counters read with CO-RE),
 * retransmitted segments (data and SYN-ACK), resets sent and received, RTT
 * samples, and per-message send and receive sizes and packets (TCP and
 * UDP) from sock_send_length/sock_recv_length.
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
#define FR_ENOMEM	12
#define RTT_SAMPLE_NS	(1000ull * 1000 * 1000) /* at most one RTT record per socket per second */

/* What we know about a socket between its state changes. */
struct sock_info {
	__u64 start_ns;	      /* SYN_SENT / SYN_RECV; 0: adopted (opened before we attached) */
	__u64 established_ns; /* 0: not seen established */
	__u64 last_rtt_ns;
	__u64 rtt_pending_ns; /* a sample taken while the owner was unknown; 0: none */
	__u32 pid;	      /* 0: unknown (state changes run in softirq) */
	__u32 active;
	/* what records booked so far of tcp_sock segs_out, segs_in, total_retrans */
	__u32 segs_out;
	__u32 segs_in;
	__u32 total_retrans;
	__u32 rtt_srtt_us; /* the pending sample */
	__u32 rtt_rttvar_us;
	__u32 retrans_pending; /* segments retransmitted while the owner was unknown */
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

/*
 * Book the segments counted since `*seen` (what records booked so far):
 * an exchange, so that a send and a receive of two threads at once each
 * book a share and the shares still add up to the kernel's count.
 */
static __always_inline __s32 book(__u32 *seen, __u32 now)
{
	return (__s32)(now - __sync_lock_test_and_set(seen, now));
}

static __always_inline void fill_tcp_counters(struct fr_tcp *e, const struct sock *sk,
					      struct sock_info *info)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	e->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	e->bytes_received = BPF_CORE_READ(tp, bytes_received);
	e->segs_out = BPF_CORE_READ(tp, segs_out);
	e->segs_in = BPF_CORE_READ(tp, segs_in);
	e->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	e->rttvar_us = BPF_CORE_READ(tp, mdev_us) >> 2;
	e->total_retrans = BPF_CORE_READ(tp, total_retrans);
	/* without info nothing was booked and no baseline is known: 0 */
	if (info) {
		e->pkts_out = book(&info->segs_out, e->segs_out);
		e->pkts_in = book(&info->segs_in, e->segs_in);
	}
}

/* Did we see the socket's SYN (not adopted later)? */
static __always_inline bool seen_open(const struct sock_info *info)
{
	return info && info->start_ns;
}

/*
 * A socket opened before we attached, seen for the first time: track it
 * from here, with what the kernel counted so far as booked. Only states
 * past ESTABLISHED: a handshake still under way would later be taken for
 * a connect or accept of ours. Return: its info, or NULL.
 */
static __always_inline struct sock_info *adopt(const struct sock *sk, __u32 pid)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	__u64 key = (__u64)sk;
	struct sock_info fresh = {};

	if (state != TCP_ESTABLISHED && state != TCP_FIN_WAIT1 && state != TCP_FIN_WAIT2 &&
	    state != TCP_CLOSE_WAIT && state != TCP_CLOSING && state != TCP_LAST_ACK)
		return NULL;
	fresh.pid = pid;
	fresh.segs_out = BPF_CORE_READ(tp, segs_out);
	fresh.segs_in = BPF_CORE_READ(tp, segs_in);
	fresh.total_retrans = BPF_CORE_READ(tp, total_retrans);
	/* NOEXIST: a state change on another CPU may have just made one */
	if (bpf_map_update_elem(&socks, &key, &fresh, BPF_NOEXIST) == -FR_ENOMEM)
		fr_count_loss(FR_LOSS_TRACK_MAP_FULL);
	return bpf_map_lookup_elem(&socks, &key);
}

/* With a pid filter, connections whose owner is unknown are left out. */
static __always_inline bool pid_selected(__u32 pid)
{
	if (pid == filter_self_tgid)
		return false;
	return !filter_tgid || pid == filter_tgid;
}

/*
 * At the move to CLOSE: was our FIN sent (the states after it) and is
 * everything up to it acknowledged? Then bytes_acked counts it. A close
 * with unread data (a reset instead of a FIN) leaves from ESTABLISHED or
 * CLOSE_WAIT; a reset before the FIN's ACK leaves snd_una short of it.
 */
static __always_inline bool fin_acked(const struct sock *sk, int oldstate)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	if (oldstate != TCP_FIN_WAIT1 && oldstate != TCP_FIN_WAIT2 && oldstate != TCP_CLOSING &&
	    oldstate != TCP_LAST_ACK)
		return false;
	return BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq);
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
		/* an accepted socket starts with its SYN-ACK retransmits, which
		 * handle_synack booked: retransmits count from here */
		info->total_retrans = BPF_CORE_READ((const struct tcp_sock *)sk, total_retrans);
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
	fill_tcp_counters(e, sk, info);
	e->latency_ns = info && info->established_ns ? now - info->established_ns : 0;
	e->flags = !seen_open(info) ? FR_TCP_F_ORIGIN_UNKNOWN : info->active ? FR_TCP_F_ACTIVE : 0;
	if (fin_acked(sk, oldstate))
		e->flags |= FR_TCP_F_FIN_ACKED;
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

/*
 * __tcp_retransmit_skb adds the segments it sends (tcp_skb_pcount: a TSO
 * buffer is many) to total_retrans and TcpRetransSegs, then calls the
 * tracepoint. Where the tracepoint has an `err` argument (6.18 here) it
 * also reports attempts that failed before counting anything (-EBUSY,
 * -EAGAIN, -ENOMEM ...); before, a send that failed after counting went
 * unreported. Booking the growth of total_retrans gets both right. A
 * socket seen for the first time here books its buffer's segment count.
 */
static __always_inline void retransmit_record(const struct sock *sk, __u32 pid, __u32 total,
					      __u32 segs)
{
	struct fr_tcp *e = tcp_reserve(sk, FR_OP_TCP_RETRANSMIT, pid);

	if (!e)
		return;
	e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->total_retrans = total;
	e->segs = segs;
	fr_submit(e);
}

static __always_inline int handle_retransmit(const struct sock *sk, const struct sk_buff *skb)
{
	__u32 total = BPF_CORE_READ((struct tcp_sock *)sk, total_retrans), segs, pid;
	__u64 key = (__u64)sk;
	struct sock_info *info = bpf_map_lookup_elem(&socks, &key);

	if (info) {
		segs = total - info->total_retrans;
		info->total_retrans = total; /* under the socket lock: no race */
	} else {
		const void *cb = __builtin_preserve_access_index(&skb->cb);

		segs = BPF_CORE_READ((const struct tcp_skb_cb *)cb, tcp_gso_segs);
		info = adopt(sk, 0);
	}
	pid = info ? info->pid : 0;
	if (!segs)
		return 0;
	/* a pid filter leaves out unknown owners: a socket older than the
	 * recording keeps them until its owner shows itself (handle_length) */
	if (!pid && filter_tgid && info) {
		__sync_fetch_and_add(&info->retrans_pending, segs);
		return 0;
	}
	if (pid_selected(pid))
		retransmit_record(sk, pid, total, segs);
	return 0;
}

/*
 * A SYN-ACK sent again for a connection not yet accepted: TcpRetransSegs
 * counts one, and the tracepoint fires only then. No socket exists yet
 * (sock_id 0), nor an owner; the tuple is the request's.
 */
static __always_inline int handle_synack(const struct sock *sk, const struct request_sock *req)
{
	__u16 family = BPF_CORE_READ(req, __req_common.skc_family);
	__u64 key = (__u64)sk;
	struct sock_info *info;
	struct fr_tcp *e;

	/* a Fast Open child socket counts it in its own total_retrans too */
	if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_LISTEN) {
		info = bpf_map_lookup_elem(&socks, &key);
		if (info)
			info->total_retrans += 1;
	}
	if (filter_tgid)
		return 0;
	e = fr_reserve(sizeof(*e), FR_OP_TCP_RETRANSMIT);
	if (!e)
		return 0;
	__builtin_memset((char *)e + sizeof(e->hdr), 0, sizeof(*e) - sizeof(e->hdr));
	e->hdr.pid = e->hdr.tid = 0;
	e->tuple.family = family;
	e->tuple.protocol = FR_IPPROTO_TCP;
	e->tuple.sport = BPF_CORE_READ(req, __req_common.skc_num);
	e->tuple.dport = bpf_ntohs(BPF_CORE_READ(req, __req_common.skc_dport));
	if (family == FR_AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)e->tuple.saddr, req, __req_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->tuple.daddr, req, __req_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&e->tuple.saddr, req,
				   __req_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->tuple.daddr, req, __req_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	e->state = TCP_SYN_RECV;
	e->segs = 1;
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

static __always_inline void rtt_record(const struct sock *sk, __u32 pid, __u64 ts, __u32 srtt_us,
				       __u32 rttvar_us)
{
	struct fr_tcp *e = tcp_reserve(sk, FR_OP_TCP_RTT, pid);

	if (!e)
		return;
	e->hdr.ts_ns = ts;
	e->srtt_us = srtt_us;
	e->rttvar_us = rttvar_us;
	fr_submit(e);
}

/*
 * An accepted socket's owner is unknown until it sends or receives, and
 * its first sample comes from inside that first receive: the sample waits
 * in the socket's info until handle_length learns the owner.
 */
static __always_inline int handle_rtt(const struct sock *sk)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_boot_ns();
	struct sock_info *info = bpf_map_lookup_elem(&socks, &key);
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u32 srtt_us, rttvar_us;

	/* sockets opened before we attached are sampled once adopted */
	if (!info || now - info->last_rtt_ns < RTT_SAMPLE_NS ||
	    (info->pid && !pid_selected(info->pid)))
		return 0;
	info->last_rtt_ns = now;
	srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	rttvar_us = BPF_CORE_READ(tp, mdev_us) >> 2;
	if (!info->pid) {
		info->rtt_srtt_us = srtt_us;
		info->rtt_rttvar_us = rttvar_us;
		info->rtt_pending_ns = now;
		return 0;
	}
	rtt_record(sk, info->pid, now, srtt_us, rttvar_us);
	return 0;
}

static __always_inline int handle_length(struct sock *sk, int ret, bool received)
{
	__s32 pkts_out = 0, pkts_in = 0;
	struct fr_sock_msg *e;
	__u16 family;
	__u64 id;

	/* errors (mostly EAGAIN on non-blocking sockets) carry no bytes */
	if (ret <= 0)
		return 0;
	id = bpf_get_current_pid_tgid();
	if (!fr_id_selected(id))
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != FR_AF_INET && family != FR_AF_INET6)
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) == FR_IPPROTO_TCP) {
		const struct tcp_sock *tp = (const struct tcp_sock *)sk;
		__u64 key = (__u64)sk, ts;
		__u32 pid = id >> 32;
		struct sock_info *info = bpf_map_lookup_elem(&socks, &key);

		if (!info) {
			adopt(sk, pid); /* books nothing now: from here on */
		} else if (!info->pid) {
			/* an accepted socket's owner shows itself here, in its own context */
			__u32 held;

			info->pid = pid;
			ts = __sync_lock_test_and_set(&info->rtt_pending_ns, 0);
			if (ts)
				rtt_record(sk, pid, ts, info->rtt_srtt_us, info->rtt_rttvar_us);
			held = __sync_lock_test_and_set(&info->retrans_pending, 0);
			if (held)
				retransmit_record(sk, pid, BPF_CORE_READ(tp, total_retrans), held);
		}
		if (info) {
			pkts_out = book(&info->segs_out, BPF_CORE_READ(tp, segs_out));
			pkts_in = book(&info->segs_in, BPF_CORE_READ(tp, segs_in));
		}
	} else {
		pkts_out = !received; /* one datagram */
		pkts_in = received;
	}
	e = fr_reserve_at(sizeof(*e), FR_OP_SOCK_MSG, id, bpf_ktime_get_boot_ns());
	if (!e)
		return 0;
	fr_tuple_from_sock(sk, &e->tuple);
	e->sock_id = (__u64)sk;
	e->bytes = ret;
	e->received = received;
	e->pkts_out = pkts_out;
	e->pkts_in = pkts_in;
	fr_submit(e);
	return 0;
}

FR_TRACEPOINT(inet_sock_set_state, handle_set_state, handle_set_state(sk, oldstate, newstate),
	      const struct sock *sk, const int oldstate, const int newstate)

FR_TRACEPOINT(tcp_destroy_sock, handle_destroy_sock, handle_destroy(sk), struct sock *sk)

FR_TRACEPOINT(tcp_retransmit_skb, handle_retransmit, handle_retransmit(sk, skb),
	      const struct sock *sk, const struct sk_buff *skb)

FR_TRACEPOINT(tcp_retransmit_synack, handle_retransmit_synack, handle_synack(sk, req),
	      const struct sock *sk, const struct request_sock *req)

FR_TRACEPOINT(tcp_send_reset, handle_send_reset, handle_reset(sk, skb, false),
	      const struct sock *sk, const struct sk_buff *skb)

FR_TRACEPOINT(tcp_receive_reset, handle_receive_reset, handle_reset(sk, NULL, true),
	      struct sock *sk)

FR_TRACEPOINT(tcp_rcv_space_adjust, handle_rtt, handle_rtt(sk), struct sock *sk)

FR_TRACEPOINT(sock_send_length, handle_send_length, handle_length(sk, ret, false), struct sock *sk,
	      int ret, int flags)

FR_TRACEPOINT(sock_recv_length, handle_recv_length, handle_length(sk, ret, true), struct sock *sk,
	      int ret, int flags)
