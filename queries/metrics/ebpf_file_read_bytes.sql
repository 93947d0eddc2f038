-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_read_bytes
-- type: counter
-- help: Bytes read by file read calls.
-- attribution: process
-- op: 1, 3, 5 = read, pread64, readv (format/kinds.h enum fr_file_op_code)
-- Rollup rows for whole minutes of one step, raw rows for the others
-- (analyzer/replay/rollup.h).
SELECT step_end(minute * 60000000000) AS t, node, pk, sum(bytes) AS value
FROM roll_file_io WHERE rollup_minute(minute) AND op IN (1, 3, 5) GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(max(ret, 0))
FROM ev_file_io WHERE ts >= :from AND ts < :to AND raw_ts(ts) AND op IN (1, 3, 5) GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(bytes)
FROM ev_file_io_agg WHERE ts >= :from AND ts < :to AND raw_ts(ts) AND op IN (1, 3, 5) GROUP BY 1, 2, 3;
