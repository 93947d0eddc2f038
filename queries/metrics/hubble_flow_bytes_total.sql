-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_flow_bytes_total
-- type: counter
-- help: Bytes of HTTP message bodies as their Content-Length header states, over L7 HTTP flows that carry one (measure="http_content_length"): Hubble flows have no packet or byte length, so L3/L4 flows, chunked bodies and other L7 protocols add nothing. type is request or response.
-- attribution: hubble
SELECT t, id AS flow, 'HTTP' AS protocol,
	CASE l7_type WHEN 1 THEN 'request' WHEN 2 THEN 'response' ELSE 'unknown' END AS type,
	verdict_name AS verdict, 'http_content_length' AS measure, content_length AS value
FROM hubble_win_http WHERE content_length IS NOT NULL;
