-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_network_bytes_total
-- type: counter
-- help: Bytes sent (tx) and received (rx) on sockets, by protocol and direction.
-- attribution: process
-- win_net: rollups for whole minutes, raw rows else (queries/metric_views.sql);
-- rows without calls (a close's packets) are left out.
SELECT t, node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END AS protocol,
	CASE WHEN received THEN 'rx' ELSE 'tx' END AS direction, bytes AS value
FROM win_net WHERE msgs <> 0;
