-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_drop_bytes_total
-- type: counter
-- help: Bytes of dropped HTTP messages' bodies as their Content-Length header states, over L7 HTTP flows with verdict DROPPED that carry one (measure="http_content_length"): Hubble's L3/L4 drops record no length and add nothing. reason is the drop_reason_desc name, protocol Hubble's FlowProtocol.
-- attribution: hubble
-- context: first
SELECT t, id AS flow, drop_reason_name AS reason, protocol_name AS protocol,
	'http_content_length' AS measure, content_length AS value
FROM hubble_win_http WHERE verdict = 2 AND content_length IS NOT NULL;
