-- SPDX-License-Identifier: BSD-2-Clause
-- name: io_by_fd_kind
-- help: bytes read and written per workload and kind of descriptor, sockets and pipes too (the file families count regular files and block devices only)
-- fd_kind and op: format/kinds.h (enum fr_fd_kind_code, enum fr_file_op_code: odd ops read).
SELECT COALESCE(NULLIF(a.namespace || '/' || a.workload, '/'), '(host) ' || a.comm) AS workload,
	CASE x.fd_kind WHEN 1 THEN 'regular' WHEN 2 THEN 'block' WHEN 3 THEN 'char'
		WHEN 4 THEN 'fifo' WHEN 5 THEN 'socket' WHEN 6 THEN 'dir' WHEN 7 THEN 'anon'
		WHEN 8 THEN 'other' ELSE 'unknown' END AS fd_kind,
	sum(CASE WHEN x.op % 2 = 1 THEN x.bytes ELSE 0 END) AS bytes_read,
	sum(CASE WHEN x.op % 2 = 0 THEN x.bytes ELSE 0 END) AS bytes_written
FROM (SELECT pk, op, fd_kind, max(ret, 0) AS bytes FROM ev_file_io
	UNION ALL
	SELECT pk, op, fd_kind, bytes FROM ev_file_io_agg) x
LEFT JOIN proc_attr a ON a.pk = x.pk
GROUP BY 1, 2 ORDER BY bytes_read + bytes_written DESC, 1, 2 LIMIT 40;
