-- SPDX-License-Identifier: BSD-2-Clause
-- Totals of Hubble's side of the drop report (drops_hubble.sql).
SELECT count(*) AS drops,
	COALESCE(sum(drop_reason IN (133, 181) OR EXISTS (SELECT 1 FROM hubble_flow_policy p
		WHERE p.flow = h.id AND p.action = 'denied')), 0) AS policy_denied
FROM hubble_flow h WHERE verdict = 2;
