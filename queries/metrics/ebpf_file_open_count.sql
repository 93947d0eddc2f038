-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_file_open_count
-- type: counter
-- help: Files opened (failed opens included).
-- attribution: process
SELECT step_end(ts) AS t, node, pk AS pk, count(*) AS value
FROM ev_file_open WHERE ts >= :from AND ts < :to GROUP BY 1, 2, 3;
