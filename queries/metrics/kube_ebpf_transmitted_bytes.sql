-- SPDX-License-Identifier: BSD-2-Clause
-- family: kube_ebpf_transmitted_bytes
-- type: counter
-- help: Bytes a pod sent on the TCP connections it opened, to any destination, external addresses included; labels name the source pod.
-- attribution: conn
-- labels: namespace=source_namespace, name=source_name
-- The send calls' results (sock_msg) on the source's socket of every
-- connection whose source is a pod (is_client: the origin, or for a
-- connection opened before the recording the ephemeral port's side).
SELECT step_end(m.ts) AS t, c.client_uid AS src_uid, c.server_uid AS dst_uid,
	c.saddr AS src_ip, c.daddr AS dst_ip, c.dport AS dst_port, sum(max(m.bytes, 0)) AS value
FROM sock_msg m JOIN conn c ON c.cid = m.cid
WHERE m.ts >= :from AND m.ts < :to AND m.received = 0 AND c.is_client = 1
	AND c.client_uid IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
