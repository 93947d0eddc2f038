-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_udp_flows_total
-- type: counter
-- help: Hubble L3/L4 flow events (Type L3_L4) whose layer 4 is UDP, each event counted (a packet seen at two observation points counts twice); L7 DNS records are not in it. verdict is the Verdict name.
-- attribution: hubble
SELECT t, id AS flow, verdict_name AS verdict, 1 AS value
FROM hubble_win WHERE flow_type = 1 AND protocol = 'UDP';
