-- SPDX-License-Identifier: BSD-2-Clause
-- family: ebpf_runqueue_latency_ns
-- type: histogram
-- help: Time runnable before running, in nanoseconds (log2 buckets), of the task switched in.
-- attribution: process
-- win_hist: rollups for whole minutes, raw rows else (queries/metric_views.sql).
SELECT t, node, pk, b, obs AS cnt, sum_ns AS sum FROM win_hist WHERE source = 'runq';
