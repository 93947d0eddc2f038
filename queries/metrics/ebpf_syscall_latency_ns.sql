-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_syscall_latency_ns
-- type: histogram
-- help: System call latency in nanoseconds (log2 buckets), by syscall, sys_enter to sys_exit; exit, exit_group and rt_sigreturn have none.
-- attribution: process
-- Histogram rows: b is the log2 bucket index (NULL: a row carrying only a
-- sum), cnt the observations in it, sum their total.
-- win_hist: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT g.t, g.node, g.pk, COALESCE(n.name, 'sys_' || g.k) AS syscall, g.b, g.obs AS cnt, g.sum_ns AS sum
FROM win_hist g LEFT JOIN first_syscall_name n ON n.node = g.node AND n.nr = g.k
WHERE g.source = 'syscall';
