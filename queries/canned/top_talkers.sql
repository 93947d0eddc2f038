-- SPDX-License-Identifier: BSD-2-Clause
-- name: top_talkers
-- help: workloads by bytes sent and received on sockets
SELECT COALESCE(NULLIF(a.namespace || '/' || a.workload, '/'), '(host) ' || a.comm) AS workload,
	sum(CASE WHEN m.received = 0 THEN m.bytes ELSE 0 END) AS bytes_sent,
	sum(CASE WHEN m.received <> 0 THEN m.bytes ELSE 0 END) AS bytes_received
FROM sock_msg m LEFT JOIN proc_attr a ON a.pk = m.pk
GROUP BY 1 ORDER BY bytes_sent + bytes_received DESC, 1 LIMIT 20;
