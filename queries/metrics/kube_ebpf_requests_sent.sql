-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_requests_sent
-- type: counter
-- help: TCP connections a pod opened (connect succeeded) to any destination, external addresses included; labels name the source pod.
-- attribution: conn
-- labels: namespace=source_namespace, name=source_name
-- As kube-ebpf's exporter counts it: every connection whose source is a
-- pod, whatever the destination. Seen at the source's own socket (its
-- tcp_connect): the source pod's node must be recorded. Ends:
-- metrics_kube.h; client_uid is the connecting process's pod.
SELECT step_end(open_ts) AS t, client_uid AS src_uid, server_uid AS dst_uid, saddr AS src_ip,
	daddr AS dst_ip, dport AS dst_port, count(*) AS value
FROM conn WHERE open_ts >= :from AND open_ts < :to AND active = 1 AND err = 0
	AND client_uid IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
