-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_io_latency_ns
-- type: histogram
-- help: File read/write latency in nanoseconds (log2 buckets), by op.
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
WITH agg AS (
	SELECT step_end(ts) AS t, node, pk, op, hist_sum(latency_hist) AS hs, sum(total_ns) AS tot
	FROM ev_file_io_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4)
SELECT t, node, pk, CASE op WHEN 1 THEN 'read' WHEN 2 THEN 'write' WHEN 3 THEN 'pread64' WHEN 4 THEN 'pwrite64' WHEN 5 THEN 'readv' WHEN 6 THEN 'writev' ELSE 'op_' || op END AS op, b, cnt, sum FROM (
	SELECT step_end(minute * 60000000000) AS t, node, pk, op, b, sum(obs) AS cnt, sum(sum_ns) AS sum
	FROM roll_file_io WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4, 5
	UNION ALL
	SELECT step_end(ts), node, pk, op, log2_bucket(latency_ns), count(*), sum(latency_ns)
	FROM ev_file_io WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4, 5
	UNION ALL
	SELECT t, node, pk, op, CAST(h.key AS INTEGER), h.value, 0
	FROM agg, json_each(agg.hs) h WHERE h.value > 0
	UNION ALL
	SELECT t, node, pk, op, NULL, 0, tot FROM agg);
