-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_tcp_rtt_us
-- type: histogram
-- help: Smoothed TCP round-trip time samples in microseconds (log2 buckets).
-- attribution: process
SELECT step_end(ts) AS t, node, pk AS pk, log2_bucket(srtt_us) AS b, count(*) AS cnt, sum(srtt_us) AS sum
FROM tcp_rtt WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4;
