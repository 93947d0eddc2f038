-- SPDX-License-Identifier: BSD-2-Clause
-- Totals of the drop report.
SELECT (SELECT count(*) FROM ev_skb_drop) AS drops,
	(SELECT COALESCE(sum(max(segs, 1)), 0) FROM tcp_retransmit) AS retransmits,
	(SELECT count(*) FROM tcp_reset) AS resets;
