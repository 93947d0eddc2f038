-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_tcp_retransmits
-- type: counter
-- help: TCP segments retransmitted, as the kernel counts them (TcpRetransSegs, the socket's total_retrans): what each tcp:tcp_retransmit_skb and tcp:tcp_retransmit_synack added, a TSO buffer as its segments.
-- attribution: process
-- segs 0: a recorder before segs, whose record stood for one buffer.
SELECT step_end(ts) AS t, node, pk AS pk, sum(max(segs, 1)) AS value
FROM tcp_retransmit WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3;
