-- SPDX-License-Identifier: BSD-2-Clause
-- name: service_endpoints
-- help: which pod IPs back which service port at time :at (RFC 3339 or ns), ready or not (:service NAME or NAMESPACE/NAME: only that one)
SELECT e.namespace, e.service, e.port_name, e.port, e.protocol, e.ip,
	COALESCE(p.namespace || '/' || p.name,
		(SELECT q.namespace || '/' || q.name FROM meta_pod_ip i JOIN pod_latest q USING (uid)
			WHERE i.ip = e.ip AND i.valid_from <= :at AND i.valid_to > :at
			ORDER BY i.valid_from DESC LIMIT 1), '') AS pod,
	COALESCE(e.node, '') AS node, e.ready, e.serving, e.terminating, e.slice,
	e.valid_from, e.valid_to
FROM meta_endpoint e LEFT JOIN pod_latest p ON p.uid = e.pod_uid
WHERE e.valid_from <= :at AND e.valid_to > :at
	AND (:service IS NULL OR e.service = :service
		OR e.namespace || '/' || e.service = :service)
ORDER BY e.namespace, e.service, e.port, e.port_name, e.ip, e.slice;
