-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_io_latency_ns
-- type: histogram
-- help: Latency in ns (log2 buckets) of read/write calls on regular files and block devices, by op and fd_kind; a copy call (copy_file_range, sendfile, splice) once. Not sockets or pipes; not io_uring, mmap or AIO.
-- attribution: process
-- A copy call's latency is on its input side's entry, or on its output side's
-- when only the output is a file (splice from a pipe): both map to one op name.
-- win_hist: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk,
	CASE k WHEN 1 THEN 'read' WHEN 2 THEN 'write' WHEN 3 THEN 'pread64' WHEN 4 THEN 'pwrite64'
		WHEN 5 THEN 'readv' WHEN 6 THEN 'writev' WHEN 9 THEN 'preadv' WHEN 10 THEN 'pwritev'
		WHEN 11 THEN 'preadv2' WHEN 12 THEN 'pwritev2' WHEN 13 THEN 'copy_file_range'
		WHEN 14 THEN 'copy_file_range' WHEN 15 THEN 'sendfile' WHEN 16 THEN 'sendfile'
		WHEN 17 THEN 'splice' WHEN 18 THEN 'splice' ELSE 'op_' || k END AS op,
	CASE k2 WHEN 1 THEN 'regular' ELSE 'block' END AS fd_kind, b, obs AS cnt, sum_ns AS sum
FROM win_hist WHERE source = 'file_io' AND k2 IN (1, 2);
