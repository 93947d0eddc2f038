-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_network_packets_total
-- type: counter
-- help: Socket messages sent (tx) and received (rx), one per send or receive call, by protocol and direction.
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
SELECT step_end(minute * 60000000000) AS t, node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END AS protocol, CASE WHEN received THEN 'rx' ELSE 'tx' END AS direction, sum(msgs) AS value
FROM roll_net WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END, CASE WHEN received THEN 'rx' ELSE 'tx' END, count(*)
FROM sock_msg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, 'udp', CASE WHEN received THEN 'rx' ELSE 'tx' END, count(*)
FROM ev_udp_msg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || protocol END, CASE WHEN received THEN 'rx' ELSE 'tx' END, sum(count)
FROM ev_sock_msg_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4, 5;
