-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_network_bytes_total
-- type: counter
-- help: Bytes sent (tx) and received (rx) on sockets, by protocol and direction.
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
SELECT step_end(minute * 60000000000) AS t, node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END AS protocol, CASE WHEN received THEN 'rx' ELSE 'tx' END AS direction, sum(bytes) AS value
FROM roll_net WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END, CASE WHEN received THEN 'rx' ELSE 'tx' END, sum(max(bytes, 0))
FROM sock_msg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, 'udp', CASE WHEN received THEN 'rx' ELSE 'tx' END, sum(max(bytes, 0))
FROM ev_udp_msg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END, CASE WHEN received THEN 'rx' ELSE 'tx' END, sum(bytes)
FROM ev_sock_msg_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4, 5;
