-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_read_bytes
-- type: counter
-- help: Bytes read from regular files and block devices, by fd_kind: read, pread64, readv, preadv, preadv2, the input of copy_file_range, sendfile and splice. Not sockets, pipes or other descriptors; not io_uring, mmap or AIO.
-- attribution: process
-- op (format/kinds.h enum fr_file_op_code): 1, 3, 5, 9, 11 = read, pread64, readv,
-- preadv, preadv2; 13, 15, 17 = the input side of copy_file_range, sendfile, splice.
-- fd_kind: 1 regular, 2 block (enum fr_fd_kind_code); the bytes of every other
-- kind (sockets, pipes, ...) are in win_file_io and ev_file_io*.fd_kind.
-- win_file_io: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, CASE fd_kind WHEN 1 THEN 'regular' ELSE 'block' END AS fd_kind,
	bytes AS value
FROM win_file_io WHERE op IN (1, 3, 5, 9, 11, 13, 15, 17) AND fd_kind IN (1, 2);
