-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_process_runtime_ns
-- type: counter
-- help: CPU time in nanoseconds, from the scheduler (switched-out task's run time).
-- attribution: process
SELECT step_end(ts) AS t, node, prev_pk AS pk, sum(prev_runtime_ns) AS value
FROM ev_sched_switch WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(runtime_ns)
FROM ev_sched_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3;
