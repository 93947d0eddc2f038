-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_policy_verdicts_total
-- type: counter
-- help: Policy verdicts, as Hubble's policy handler counts them: policy-verdict events (event type 5) but those from the host (source identity 1), match the policy match type (none, l3-only, l3-l4, l4-only, all, l3-proto, proto-only); and L7 requests, match l7/dns, l7/http or l7/kafka; direction the traffic direction, action the verdict, lower-cased.
-- attribution: hubble
SELECT t, id AS flow, direction_name AS direction,
	CASE WHEN event_type = 129 THEN 'l7/' || l7_kind
		ELSE CASE COALESCE(policy_match_type, 0) WHEN 0 THEN 'none' WHEN 1 THEN 'l3-only'
			WHEN 2 THEN 'l3-l4' WHEN 3 THEN 'l4-only' WHEN 4 THEN 'all'
			WHEN 5 THEN 'l3-proto' WHEN 6 THEN 'proto-only'
			ELSE 'unknown-' || policy_match_type END END AS match,
	lower(verdict_name) AS action, 1 AS value
FROM hubble_win
WHERE (event_type = 5 AND COALESCE(src_identity, 0) <> 1)
	OR (event_type = 129 AND l7_kind IS NOT NULL AND NOT COALESCE(is_reply, 0));
