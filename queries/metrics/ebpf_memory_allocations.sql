-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_memory_allocations
-- type: counter
-- help: Memory allocations (page and slab allocation calls).
-- attribution: process
SELECT step_end(ts) AS t, node, pk, sum(count) AS value
FROM ev_mem_alloc WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(allocs)
FROM ev_mem_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3;
