-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_process_runtime_ns
-- type: counter
-- help: CPU time in nanoseconds, from the scheduler (switched-out task's run time).
-- attribution: process
-- win_sched_out: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, runtime_ns AS value FROM win_sched_out;
