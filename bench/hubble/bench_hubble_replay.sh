#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench_hubble_replay.sh FLIGHTREC SEGTOOL SAMPLES WORKDIR [REPEAT]: a
# segment of the sample jsonpb lines (fixtures/hubble) written REPEAT times
# (default 4100: ~500 k flows) as protobuf records with times shifted by
# 1 s a pass, replayed; prints flows/s decoded. The floor: the same
# payloads under a record kind replay does not know (read, decompressed,
# counted, not decoded), replayed the same way; then `flightrec metrics`
# over the database (the hubble_flow view's cost). Prints the load average
# before the runs: compare builds in alternating runs. Needs /usr/bin/time.
set -eu
fr=$1 tool=$2 samples=$3 work=$4 repeat=${5:-4100}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
"$tool" --repeat "$repeat" --out flows.frseg "$samples"/*.jsonl
"$tool" --repeat "$repeat" --kind 47 --out floor.frseg "$samples"/*.jsonl
sync
run() { # name seg: wall seconds, peak RSS and CPU seconds of a replay
	/usr/bin/time -f '%e %M %U %S' -o t.txt "$fr" replay -o "$1.db" "$2" 2> "err.$1"
	cat t.txt
}
load=$(cut -d' ' -f1-3 /proc/loadavg)
set -- $(run flows flows.frseg) $(run floor floor.frseg)
secs=$1 kb=$2 cpu=$(awk "BEGIN{printf \"%.2f\", $3 + $4}") fsecs=$5
flows=$(sqlite3 flows.db 'SELECT count(*) FROM hubble_flow' 2>/dev/null || echo "?")
lines=$(cat "$samples"/*.jsonl | grep -c .)
echo "flows:                  $flows ($lines sample lines x $repeat)"
echo "segment:                $(stat -c %s flows.frseg) bytes"
echo "replay:                 $secs s, $(awk "BEGIN{printf \"%.0f\", $lines * $repeat / $secs}") flows/s (load $load)"
echo "replay CPU:             $cpu s (user + sys, both threads)"
echo "floor (not decoded):    $fsecs s"
echo "decode + insert:        $(awk "BEGIN{printf \"%.0f\", $lines * $repeat / ($secs - $fsecs)}") flows/s above the floor"
echo "database:               $(stat -c %s flows.db) bytes, $(awk "BEGIN{printf \"%.0f\", $(stat -c %s flows.db) / ($lines * $repeat)}") bytes/flow"
echo "replay peak RSS:        $(awk "BEGIN{printf \"%.1f\", $kb / 1024}") MiB"
echo "endpoints:              $(sqlite3 flows.db 'SELECT count(*) FROM hubble_endpoint' 2>/dev/null || echo "?") rows in hubble_endpoint"
/usr/bin/time -f '%e' -o t.txt "$fr" metrics flows.db > metrics.txt 2> err.metrics
echo "metrics over the DB:    $(cat t.txt) s ($(grep -c '^hubble_' metrics.txt) hubble_* series)"
