-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_syscall_latency_ns
-- type: histogram
-- help: System call latency in nanoseconds (log2 buckets), by syscall.
-- attribution: process
-- Histogram rows: b is the log2 bucket index (NULL: a row carrying only a
-- sum), cnt the observations in it, sum their total.
SELECT t, node, pk, COALESCE((SELECT name FROM ev_syscall_name n WHERE n.node = g.node AND n.nr = g.nr LIMIT 1), 'sys_' || g.nr) AS syscall, b, cnt, sum FROM (
	SELECT step_end(ts) AS t, node, pk, nr, log2_bucket(latency_ns) AS b,
		count(*) AS cnt, sum(latency_ns) AS sum
	FROM ev_syscall WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4, 5
	UNION ALL
	SELECT step_end(a.ts), a.node, a.pk, a.nr, CAST(h.key AS INTEGER), sum(h.value), 0
	FROM ev_syscall_agg a, json_each(a.latency_hist) h
	WHERE a.ts >= :from AND a.ts < :to AND h.value > 0 GROUP BY 1, 2, 3, 4, 5
	UNION ALL
	SELECT step_end(ts), node, pk, nr, NULL, 0, sum(total_ns)
	FROM ev_syscall_agg WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3, 4) g;
