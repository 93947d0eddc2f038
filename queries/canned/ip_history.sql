-- SPDX-License-Identifier: BSD-2-Clause
-- name: ip_history
-- help: every pod that held each pod IP, in time order (IP reuse)
SELECT i.ip, p.namespace || '/' || p.name AS pod, i.valid_from, i.valid_to
FROM meta_pod_ip i JOIN pod_latest p USING (uid)
ORDER BY i.ip, i.valid_from, pod;
