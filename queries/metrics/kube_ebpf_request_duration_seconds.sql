-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_request_duration_seconds
-- type: histogram
-- help: Duration of completed connections between the pods in seconds (log2 buckets of nanoseconds).
-- attribution: pair
-- scale: 1e-9
-- Grouped by pair number first (conn_pair: analyzer/attr/connattr.h), named after.
SELECT g.t, g.node, NULL AS pk, sp.namespace AS source_namespace, sp.name AS source_name, dp.namespace AS destination_namespace, dp.name AS destination_name, CAST(p.server_port AS TEXT) AS destination_port, g.b, g.cnt, g.sum FROM (
	SELECT step_end(close_ts) AS t, node, pair, log2_bucket(duration_ns) AS b, count(*) AS cnt,
		sum(duration_ns) AS sum
	FROM conn_pair WHERE close_ts >= :from AND close_ts < :to AND is_client = 1
		AND bytes_acked IS NOT NULL
	GROUP BY 1, 2, 3, 4) g
JOIN kube_pair p ON p.pair = g.pair JOIN pod_latest sp ON sp.uid = p.client_uid JOIN pod_latest dp ON dp.uid = p.server_uid;
