-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_syscall_errors
-- type: counter
-- help: System calls that returned an error, by syscall.
-- attribution: process
SELECT t, node, pk, COALESCE((SELECT name FROM ev_syscall_name n WHERE n.node = g.node AND n.nr = g.nr LIMIT 1), 'sys_' || g.nr) AS syscall, value FROM (
	SELECT step_end(ts) AS t, node, pk, nr, sum(ret < 0) AS value
	FROM ev_syscall WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4
	UNION ALL
	SELECT step_end(ts), node, pk, nr, sum(errors)
	FROM ev_syscall_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4) g;
