-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_read_bytes
-- type: counter
-- help: Bytes read by file read calls.
-- attribution: process
-- op: 1, 3, 5 = read, pread64, readv (format/kinds.h enum fr_file_op_code)
-- win_file_io: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, bytes AS value FROM win_file_io WHERE op IN (1, 3, 5);
