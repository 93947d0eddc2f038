-- SPDX-License-Identifier: BSD-2-Clause
-- Run by replay after post_load.sql and the connections (conn and
-- kube_pair: analyzer/attr/connattr.h): the rest of the derived tables and views.

CREATE UNIQUE INDEX kube_pair_by_ends ON kube_pair (client_uid, server_uid, server_port);

-- Name of a pod uid as "namespace/name" for reports.
CREATE VIEW pod_names AS
SELECT uid, namespace || '/' || name AS pod_ref, namespace || '/' || workload AS workload_ref,
	namespace FROM pod_latest;

-- Kernel names for numbers, as the recorder wrote them.
CREATE VIEW drop_reasons AS
SELECT DISTINCT node, reason, name FROM ev_drop_reason_name;
CREATE VIEW syscall_names AS
SELECT DISTINCT node, nr, name FROM ev_syscall_name;

-- Kernel drops with both addresses resolved to the pods that held them at
-- the time of the drop, and the reason's kernel name.
CREATE TABLE skb_drop_attr AS
SELECT d.ts, d.node, d.pk, d.reason,
	COALESCE((SELECT r.name FROM ev_drop_reason_name r WHERE r.node = d.node
		AND r.reason = d.reason LIMIT 1), 'reason_' || d.reason) AS reason_name,
	d.protocol, d.saddr, d.sport, d.daddr, d.dport,
	-- CAST: the TEXT column type the subquery of meta_pod_ip.uid gave
	CAST(pod_ip_at(d.saddr, d.ts) AS TEXT) AS src_uid,
	CAST(pod_ip_at(d.daddr, d.ts) AS TEXT) AS dst_uid
FROM ev_skb_drop d;

-- Services selecting each pod (label selector match in the pod's namespace).
CREATE TABLE pod_service AS
SELECT p.uid, min(s.namespace || '/' || s.name) AS service
FROM pod_latest p JOIN (SELECT DISTINCT namespace, name, selector FROM meta_service) s
	ON s.namespace = p.namespace AND s.selector IS NOT NULL AND s.selector <> '{}'
	AND NOT EXISTS (SELECT 1 FROM json_each(s.selector) kv
		WHERE json_extract(p.labels, '$."' || kv.key || '"') IS NOT kv.value)
GROUP BY p.uid;
ANALYZE;
