-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_page_faults
-- type: counter
-- help: Page faults, by type (user or kernel mode).
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
SELECT step_end(minute * 60000000000) AS t, node, pk, CASE WHEN user THEN 'user' ELSE 'kernel' END AS type,
	sum(faults) AS value
FROM roll_page_fault WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4
UNION ALL
SELECT step_end(ts), node, pk, CASE WHEN user THEN 'user' ELSE 'kernel' END, count(*)
FROM ev_page_fault WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4
UNION ALL
SELECT step_end(ts), node, pk, 'user', sum(user_faults)
FROM ev_mem_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, 'kernel', sum(kernel_faults)
FROM ev_mem_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3;
