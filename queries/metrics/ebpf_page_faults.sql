-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_page_faults
-- type: counter
-- help: Page faults, by type (user or kernel mode).
-- attribution: process
SELECT step_end(ts) AS t, node, pk, CASE WHEN user THEN 'user' ELSE 'kernel' END AS type,
	count(*) AS value
FROM ev_page_fault WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4
UNION ALL
SELECT step_end(ts), node, pk, 'user', sum(user_faults)
FROM ev_mem_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, 'kernel', sum(kernel_faults)
FROM ev_mem_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3;
