-- SPDX-License-Identifier: BSD-2-Clause
-- Replay database schema. Times are wall-clock UTC nanoseconds since the
-- epoch (column `ts`, `valid_from`, `valid_to`, ...), converted from each
-- host's CLOCK_BOOTTIME by replay. `node` is nodes.node. An interval that is
-- still open at the end of the recording has valid_to = 9223372036854775807.
--
-- ev_<kind> tables (views for the socket kinds below) mirror format/kinds.c
-- field for field, after ts, node and the key columns (pk, cid); replay
-- checks that they match at start-up.
-- `pk` is a process incarnation (proc.pk): a pid between fork/exec and exit
-- on one node, so a reused pid never merges two processes. `cid` is a
-- socket incarnation (conn.cid), from connect/accept to close.
PRAGMA user_version = 6;

CREATE TABLE replay_info (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE nodes (node INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE segments (
	segment INTEGER PRIMARY KEY, node INTEGER NOT NULL, path TEXT NOT NULL,
	boot_id TEXT, kernel TEXT, recorder TEXT, version INTEGER, seq INTEGER,
	boot_ns INTEGER, wall_ns INTEGER, records INTEGER, blocks_ok INTEGER,
	blocks_bad INTEGER, torn_offset INTEGER, torn_bytes INTEGER, has_index INTEGER,
	ts_min INTEGER, ts_max INTEGER);
-- What --ignore-errors skipped, by file and offset.
CREATE TABLE replay_errors (
	path TEXT NOT NULL, offset INTEGER NOT NULL, error TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE kind_counts (
	segment INTEGER NOT NULL, kind INTEGER NOT NULL, name TEXT, records INTEGER NOT NULL,
	PRIMARY KEY (segment, kind)) WITHOUT ROWID;

-- Process incarnations seen in the kernel stream (fork, exec, first event);
-- comm and exe of those never named there from meta_process (post_load.sql).
-- Aggregate rows belong to the incarnation alive during their interval,
-- even one that exited before the flush (docs/METADATA.md).
CREATE TABLE proc (
	pk INTEGER PRIMARY KEY, node INTEGER NOT NULL, pid INTEGER NOT NULL,
	parent_pk INTEGER, start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL,
	comm TEXT, exe TEXT, cgroup_id INTEGER, exit_code INTEGER);

-- Socket incarnations (connect/accept to close) seen in the kernel stream,
-- with their ends resolved to the pods that held each address when the
-- connection opened (IPs are reused), written by replay after post_load.sql
-- (analyzer/attr/connattr.h).
-- active: 1 connect, 0 accept, -1 opened before the recording.
-- is_client: whether saddr is the client's end: active, or for -1 the side
-- with the higher (ephemeral) port.
-- client_uid, server_uid: the local end's pod is its process's
-- (proc_attr.uid), else the one holding saddr; the remote end's the one
-- holding daddr. pair: kube_pair.pair when both are pods of pod_latest.
-- bytes_acked, bytes_received: the socket's counters at its close, as
-- TCP_INFO has them (the SYN of a connect and an acknowledged FIN count a
-- byte each); data_acked: bytes_acked without them, the data the peer
-- acknowledged (in recordings before tcp_close.fin_acked, with the FIN).
CREATE TABLE conn (
	cid INTEGER PRIMARY KEY, node INTEGER NOT NULL, pair INTEGER, is_client INTEGER NOT NULL,
	active INTEGER NOT NULL, open_ts INTEGER NOT NULL, close_ts INTEGER NOT NULL, err INTEGER,
	bytes_acked INTEGER, duration_ns INTEGER, pk INTEGER, sock_id INTEGER, saddr TEXT,
	sport INTEGER, daddr TEXT, dport INTEGER, connect_latency_ns INTEGER,
	bytes_received INTEGER, client_uid TEXT, server_uid TEXT, data_acked INTEGER);
-- Every TCP socket seen as client and server ends.
CREATE VIEW conn_attr AS
SELECT cid, node, pk, active, is_client, open_ts, close_ts, connect_latency_ns, err,
	bytes_acked, bytes_received, duration_ns,
	CASE WHEN is_client THEN saddr ELSE daddr END AS client_ip,
	CASE WHEN is_client THEN daddr ELSE saddr END AS server_ip,
	CASE WHEN is_client THEN dport ELSE sport END AS server_port, client_uid, server_uid
FROM conn;
-- Pod-to-pod pairs (client pod, server pod, server port) of the connections
-- whose both ends are pods of pod_latest, numbered in order of their first
-- connection (conn.pair); the view conn_pair has those connections.
-- kube_ebpf_request_exchanged counts them; the other kube_ebpf_* families
-- need one end to be a pod (docs/METADATA.md). Families of closed
-- connections take an end by is_client, so a connection whose origin the
-- recording does not know counts too; families of opens (requests_sent,
-- requests_received) need a seen open: active. conn puts the columns
-- conn_pair reads first: a scan decodes less of each row.
CREATE TABLE kube_pair (pair INTEGER PRIMARY KEY, client_uid TEXT, server_uid TEXT,
	server_port INTEGER);
CREATE VIEW conn_pair AS
SELECT cid, node, pair, is_client, active, err, open_ts, close_ts, bytes_acked, duration_ns
FROM conn WHERE pair IS NOT NULL;

-- Opaque records kept as received, in stream order.
CREATE TABLE meta_record (
	ts INTEGER NOT NULL, node INTEGER NOT NULL, segment INTEGER NOT NULL,
	seq INTEGER NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL,
	PRIMARY KEY (segment, seq)) WITHOUT ROWID;
CREATE TABLE marker (ts INTEGER NOT NULL, node INTEGER NOT NULL, text TEXT NOT NULL);
-- Hubble records that replay could not decode (docs/HUBBLE.md): kept, with why.
CREATE TABLE hubble_bad_record (ts INTEGER NOT NULL, node INTEGER NOT NULL,
	segment INTEGER NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
	error TEXT NOT NULL, payload BLOB NOT NULL);

-- Hubble flows, decoded at replay from hubble_flow_pb / hubble_flow_json
-- records (docs/HUBBLE.md). hubble_flow is a view, one row per flow in
-- stream order (id); what is stored is hubble_flow_row, with each end's
-- endpoint in hubble_endpoint (an endpoint repeats across flows: stored
-- once, with its protobuf bytes).
-- ts is flow.time (else the response's time, else the receive time);
-- recv_ts is when the recorder received it. Enums are stored as numbers
-- (unknown numbers kept); hubble_enum gives their names. Lists (labels,
-- names, qtypes, ips) are JSON arrays as text; absent values are NULL.
-- tcp_flags is a bit set: FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32,
-- ECE 64, CWR 128, NS 256. protocol is the Layer4 oneof's name (TCP, UDP,
-- ICMPv4, ICMPv6, SCTP, VRRP, IGMP). l7_kind is 'dns', 'http' or 'kafka'.
-- *_app is the first of the labels k8s:app.kubernetes.io/name,
-- k8s:k8s-app, k8s:app (Hubble's `app` context). payload is the record
-- as received (protobuf GetFlowsResponse or the jsonpb line).
--
-- hubble_endpoint: raw is the Endpoint message's bytes (the value of
-- Flow.source or Flow.destination, without tag and length).
CREATE TABLE hubble_endpoint (ep INTEGER PRIMARY KEY, raw BLOB NOT NULL,
	id INTEGER, identity INTEGER, cluster TEXT, namespace TEXT, pod TEXT, labels TEXT,
	workload TEXT, workload_kind TEXT, app TEXT);
-- hubble_flow_row: kind is the record kind (32 protobuf, 33 jsonpb line);
-- src_ep/dst_ep are hubble_endpoint.ep (NULL: no such end). rest is the
-- payload with the bytes of the source endpoint cut out at offset src_at
-- and those of the destination at dst_at (offsets in rest, src_at <=
-- dst_at; NULL: nothing cut), so payload = rest with them put back.
CREATE TABLE hubble_flow_row (
	id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, recv_ts INTEGER NOT NULL,
	node INTEGER NOT NULL, node_name TEXT, kind INTEGER NOT NULL, uuid TEXT,
	verdict INTEGER NOT NULL, drop_reason INTEGER NOT NULL, flow_type INTEGER NOT NULL,
	event_type INTEGER, event_subtype INTEGER, auth_type INTEGER,
	ip_version INTEGER, src_ip TEXT, dst_ip TEXT, src_ip_xlated TEXT, encrypted INTEGER,
	protocol TEXT, src_port INTEGER, dst_port INTEGER, icmp_type INTEGER, icmp_code INTEGER,
	tcp_flags INTEGER, src_ep INTEGER, dst_ep INTEGER,
	src_names TEXT, dst_names TEXT,
	src_service_namespace TEXT, src_service TEXT, dst_service_namespace TEXT, dst_service TEXT,
	traffic_direction INTEGER NOT NULL, is_reply INTEGER, policy_match_type INTEGER,
	trace_observation_point INTEGER, trace_reason INTEGER, interface TEXT, proxy_port INTEGER,
	socket_cookie INTEGER, cgroup_id INTEGER, trace_id TEXT, summary TEXT,
	l7_type INTEGER, l7_latency_ns INTEGER, l7_kind TEXT,
	http_code INTEGER, http_method TEXT, http_url TEXT, http_protocol TEXT,
	dns_query TEXT, dns_rcode INTEGER, dns_qtypes TEXT, dns_rrtypes TEXT, dns_ips TEXT,
	dns_ttl INTEGER, dns_cnames TEXT, dns_observation_source TEXT,
	kafka_api_key TEXT, kafka_api_version INTEGER, kafka_topic TEXT, kafka_error_code INTEGER,
	kafka_correlation_id INTEGER,
	src_at INTEGER, dst_at INTEGER, rest BLOB NOT NULL);
CREATE VIEW hubble_flow AS
SELECT f.id, f.ts, f.recv_ts, f.node, f.node_name,
	CASE f.kind WHEN 32 THEN 'hubble_flow_pb' WHEN 33 THEN 'hubble_flow_json'
		ELSE CAST(f.kind AS TEXT) END AS kind,
	f.uuid, f.verdict, f.drop_reason, f.flow_type, f.event_type, f.event_subtype,
	f.auth_type, f.ip_version, f.src_ip, f.dst_ip, f.src_ip_xlated, f.encrypted,
	f.protocol, f.src_port, f.dst_port, f.icmp_type, f.icmp_code, f.tcp_flags,
	s.id AS src_id, s.identity AS src_identity, s.cluster AS src_cluster,
	s.namespace AS src_namespace, s.pod AS src_pod, s.labels AS src_labels,
	s.workload AS src_workload, s.workload_kind AS src_workload_kind, s.app AS src_app,
	d.id AS dst_id, d.identity AS dst_identity, d.cluster AS dst_cluster,
	d.namespace AS dst_namespace, d.pod AS dst_pod, d.labels AS dst_labels,
	d.workload AS dst_workload, d.workload_kind AS dst_workload_kind, d.app AS dst_app,
	f.src_names, f.dst_names, f.src_service_namespace, f.src_service,
	f.dst_service_namespace, f.dst_service, f.traffic_direction, f.is_reply,
	f.policy_match_type, f.trace_observation_point, f.trace_reason, f.interface,
	f.proxy_port, f.socket_cookie, f.cgroup_id, f.trace_id, f.summary,
	f.l7_type, f.l7_latency_ns, f.l7_kind, f.http_code, f.http_method, f.http_url,
	f.http_protocol, f.dns_query, f.dns_rcode, f.dns_qtypes, f.dns_rrtypes, f.dns_ips,
	f.dns_ttl, f.dns_cnames, f.dns_observation_source, f.kafka_api_key,
	f.kafka_api_version, f.kafka_topic, f.kafka_error_code, f.kafka_correlation_id,
	CASE WHEN f.src_at IS NULL AND f.dst_at IS NULL THEN f.rest
	WHEN f.dst_at IS NULL THEN CAST(substr(f.rest, 1, f.src_at) || s.raw
		|| substr(f.rest, f.src_at + 1) AS BLOB)
	WHEN f.src_at IS NULL THEN CAST(substr(f.rest, 1, f.dst_at) || d.raw
		|| substr(f.rest, f.dst_at + 1) AS BLOB)
	ELSE CAST(substr(f.rest, 1, f.src_at) || s.raw
		|| substr(f.rest, f.src_at + 1, f.dst_at - f.src_at) || d.raw
		|| substr(f.rest, f.dst_at + 1) AS BLOB) END AS payload
FROM hubble_flow_row f LEFT JOIN hubble_endpoint s ON s.ep = f.src_ep
	LEFT JOIN hubble_endpoint d ON d.ep = f.dst_ep;
CREATE TABLE hubble_http_header (flow INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL);
-- Policies named by a flow: direction 'ingress'|'egress', action 'allowed'|'denied'.
CREATE TABLE hubble_flow_policy (flow INTEGER NOT NULL, direction TEXT NOT NULL,
	action TEXT NOT NULL, name TEXT, namespace TEXT, kind TEXT, revision INTEGER,
	labels TEXT);
-- Hubble's own losses (GetFlowsResponse.lost_events): not the recorder's.
CREATE TABLE hubble_lost (ts INTEGER NOT NULL, node INTEGER NOT NULL, node_name TEXT,
	source INTEGER NOT NULL, num_lost INTEGER NOT NULL, cpu INTEGER,
	first_ts INTEGER, last_ts INTEGER);
CREATE TABLE hubble_node_status (ts INTEGER NOT NULL, node INTEGER NOT NULL,
	state INTEGER NOT NULL, node_names TEXT, message TEXT);
-- ServerStatus answers the recorder asked for (at start and at each reconnect).
CREATE TABLE hubble_server_status (ts INTEGER NOT NULL, node INTEGER NOT NULL,
	num_flows INTEGER, max_flows INTEGER, seen_flows INTEGER, uptime_ns INTEGER,
	num_connected_nodes INTEGER, num_unavailable_nodes INTEGER, version TEXT,
	flows_rate REAL);
-- Names of the Hubble enums, from the compiled .proto: (enum, number, name),
-- enum one of verdict, drop_reason, flow_type, traffic_direction,
-- trace_observation_point, trace_reason, l7_type, ip_version, auth_type,
-- lost_event_source, node_state.
CREATE TABLE hubble_enum (enum TEXT NOT NULL, number INTEGER NOT NULL, name TEXT NOT NULL,
	PRIMARY KEY (enum, number)) WITHOUT ROWID;

-- Metadata with validity intervals (docs/METADATA.md).
CREATE TABLE meta_pod (
	uid TEXT NOT NULL, namespace TEXT, name TEXT, node TEXT, workload_kind TEXT,
	workload TEXT, labels TEXT, valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
CREATE TABLE meta_pod_ip (ip TEXT NOT NULL, uid TEXT NOT NULL,
	valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
CREATE TABLE meta_pod_container (container_id TEXT NOT NULL, uid TEXT NOT NULL, name TEXT,
	valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
CREATE TABLE meta_service (
	namespace TEXT NOT NULL, name TEXT NOT NULL, cluster_ips TEXT, ports TEXT, selector TEXT,
	valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
CREATE TABLE meta_service_ip (ip TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
	valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
-- container_id: the record's, else the one in the cgroup path; pod_uid: the
-- one in the cgroup path (format/cgroup_ids.h).
CREATE TABLE meta_process (
	node TEXT NOT NULL, pid INTEGER NOT NULL, ppid INTEGER, comm TEXT, exe TEXT, cgroup TEXT,
	container_id TEXT, pod_uid TEXT, valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
CREATE TABLE meta_node (name TEXT NOT NULL, ips TEXT,
	valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
CREATE TABLE meta_node_ip (ip TEXT NOT NULL, name TEXT NOT NULL,
	valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
CREATE TABLE meta_namespace (name TEXT NOT NULL,
	valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
-- EndpointSlices, and one row per address and port of their endpoints
-- (ready, serving, terminating: 0 or 1) for the interval of the slice.
CREATE TABLE meta_endpointslice (
	namespace TEXT NOT NULL, name TEXT NOT NULL, service TEXT, address_type TEXT, ports TEXT,
	valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);
CREATE TABLE meta_endpoint (
	namespace TEXT NOT NULL, service TEXT, slice TEXT NOT NULL, ip TEXT NOT NULL,
	port_name TEXT, port INTEGER, protocol TEXT, ready INTEGER NOT NULL,
	serving INTEGER NOT NULL, terminating INTEGER NOT NULL, pod_uid TEXT, node TEXT,
	valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL);

-- Kernel and bookkeeping events: one table per schema kind.
CREATE TABLE ev_clock_sync (ts INTEGER, node INTEGER, boot_ns INTEGER, wall_ns INTEGER);
-- first_ns/last_ns: the span the statistic covers, UTC ns like ts (0: none).
CREATE TABLE ev_recorder_stats (ts INTEGER, node INTEGER, source TEXT, reason TEXT,
	seen INTEGER, lost INTEGER, first_ns INTEGER, last_ns INTEGER);
CREATE TABLE ev_family_status (ts INTEGER, node INTEGER, family TEXT, enabled INTEGER,
	err INTEGER, mode TEXT, detail TEXT);
CREATE TABLE ev_drop_reason_name (ts INTEGER, node INTEGER, reason INTEGER, name TEXT);
CREATE TABLE ev_syscall_name (ts INTEGER, node INTEGER, nr INTEGER, name TEXT);
CREATE TABLE ev_proc_exec (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER, tid INTEGER,
	ppid INTEGER, uid INTEGER, cgroup_id INTEGER, comm TEXT, filename TEXT);
CREATE TABLE ev_proc_exit (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER, tid INTEGER,
	ppid INTEGER, cgroup_id INTEGER, exit_code INTEGER, runtime_ns INTEGER, comm TEXT);
CREATE TABLE ev_proc_fork (ts INTEGER, node INTEGER, pk INTEGER, parent_pid INTEGER,
	child_pid INTEGER, child_tid INTEGER, cgroup_id INTEGER, comm TEXT);
CREATE TABLE ev_syscall (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER, tid INTEGER,
	nr INTEGER, latency_ns INTEGER, ret INTEGER, flags INTEGER);
CREATE TABLE ev_syscall_agg (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER, nr INTEGER,
	count INTEGER, errors INTEGER, total_ns INTEGER, interval_ns INTEGER, latency_hist TEXT);
-- Socket kinds of a connection (tcp_*, sock_msg), the most numerous: their
-- rows (table <kind>) leave the tuple and sock_id to their connection
-- (conn); a row whose tuple is not the connection's (say, a UDP socket
-- sending to several peers) has it in sock_tuple. Replay creates the views
-- ev_<kind> with every column from format/kinds.c (analyzer/replay/loader.c).
-- Queries that need no tuple read <kind>, much cheaper than the view.
CREATE TABLE sock_tuple (kind TEXT NOT NULL, id INTEGER NOT NULL, saddr TEXT, daddr TEXT,
	sport INTEGER, dport INTEGER, PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE TABLE tcp_connect (id INTEGER PRIMARY KEY, ts INTEGER, node INTEGER, pk INTEGER,
	cid INTEGER, pid INTEGER, family INTEGER, latency_ns INTEGER, err INTEGER);
CREATE TABLE tcp_accept (id INTEGER PRIMARY KEY, ts INTEGER, node INTEGER, pk INTEGER,
	cid INTEGER, pid INTEGER, family INTEGER);
CREATE TABLE tcp_close (id INTEGER PRIMARY KEY, ts INTEGER, node INTEGER, pk INTEGER,
	cid INTEGER, pid INTEGER, family INTEGER, duration_ns INTEGER, bytes_acked INTEGER,
	bytes_received INTEGER, segs_out INTEGER, segs_in INTEGER, srtt_us INTEGER,
	total_retrans INTEGER, active INTEGER, pkts_out INTEGER, pkts_in INTEGER,
	fin_acked INTEGER);
CREATE TABLE tcp_retransmit (id INTEGER PRIMARY KEY, ts INTEGER, node INTEGER, pk INTEGER,
	cid INTEGER, pid INTEGER, family INTEGER, state INTEGER, segs INTEGER);
CREATE TABLE tcp_reset (id INTEGER PRIMARY KEY, ts INTEGER, node INTEGER, pk INTEGER,
	cid INTEGER, pid INTEGER, family INTEGER, received INTEGER);
CREATE TABLE tcp_rtt (id INTEGER PRIMARY KEY, ts INTEGER, node INTEGER, pk INTEGER, cid INTEGER,
	pid INTEGER, family INTEGER, srtt_us INTEGER, rttvar_us INTEGER);
CREATE TABLE sock_msg (id INTEGER PRIMARY KEY, ts INTEGER, node INTEGER, pk INTEGER,
	cid INTEGER, pid INTEGER, family INTEGER, protocol INTEGER, received INTEGER, bytes INTEGER,
	pkts_out INTEGER, pkts_in INTEGER);
CREATE TABLE ev_udp_msg (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER,
	family INTEGER, saddr TEXT, daddr TEXT, sport INTEGER, dport INTEGER,
	received INTEGER, bytes INTEGER);
CREATE TABLE ev_skb_drop (ts INTEGER, node INTEGER, pk INTEGER, reason INTEGER,
	protocol INTEGER, family INTEGER, saddr TEXT, daddr TEXT, sport INTEGER, dport INTEGER,
	ifindex INTEGER, pid INTEGER, location INTEGER);
CREATE TABLE ev_file_io (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER, tid INTEGER,
	op INTEGER, fd INTEGER, ret INTEGER, latency_ns INTEGER, fd_kind INTEGER);
CREATE TABLE ev_file_open (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER, tid INTEGER,
	ret INTEGER, flags INTEGER, latency_ns INTEGER, filename TEXT);
CREATE TABLE ev_file_io_agg (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER, op INTEGER,
	count INTEGER, bytes INTEGER, errors INTEGER, total_ns INTEGER, interval_ns INTEGER,
	latency_hist TEXT, fd_kind INTEGER);
CREATE TABLE ev_sched_switch (ts INTEGER, node INTEGER, prev_pk INTEGER, next_pk INTEGER,
	cpu INTEGER, prev_pid INTEGER, prev_state INTEGER, next_pid INTEGER,
	runq_latency_ns INTEGER, prev_runtime_ns INTEGER);
CREATE TABLE ev_sched_agg (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER,
	runtime_ns INTEGER, switches INTEGER, involuntary INTEGER, runq_count INTEGER,
	runq_total_ns INTEGER, interval_ns INTEGER, runq_hist TEXT);
CREATE TABLE ev_page_fault (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER, tid INTEGER,
	user INTEGER, address INTEGER, error_code INTEGER);
CREATE TABLE ev_mem_alloc (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER,
	source INTEGER, bytes INTEGER, count INTEGER);
CREATE TABLE ev_oom_kill (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER, uid INTEGER,
	cgroup_id INTEGER, total_vm_kb INTEGER, anon_rss_kb INTEGER, file_rss_kb INTEGER,
	shmem_rss_kb INTEGER, oom_score_adj INTEGER, comm TEXT);
CREATE TABLE ev_mem_agg (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER,
	user_faults INTEGER, kernel_faults INTEGER, allocs INTEGER, alloc_bytes INTEGER,
	interval_ns INTEGER);
CREATE TABLE ev_sock_msg_agg (ts INTEGER, node INTEGER, pk INTEGER, pid INTEGER,
	family INTEGER, saddr TEXT, daddr TEXT, sport INTEGER, dport INTEGER,
	protocol INTEGER, received INTEGER, count INTEGER, bytes INTEGER, interval_ns INTEGER);

-- Per-minute rollups of the high-volume kinds (analyzer/replay/rollup.h), written
-- by replay next to the raw rows. minute = floor(ts / 60e9). A cell may span
-- several rows: always sum. b is a log2 bucket (NULL: no histogram count);
-- obs counts histogram observations, the other counters what their family
-- counts (calls, switches, msgs ...), *_agg records included. roll_net:
-- msgs and bytes of the row's direction (received); pkts_out and pkts_in
-- the packets its records booked in each direction (tcp_close's included).
CREATE TABLE roll_syscall (minute INTEGER, node INTEGER, pk INTEGER, nr INTEGER, b INTEGER,
	calls INTEGER, errors INTEGER, obs INTEGER, sum_ns INTEGER);
CREATE TABLE roll_sched_out (minute INTEGER, node INTEGER, pk INTEGER, switches INTEGER,
	runtime_ns INTEGER);
CREATE TABLE roll_runq (minute INTEGER, node INTEGER, pk INTEGER, b INTEGER, obs INTEGER,
	sum_ns INTEGER);
CREATE TABLE roll_file_io (minute INTEGER, node INTEGER, pk INTEGER, op INTEGER,
	fd_kind INTEGER, b INTEGER, bytes INTEGER, obs INTEGER, sum_ns INTEGER);
CREATE TABLE roll_page_fault (minute INTEGER, node INTEGER, pk INTEGER, user INTEGER,
	faults INTEGER);
CREATE TABLE roll_mem_alloc (minute INTEGER, node INTEGER, pk INTEGER, allocs INTEGER);
CREATE TABLE roll_net (minute INTEGER, node INTEGER, pk INTEGER, protocol INTEGER,
	received INTEGER, msgs INTEGER, bytes INTEGER, pkts_out INTEGER, pkts_in INTEGER);
