-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_acknowledged_bytes
-- type: counter
-- help: Bytes a pod sent on the TCP connections it accepted and its peer acknowledged (the responses), from any source, external clients included; labels name the destination pod and its port.
-- attribution: conn
-- labels: namespace=destination_namespace, name=destination_name, port=destination_port
-- The exporter's value is what the source read from the destination;
-- here the destination socket's bytes_acked at its close (is_client 0)
-- without its FIN (data_acked), which also counts ingress from outside.
SELECT step_end(close_ts) AS t, client_uid AS src_uid, server_uid AS dst_uid, daddr AS src_ip,
	saddr AS dst_ip, sport AS dst_port, sum(data_acked) AS value
FROM conn WHERE close_ts >= :from AND close_ts < :to AND is_client = 0
	AND data_acked IS NOT NULL AND server_uid IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
