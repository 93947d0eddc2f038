-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_io_latency_ns
-- type: histogram
-- help: File read/write latency in nanoseconds (log2 buckets), by op.
-- attribution: process
WITH agg AS (
	SELECT step_end(ts) AS t, node, pk, CASE op WHEN 0 THEN 'read' WHEN 1 THEN 'write' ELSE 'op_' || op END AS op, hist_sum(latency_hist) AS hs,
		sum(total_ns) AS tot
	FROM ev_file_io_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4)
SELECT step_end(ts) AS t, node, pk, CASE op WHEN 0 THEN 'read' WHEN 1 THEN 'write' ELSE 'op_' || op END AS op,
	log2_bucket(latency_ns) AS b, count(*) AS cnt, sum(latency_ns) AS sum
FROM ev_file_io WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT t, node, pk, op, CAST(h.key AS INTEGER), h.value, 0
FROM agg, json_each(agg.hs) h WHERE h.value > 0
UNION ALL
SELECT t, node, pk, op, NULL, 0, tot FROM agg;
