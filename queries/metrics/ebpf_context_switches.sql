-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_context_switches
-- type: counter
-- help: Context switches away from the process.
-- attribution: process
-- win_sched_out: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, switches AS value FROM win_sched_out;
