-- SPDX-License-Identifier: BSD-2-Clause
-- Run by replay after every record is loaded: indexes, then the derived
-- attribution tables the metric, deps and drops queries join against.

CREATE INDEX meta_pod_ip_by_ip ON meta_pod_ip (ip, valid_from);
CREATE INDEX meta_pod_by_uid ON meta_pod (uid, valid_from);
CREATE INDEX meta_pod_container_by_id ON meta_pod_container (container_id, valid_from);
CREATE INDEX meta_process_by_pid ON meta_process (node, pid, valid_from);
CREATE INDEX meta_service_ip_by_ip ON meta_service_ip (ip, valid_from);
CREATE INDEX meta_node_ip_by_ip ON meta_node_ip (ip, valid_from);

-- Latest description of every pod uid (labels, workload, names).
CREATE TABLE pod_latest AS
SELECT uid, namespace, name, node, workload_kind, workload, labels
FROM meta_pod p
WHERE valid_from = (SELECT max(valid_from) FROM meta_pod q WHERE q.uid = p.uid)
GROUP BY uid;
CREATE UNIQUE INDEX pod_latest_by_uid ON pod_latest (uid);

-- Process incarnation -> container -> pod. The container comes from the
-- host metadata for (node, pid) during the incarnation; failing that from
-- the parent incarnation (fork), then from another process of the same
-- cgroup on the node.
CREATE TABLE proc_attr AS
WITH pc AS (
	SELECT p.pk, p.node, n.name AS node_name, p.pid, p.parent_pk, p.cgroup_id,
		p.start_ts, p.end_ts,
		COALESCE(p.comm, (SELECT mp.comm FROM meta_process mp
			WHERE mp.node = n.name AND mp.pid = p.pid
			AND mp.valid_from < p.end_ts AND mp.valid_to > p.start_ts
			ORDER BY mp.valid_from DESC LIMIT 1)) AS comm,
		(SELECT mp.container_id FROM meta_process mp
			WHERE mp.node = n.name AND mp.pid = p.pid
			AND mp.valid_from <= p.end_ts AND mp.valid_to > p.start_ts
			AND mp.container_id IS NOT NULL
			ORDER BY mp.valid_from DESC LIMIT 1) AS cid_meta
	FROM proc p JOIN nodes n USING (node)
), pc2 AS (
	SELECT pc.*, COALESCE(cid_meta,
		(SELECT par.cid_meta FROM pc par WHERE par.pk = pc.parent_pk),
		(SELECT o.cid_meta FROM pc o WHERE o.node = pc.node AND o.cgroup_id = pc.cgroup_id
			AND o.cgroup_id IS NOT NULL AND o.cid_meta IS NOT NULL
			ORDER BY o.pk LIMIT 1)) AS container_id
	FROM pc
), pc3 AS (
	SELECT pc2.*,
		(SELECT c.uid FROM meta_pod_container c WHERE c.container_id = pc2.container_id
			ORDER BY c.valid_from DESC LIMIT 1) AS uid,
		(SELECT c.name FROM meta_pod_container c WHERE c.container_id = pc2.container_id
			ORDER BY c.valid_from DESC LIMIT 1) AS container
	FROM pc2
)
SELECT pc3.pk, pc3.node, pc3.node_name, pc3.pid, pc3.comm, pc3.container_id, pc3.uid,
	COALESCE(pc3.container, '') AS container, COALESCE(pl.namespace, '') AS namespace,
	COALESCE(pl.name, '') AS pod, COALESCE(pl.workload_kind, '') AS workload_kind,
	COALESCE(pl.workload, '') AS workload
FROM pc3 LEFT JOIN pod_latest pl USING (uid);
CREATE UNIQUE INDEX proc_attr_by_pk ON proc_attr (pk);

-- Every TCP socket with its client and server ends resolved to the pod that
-- held each address when the connection opened (IPs are reused). Declared
-- types are those CREATE TABLE AS would give; cid keys the rows, so no
-- index is built after.
CREATE TABLE conn_attr (cid INTEGER PRIMARY KEY, node INT, pk INT, active INT, is_client INT,
	open_ts INT,
	close_ts INT, connect_latency_ns INT, err INT, bytes_acked INT, bytes_received INT,
	duration_ns INT, client_ip, server_ip, server_port, client_uid, server_uid);
INSERT INTO conn_attr
WITH c AS (
	-- origin unknown (open before the recording): the side with the higher
	-- port, the ephemeral one, is taken for the client
	SELECT conn.*, CASE conn.active WHEN 0 THEN 0 WHEN 1 THEN 1
		ELSE conn.sport > conn.dport END AS is_client,
		-- a lookup in a copy of proc_attr: cheaper than the join
		proc_uid(conn.pk) AS local_uid,
		-- the subquery of analyzer/podip.h, at about a third of its cost
		pod_ip_at(conn.saddr, conn.open_ts) AS saddr_uid,
		pod_ip_at(conn.daddr, conn.open_ts) AS daddr_uid
	FROM conn
)
SELECT cid, node, pk, active, is_client, open_ts, close_ts, connect_latency_ns, err,
	bytes_acked, bytes_received, duration_ns,
	CASE WHEN is_client THEN saddr ELSE daddr END AS client_ip,
	CASE WHEN is_client THEN daddr ELSE saddr END AS server_ip,
	CASE WHEN is_client THEN dport ELSE sport END AS server_port,
	CASE WHEN is_client THEN COALESCE(local_uid, saddr_uid) ELSE daddr_uid END AS client_uid,
	CASE WHEN is_client THEN daddr_uid ELSE COALESCE(local_uid, saddr_uid) END AS server_uid
FROM c ORDER BY cid;

-- Pod-to-pod pairs (client pod, server pod, server port) of the connections
-- whose both ends resolved, numbered so that the kube_ebpf_* families group
-- by one integer and name the pair afterwards.
CREATE TABLE kube_pair (pair INTEGER PRIMARY KEY, client_uid TEXT, server_uid TEXT,
	server_port INTEGER);
-- Distinct ends first (a few dozen), then the pod check: a join per
-- connection cost four times as much.
INSERT INTO kube_pair (client_uid, server_uid, server_port)
SELECT client_uid, server_uid, server_port
FROM (SELECT DISTINCT client_uid, server_uid, server_port FROM conn_attr)
WHERE client_uid IN (SELECT uid FROM pod_latest) AND server_uid IN (SELECT uid FROM pod_latest)
ORDER BY 1, 2, 3;
CREATE UNIQUE INDEX kube_pair_by_ends ON kube_pair (client_uid, server_uid, server_port);
CREATE TABLE conn_pair (cid INTEGER PRIMARY KEY, node INTEGER, pair INTEGER, active INTEGER,
	err INTEGER, open_ts INTEGER, close_ts INTEGER, bytes_acked INTEGER, duration_ns INTEGER);
INSERT INTO conn_pair
SELECT c.cid, c.node, p.pair, c.active, c.err, c.open_ts, c.close_ts, c.bytes_acked,
	c.duration_ns
FROM conn_attr c JOIN kube_pair p ON p.client_uid = c.client_uid
	AND p.server_uid = c.server_uid AND p.server_port IS c.server_port
ORDER BY c.cid;

-- Name of a pod uid as "namespace/name" for reports.
CREATE VIEW pod_names AS
SELECT uid, namespace || '/' || name AS pod_ref, namespace || '/' || workload AS workload_ref,
	namespace FROM pod_latest;

-- Kernel names for numbers, as the recorder wrote them.
CREATE VIEW drop_reasons AS
SELECT DISTINCT node, reason, name FROM ev_drop_reason_name;
CREATE VIEW syscall_names AS
SELECT DISTINCT node, nr, name FROM ev_syscall_name;



-- Kernel drops with both addresses resolved to the pods that held them at
-- the time of the drop, and the reason's kernel name.
CREATE TABLE skb_drop_attr AS
SELECT d.ts, d.node, d.pk, d.reason,
	COALESCE((SELECT r.name FROM ev_drop_reason_name r WHERE r.node = d.node
		AND r.reason = d.reason LIMIT 1), 'reason_' || d.reason) AS reason_name,
	d.protocol, d.saddr, d.sport, d.daddr, d.dport,
	-- CAST: the TEXT column type the subquery of meta_pod_ip.uid gave
	CAST(pod_ip_at(d.saddr, d.ts) AS TEXT) AS src_uid,
	CAST(pod_ip_at(d.daddr, d.ts) AS TEXT) AS dst_uid
FROM ev_skb_drop d;

-- Services selecting each pod (label selector match in the pod's namespace).
CREATE TABLE pod_service AS
SELECT p.uid, min(s.namespace || '/' || s.name) AS service
FROM pod_latest p JOIN (SELECT DISTINCT namespace, name, selector FROM meta_service) s
	ON s.namespace = p.namespace AND s.selector IS NOT NULL AND s.selector <> '{}'
	AND NOT EXISTS (SELECT 1 FROM json_each(s.selector) kv
		WHERE json_extract(p.labels, '$."' || kv.key || '"') IS NOT kv.value)
GROUP BY p.uid;
ANALYZE;
