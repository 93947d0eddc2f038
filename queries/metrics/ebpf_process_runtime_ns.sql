-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_process_runtime_ns
-- type: counter
-- help: CPU time in nanoseconds, from the scheduler (switched-out task's run time).
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
SELECT step_end(minute * 60000000000) AS t, node, pk, sum(runtime_ns) AS value
FROM roll_sched_out WHERE rollup_minute(minute) GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, prev_pk, sum(prev_runtime_ns)
FROM ev_sched_switch WHERE ts >= :from AND ts < :to AND raw_ts(ts) AND prev_pk IS NOT NULL
GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(runtime_ns)
FROM ev_sched_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3;
