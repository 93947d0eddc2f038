-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_network_calls_total
-- type: counter
-- help: Socket send (tx) and receive (rx) calls that moved data (sock_sendmsg/sock_recvmsg returning more than 0), by protocol and direction.
-- attribution: process
-- win_net: rollups for whole minutes, raw rows else (queries/metric_views.sql);
-- rows without calls (a close's packets) are left out.
SELECT t, node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END AS protocol,
	CASE WHEN received THEN 'rx' ELSE 'tx' END AS direction, msgs AS value
FROM win_net WHERE msgs <> 0;
