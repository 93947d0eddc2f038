-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_policy_match_total
-- type: counter
-- help: Flows that name a network policy in egress_allowed_by, ingress_allowed_by, egress_denied_by or ingress_denied_by, once per policy named: policy_name, policy_namespace (empty for clusterwide), policy_kind, direction (ingress, egress) and action (allowed, denied).
-- attribution: hubble
SELECT w.t, w.id AS flow, COALESCE(p.name, '') AS policy_name,
	COALESCE(p.namespace, '') AS policy_namespace, COALESCE(p.kind, '') AS policy_kind,
	p.direction AS direction, p.action AS action, 1 AS value
FROM hubble_win w JOIN hubble_flow_policy p ON p.flow = w.id;
