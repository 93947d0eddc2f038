-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_runqueue_latency_ns
-- type: histogram
-- help: Time runnable before running, in nanoseconds (log2 buckets), of the task switched in.
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
WITH agg AS (
	SELECT step_end(ts) AS t, node, pk, hist_sum(runq_hist) AS hs, sum(runq_total_ns) AS tot
	FROM ev_sched_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3)
SELECT step_end(minute * 60000000000) AS t, node, pk, b, sum(obs) AS cnt, sum(sum_ns) AS sum
FROM roll_runq WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4
UNION ALL
SELECT step_end(ts), node, next_pk, log2_bucket(runq_latency_ns), count(*), sum(runq_latency_ns)
FROM ev_sched_switch WHERE ts >= :from AND ts < :to AND raw_ts(ts) AND next_pk IS NOT NULL
	AND runq_latency_ns > 0 GROUP BY 1, 2, 3, 4
UNION ALL
SELECT t, node, pk, CAST(h.key AS INTEGER), h.value, 0
FROM agg, json_each(agg.hs) h WHERE h.value > 0
UNION ALL
SELECT t, node, pk, NULL, 0, tot FROM agg;
