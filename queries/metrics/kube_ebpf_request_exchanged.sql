-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_request_exchanged
-- type: counter
-- help: Closed TCP connections between two pods, seen from the source (the pod that connected).
-- attribution: conn
-- labels: source_namespace=source_namespace, source_name=source_name, destination_namespace=destination_namespace, destination_name=destination_name, destination_port=destination_port
-- The only family that needs both ends to be pods (conn.pair: both pods
-- of pod_latest); the close of the source's socket (is_client 1).
SELECT step_end(close_ts) AS t, client_uid AS src_uid, server_uid AS dst_uid, saddr AS src_ip,
	daddr AS dst_ip, dport AS dst_port, count(*) AS value
FROM conn WHERE close_ts >= :from AND close_ts < :to AND is_client = 1
	AND bytes_acked IS NOT NULL AND pair IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
