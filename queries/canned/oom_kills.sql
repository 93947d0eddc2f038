-- SPDX-License-Identifier: BSD-2-Clause
-- name: oom_kills
-- help: OOM kills with the victim's pod and memory at the time
SELECT o.ts, n.name AS node, o.pid, o.comm, a.namespace, a.pod, a.container,
	o.total_vm_kb, o.anon_rss_kb, o.oom_score_adj
FROM ev_oom_kill o JOIN nodes n USING (node) LEFT JOIN proc_attr a ON a.pk = o.pk
ORDER BY o.ts, n.name, o.pid;
