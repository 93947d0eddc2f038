-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_dns_responses_total
-- type: counter
-- help: DNS responses, as Hubble's dns handler counts them: L7 DNS flows that are replies and not DROPPED; rcode is the response code's name as Hubble's rcode.go has it (No Error, Non-Existent Domain ...), qtypes the query types joined by ",", ips_returned the number of IPs answered.
-- attribution: hubble
-- context: first
SELECT t, id AS flow, CASE dns_rcode WHEN 0 THEN 'No Error' WHEN 1 THEN 'Format Error'
		WHEN 2 THEN 'Server Failure' WHEN 3 THEN 'Non-Existent Domain'
		WHEN 4 THEN 'Not Implemented' WHEN 5 THEN 'Query Refused'
		WHEN 6 THEN 'Name Exists when it should not'
		WHEN 7 THEN 'RR Set Exists when it should not'
		WHEN 8 THEN 'RR Set that should exist does not'
		WHEN 9 THEN 'Server Not Authoritative for zone'
		WHEN 10 THEN 'Name not contained in zone' WHEN 16 THEN 'Bad OPT Version'
		WHEN 17 THEN 'Key not recognized' WHEN 18 THEN 'Signature out of time window'
		WHEN 19 THEN 'Bad TKEY Mode' WHEN 20 THEN 'Duplicate key name'
		WHEN 21 THEN 'Algorithm not supported' WHEN 22 THEN 'Bad Truncation'
		WHEN 23 THEN 'Bad/missing Server Cookie' ELSE '' END AS rcode,
	COALESCE((SELECT group_concat(value, ',') FROM json_each(dns_qtypes)), '') AS qtypes,
	CAST(COALESCE(json_array_length(dns_ips), 0) AS TEXT) AS ips_returned, 1 AS value
FROM hubble_win WHERE l7_kind = 'dns' AND verdict <> 2 AND COALESCE(is_reply, 0);
