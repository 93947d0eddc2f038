-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_io_latency_ns
-- type: histogram
-- help: File read/write latency in nanoseconds (log2 buckets), by op.
-- attribution: process
SELECT step_end(ts) AS t, node, pk, CASE op WHEN 0 THEN 'read' WHEN 1 THEN 'write' ELSE 'op_' || op END AS op,
	log2_bucket(latency_ns) AS b, count(*) AS cnt, sum(latency_ns) AS sum
FROM ev_file_io WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(a.ts), a.node, a.pk, CASE a.op WHEN 0 THEN 'read' WHEN 1 THEN 'write' ELSE 'op_' || a.op END,
	CAST(h.key AS INTEGER), sum(h.value), 0
FROM ev_file_io_agg a, json_each(a.latency_hist) h
WHERE a.ts >= :from AND a.ts < :to AND h.value > 0 GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, CASE op WHEN 0 THEN 'read' WHEN 1 THEN 'write' ELSE 'op_' || op END,
	NULL, 0, sum(total_ns)
FROM ev_file_io_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4;
