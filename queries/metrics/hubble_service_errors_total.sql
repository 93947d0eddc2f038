-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_service_errors_total
-- type: counter
-- help: Failed requests to Kubernetes services: L7 HTTP RESPONSE flows with code >= 500 or a grpc-status other than 0, keyed by their source_service (the service that answered), and L7 HTTP flows with verdict DROPPED, keyed by their destination_service; labels as hubble_service_requests_total.
-- attribution: hubble
-- context: first
SELECT t, id AS flow,
	COALESCE(CASE WHEN l7_type = 2 AND verdict <> 2 THEN src_service_namespace
		ELSE dst_service_namespace END, '') AS service_namespace,
	CASE WHEN l7_type = 2 AND verdict <> 2 THEN src_service ELSE dst_service END AS service,
	CASE WHEN grpc THEN 'gRPC' ELSE 'HTTP' END AS protocol, reporter, 1 AS value
FROM hubble_win_http
WHERE (verdict = 2 AND COALESCE(dst_service, '') <> '')
	OR (verdict <> 2 AND l7_type = 2 AND COALESCE(src_service, '') <> ''
		AND (COALESCE(http_code, 0) >= 500 OR COALESCE(grpc_status, '0') <> '0'));
