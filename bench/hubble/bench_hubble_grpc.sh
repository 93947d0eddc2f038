#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench_hubble_grpc.sh RECORD BENCH H2FLOOR SAMPLES WORKDIR [FLOWS] [ROUNDS]:
# the recorder's Hubble gRPC ingest on a unix socket. fr-bench-hubble-grpc
# (gRPC's C core) serves FLOWS pre-encoded flows (default 300 000, the
# sample lines with times and ports varied) as fast as the reader takes
# them; it writes the socket every FR_BENCH_HINT messages (default 64,
# GRPC_WRITE_BUFFER_HINT; 1: a write per message) so that the server is
# not what limits the rate. In alternating rounds (the VM's speed drifts):
#   grpc floor: gRPC's C core reading and discarding the stream (a peer);
#   raw floor:  the recorder's own HTTP/2 reader (fr-bench-hubble-h2floor)
#               discarding it: no scan, no sink, no writer;
#   recorder:   flightrec-record --families none --hubble unix:... writing
#               a segment, for FR_BENCH_DURATION seconds (default 8; CPU is
#               the whole run's);
#   old:        the same with FR_BENCH_OLD_RECORD, another build's recorder
#               (before/after in the same minutes), when set.
# FR_BENCH_RECORD_ARGS: more options for every recorder row.
# flows/s is the server's: flows over the seconds from its first send to
# its last (HTTP/2 flow control holds the sender to the reader), the same
# clock for every row. FR_BENCH_CPUS="S C" pins the server to CPU S and the
# client (every thread of it) to CPU C: "one core" literally. Prints per
# row flows/s, the client's CPU per flow, flows on disk against flows sent
# (`flightrec inspect`; loss must be 0) and bytes/flow, the load average
# of each round, then each row's median; a round that lost flows is said
# at once and fails the run at its end.
set -eu
rec=$1 bench=$2 h2floor=$3 samples=$4 work=$5 flows=${6:-300000} rounds=${7:-3}
old=${FR_BENCH_OLD_RECORD:-} hint=${FR_BENCH_HINT:-64}
pin_s= pin_c=
if [ -n "${FR_BENCH_CPUS:-}" ]; then
	set -- $FR_BENCH_CPUS
	pin_s="taskset -c $1" pin_c="taskset -c $2"
fi
insp=${FR_BENCH_FLIGHTREC:-$(cd "$(dirname "$rec")/.." && pwd)/analyzer/flightrec}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
sock=$work/bench.sock
: > results
: > losses
serve() { # streams: start the server, wait for "ready"
	rm -f "$sock" srv.out
	$pin_s "$bench" --serve "unix:$sock" --flows "$flows" --samples "$samples" --streams "$1" \
		--hint "$hint" > srv.out 2> srv.err &
	srv=$!
	i=0
	until grep -q ready srv.out 2> /dev/null; do
		i=$((i + 1)); [ $i -lt 600 ] || { echo "server did not start" >&2; exit 1; }
		sleep 0.1
	done
}
rate() { # the server's first stream: flows/s
	awk -v n="$flows" '/^stream sent=/ { sub(/.*seconds=/, ""); printf "%.0f", n / $0; exit }' srv.out
}
row() { # name, CPU seconds, extra text
	r=$(rate)
	us=$(awk "BEGIN{printf \"%.2f\", $2 * 1e6 / $flows}")
	echo "$1 $r $us" >> results
	echo "round $round $1: $r flows/s, CPU $2 s ($us us/flow)$3 [load $(cut -d' ' -f1 /proc/loadavg)]"
}
floor() { # name, client command...
	name=$1
	shift
	serve 1
	/usr/bin/time -f '%U %S' -o cli.time $pin_c "$@" > cli.out
	wait $srv
	set -- $(cat cli.time)
	row "$name" "$(awk "BEGIN{print $1 + $2}")" ""
}
recorder() { # name, binary
	name=$1
	serve 2 # the recorder resumes after the first stream ends: a second one
	rm -rf rec
	/usr/bin/time -f '%U %S %M' -o rec.time $pin_c "$2" --dir rec --families none \
		--hubble "unix:$sock" --duration "${FR_BENCH_DURATION:-8}s" ${FR_BENCH_RECORD_ARGS:-} \
		> rec.out 2> rec.err &
	recpid=$!
	i=0
	until grep -q 'stream sent' srv.out; do
		i=$((i + 1)); [ $i -lt 3000 ] || { echo "no stream" >&2; exit 1; }
		sleep 0.1
	done
	wait $recpid || true
	kill $srv 2> /dev/null || true
	wait $srv 2> /dev/null || true
	set -- $(cat rec.time)
	"$insp" inspect rec > rec.inspect
	n=$(awk '$1 == "hubble_flow_pb" {n += $2} END {print n + 0}' rec.inspect)
	size=$(cat rec/*.frseg | wc -c)
	row "$name" "$(awk "BEGIN{print $1 + $2}")" ", RSS $(awk "BEGIN{printf \"%.1f\", $3 / 1024}") MiB, on disk $n of $flows, $(awk "BEGIN{printf \"%.1f\", $size / $flows}") bytes/flow"
	if [ "$n" != "$flows" ]; then # said, and the run fails at its end
		echo "LOSS ($name): $n of $flows on disk" >&2
		grep -E 'queue_full|gap|bad_message' rec.inspect >&2 || true
		echo "$name" >> losses
	fi
}
for round in $(seq 1 "$rounds"); do
	floor "grpc-floor" "$bench" --client "unix:$sock"
	floor "raw-floor" "$h2floor" "unix:$sock"
	recorder recorder "$rec"
	[ -z "$old" ] || recorder old-recorder "$old"
done
echo "median over $rounds rounds (flows/s, us CPU/flow):"
for name in grpc-floor raw-floor recorder old-recorder; do
	grep -q "^$name " results || continue
	r=$(grep "^$name " results | cut -d' ' -f2 | sort -n | tr '\n' ' ')
	u=$(grep "^$name " results | cut -d' ' -f3 | sort -n | tr '\n' ' ')
	echo "$r|$u" | awk -v name="$name" -F'|' '{n = split($1, r, " "); split($2, u, " ");
		m = int((n + 1) / 2); printf "  %-13s %7d flows/s (%d to %d), %s us/flow (%s to %s)\n",
		name, r[m], r[1], r[n], u[m], u[1], u[n]}'
done
if [ -s losses ]; then
	echo "LOSS in $(wc -l < losses) round(s): $(sort losses | uniq -c | tr -s ' \n' ' ')" >&2
	exit 1
fi
