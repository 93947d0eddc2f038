-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_syscall_count
-- type: counter
-- help: System calls made, by syscall.
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
SELECT t, node, pk, COALESCE((SELECT name FROM ev_syscall_name n WHERE n.node = g.node AND n.nr = g.nr LIMIT 1), 'sys_' || g.nr) AS syscall, value FROM (
	SELECT step_end(minute * 60000000000) AS t, node, pk, nr, sum(calls) AS value
	FROM roll_syscall WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4
	UNION ALL
	SELECT step_end(ts), node, pk, nr, count(*)
	FROM ev_syscall WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4
	UNION ALL
	SELECT step_end(ts), node, pk, nr, sum(count)
	FROM ev_syscall_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4) g;
