-- SPDX-License-Identifier: BSD-2-Clause
-- Hubble's side of the drop report for :by (reason, workload, node, minute,
-- policy): flows with verdict DROPPED by drop_reason_desc name, and policy
-- denials: DROPPED flows with reason POLICY_DENIED (133) or POLICY_DENY
-- (181), or naming a policy in egress_denied_by/ingress_denied_by;
-- denied_by lists those policies (kind:namespace/name). A drop belongs to
-- the workload of the endpoint the policy protects: the destination for
-- INGRESS, the source for EGRESS, else the destination when it is a pod;
-- an endpoint is namespace/workload, else namespace/pod, else its
-- reserved identity, else its IP. Under --by policy, only denials that
-- name their policy, once per policy.
WITH pol AS (
	SELECT flow, COALESCE(NULLIF(kind, '') || ':', '') ||
		COALESCE(NULLIF(namespace, '') || '/', '') || COALESCE(name, '') AS p
	FROM hubble_flow_policy WHERE action = 'denied'
), d AS (
	SELECT h.id, h.ts, h.node, h.node_name,
		COALESCE((SELECT name FROM hubble_enum WHERE enum = 'drop_reason'
			AND number = h.drop_reason), CAST(h.drop_reason AS TEXT)) AS reason,
		h.drop_reason IN (133, 181) OR EXISTS (SELECT 1 FROM pol WHERE pol.flow = h.id)
			AS denied,
		CASE WHEN h.traffic_direction = 2
			OR (h.traffic_direction <> 1 AND COALESCE(h.dst_pod, '') = '') THEN 's'
			ELSE 'd' END AS side, h.*
	FROM hubble_flow h WHERE h.verdict = 2
), w AS (
	SELECT d.id, d.ts, d.node, d.node_name, d.reason, d.denied,
		COALESCE(CASE side WHEN 's' THEN NULLIF(src_namespace || '/' ||
				COALESCE(NULLIF(src_workload, ''), src_pod), src_namespace || '/')
			ELSE NULLIF(dst_namespace || '/' || COALESCE(NULLIF(dst_workload, ''), dst_pod),
				dst_namespace || '/') END,
			(SELECT value FROM json_each(CASE side WHEN 's' THEN src_labels ELSE dst_labels END)
				WHERE substr(value, 1, 9) = 'reserved:' ORDER BY key LIMIT 1),
			CASE side WHEN 's' THEN src_ip ELSE dst_ip END, '(unattributed)') AS workload
	FROM d
), keyed AS (
	SELECT CASE :by WHEN 'reason' THEN reason WHEN 'workload' THEN workload
		WHEN 'node' THEN COALESCE(NULLIF(node_name, ''),
			(SELECT name FROM nodes n WHERE n.node = w.node))
		ELSE strftime('%Y-%m-%dT%H:%MZ', ts / 1000000000, 'unixepoch') END AS key,
		id, denied
	FROM w WHERE :by <> 'policy'
	UNION ALL
	SELECT pol.p, w.id, 1 FROM w JOIN pol ON pol.flow = w.id WHERE :by = 'policy'
)
SELECT key, count(*) AS drops, sum(denied) AS policy_denied,
	COALESCE((SELECT group_concat(p, ', ') FROM (SELECT DISTINCT pol.p FROM keyed k2
		JOIN pol ON pol.flow = k2.id WHERE k2.key IS keyed.key ORDER BY pol.p)), '')
		AS denied_by
FROM keyed GROUP BY key ORDER BY key;
