-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_http_request_duration_seconds
-- type: histogram
-- help: HTTP request duration in seconds, as Hubble's http (v1) handler observes it: the latency_ns of each L7 HTTP RESPONSE flow (0 when the proxy could not pair it with its request); Prometheus default buckets.
-- attribution: hubble
-- context: first
-- scale: 1e-9
-- buckets: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
SELECT t, id AS flow, COALESCE(http_method, '') AS method, reporter,
	le_bucket(COALESCE(l7_latency_ns, 0)) AS b, 1 AS cnt, COALESCE(l7_latency_ns, 0) AS sum
FROM hubble_win WHERE l7_kind = 'http' AND l7_type = 2;
