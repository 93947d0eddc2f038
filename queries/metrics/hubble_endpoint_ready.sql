-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_endpoint_ready
-- type: gauge
-- help: Endpoints (distinct addresses) of each service's EndpointSlices that are ready (condition ready true) at the end of each step, from the recorded Kubernetes state; a service whose slices list none has 0.
-- attribution: none
WITH RECURSIVE steps(t) AS (
	SELECT step_end(:from)
	UNION ALL
	SELECT min(t + :step, :to) FROM steps WHERE :step > 0 AND t < :to)
SELECT s.t AS t, sl.namespace AS namespace, COALESCE(sl.service, '') AS service,
	(SELECT count(DISTINCT e.ip) FROM meta_endpoint e WHERE e.namespace = sl.namespace
		AND e.service IS sl.service AND e.ready AND e.valid_from < s.t AND e.valid_to >= s.t) AS value
FROM steps s JOIN meta_endpointslice sl ON sl.valid_from < s.t AND sl.valid_to >= s.t
GROUP BY 1, 2, 3;
