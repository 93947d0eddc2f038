-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_page_faults
-- type: counter
-- help: Page faults, by type (user or kernel mode).
-- attribution: process
-- win_page_fault: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, CASE WHEN user THEN 'user' ELSE 'kernel' END AS type, faults AS value
FROM win_page_fault;
