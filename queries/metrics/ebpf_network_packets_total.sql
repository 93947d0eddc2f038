-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_network_packets_total
-- type: counter
-- help: Socket messages sent (tx) and received (rx), one per send or receive call, by protocol and direction.
-- attribution: process
-- win_net: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END AS protocol,
	CASE WHEN received THEN 'rx' ELSE 'tx' END AS direction, msgs AS value
FROM win_net;
