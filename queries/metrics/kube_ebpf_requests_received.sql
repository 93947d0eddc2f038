-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_requests_received
-- type: counter
-- help: Connections accepted by the destination pod from the source pod (server side).
-- attribution: pair
-- Pod to pod: both ends resolved to the pods that held their IPs when the
-- connection opened.
-- Grouped by pair number first (conn_pair: analyzer/attr/connattr.h), named after.
SELECT g.t, g.node, NULL AS pk, sp.namespace AS source_namespace, sp.name AS source_name, dp.namespace AS destination_namespace, dp.name AS destination_name, CAST(p.server_port AS TEXT) AS destination_port, g.value FROM (
	SELECT step_end(open_ts) AS t, node, pair, count(*) AS value
	FROM conn_pair WHERE open_ts >= :from AND open_ts < :to AND active = 0
	GROUP BY 1, 2, 3) g
JOIN kube_pair p ON p.pair = g.pair JOIN pod_latest sp ON sp.uid = p.client_uid JOIN pod_latest dp ON dp.uid = p.server_uid;
