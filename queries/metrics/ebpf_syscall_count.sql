-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_syscall_count
-- type: counter
-- help: System calls made, by syscall, counted at raw_syscalls sys_exit; exit, exit_group and rt_sigreturn (which never return there with their number) at sys_enter.
-- attribution: process
-- win_syscall: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT g.t, g.node, g.pk, COALESCE(n.name, 'sys_' || g.nr) AS syscall, g.calls AS value
FROM win_syscall g LEFT JOIN first_syscall_name n ON n.node = g.node AND n.nr = g.nr;
