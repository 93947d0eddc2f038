-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_grpc_requests_total
-- type: counter
-- help: gRPC calls, counted from their L7 HTTP RESPONSE flows whose Content-Type starts with application/grpc (a call whose response Hubble did not see is not in it): method is the URL path (/package.Service/Method), status the grpc-status header ("" when the response has none, as when it is in trailers), reporter client for EGRESS, server for INGRESS.
-- attribution: hubble
-- context: first
SELECT t, id AS flow, url_path(http_url) AS method, COALESCE(grpc_status, '') AS status,
	reporter, 1 AS value
FROM hubble_win_http WHERE l7_type = 2 AND grpc;
