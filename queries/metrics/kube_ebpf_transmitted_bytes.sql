-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_transmitted_bytes
-- type: counter
-- help: Bytes written by the source pod to the destination pod (client sends).
-- attribution: pair
-- Grouped by pair number first (conn_pair: analyzer/attr/connattr.h), named after.
SELECT g.t, g.node, NULL AS pk, sp.namespace AS source_namespace, sp.name AS source_name, dp.namespace AS destination_namespace, dp.name AS destination_name, CAST(p.server_port AS TEXT) AS destination_port, g.value FROM (
	SELECT step_end(m.ts) AS t, c.node, c.pair, sum(max(m.bytes, 0)) AS value
	FROM sock_msg m JOIN conn_pair c ON c.cid = m.cid
	WHERE m.ts >= :from AND m.ts < :to AND m.received = 0 AND c.is_client = 1
	GROUP BY 1, 2, 3) g
JOIN kube_pair p ON p.pair = g.pair JOIN pod_latest sp ON sp.uid = p.client_uid JOIN pod_latest dp ON dp.uid = p.server_uid;
