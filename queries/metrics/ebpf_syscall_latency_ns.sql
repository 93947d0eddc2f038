-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_syscall_latency_ns
-- type: histogram
-- help: System call latency in nanoseconds (log2 buckets), by syscall.
-- attribution: process
-- Histogram rows: b is the log2 bucket index (NULL: a row carrying only a
-- sum), cnt the observations in it, sum their total.
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
WITH agg AS (
	SELECT step_end(ts) AS t, node, pk, nr, hist_sum(latency_hist) AS hs, sum(total_ns) AS tot
	FROM ev_syscall_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4)
SELECT t, node, pk, COALESCE((SELECT name FROM ev_syscall_name n WHERE n.node = g.node AND n.nr = g.nr LIMIT 1), 'sys_' || g.nr) AS syscall, b, cnt, sum FROM (
	SELECT step_end(minute * 60000000000) AS t, node, pk, nr, b, sum(obs) AS cnt, sum(sum_ns) AS sum
	FROM roll_syscall WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4, 5
	UNION ALL
	SELECT step_end(ts), node, pk, nr, log2_bucket(latency_ns), count(*), sum(latency_ns)
	FROM ev_syscall WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4, 5
	UNION ALL
	SELECT t, node, pk, nr, CAST(h.key AS INTEGER), h.value, 0
	FROM agg, json_each(agg.hs) h WHERE h.value > 0
	UNION ALL
	SELECT t, node, pk, nr, NULL, 0, tot FROM agg) g;
