-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_service_request_duration_seconds
-- type: histogram
-- help: Duration of requests to Kubernetes services in seconds: the latency_ns of L7 HTTP RESPONSE flows (gRPC included) keyed by their source_service (the service that answered), 0 when the proxy could not pair the response; labels as hubble_service_requests_total; Prometheus default buckets.
-- attribution: hubble
-- context: first
-- scale: 1e-9
-- buckets: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
SELECT t, id AS flow, COALESCE(src_service_namespace, '') AS service_namespace,
	src_service AS service, CASE WHEN grpc THEN 'gRPC' ELSE 'HTTP' END AS protocol, reporter,
	le_bucket(COALESCE(l7_latency_ns, 0)) AS b, 1 AS cnt, COALESCE(l7_latency_ns, 0) AS sum
FROM hubble_win_http WHERE l7_type = 2 AND COALESCE(src_service, '') <> '';
