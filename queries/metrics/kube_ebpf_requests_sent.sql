-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_requests_sent
-- type: counter
-- help: Connections opened by the source pod to the destination pod (client side).
-- attribution: pair
-- Pod to pod: both ends resolved to the pods that held their IPs when the
-- connection opened.
SELECT step_end(c.open_ts) AS t, c.node, NULL AS pk, sp.namespace AS source_namespace, sp.name AS source_name, dp.namespace AS destination_namespace, dp.name AS destination_name, CAST(c.server_port AS TEXT) AS destination_port, count(*) AS value
FROM conn_attr c JOIN pod_latest sp ON sp.uid = c.client_uid JOIN pod_latest dp ON dp.uid = c.server_uid
WHERE c.open_ts >= :from AND c.open_ts < :to AND c.active = 1 AND c.err = 0
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
