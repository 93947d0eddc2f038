-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_memory_allocations
-- type: counter
-- help: Memory allocations (page and slab allocation calls).
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
SELECT step_end(minute * 60000000000) AS t, node, pk, sum(allocs) AS value
FROM roll_mem_alloc WHERE rollup_minute(minute) GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(count)
FROM ev_mem_alloc WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(allocs)
FROM ev_mem_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3;
