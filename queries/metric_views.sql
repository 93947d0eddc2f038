-- SPDX-License-Identifier: BSD-2-Clause
-- What each rollup source counted in the window of one `metrics` run: TEMP
-- views that analyzer/cmd/metrics.c creates on its connection, so that a
-- metric family reads one view. A minute whose every ns lies in the window
-- and in one step comes from the roll_* rows (rollup_minute()), any other
-- time from the raw rows (raw_ts()), counted as the rollup counts them
-- (analyzer/replay/rollup.c): results are exact for any window and step.
-- t is the end of a row's step. Rows are partial sums: readers sum.
-- window_from() and window_to() stand for :from and :to, which a view
-- cannot bind.
-- win_<source>: the counters of a source, in the columns of its roll_*
-- table. win_hist: the log2 histograms of every source, apart so that
-- counters do not pay for buckets; a reader names one source, and the
-- arms of the others are not run.

-- The *_agg histograms of each source, summed per cell of win_hist.
CREATE TEMP VIEW win_agg_cells AS
SELECT 'syscall' AS source, step_end(ts) AS t, node, pk, nr AS k, NULL AS k2,
	hist_sum(latency_hist) AS hs, sum(total_ns) AS sum_ns
FROM ev_syscall_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 2, 3, 4, 5
UNION ALL
SELECT 'runq', step_end(ts), node, pk, NULL, NULL, hist_sum(runq_hist), sum(runq_total_ns)
FROM ev_sched_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 2, 3, 4
UNION ALL
-- the side of a copy call that does not carry its latency adds nothing
SELECT 'file_io', step_end(ts), node, pk, op, fd_kind, hist_sum(latency_hist), sum(total_ns)
FROM ev_file_io_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
	AND total_ns > 0
GROUP BY 2, 3, 4, 5, 6;

-- The histograms of every source, in cells of (source, t, node, pk, k, k2):
-- k and k2 are the source's key (syscall: nr; file_io: op and fd_kind; runq:
-- none). b is a log2 bucket, NULL for a row that carries only a sum; obs
-- the observations in it, sum_ns their total. A reader names one source
-- (WHERE source = ...): the others are not computed. runq: the run queue
-- latency of the task switched in (next_pk), 0 is unknown. file_io: a
-- latency_ns of 0 is booked on the call's other entry (copy calls).
CREATE TEMP VIEW win_hist AS
SELECT 'syscall' AS source, step_end(minute * 60000000000) AS t, node, pk, nr AS k,
	NULL AS k2, b, sum(obs) AS obs, sum(sum_ns) AS sum_ns
FROM roll_syscall WHERE rollup_minute(minute) GROUP BY 2, 3, 4, 5, 7
UNION ALL
SELECT 'runq', step_end(minute * 60000000000), node, pk, NULL, NULL, b, sum(obs), sum(sum_ns)
FROM roll_runq WHERE rollup_minute(minute) GROUP BY 2, 3, 4, 7
UNION ALL
SELECT 'file_io', step_end(minute * 60000000000), node, pk, op, fd_kind, b, sum(obs),
	sum(sum_ns)
FROM roll_file_io WHERE rollup_minute(minute) AND (obs > 0 OR sum_ns > 0)
GROUP BY 2, 3, 4, 5, 6, 7
UNION ALL
SELECT 'syscall', step_end(ts), node, pk, nr, NULL, log2_bucket(latency_ns), count(*),
	sum(latency_ns)
FROM ev_syscall WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
	AND NOT (flags & 1) -- FR_SYSCALL_FLAG_NO_RETURN: counted, not timed
GROUP BY 2, 3, 4, 5, 7
UNION ALL
SELECT 'runq', step_end(ts), node, next_pk, NULL, NULL, log2_bucket(runq_latency_ns), count(*),
	sum(runq_latency_ns)
FROM ev_sched_switch WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
	AND next_pk IS NOT NULL AND runq_latency_ns > 0
GROUP BY 2, 3, 4, 7
UNION ALL
SELECT 'file_io', step_end(ts), node, pk, op, fd_kind, log2_bucket(latency_ns), count(*),
	sum(latency_ns)
FROM ev_file_io WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
	AND latency_ns > 0
GROUP BY 2, 3, 4, 5, 6, 7
UNION ALL
-- *_agg records: their JSON arrays summed per cell (win_agg_cells), then a
-- row per non-empty bucket and one with the sum (the null json_insert
-- appends); json_each per record is slow.
SELECT c.source, c.t, c.node, c.pk, c.k, c.k2,
	CASE WHEN h.type = 'null' THEN NULL ELSE CAST(h.key AS INTEGER) END,
	CASE WHEN h.type = 'null' THEN 0 ELSE h.value END,
	CASE WHEN h.type = 'null' THEN c.sum_ns ELSE 0 END
FROM win_agg_cells c, json_each(json_insert(c.hs, '$[#]', NULL)) h
WHERE h.type = 'null' OR h.value > 0;

CREATE TEMP VIEW win_syscall AS
SELECT step_end(minute * 60000000000) AS t, node, pk, nr, sum(calls) AS calls,
	sum(errors) AS errors
FROM roll_syscall WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4
UNION ALL
-- errors: errno values only, as the kernel side counts them (some calls
-- return other negative values that are not errors)
SELECT step_end(ts), node, pk, nr, count(*), sum(ret < 0 AND ret >= -4095)
FROM ev_syscall WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3, 4
UNION ALL
SELECT step_end(ts), node, pk, nr, sum(count), sum(errors)
FROM ev_syscall_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3, 4;

-- Switches and run time of the task switched out (prev_pk).
CREATE TEMP VIEW win_sched_out AS
SELECT step_end(minute * 60000000000) AS t, node, pk, sum(switches) AS switches,
	sum(runtime_ns) AS runtime_ns
FROM roll_sched_out WHERE rollup_minute(minute) GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, prev_pk, count(*), sum(prev_runtime_ns)
FROM ev_sched_switch WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
	AND prev_pk IS NOT NULL
GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(switches), sum(runtime_ns)
FROM ev_sched_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3;

-- Reads and writes by op and kind of descriptor (format/kinds.h: every
-- kind, sockets and pipes too); bytes: what the calls returned, errors as 0.
CREATE TEMP VIEW win_file_io AS
SELECT step_end(minute * 60000000000) AS t, node, pk, op, fd_kind, sum(bytes) AS bytes
FROM roll_file_io WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, op, fd_kind, sum(max(ret, 0))
FROM ev_file_io WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, op, fd_kind, sum(bytes)
FROM ev_file_io_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3, 4, 5;

-- user: true for a fault in user mode.
CREATE TEMP VIEW win_page_fault AS
SELECT step_end(minute * 60000000000) AS t, node, pk, user, sum(faults) AS faults
FROM roll_page_fault WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4
UNION ALL
SELECT step_end(ts), node, pk, user, count(*)
FROM ev_page_fault WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3, 4
UNION ALL
SELECT step_end(ts), node, pk, 1, sum(user_faults)
FROM ev_mem_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, 0, sum(kernel_faults)
FROM ev_mem_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3;

CREATE TEMP VIEW win_mem_alloc AS
SELECT step_end(minute * 60000000000) AS t, node, pk, sum(allocs) AS allocs
FROM roll_mem_alloc WHERE rollup_minute(minute) GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(count)
FROM ev_mem_alloc WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3
UNION ALL
SELECT step_end(ts), node, pk, sum(allocs)
FROM ev_mem_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3;

-- Socket messages (sock_msg: no tuple needed, cheaper than ev_sock_msg);
-- msgs and bytes: the calls of the row's direction (received: true for
-- rx) and what they returned, errors as 0; pkts_out and pkts_in: the
-- packets its records booked in each direction (a TCP send books the ACKs
-- received meanwhile too; tcp_close books what no message did; one per
-- datagram else).
CREATE TEMP VIEW win_net AS
SELECT step_end(minute * 60000000000) AS t, node, pk, protocol, received, sum(msgs) AS msgs,
	sum(bytes) AS bytes, sum(pkts_out) AS pkts_out, sum(pkts_in) AS pkts_in
FROM roll_net WHERE rollup_minute(minute) GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, protocol, received, count(*), sum(max(bytes, 0)), sum(pkts_out),
	sum(pkts_in)
FROM sock_msg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, 17, received, count(*), sum(max(bytes, 0)), sum(received = 0),
	sum(received <> 0)
FROM ev_udp_msg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, protocol, received, sum(count), sum(bytes),
	sum(CASE WHEN protocol <> 6 AND received = 0 THEN count ELSE 0 END),
	sum(CASE WHEN protocol <> 6 AND received <> 0 THEN count ELSE 0 END)
FROM ev_sock_msg_agg WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT step_end(ts), node, pk, 6, 0, 0, 0, sum(pkts_out), sum(pkts_in)
FROM tcp_close WHERE ts >= window_from() AND ts < window_to() AND raw_ts(ts)
GROUP BY 1, 2, 3;

-- The name of each (node, nr) as the recorder first wrote it.
CREATE TEMP VIEW first_syscall_name AS
SELECT node, nr, name, min(rowid) FROM ev_syscall_name GROUP BY node, nr;

-- Hubble flows in the window, with t and the names Hubble's metric
-- handlers give their fields (hubble_* families, docs/HUBBLE.md):
-- verdict_name and drop_reason_name are enum names (an unknown number as
-- its decimal), protocol_name is Hubble's v1.FlowProtocol, reporter the
-- HTTP/Kafka handlers' (EGRESS client, INGRESS server), direction_name the
-- policy handler's lower-cased TrafficDirection.
CREATE TEMP VIEW hubble_win AS
SELECT h.*, step_end(h.ts) AS t,
	COALESCE((SELECT name FROM hubble_enum WHERE enum = 'verdict' AND number = h.verdict),
		CAST(h.verdict AS TEXT)) AS verdict_name,
	COALESCE((SELECT name FROM hubble_enum WHERE enum = 'drop_reason'
			AND number = h.drop_reason), CAST(h.drop_reason AS TEXT)) AS drop_reason_name,
	CASE WHEN h.event_type = 129 THEN CASE h.l7_kind WHEN 'dns' THEN 'DNS'
			WHEN 'http' THEN 'HTTP' WHEN 'kafka' THEN 'Kafka' ELSE 'Unknown L7' END
		WHEN h.event_type IN (1, 3, 4, 5) THEN COALESCE(h.protocol, 'Unknown L4')
		ELSE 'Unknown flow' END AS protocol_name,
	CASE h.traffic_direction WHEN 2 THEN 'client' WHEN 1 THEN 'server'
		ELSE 'unknown' END AS reporter,
	lower(COALESCE((SELECT name FROM hubble_enum WHERE enum = 'traffic_direction'
			AND number = h.traffic_direction),
		CAST(h.traffic_direction AS TEXT))) AS direction_name
FROM hubble_flow h WHERE h.ts >= window_from() AND h.ts < window_to();

-- HTTP headers of the flows in the window that hubble_* families read:
-- content_length (a decimal Content-Length, else NULL), grpc (1 when the
-- Content-Type starts with application/grpc), grpc_status (the grpc-status
-- header, else NULL). Header names compare case-insensitively.
CREATE TEMP VIEW hubble_win_http AS
SELECT w.*, hh.content_length, COALESCE(hh.grpc, 0) AS grpc, hh.grpc_status
FROM hubble_win w LEFT JOIN (
	SELECT flow,
		min(CASE WHEN lower(key) = 'content-length' AND value <> ''
			AND value NOT GLOB '*[^0-9]*' THEN CAST(value AS INTEGER) END)
			AS content_length,
		max(lower(key) = 'content-type' AND lower(value) GLOB 'application/grpc*') AS grpc,
		min(CASE WHEN lower(key) = 'grpc-status' THEN value END) AS grpc_status
	FROM hubble_http_header GROUP BY flow) hh ON hh.flow = w.id
WHERE w.l7_kind = 'http';

-- TCP connections as Hubble flows show them (hubble_tcp_* families), over
-- every flow: a connection's SYN is FORWARDED or REDIRECTED, not a reply,
-- SYN without ACK; a FIN or RST of either direction ends the tuple's
-- connection. epoch counts the tuple's ends so far: the SYNs of one epoch
-- are one connection (seen at several points or nodes, or retransmitted).
-- hubble_tcp_ep: the SYNs (syn 1) and ends (syn 0, once per orientation)
-- with their epoch; hubble_tcp_conn: each connection, its first SYN's
-- time (open_ts) and flow (id).
CREATE TEMP VIEW hubble_tcp_ep AS
WITH ev AS (
	SELECT id, ts, ip_version, src_ip AS a, src_port AS ap, dst_ip AS b, dst_port AS bp, 1 AS syn
	FROM hubble_flow WHERE protocol = 'TCP' AND verdict IN (1, 5)
		AND NOT COALESCE(is_reply, 0) AND (tcp_flags & 18) = 2
	UNION ALL
	SELECT id, ts, ip_version, src_ip, src_port, dst_ip, dst_port, 0
	FROM hubble_flow WHERE protocol = 'TCP' AND verdict IN (1, 5) AND (tcp_flags & 5) <> 0
	UNION ALL
	SELECT id, ts, ip_version, dst_ip, dst_port, src_ip, src_port, 0
	FROM hubble_flow WHERE protocol = 'TCP' AND verdict IN (1, 5) AND (tcp_flags & 5) <> 0
)
SELECT *, sum(1 - syn) OVER (PARTITION BY a, ap, b, bp ORDER BY ts, id
	ROWS UNBOUNDED PRECEDING) AS epoch
FROM ev;
CREATE TEMP VIEW hubble_tcp_conn AS
SELECT a, ap, b, bp, epoch, min(ts) AS open_ts, id, ip_version FROM hubble_tcp_ep WHERE syn
GROUP BY a, ap, b, bp, epoch;
