-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_tcp_retransmits
-- type: counter
-- help: TCP segments retransmitted.
-- attribution: process
SELECT step_end(ts) AS t, node, pk AS pk, count(*) AS value
FROM tcp_retransmit WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3;
