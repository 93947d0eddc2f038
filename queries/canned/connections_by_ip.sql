-- SPDX-License-Identifier: BSD-2-Clause
-- name: connections_by_ip
-- help: established client connections per server IP and the pod that held it then
SELECT c.server_ip AS ip, COALESCE(p.namespace || '/' || p.name, '') AS pod,
	count(*) AS connections
FROM conn_attr c LEFT JOIN pod_latest p ON p.uid = c.server_uid
WHERE c.is_client AND COALESCE(c.err, 0) = 0
GROUP BY 1, 2 ORDER BY 1, 2;
