-- SPDX-License-Identifier: BSD-2-Clause
-- name: pod_at_ip
-- help: which pod held IP :ip at time :at (RFC 3339 or ns), with its validity interval
SELECT i.ip, p.namespace, p.name AS pod, p.workload, p.node, i.valid_from, i.valid_to
FROM meta_pod_ip i JOIN pod_latest p USING (uid)
WHERE i.ip = :ip AND i.valid_from <= :at AND i.valid_to > :at
ORDER BY i.valid_from;
