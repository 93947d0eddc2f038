-- SPDX-License-Identifier: BSD-2-Clause
-- Dependency graph edges at :level (pod, workload, namespace, service):
-- TCP connections seen from the client (connect), each end named by the
-- pod that held its IP when the connection opened; unresolved ends keep
-- their IP. Drops are kernel drops of packets from src to dst:port.
WITH ref AS (
	SELECT p.uid, CASE :level WHEN 'pod' THEN p.namespace || '/' || p.name
		WHEN 'workload' THEN p.namespace || '/' || p.workload
		WHEN 'namespace' THEN p.namespace
		ELSE COALESCE(ps.service, p.namespace || '/' || p.workload) END AS r
	FROM pod_latest p LEFT JOIN pod_service ps USING (uid)
), msg AS (
	SELECT cid, sum(CASE WHEN received = 0 THEN max(bytes, 0) ELSE 0 END) AS tx,
		sum(CASE WHEN received <> 0 THEN max(bytes, 0) ELSE 0 END) AS rx
	FROM sock_msg GROUP BY cid
), rst AS (
	SELECT cid, count(*) AS n FROM tcp_reset GROUP BY cid
), rtx AS (
	SELECT cid, sum(max(segs, 1)) AS n FROM tcp_retransmit GROUP BY cid
), conns AS (
	SELECT COALESCE(rs.r, c.client_ip) AS src, COALESCE(rd.r, c.server_ip) AS dst,
		c.server_port AS port, c.cid, COALESCE(c.err, 0) AS err, c.connect_latency_ns
	FROM conn_attr c LEFT JOIN ref rs ON rs.uid = c.client_uid
		LEFT JOIN ref rd ON rd.uid = c.server_uid
	WHERE c.is_client
), by_conn AS (
	SELECT src, dst, port, sum(err = 0) AS connections, sum(err <> 0) AS failed,
		sum(COALESCE(m.tx, 0)) AS bytes_sent, sum(COALESCE(m.rx, 0)) AS bytes_received,
		sum(COALESCE(rst.n, 0)) AS resets, sum(COALESCE(rtx.n, 0)) AS retransmits
	FROM conns LEFT JOIN msg m USING (cid) LEFT JOIN rst USING (cid) LEFT JOIN rtx USING (cid)
	GROUP BY src, dst, port
), lat AS (
	SELECT src, dst, port, connect_latency_ns AS v,
		row_number() OVER (PARTITION BY src, dst, port ORDER BY connect_latency_ns) AS rn,
		count(*) OVER (PARTITION BY src, dst, port) AS n
	FROM conns WHERE connect_latency_ns IS NOT NULL
), pct AS (
	-- nearest-rank percentiles
	SELECT src, dst, port,
		max(CASE WHEN rn = max(1, (50 * n + 99) / 100) THEN v END) AS p50,
		max(CASE WHEN rn = max(1, (99 * n + 99) / 100) THEN v END) AS p99
	FROM lat GROUP BY src, dst, port
), drops AS (
	SELECT COALESCE(rs.r, d.saddr) AS src, COALESCE(rd.r, d.daddr) AS dst, d.dport AS port,
		count(*) AS drops
	FROM skb_drop_attr d LEFT JOIN ref rs ON rs.uid = d.src_uid
		LEFT JOIN ref rd ON rd.uid = d.dst_uid
	-- a TCP graph: TCP packets with addresses (non-IP drops have none)
	WHERE d.protocol = 6 AND d.saddr <> '' AND d.daddr <> ''
	GROUP BY 1, 2, 3
), keys AS (
	SELECT src, dst, port FROM by_conn UNION SELECT src, dst, port FROM drops
)
SELECT k.src, k.dst, 'tcp' AS protocol, k.port, COALESCE(b.connections, 0) AS connections,
	COALESCE(b.failed, 0) AS failed, COALESCE(b.bytes_sent, 0) AS bytes_sent,
	COALESCE(b.bytes_received, 0) AS bytes_received, p.p50 AS latency_p50_ns,
	p.p99 AS latency_p99_ns, COALESCE(b.resets, 0) AS resets,
	COALESCE(b.retransmits, 0) AS retransmits, COALESCE(d.drops, 0) AS drops
FROM keys k LEFT JOIN by_conn b USING (src, dst, port) LEFT JOIN pct p USING (src, dst, port)
	LEFT JOIN drops d USING (src, dst, port)
ORDER BY k.src, k.dst, k.port;
