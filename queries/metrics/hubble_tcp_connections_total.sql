-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_tcp_connections_total
-- type: counter
-- help: TCP connections opened, as Hubble flows show them: a FORWARDED or REDIRECTED flow, not a reply, with SYN and without ACK; the SYNs of one 5-tuple are one connection (at every observation point and node, retransmitted too) until a FIN or RST of that tuple; counted at the first SYN. family is IPv4 or IPv6.
-- attribution: hubble
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
)
SELECT step_end(open_ts) AS t, id AS flow,
	CASE ip_version WHEN 1 THEN 'IPv4' WHEN 2 THEN 'IPv6' ELSE '' END AS family, 1 AS value
FROM conns WHERE open_ts >= :from AND open_ts < :to;
