-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_syscall_errors
-- type: counter
-- help: System calls that returned an error, by syscall.
-- attribution: process
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
SELECT t, node, pk, COALESCE((SELECT name FROM ev_syscall_name n WHERE n.node = g.node AND n.nr = g.nr LIMIT 1), 'sys_' || g.nr) AS syscall, value FROM (
	SELECT step_end(minute * 60000000000) AS t, node, pk, nr, sum(errors) AS value
	FROM roll_syscall WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4
	UNION ALL
	-- errno values only, as the kernel side counts them (some calls return
	-- other negative values that are not errors)
	SELECT step_end(ts), node, pk, nr, sum(ret < 0 AND ret >= -4095)
	FROM ev_syscall WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4
	UNION ALL
	SELECT step_end(ts), node, pk, nr, sum(errors)
	FROM ev_syscall_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) GROUP BY 1, 2, 3, 4) g;
