-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_dns_queries_total
-- type: counter
-- help: DNS queries, as Hubble's dns handler counts them: L7 DNS flows that are not replies (rcode "") and DNS flows with verdict DROPPED (rcode "Policy denied"); qtypes are the query types joined by ",", ips_returned the number of IPs in the flow.
-- attribution: hubble
-- context: first
SELECT t, id AS flow, CASE WHEN verdict = 2 THEN 'Policy denied' ELSE '' END AS rcode,
	COALESCE((SELECT group_concat(value, ',') FROM json_each(dns_qtypes)), '') AS qtypes,
	CAST(COALESCE(json_array_length(dns_ips), 0) AS TEXT) AS ips_returned, 1 AS value
FROM hubble_win WHERE l7_kind = 'dns' AND (verdict = 2 OR NOT COALESCE(is_reply, 0));
