-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_runqueue_latency_ns
-- type: histogram
-- help: Time runnable before running, in nanoseconds (log2 buckets), of the task switched in.
-- attribution: process
SELECT step_end(ts) AS t, node, next_pk AS pk, log2_bucket(runq_latency_ns) AS b,
	count(*) AS cnt, sum(runq_latency_ns) AS sum
FROM ev_sched_switch WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4
UNION ALL
SELECT step_end(a.ts), a.node, a.pk, CAST(h.key AS INTEGER), sum(h.value), 0
FROM ev_sched_agg a, json_each(a.runq_hist) h
WHERE a.ts >= :from AND a.ts < :to AND h.value > 0 GROUP BY 1, 2, 3, 4
UNION ALL
SELECT step_end(ts), node, pk, NULL, 0, sum(runq_total_ns)
FROM ev_sched_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3;
