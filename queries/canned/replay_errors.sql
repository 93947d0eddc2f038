-- SPDX-License-Identifier: BSD-2-Clause
-- name: replay_errors
-- help: what replay --ignore-errors skipped, by file and offset
SELECT path, offset, error, message FROM replay_errors ORDER BY path, offset, message;
