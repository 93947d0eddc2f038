-- SPDX-License-Identifier: BSD-2-Clause
-- Run by replay after every record is loaded: indexes, then the derived
-- attribution tables the metric, deps and drops queries join against.
-- Replay then writes conn, kube_pair and conn_pair, which need proc_attr and
-- pod_latest (analyzer/attr/connattr.h), and runs post_attr.sql.

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

-- Processes the kernel stream never named (alive before the recording, or
-- forked without an exec): comm and exe from the host's process table for
-- (node, pid) during the incarnation, its latest description.
UPDATE proc SET
	comm = COALESCE(comm, (SELECT mp.comm FROM meta_process mp
		WHERE mp.node = (SELECT n.name FROM nodes n WHERE n.node = proc.node)
		AND mp.pid = proc.pid AND mp.valid_from < proc.end_ts
		AND mp.valid_to > proc.start_ts AND mp.comm IS NOT NULL
		ORDER BY mp.valid_from DESC LIMIT 1)),
	exe = COALESCE(exe, (SELECT mp.exe FROM meta_process mp
		WHERE mp.node = (SELECT n.name FROM nodes n WHERE n.node = proc.node)
		AND mp.pid = proc.pid AND mp.valid_from < proc.end_ts
		AND mp.valid_to > proc.start_ts AND mp.exe IS NOT NULL
		ORDER BY mp.valid_from DESC LIMIT 1))
WHERE comm IS NULL OR exe IS NULL;

-- Process incarnation -> container -> pod. The container id, the pod uid
-- of the cgroup path and the path itself come from the host metadata for
-- (node, pid) during the incarnation; failing that, each from the parent
-- incarnation (fork), then from the first process of the same cgroup id on
-- the node that has it (its own or its parent's). The pod is the one of the container (meta_pod_container), else the
-- one the cgroup path names, which holds for hostNetwork pods too.
CREATE TABLE proc_attr AS
WITH pc AS (
	SELECT p.pk, p.node, n.name AS node_name, p.pid, p.parent_pk, p.cgroup_id,
		p.start_ts, p.end_ts, p.comm, mp.container_id AS cid_meta,
		mp.pod_uid AS uid_meta, mp.cgroup AS cg_meta
	FROM proc p JOIN nodes n USING (node)
	LEFT JOIN meta_process mp ON mp.rowid = (SELECT m.rowid FROM meta_process m
		WHERE m.node = n.name AND m.pid = p.pid
		AND m.valid_from <= p.end_ts AND m.valid_to > p.start_ts
		AND (m.container_id IS NOT NULL OR m.pod_uid IS NOT NULL OR m.cgroup IS NOT NULL)
		ORDER BY m.valid_from DESC LIMIT 1)
), pc1 AS (
	SELECT pc.*,
		COALESCE(cid_meta, (SELECT par.cid_meta FROM pc par WHERE par.pk = pc.parent_pk))
			AS cid1,
		COALESCE(uid_meta, (SELECT par.uid_meta FROM pc par WHERE par.pk = pc.parent_pk))
			AS uid1,
		COALESCE(cg_meta, (SELECT par.cg_meta FROM pc par WHERE par.pk = pc.parent_pk))
			AS cg1
	FROM pc
), pc2 AS (
	-- cgroup mates: the first process of the cgroup id that has the value,
	-- its own or its parent's
	SELECT pc1.*,
		COALESCE(cid1, (SELECT o.cid1 FROM pc1 o WHERE o.node = pc1.node
			AND o.cgroup_id = pc1.cgroup_id AND o.cid1 IS NOT NULL
			ORDER BY o.pk LIMIT 1)) AS container_id,
		COALESCE(uid1, (SELECT o.uid1 FROM pc1 o WHERE o.node = pc1.node
			AND o.cgroup_id = pc1.cgroup_id AND o.uid1 IS NOT NULL
			ORDER BY o.pk LIMIT 1)) AS path_uid,
		COALESCE(cg1, (SELECT o.cg1 FROM pc1 o WHERE o.node = pc1.node
			AND o.cgroup_id = pc1.cgroup_id AND o.cg1 IS NOT NULL
			ORDER BY o.pk LIMIT 1), CAST(pc1.cgroup_id AS TEXT)) AS cgroup
	FROM pc1
), pc3 AS (
	SELECT pc2.*,
		COALESCE((SELECT c.uid FROM meta_pod_container c
			WHERE c.container_id = pc2.container_id
			ORDER BY c.valid_from DESC LIMIT 1), path_uid) AS uid,
		(SELECT c.name FROM meta_pod_container c WHERE c.container_id = pc2.container_id
			ORDER BY c.valid_from DESC LIMIT 1) AS container
	FROM pc2
)
-- container: the pod's name for it, else the id's first 12 digits (as
-- docker ps shows it); cgroup: the path, else the kernel's cgroup id.
SELECT pc3.pk, pc3.node, pc3.node_name, pc3.pid, pc3.comm, pc3.container_id, pc3.uid,
	COALESCE(pc3.container, substr(pc3.container_id, 1, 12), '') AS container,
	COALESCE(pl.namespace, '') AS namespace,
	COALESCE(pl.name, '') AS pod, COALESCE(pl.workload_kind, '') AS workload_kind,
	COALESCE(pl.workload, '') AS workload, COALESCE(pc3.cgroup, '') AS cgroup
FROM pc3 LEFT JOIN pod_latest pl USING (uid);
CREATE UNIQUE INDEX proc_attr_by_pk ON proc_attr (pk);
