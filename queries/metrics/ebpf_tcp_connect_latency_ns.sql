-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_tcp_connect_latency_ns
-- type: histogram
-- help: TCP connect latency in nanoseconds (log2 buckets), failed attempts included.
-- attribution: process
SELECT step_end(ts) AS t, node, pk AS pk, log2_bucket(latency_ns) AS b, count(*) AS cnt, sum(latency_ns) AS sum
FROM tcp_connect WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4;
