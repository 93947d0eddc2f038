-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_context_switches
-- type: counter
-- help: Context switches away from the process.
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
SELECT step_end(minute * 60000000000) AS t, node, pk, sum(switches) AS value
FROM roll_sched_out WHERE rollup_minute(minute) GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, prev_pk, count(*)
FROM ev_sched_switch WHERE ts >= :from AND ts < :to AND raw_ts(ts) AND prev_pk IS NOT NULL
GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(switches)
FROM ev_sched_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3;
