-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_tcp_connection_duration_seconds
-- type: histogram
-- help: TCP connection duration in seconds, as Hubble flows show it: from a connection's first SYN (as hubble_tcp_connections_total counts connections) to the first FIN or RST of its 5-tuple in either direction, observed at that FIN or RST; connections without a seen end are not in it.
-- attribution: hubble
-- scale: 1e-9
-- buckets: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600, 1800, 3600
-- the first end after a connection's SYNs: the one whose epoch is the next
WITH ends AS (
	SELECT a, ap, b, bp, epoch - 1 AS epoch, ts AS close_ts FROM hubble_tcp_ep WHERE NOT syn
)
SELECT step_end(e.close_ts) AS t, c.id AS flow,
	le_bucket(e.close_ts - c.open_ts) AS b, 1 AS cnt, e.close_ts - c.open_ts AS sum
FROM hubble_tcp_conn c JOIN ends e USING (a, ap, b, bp, epoch)
WHERE e.close_ts >= :from AND e.close_ts < :to;
