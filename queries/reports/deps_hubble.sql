-- SPDX-License-Identifier: BSD-2-Clause
-- Hubble L7 edges of the dependency graph at :level (pod, workload,
-- namespace, service): one row per client, server, protocol (http, grpc,
-- dns, kafka), server port and endpoint, the endpoint as Hubble UI names
-- it: "GET /path" with numbers and UUIDs as {id} (path_template), the DNS
-- query, the Kafka topic. An end is named as at :level from the flow's own
-- endpoint (namespace/workload, else namespace/pod, else its reserved
-- identity, else its IP; at service level the server is the flow's
-- destination service when it has one). Requests: REQUEST flows (DNS:
-- queries); responses are RESPONSE flows (DNS: replies), turned around to
-- the request's direction. Errors: responses with HTTP code >= 500, a
-- grpc-status other than 0, a DNS rcode other than 0 or a Kafka error
-- code, and flows DROPPED. Latency: nearest-rank p50 and p99 of the
-- responses' latency_ns, those the proxy paired (> 0). :span_ns is the
-- window the request rate is over. A request both proxies (client and
-- server side) saw counts twice.
WITH hdr AS (
	SELECT flow, max(lower(key) = 'content-type' AND lower(value) GLOB 'application/grpc*') AS grpc,
		min(CASE WHEN lower(key) = 'grpc-status' THEN value END) AS grpc_status
	FROM hubble_http_header GROUP BY flow
), f AS (
	SELECT h.*, COALESCE(x.grpc, 0) AS grpc, x.grpc_status,
		-- the request's direction: a response goes from server to client
		(h.l7_type = 2 OR (h.l7_kind = 'dns' AND COALESCE(h.is_reply, 0))) AS resp
	FROM hubble_flow h LEFT JOIN hdr x ON x.flow = h.id
	WHERE h.l7_kind IS NOT NULL
), named AS (
	SELECT f.*,
		CASE WHEN resp THEN dst_namespace ELSE src_namespace END AS c_ns,
		CASE WHEN resp THEN dst_workload ELSE src_workload END AS c_wl,
		CASE WHEN resp THEN dst_pod ELSE src_pod END AS c_pod,
		CASE WHEN resp THEN dst_labels ELSE src_labels END AS c_labels,
		CASE WHEN resp THEN dst_ip ELSE src_ip END AS c_ip,
		CASE WHEN resp THEN src_namespace ELSE dst_namespace END AS s_ns,
		CASE WHEN resp THEN src_workload ELSE dst_workload END AS s_wl,
		CASE WHEN resp THEN src_pod ELSE dst_pod END AS s_pod,
		CASE WHEN resp THEN src_labels ELSE dst_labels END AS s_labels,
		CASE WHEN resp THEN src_ip ELSE dst_ip END AS s_ip,
		CASE WHEN resp THEN src_service_namespace || '/' || src_service
			ELSE dst_service_namespace || '/' || dst_service END AS s_svc,
		CASE WHEN resp THEN src_port ELSE dst_port END AS port
	FROM f
), ends AS (
	SELECT n.*,
		COALESCE(CASE WHEN :level = 'namespace' THEN NULLIF(c_ns, '')
			WHEN :level = 'pod' THEN NULLIF(c_ns || '/' || c_pod, c_ns || '/')
			ELSE COALESCE(NULLIF(c_ns || '/' || c_wl, c_ns || '/'),
				NULLIF(c_ns || '/' || c_pod, c_ns || '/')) END,
			(SELECT value FROM json_each(c_labels) WHERE substr(value, 1, 9) = 'reserved:'
				ORDER BY key LIMIT 1), c_ip, '?') AS src,
		COALESCE(CASE WHEN :level = 'service' THEN NULLIF(s_svc, '/') END,
			CASE WHEN :level = 'namespace' THEN NULLIF(s_ns, '')
			WHEN :level = 'pod' THEN NULLIF(s_ns || '/' || s_pod, s_ns || '/')
			ELSE COALESCE(NULLIF(s_ns || '/' || s_wl, s_ns || '/'),
				NULLIF(s_ns || '/' || s_pod, s_ns || '/')) END,
			(SELECT value FROM json_each(s_labels) WHERE substr(value, 1, 9) = 'reserved:'
				ORDER BY key LIMIT 1), s_ip, '?') AS dst,
		CASE WHEN l7_kind = 'http' AND grpc THEN 'grpc' ELSE l7_kind END AS l7_proto,
		CASE l7_kind WHEN 'http' THEN COALESCE(http_method, '') || ' ' || path_template(http_url)
			WHEN 'dns' THEN COALESCE(dns_query, '') ELSE COALESCE(kafka_topic, '') END
			AS endpoint,
		verdict = 2 OR (resp AND (COALESCE(http_code, 0) >= 500
			OR COALESCE(grpc_status, '0') <> '0' OR COALESCE(dns_rcode, 0) <> 0
			OR COALESCE(kafka_error_code, 0) <> 0)) AS failed
	FROM named n
), agg AS (
	SELECT src, dst, l7_proto AS protocol, COALESCE(port, 0) AS port, endpoint,
		sum(NOT resp) AS requests, sum(resp) AS responses, sum(failed) AS errors,
		sum(verdict = 2) AS drops
	FROM ends GROUP BY 1, 2, 3, 4, 5
), lat AS (
	SELECT src, dst, l7_proto AS protocol, COALESCE(port, 0) AS port, endpoint,
		l7_latency_ns AS v,
		row_number() OVER (PARTITION BY src, dst, l7_proto, COALESCE(port, 0), endpoint
			ORDER BY l7_latency_ns) AS rn,
		count(*) OVER (PARTITION BY src, dst, l7_proto, COALESCE(port, 0), endpoint) AS n
	FROM ends WHERE resp AND l7_latency_ns > 0
), pct AS (
	SELECT src, dst, protocol, port, endpoint,
		max(CASE WHEN rn = max(1, (50 * n + 99) / 100) THEN v END) AS p50,
		max(CASE WHEN rn = max(1, (99 * n + 99) / 100) THEN v END) AS p99
	FROM lat GROUP BY 1, 2, 3, 4, 5
)
SELECT a.src, a.dst, a.protocol, a.port, a.endpoint, a.requests, a.responses,
	round(a.requests * 1e9 / max(:span_ns, 1), 6) AS requests_per_s, a.errors,
	round(CAST(a.errors AS REAL) / max(a.requests, a.responses, 1), 6) AS error_rate,
	p.p50 AS latency_p50_ns, p.p99 AS latency_p99_ns, a.drops
FROM agg a LEFT JOIN pct p USING (src, dst, protocol, port, endpoint)
ORDER BY a.src, a.dst, a.protocol, a.port, a.endpoint;
