-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_kafka_requests_total
-- type: counter
-- help: Kafka requests, as Hubble's kafka handler counts them: L7 Kafka flows of type REQUEST; error_code in decimal (Hubble prints it as a character, a known quirk), reporter client for EGRESS, server for INGRESS, else unknown.
-- attribution: hubble
-- context: first
SELECT t, id AS flow, COALESCE(kafka_topic, '') AS topic, COALESCE(kafka_api_key, '') AS api_key,
	CAST(COALESCE(kafka_error_code, 0) AS TEXT) AS error_code, reporter, 1 AS value
FROM hubble_win WHERE l7_kind = 'kafka' AND l7_type = 1;
