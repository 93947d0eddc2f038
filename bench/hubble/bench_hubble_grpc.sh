#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench_hubble_grpc.sh RECORD BENCH SAMPLES WORKDIR [FLOWS] [ROUNDS]: the
# recorder's Hubble gRPC ingest on a unix socket. fr-bench-hubble-grpc
# serves FLOWS pre-encoded flows (default 300 000, the sample lines with
# times and ports varied) as fast as the reader takes them (HTTP/2 flow
# control paces the sender). In alternating rounds (the VM's speed drifts):
#   floor:    the same library reading and discarding the stream;
#   recorder: flightrec-record --families none --hubble unix:... writing
#             a segment, for FR_BENCH_DURATION seconds (default 10: the
#             stream takes a few; CPU is the whole run's).
# FR_BENCH_CPUS="S C" pins the server to CPU S and the client (floor or
# recorder, both its threads) to CPU C: "one core" literally.
# Prints flows/s, recorder CPU seconds and peak RSS, records on disk and
# bytes/flow; loss must be 0: every flow sent is on disk, counted by
# `flightrec inspect` (FR_BENCH_FLIGHTREC, default: next to the recorder
# in the build tree).
set -eu
rec=$1 bench=$2 samples=$3 work=$4 flows=${5:-300000} rounds=${6:-3}
pin_s= pin_c=
if [ -n "${FR_BENCH_CPUS:-}" ]; then
	set -- $FR_BENCH_CPUS
	pin_s="taskset -c $1" pin_c="taskset -c $2"
fi
insp=${FR_BENCH_FLIGHTREC:-$(cd "$(dirname "$rec")/.." && pwd)/analyzer/flightrec}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
sock=$work/bench.sock
serve() { # streams: start the server, wait for "ready"
	rm -f "$sock" srv.out
	$pin_s "$bench" --serve "unix:$sock" --flows "$flows" --samples "$samples" --streams "$1" \
		> srv.out 2> srv.err &
	srv=$!
	i=0
	until grep -q ready srv.out 2> /dev/null; do
		i=$((i + 1)); [ $i -lt 600 ] || { echo "server did not start" >&2; exit 1; }
		sleep 0.1
	done
}
for r in $(seq 1 "$rounds"); do
	serve 1
	$pin_c "$bench" --client "unix:$sock" > floor.out
	wait $srv
	echo "round $r floor:    $(sed -n 's/.*flows_per_s=\([0-9]*\).*/\1/p' floor.out) flows/s"

	serve 2 # the recorder resumes after the first stream ends: a second one
	rm -rf rec
	/usr/bin/time -f '%U %S %M' -o rec.time $pin_c "$rec" --dir rec --families none \
		--hubble "unix:$sock" --duration "${FR_BENCH_DURATION:-10}s" > rec.out 2> rec.err &
	recpid=$!
	# the first stream's end is the moment the recorder took the last flow
	i=0
	until grep -q 'stream sent' srv.out; do
		i=$((i + 1)); [ $i -lt 3000 ] || { echo "no stream" >&2; exit 1; }
		sleep 0.1
	done
	secs=$(grep -m1 'stream sent' srv.out | sed 's/.*seconds=//')
	wait $recpid || true
	kill $srv 2> /dev/null || true
	wait $srv 2> /dev/null || true
	set -- $(cat rec.time)
	got=$(sed -n 's/.*: \([0-9]*\) responses in .*/\1/p' rec.err)
	"$insp" inspect rec > rec.inspect
	n=$(awk '$1 == "hubble_flow_pb" {n += $2} END {print n + 0}' rec.inspect)
	size=$(cat rec/*.frseg | wc -c)
	echo "round $r recorder: $(awk "BEGIN{printf \"%.0f\", $flows / $secs}") flows/s," \
		"CPU $(awk "BEGIN{print $1 + $2}") s ($1 user, $2 sys;" \
		"$(awk "BEGIN{printf \"%.2f\", ($1 + $2) * 1e6 / $flows}") us/flow)," \
		"RSS $(awk "BEGIN{printf \"%.1f\", $3 / 1024}") MiB, received ${got:-?}," \
		"on disk ${n:-?} of $flows," \
		"$(awk "BEGIN{printf \"%.1f\", $size / $flows}") bytes/flow on disk"
	[ "${n:-0}" = "$flows" ] || { echo "LOSS: ${n:-?} of $flows on disk" >&2; cat rec.err rec.inspect >&2; exit 1; }
done
