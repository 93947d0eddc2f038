-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_oom_kills
-- type: counter
-- help: Processes killed by the OOM killer (attributed to the victim).
-- attribution: process
SELECT step_end(ts) AS t, node, pk AS pk, count(*) AS value
FROM ev_oom_kill WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3;
