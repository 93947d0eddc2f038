-- SPDX-License-Identifier: BSD-2-Clause
-- name: markers
-- help: markers (flightrec mark) in time order, with their node
SELECT m.ts, n.name AS node, m.text
FROM marker m JOIN nodes n USING (node)
ORDER BY m.ts, n.name, m.text;
