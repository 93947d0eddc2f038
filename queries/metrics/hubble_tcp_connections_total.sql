-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_tcp_connections_total
-- type: counter
-- help: TCP connections opened, as Hubble flows show them: a FORWARDED or REDIRECTED flow, not a reply, with SYN and without ACK; the SYNs of one 5-tuple are one connection (at every observation point and node, retransmitted too) until a FIN or RST of that tuple; counted at the first SYN. family is IPv4 or IPv6.
-- attribution: hubble
SELECT step_end(open_ts) AS t, id AS flow,
	CASE ip_version WHEN 1 THEN 'IPv4' WHEN 2 THEN 'IPv6' ELSE '' END AS family, 1 AS value
FROM hubble_tcp_conn WHERE open_ts >= :from AND open_ts < :to;
