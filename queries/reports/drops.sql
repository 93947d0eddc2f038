-- SPDX-License-Identifier: BSD-2-Clause
-- Drop report rows for :by (reason, workload, node, minute): kernel drops
-- by reason name; with retransmits and resets where they can be grouped
-- the same way. A drop belongs to the workload of the pod that held the
-- destination address at the time (ingress), else of the source address.
WITH d AS (
	SELECT d.ts, d.node, d.reason_name,
		COALESCE((SELECT namespace || '/' || workload FROM pod_latest WHERE uid = d.dst_uid),
			(SELECT namespace || '/' || workload FROM pod_latest WHERE uid = d.src_uid),
			(SELECT NULLIF(namespace || '/' || workload, '/') FROM proc_attr WHERE pk = d.pk),
			'(unattributed)') AS workload
	FROM skb_drop_attr d
), tcp AS (
	-- n: retransmitted segments (segs 0: a recorder before segs, one buffer)
	SELECT e.ts, e.node, 'retransmit' AS what, e.pk, max(e.segs, 1) AS n FROM tcp_retransmit e
	UNION ALL
	SELECT e.ts, e.node, 'reset', e.pk, 1 FROM tcp_reset e
), tcp_attr AS (
	SELECT tcp.ts, tcp.node, tcp.what, tcp.n,
		COALESCE(NULLIF(a.namespace || '/' || a.workload, '/'), '(host)') AS workload
	FROM tcp LEFT JOIN proc_attr a ON a.pk = tcp.pk
), keyed AS (
	SELECT CASE :by WHEN 'reason' THEN reason_name WHEN 'workload' THEN workload
		WHEN 'node' THEN (SELECT name FROM nodes n WHERE n.node = d.node)
		ELSE strftime('%Y-%m-%dT%H:%MZ', ts / 1000000000, 'unixepoch') END AS key,
		1 AS drops, 0 AS retransmits, 0 AS resets
	FROM d
	UNION ALL
	SELECT CASE :by WHEN 'workload' THEN workload
		WHEN 'node' THEN (SELECT name FROM nodes n WHERE n.node = t.node)
		ELSE strftime('%Y-%m-%dT%H:%MZ', ts / 1000000000, 'unixepoch') END,
		0, CASE WHEN what = 'retransmit' THEN n ELSE 0 END, what = 'reset'
	FROM tcp_attr t WHERE :by <> 'reason'
)
SELECT key, sum(drops) AS drops, sum(retransmits) AS retransmits, sum(resets) AS resets
FROM keyed GROUP BY key ORDER BY key;
