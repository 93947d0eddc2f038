-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_write_bytes
-- type: counter
-- help: Bytes write by file write calls.
-- attribution: process
SELECT step_end(ts) AS t, node, pk, sum(max(ret, 0)) AS value
FROM ev_file_io WHERE ts >= :from AND ts < :to AND op = 1 GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(bytes)
FROM ev_file_io_agg WHERE ts >= :from AND ts < :to AND op = 1 GROUP BY 1, 2, 3;
