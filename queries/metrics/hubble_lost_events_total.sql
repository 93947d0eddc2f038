-- SPDX-License-Identifier: BSD-2-Clause
-- family: hubble_lost_events_total
-- type: counter
-- help: Events Hubble itself lost, from the lost_events its stream reported (num_events_lost), by source (perf_event_ring_buffer, observer_events_queue, hubble_ring_buffer); the recorder's own losses are not in it.
-- attribution: none
SELECT step_end(ts) AS t,
	lower(COALESCE((SELECT name FROM hubble_enum WHERE enum = 'lost_event_source'
			AND number = l.source), CAST(l.source AS TEXT))) AS source,
	num_lost AS value
FROM hubble_lost l WHERE ts >= :from AND ts < :to;
