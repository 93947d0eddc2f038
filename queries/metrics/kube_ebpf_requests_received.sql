-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_requests_received
-- type: counter
-- help: Connections accepted by the destination pod from the source pod (server side).
-- attribution: pair
-- Pod to pod: both ends resolved to the pods that held their IPs when the
-- connection opened.
SELECT step_end(c.open_ts) AS t, c.node, NULL AS pk, sp.namespace AS source_namespace, sp.name AS source_name, dp.namespace AS destination_namespace, dp.name AS destination_name, CAST(c.server_port AS TEXT) AS destination_port, count(*) AS value
FROM conn_attr c JOIN pod_latest sp ON sp.uid = c.client_uid JOIN pod_latest dp ON dp.uid = c.server_uid
WHERE c.open_ts >= :from AND c.open_ts < :to AND c.active = 0
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
