-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_acknowledged_bytes
-- type: counter
-- help: Bytes sent by the source pod and acknowledged by the destination, from completed connections.
-- attribution: pair
-- Pod to pod: both ends resolved to the pods that held their IPs when the
-- connection opened.
SELECT step_end(c.close_ts) AS t, c.node, NULL AS pk, sp.namespace AS source_namespace, sp.name AS source_name, dp.namespace AS destination_namespace, dp.name AS destination_name, CAST(c.server_port AS TEXT) AS destination_port, sum(c.bytes_acked) AS value
FROM conn_attr c JOIN pod_latest sp ON sp.uid = c.client_uid JOIN pod_latest dp ON dp.uid = c.server_uid
WHERE c.close_ts >= :from AND c.close_ts < :to AND c.active = 1 AND c.bytes_acked IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
