-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_context_switches
-- type: counter
-- help: Context switches away from the process.
-- attribution: process
SELECT step_end(ts) AS t, node, prev_pk AS pk, count(*) AS value
FROM ev_sched_switch WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(switches)
FROM ev_sched_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3;
