-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_http_responses_total
-- type: counter
-- help: HTTP responses, as Hubble's http (v1) handler counts them: L7 HTTP flows of type RESPONSE; status is the response code in decimal (0 when absent), reporter client for EGRESS, server for INGRESS, else unknown.
-- attribution: hubble
-- context: first
SELECT t, id AS flow, COALESCE(http_method, '') AS method,
	COALESCE(http_protocol, '') AS protocol, CAST(COALESCE(http_code, 0) AS TEXT) AS status,
	reporter, 1 AS value
FROM hubble_win WHERE l7_kind = 'http' AND l7_type = 2;
