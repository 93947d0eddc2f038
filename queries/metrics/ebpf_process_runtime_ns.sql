-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_process_runtime_ns
-- type: counter
-- help: CPU time in ns as the kernel counts it (se.sum_exec_runtime, /proc/PID/schedstat), per stint at sched_switch; tasks on a CPU are booked each interval and at the stop as of the kernel's last update (at most a tick earlier).
-- attribution: process
-- win_sched_out: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, runtime_ns AS value FROM win_sched_out;
