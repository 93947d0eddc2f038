-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_tcp_connections
-- type: gauge
-- help: TCP connections open at the end of each step (established by connect or accept, not yet closed).
-- attribution: process
WITH RECURSIVE steps(t) AS (
	SELECT step_end(:from)
	UNION ALL
	SELECT min(t + :step, :to) FROM steps WHERE :step > 0 AND t < :to)
SELECT s.t AS t, c.node, c.pk, count(*) AS value
FROM steps s JOIN conn c ON c.open_ts < s.t AND c.close_ts >= s.t
WHERE c.active >= 0 AND (c.err IS NULL OR c.err = 0)
GROUP BY 1, 2, 3;
