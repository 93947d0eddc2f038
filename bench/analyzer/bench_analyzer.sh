#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench_analyzer.sh FLIGHTREC GEN WORKDIR [SCALE]: generates a fixture of
# about 10 M events (2 h at 1 s ticks, scale 4), replays it and times every
# report. Prints events/s, database bytes/event, peak RSS and report times.
# Needs /usr/bin/time (Debian package `time`).
set -eu
fr=$1 gen=$2 work=$3 scale=${4:-4}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
"$gen" -o fx --no-truth --seed 3 --duration 2h --tick 1s --scale "$scale" 2> gen.txt
events=$(sed -n 's/^fr-gen-fixture: \([0-9]*\) records.*/\1/p' gen.txt)
# the fixture's writeback would otherwise compete with the first replay
sync

run() { # name, command...: prints wall seconds and peak RSS
	name=$1; shift
	/usr/bin/time -f '%e %M' -o t.txt "$@" > out.$name 2> err.$name
	read -r secs kb < t.txt
	echo "$name $secs $kb"
}

set -- $(run replay "$fr" replay -o fx.db fx)
rsecs=$2 rkb=$3
bytes=$(stat -c %s fx.db)
echo "events:                 $events"
echo "replay:                 ${rsecs} s, $(awk "BEGIN{printf \"%.0f\", $events / $rsecs}") events/s"
echo "database:               $bytes bytes, $(awk "BEGIN{printf \"%.1f\", $bytes / $events}") bytes/event"
echo "replay peak RSS:        $(awk "BEGIN{printf \"%.1f\", $rkb / 1024}") MiB"
total=0
for r in "metrics:$fr metrics fx.db --format prom" \
	 "metrics-step:$fr metrics fx.db --format csv --step 10m" \
	 "deps:$fr deps fx.db --format json" \
	 "drops:$fr drops fx.db --by workload"; do
	set -- $(run "${r%%:*}" ${r#*:})
	printf '%-23s %s s, peak RSS %s MiB\n' "$1:" "$2" "$(awk "BEGIN{printf \"%.1f\", $3 / 1024}")"
done
