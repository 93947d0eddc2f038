-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_flows_total
-- type: counter
-- help: Hubble flows, each flow event counted once, as Hubble's flow handler counts hubble_flows_processed_total: protocol is Hubble's FlowProtocol, type the event type (L7, Drop, Capture, Trace, PolicyVerdict, else Unknown), subtype the L7 protocol, the trace observation point or an unknown type's number, verdict the Verdict name.
-- attribution: hubble
SELECT t, id AS flow, protocol_name AS protocol,
	CASE event_type WHEN 129 THEN 'L7' WHEN 1 THEN 'Drop' WHEN 3 THEN 'Capture'
		WHEN 4 THEN 'Trace' WHEN 5 THEN 'PolicyVerdict' ELSE 'Unknown' END AS type,
	CASE WHEN event_type = 129 THEN CASE l7_kind WHEN 'dns' THEN 'DNS' WHEN 'http' THEN 'HTTP'
			WHEN 'kafka' THEN 'Kafka' ELSE '' END
		WHEN event_type = 4 THEN CASE event_subtype WHEN 0 THEN 'to-endpoint'
			WHEN 1 THEN 'to-proxy' WHEN 2 THEN 'to-host' WHEN 3 THEN 'to-stack'
			WHEN 4 THEN 'to-overlay' WHEN 5 THEN 'from-endpoint' WHEN 6 THEN 'from-proxy'
			WHEN 7 THEN 'from-host' WHEN 8 THEN 'from-stack' WHEN 9 THEN 'from-overlay'
			WHEN 10 THEN 'from-network' WHEN 11 THEN 'to-network'
			WHEN 12 THEN 'from-crypto' WHEN 13 THEN 'to-crypto' ELSE '' END
		WHEN event_type IN (1, 3, 5) THEN ''
		ELSE CAST(COALESCE(event_type, 0) AS TEXT) END AS subtype,
	verdict_name AS verdict, 1 AS value
FROM hubble_win;
