-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_http_requests_total
-- type: counter
-- help: HTTP requests, as Hubble's http (v1) handler counts them: L7 HTTP flows of type REQUEST; reporter is client for EGRESS, server for INGRESS, else unknown; a request seen by both proxies counts once per reporter.
-- attribution: hubble
-- context: first
SELECT t, id AS flow, COALESCE(http_method, '') AS method,
	COALESCE(http_protocol, '') AS protocol, reporter, 1 AS value
FROM hubble_win WHERE l7_kind = 'http' AND l7_type = 1;
