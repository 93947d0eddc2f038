-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_io_latency_ns
-- type: histogram
-- help: File read/write latency in nanoseconds (log2 buckets), by op.
-- attribution: process
-- win_hist: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, CASE k WHEN 1 THEN 'read' WHEN 2 THEN 'write' WHEN 3 THEN 'pread64' WHEN 4 THEN 'pwrite64' WHEN 5 THEN 'readv' WHEN 6 THEN 'writev' ELSE 'op_' || k END AS op,
	b, obs AS cnt, sum_ns AS sum
FROM win_hist WHERE source = 'file_io';
