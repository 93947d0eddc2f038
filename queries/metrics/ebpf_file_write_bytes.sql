-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_write_bytes
-- type: counter
-- help: Bytes written by file write calls.
-- attribution: process
-- op: 2, 4, 6 = write, pwrite64, writev (format/kinds.h enum fr_file_op_code)
-- win_file_io: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, bytes AS value FROM win_file_io WHERE op IN (2, 4, 6);
