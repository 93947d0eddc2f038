-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_network_packets_total
-- type: counter
-- help: Packets sent (tx) and received (rx), by protocol and direction: TCP segments as each socket counts them (segs_out/segs_in as in TCP_INFO: data, ACKs, SYN, FIN, retransmits; a TSO/GRO buffer as its segments); datagrams otherwise.
-- attribution: process
-- win_net: rollups for whole minutes, raw rows else (queries/metric_views.sql).
-- Each row carries both directions: summed per cell first, then one row each.
WITH n AS (
	SELECT t, node, pk, protocol, sum(pkts_out) AS tx, sum(pkts_in) AS rx
	FROM win_net GROUP BY 1, 2, 3, 4)
SELECT t, node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END AS protocol,
	d.direction, CASE d.direction WHEN 'tx' THEN tx ELSE rx END AS value
FROM n, (SELECT 'tx' AS direction UNION ALL SELECT 'rx') d;
