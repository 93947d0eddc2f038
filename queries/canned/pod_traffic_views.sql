-- SPDX-License-Identifier: BSD-2-Clause
-- name: pod_traffic_views
-- help: per pod, the kernel's TCP bytes and connections next to Hubble's flows, drops and L7 requests
-- One row per namespace/pod named by either view, joined on the pod's name.
-- Kernel columns as ebpf_network_bytes_total (tcp, tx/rx) and
-- kube_ebpf_requests_sent/_received count them; Hubble columns as
-- hubble_flows_total counts flows: flows_out names the pod as source,
-- flows_in as destination (a flow between two pods counts for both), drops
-- are DROPPED flows naming the pod at either end, l7_requests_sent its
-- L7 REQUEST flows as source. A pod absent from one view has zeros there.
WITH verdict AS (SELECT number FROM hubble_enum WHERE enum = 'verdict' AND name = 'DROPPED'),
req AS (SELECT number FROM hubble_enum WHERE enum = 'l7_type' AND name = 'REQUEST'),
kb AS (
	SELECT a.namespace, a.pod,
		sum(CASE WHEN m.received = 0 THEN m.bytes ELSE 0 END) AS tx,
		sum(CASE WHEN m.received <> 0 THEN m.bytes ELSE 0 END) AS rx
	FROM sock_msg m JOIN proc_attr a ON a.pk = m.pk
	WHERE a.pod <> '' AND m.protocol = 6 GROUP BY 1, 2),
ko AS (
	SELECT p.namespace, p.name AS pod, count(*) AS n
	FROM conn c JOIN pod_latest p ON p.uid = c.client_uid
	WHERE c.active = 1 AND c.err = 0 GROUP BY 1, 2),
ka AS (
	SELECT p.namespace, p.name AS pod, count(*) AS n
	FROM conn c JOIN pod_latest p ON p.uid = c.server_uid
	WHERE c.active = 0 GROUP BY 1, 2),
he AS (
	SELECT src_namespace AS namespace, src_pod AS pod, src_workload AS workload, 1 AS out,
		verdict, l7_type
	FROM hubble_flow WHERE COALESCE(src_pod, '') <> ''
	UNION ALL
	SELECT dst_namespace, dst_pod, dst_workload, 0, verdict, l7_type
	FROM hubble_flow WHERE COALESCE(dst_pod, '') <> ''),
hf AS (
	SELECT COALESCE(namespace, '') AS namespace, pod, max(COALESCE(workload, '')) AS workload,
		sum(out) AS flows_out, sum(1 - out) AS flows_in,
		sum(verdict = (SELECT number FROM verdict)) AS drops,
		sum(out AND l7_type = (SELECT number FROM req)) AS l7_requests_sent
	FROM he GROUP BY 1, 2),
pods AS (
	SELECT namespace, pod FROM kb UNION SELECT namespace, pod FROM ko
	UNION SELECT namespace, pod FROM ka UNION SELECT namespace, pod FROM hf)
SELECT p.namespace, p.pod,
	COALESCE((SELECT max(l.workload) FROM pod_latest l
		WHERE l.namespace = p.namespace AND l.name = p.pod), hf.workload, '') AS workload,
	COALESCE(kb.tx, 0) AS kernel_tcp_bytes_sent, COALESCE(kb.rx, 0) AS kernel_tcp_bytes_received,
	COALESCE(ko.n, 0) AS kernel_connections_opened,
	COALESCE(ka.n, 0) AS kernel_connections_accepted,
	COALESCE(hf.flows_out, 0) AS hubble_flows_out, COALESCE(hf.flows_in, 0) AS hubble_flows_in,
	COALESCE(hf.drops, 0) AS hubble_drops,
	COALESCE(hf.l7_requests_sent, 0) AS hubble_l7_requests_sent
FROM pods p
LEFT JOIN kb USING (namespace, pod) LEFT JOIN ko USING (namespace, pod)
LEFT JOIN ka USING (namespace, pod) LEFT JOIN hf USING (namespace, pod)
ORDER BY p.namespace, p.pod;
