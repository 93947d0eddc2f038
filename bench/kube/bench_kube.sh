#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench_kube.sh RECORDER FLIGHTREC CTL WORKDIR [PODS] [RATE] [SECS] (root):
# the recorder against the test API server (tests/kubeapi) with PODS pods
# (20 000) and RATE changes/s (500) for SECS seconds (20), only the proc
# family and the kubernetes source on. Prints the recorder's peak RSS
# (VmHWM) with an empty cluster and with PODS pods (the difference per pod),
# its CPU (utime+stime over wall) under the changes, the changes the server
# made and the recorder wrote, the segment that starts after a SIGHUP (the
# snapshot of every pod, compressed) per pod, the snapshot's JSON size, and
# the replay of that recording (FR_REPLAY_TIMING=1 stages).
set -eu
rec=$1 fr=$2 ctl=$3 work=$4 pods=${5:-20000} rate=${6:-500} secs=${7:-20}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
srv=$work/srv
hz=$(getconf CLK_TCK)

python3 "$ctl" --dir "$srv" start -- --exit-with $$ >/dev/null
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$srv/ports.json")
stop_server() { python3 "$ctl" --dir "$srv" stop >/dev/null 2>&1 || true; }
trap stop_server EXIT

record() { # dir: starts the recorder in the background, its pid in $rpid
	"$rec" --dir "$1" --families proc --kube-api "$url" --kube-token-file "$srv/token" \
		--kube-ca "$srv/ca.crt" 2>"$1.err" &
	rpid=$!
}
wait_line() { # file pattern
	until grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; done
}
field() { # pid key: /proc/PID/status in KiB
	awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"
}
cpu_ticks() { # utime + stime
	awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"
}
now() { date +%s.%N; }
stop() { kill -INT "$1"; wait "$1" || true; }

# an empty cluster: the recorder's own floor
record "$work/empty"
wait_line "$work/empty.err" "listed pods"
sleep 2
empty_kb=$(field "$rpid" VmHWM)
stop "$rpid"

python3 "$ctl" --dir "$srv" generate "$pods" >"$work/generate.json"
record "$work/rec"
wait_line "$work/rec.err" "listed pods"
listed=$(grep "listed pods" "$work/rec.err" | sed 's/.*listed pods: //')
listed_kb=$(field "$rpid" VmHWM)
t0=$(now) c0=$(cpu_ticks "$rpid")
python3 "$ctl" --dir "$srv" churn "$rate" >/dev/null
sleep "$secs"
made=$(python3 "$ctl" --dir "$srv" stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["churn"])')
t1=$(now) c1=$(cpu_ticks "$rpid")
python3 "$ctl" --dir "$srv" churn 0 >/dev/null
sleep 1 # the last changes reach the recorder
hwm_kb=$(field "$rpid" VmHWM)
rss_kb=$(field "$rpid" VmRSS)
kill -HUP "$rpid"
until ls "$work/rec"/seg-00000001-*.frseg >/dev/null 2>&1; do sleep 0.1; done
sleep 1
stop "$rpid"
seg=$(stat -c %s "$work"/rec/seg-00000001-*.frseg)

FR_REPLAY_TIMING=1 "$fr" replay -o "$work/rec.db" "$work/rec" 2>"$work/replay.err"
json=$(sqlite3 "$work/rec.db" "SELECT MAX(LENGTH(json)) FROM meta_record WHERE json LIKE '{_source_:_kubernetes_%'")

awk -v e="$empty_kb" -v l="$listed_kb" -v h="$hwm_kb" -v r="$rss_kb" -v p="$pods" \
    -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v seg="$seg" -v js="$json" \
    -v rate="$rate" -v n="$made" -v listed="$listed" 'BEGIN {
	printf "pods %d, %s; changes asked %d/s, made %d in %.1f s (%.0f/s)\n", p, listed, rate, n, t1 - t0, n / (t1 - t0)
	printf "VmHWM empty cluster     %.1f MiB\n", e / 1024
	printf "VmHWM after the list    %.1f MiB\n", l / 1024
	printf "VmHWM after the changes %.1f MiB (VmRSS %.1f MiB)\n", h / 1024, r / 1024
	printf "per pod                 %.0f bytes ((VmHWM - empty) / pods)\n", (h - e) * 1024 / p
	printf "target                  %.1f MiB (64 MiB + the pods)\n", 64 + (h - e) / 1024
	printf "CPU under the changes   %.1f %% of one CPU\n", 100 * (c1 - c0) / hz / (t1 - t0)
	printf "segment after SIGHUP    %d bytes, %.1f bytes/pod (target 200)\n", seg, seg / p
	printf "snapshot JSON           %d bytes, %.0f bytes/pod\n", js, js / p
}'
echo "replay stages (FR_REPLAY_TIMING):"
sed 's/^/  /' "$work/replay.err"
