-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_grpc_request_duration_seconds
-- type: histogram
-- help: gRPC call duration in seconds: the latency_ns of the L7 HTTP RESPONSE flows whose Content-Type starts with application/grpc (0 when the proxy could not pair the response with its request); method is the URL path; Prometheus default buckets.
-- attribution: hubble
-- context: first
-- scale: 1e-9
-- buckets: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
SELECT t, id AS flow, url_path(http_url) AS method, reporter,
	le_bucket(COALESCE(l7_latency_ns, 0)) AS b, 1 AS cnt, COALESCE(l7_latency_ns, 0) AS sum
FROM hubble_win_http WHERE l7_type = 2 AND grpc;
