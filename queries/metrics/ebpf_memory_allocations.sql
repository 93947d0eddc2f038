-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_memory_allocations
-- type: counter
-- help: Memory allocations (page and slab allocation calls).
-- attribution: process
-- win_mem_alloc: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, allocs AS value FROM win_mem_alloc;
