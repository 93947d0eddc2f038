-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_request_duration_seconds
-- type: histogram
-- help: Duration of the TCP connections a pod accepted, from any source, external clients included, from the open to the close of the pod's socket, in seconds; labels name the destination pod and its port.
-- attribution: conn
-- labels: namespace=destination_namespace, name=destination_name, port=destination_port
-- scale: 1e-9
-- buckets: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
-- Prometheus' default buckets, as the exporter's histogram has. Closed
-- connections, at the destination's own socket (is_client 0).
SELECT step_end(close_ts) AS t, client_uid AS src_uid, server_uid AS dst_uid, daddr AS src_ip,
	saddr AS dst_ip, sport AS dst_port, le_bucket(duration_ns) AS b, count(*) AS cnt,
	sum(duration_ns) AS sum
FROM conn WHERE close_ts >= :from AND close_ts < :to AND is_client = 0
	AND duration_ns IS NOT NULL AND server_uid IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;
