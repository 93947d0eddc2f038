-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_transmitted_bytes
-- type: counter
-- help: Bytes written by the source pod to the destination pod (client sends).
-- attribution: pair
SELECT step_end(m.ts) AS t, c.node, NULL AS pk, sp.namespace AS source_namespace, sp.name AS source_name, dp.namespace AS destination_namespace, dp.name AS destination_name, CAST(c.server_port AS TEXT) AS destination_port, sum(max(m.bytes, 0)) AS value
FROM ev_sock_msg m JOIN conn_attr c ON c.cid = m.cid JOIN pod_latest sp ON sp.uid = c.client_uid JOIN pod_latest dp ON dp.uid = c.server_uid
WHERE m.ts >= :from AND m.ts < :to AND m.received = 0 AND c.active = 1
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
