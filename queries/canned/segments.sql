-- SPDX-License-Identifier: BSD-2-Clause
-- name: segments
-- help: loaded segments per node with records, damage and torn tails
SELECT n.name AS node, s.seq, s.path, s.records, s.blocks_ok, s.blocks_bad, s.torn_bytes
FROM segments s JOIN nodes n USING (node) ORDER BY n.name, s.seq, s.path;
