-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_tcp_connection_duration_seconds
-- type: histogram
-- help: TCP connection duration in seconds, as Hubble flows show it: from a connection's first SYN (as hubble_tcp_connections_total counts connections) to the first FIN or RST of its 5-tuple in either direction, observed at that FIN or RST; connections without a seen end are not in it.
-- attribution: hubble
-- scale: 1e-9
-- buckets: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600, 1800, 3600
WITH ev AS (
	-- a connection's SYN: forwarded (or redirected), not a reply, SYN without ACK
	SELECT id, ts, ip_version, src_ip AS a, src_port AS ap, dst_ip AS b, dst_port AS bp, 1 AS syn
	FROM hubble_flow WHERE protocol = 'TCP' AND verdict IN (1, 5)
		AND NOT COALESCE(is_reply, 0) AND (tcp_flags & 18) = 2
	UNION ALL
	-- a FIN or RST of either direction ends the tuple's connection
	SELECT id, ts, ip_version, src_ip, src_port, dst_ip, dst_port, 0
	FROM hubble_flow WHERE protocol = 'TCP' AND verdict IN (1, 5) AND (tcp_flags & 5) <> 0
	UNION ALL
	SELECT id, ts, ip_version, dst_ip, dst_port, src_ip, src_port, 0
	FROM hubble_flow WHERE protocol = 'TCP' AND verdict IN (1, 5) AND (tcp_flags & 5) <> 0
), ep AS (
	-- epoch: FINs and RSTs of the tuple so far; SYNs of one epoch are one
	-- connection (seen at several points or nodes, or retransmitted)
	SELECT *, sum(1 - syn) OVER (PARTITION BY a, ap, b, bp ORDER BY ts, id
		ROWS UNBOUNDED PRECEDING) AS epoch
	FROM ev
), conns AS (
	SELECT a, ap, b, bp, epoch, min(ts) AS open_ts, id, ip_version FROM ep WHERE syn
	GROUP BY a, ap, b, bp, epoch
), ends AS (
	SELECT a, ap, b, bp, epoch - 1 AS epoch, ts AS close_ts FROM ep WHERE NOT syn
)
SELECT step_end(e.close_ts) AS t, c.id AS flow,
	le_bucket(e.close_ts - c.open_ts) AS b, 1 AS cnt, e.close_ts - c.open_ts AS sum
FROM conns c JOIN ends e USING (a, ap, b, bp, epoch)
WHERE e.close_ts >= :from AND e.close_ts < :to;
