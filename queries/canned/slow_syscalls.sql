-- SPDX-License-Identifier: BSD-2-Clause
-- name: slow_syscalls
-- help: slowest streamed system calls with their process and pod
SELECT s.ts, n.name AS node, s.pid, a.comm, a.namespace, a.pod,
	COALESCE((SELECT name FROM ev_syscall_name x WHERE x.node = s.node AND x.nr = s.nr LIMIT 1),
		'sys_' || s.nr) AS syscall, s.latency_ns, s.ret
FROM ev_syscall s JOIN nodes n USING (node) LEFT JOIN proc_attr a ON a.pk = s.pk
ORDER BY s.latency_ns DESC, s.ts, n.name, s.pid LIMIT 20;
