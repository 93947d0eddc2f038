-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_requests_received
-- type: counter
-- help: TCP connections a pod accepted, from any source, external clients included; labels name the destination pod and its port.
-- attribution: conn
-- labels: namespace=destination_namespace, name=destination_name, port=destination_port
-- As kube-ebpf's exporter counts it: every connection whose destination
-- is a pod, whatever the source. Seen at the destination's own socket
-- (its tcp_accept): the destination pod's node must be recorded.
SELECT step_end(open_ts) AS t, client_uid AS src_uid, server_uid AS dst_uid, daddr AS src_ip,
	saddr AS dst_ip, sport AS dst_port, count(*) AS value
FROM conn WHERE open_ts >= :from AND open_ts < :to AND active = 0 AND server_uid IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
