-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_drop_total
-- type: counter
-- help: Hubble flows with verdict DROPPED, as Hubble's drop handler counts them: reason is the drop_reason_desc name (POLICY_DENIED ...), protocol Hubble's FlowProtocol.
-- attribution: hubble
-- context: first
SELECT t, id AS flow, drop_reason_name AS reason, protocol_name AS protocol, 1 AS value
FROM hubble_win WHERE verdict = 2;
