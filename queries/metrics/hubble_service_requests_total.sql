-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_service_requests_total
-- type: counter
-- help: Requests to Kubernetes services: L7 HTTP REQUEST flows (gRPC included, protocol gRPC when the Content-Type starts with application/grpc) with a destination_service; service_namespace and service name it; reporter client for EGRESS, server for INGRESS (a request both proxies saw counts once per reporter).
-- attribution: hubble
-- context: first
SELECT t, id AS flow, COALESCE(dst_service_namespace, '') AS service_namespace,
	dst_service AS service, CASE WHEN grpc THEN 'gRPC' ELSE 'HTTP' END AS protocol, reporter,
	1 AS value
FROM hubble_win_http WHERE l7_type = 1 AND COALESCE(dst_service, '') <> '';
