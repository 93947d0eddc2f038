#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Recorder overhead benchmark: a getppid loop and loopback iperf3, each with
# the recorder off, on in its default modes, on in stream mode, and under
# `perf record -e raw_syscalls:sys_enter -a` for comparison, and with empty
# BPF programs on the syscall tracepoints: the floor of any per-call probe.
# usage: bench_recorder.sh FLIGHTREC_RECORD SYSCALL_LOOP HOOK_FLOOR
#        (root; SECS=5 per run, REPS=3 iperf3 runs per figure, median)
# Needs: iperf3, perf (Debian: iperf3, linux-perf), python3.
set -euo pipefail

REC=${1:?flightrec-record binary}
LOOP=${2:?syscall loop binary}
FLOOR=${3:?hook floor binary}
SECS=${SECS:-5}
REPS=${REPS:-3}
PORT=${PORT:-5299}
TMP=$(mktemp -d /tmp/fr-bench-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
HZ=$(getconf CLK_TCK)

if [ "$(id -u)" != 0 ]; then
	echo "bench_recorder: needs root (BPF and perf)" >&2
	exit 1
fi
for tool in iperf3 perf python3; do
	command -v "$tool" >/dev/null || { echo "bench_recorder: $tool not installed" >&2; exit 1; }
done

REC_PID= REC_LOG= REC_T0= REC_CPU0=
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start_recorder NAME ARGS...: returns once the probes are attached
start_recorder() {
	local name=$1; shift
	REC_LOG=$TMP/$name.log
	rm -rf "$TMP/$name.d"
	"$REC" --dir "$TMP/$name.d" --stats "$@" 2>"$REC_LOG" &
	REC_PID=$!
	until grep -q "recording into" "$REC_LOG"; do
		kill -0 "$REC_PID" 2>/dev/null || { cat "$REC_LOG" >&2; exit 1; }
		sleep 0.05
	done
	REC_T0=$(date +%s.%N)
	REC_CPU0=$(cpu_ticks "$REC_PID")
}

# stop_recorder: sets CPU (%), RSS (MiB), EVENTS, LOST, BPE (bytes per record)
stop_recorder() {
	local t1 cpu1
	t1=$(date +%s.%N)
	cpu1=$(cpu_ticks "$REC_PID")
	RSS=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$REC_PID/status")
	kill -INT "$REC_PID"
	wait "$REC_PID"
	CPU=$(python3 -c "print(f'{100*($cpu1-$REC_CPU0)/$HZ/($t1-$REC_T0):.1f}')")
	EVENTS=$(awk '/^[a-z]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$/ {s += $2} END {print s + 0}' "$REC_LOG")
	LOST=$(awk '/^[a-z]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$/ {s += $4 + $5 + $6} END {print s + 0}' "$REC_LOG")
	BPE=$(sed -n 's/.*bytes\/record \([0-9.]*\).*/\1/p' "$REC_LOG")
	EPS=$(python3 -c "print(f'{$EVENTS/($t1-$REC_T0):.0f}')")
}

PERF_PID=
start_perf() {
	perf record -e raw_syscalls:sys_enter -a -q -o "$TMP/perf.data" 2>"$TMP/perf.log" &
	PERF_PID=$!
	sleep 1 # perf has no ready signal; give it a moment to enable the event
}
stop_perf() {
	kill -INT "$PERF_PID"
	wait "$PERF_PID" || true
	PERF_BYTES=$(stat -c %s "$TMP/perf.data" 2>/dev/null || echo 0)
	rm -f "$TMP/perf.data"
}

loop_rate() { "$LOOP" "$SECS" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'; }

# iperf_gbps [PREFIX...]: median Gbit/s of REPS loopback runs; PREFIX wraps
# the client (the hook floor). Loopback throughput swings ±15 % run to run.
iperf_gbps() {
	local i srv runs=()
	for ((i = 0; i < REPS; i++)); do
		iperf3 -s -p "$PORT" -1 >/dev/null 2>&1 &
		srv=$!
		sleep 0.3
		"$@" iperf3 -c 127.0.0.1 -p "$PORT" -t "$SECS" -J >"$TMP/iperf.json"
		wait "$srv" || true
		runs+=("$(python3 -c "import json; d = json.load(open('$TMP/iperf.json')); print(f\"{d['end']['sum_received']['bits_per_second'] / 1e9:.2f}\")")")
	done
	printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(((REPS + 1) / 2))p"
}

printf "%-46s %12s %9s %8s %10s %12s %9s %8s %8s\n" workload rate slowdown rec_cpu% events/s events lost B/rec rss_MiB
row() { printf "%-46s %12s %9s %8s %10s %12s %9s %8s %8s\n" "$@"; }
ratio() { python3 -c "print(f'{$1/$2:.3f}')"; }

# scenario MEASURE LABEL BASE NAME ARGS...: MEASURE under the recorder with ARGS
SCEN_RATE=
scenario() {
	local measure=$1 label=$2 base=$3 name=$4; shift 4
	start_recorder "$name" "$@"
	local v
	v=$($measure)
	SCEN_RATE=$v
	stop_recorder
	row "$label: $name" "$v" "$(ratio "$base" "$v")" "$CPU" "$EPS" "$EVENTS" "$LOST" "$BPE" "$RSS"
}
# under_perf MEASURE LABEL BASE: MEASURE while perf records raw_syscalls:sys_enter
under_perf() {
	start_perf
	local v
	v=$($1)
	stop_perf
	row "$2: perf record sys_enter -a" "$v" "$(ratio "$3" "$v")" - - - - "perf.data=$PERF_BYTES" -
}

# floor LABEL BASE HOOKS MEASURE...: MEASURE under empty programs on HOOKS
FLOOR_RATE=
floor() {
	local v
	v=$("${@:4}")
	FLOOR_RATE=$v
	row "$1: floor, empty BPF on $3" "$v" "$(ratio "$2" "$v")" - - - - - -
}
floor_loop() { "$FLOOR" "$1" "$LOOP" "$SECS" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'; }
# the same programs each reading the cheapest clock BPF has once: the floor
# of any probe that times every call (a latency needs a read on both sides)
floor_loop_timed() { FR_FLOOR_CLOCK=mono floor_loop "$1"; }
# records carry boot time (DESIGN.md), so stream mode reads the boot clock
floor_loop_boot() { FR_FLOOR_CLOCK=boot floor_loop "$1"; }

# --- (a) syscall loop ---
base=$(loop_rate)
row "loop: recorder off" "$base" 1.000 - - - - - -
floor loop "$base" sys_enter floor_loop enter
floor loop "$base" "sys_enter+exit" floor_loop both
floor2=$FLOOR_RATE
floor loop "$base" "enter+exit+clock" floor_loop_timed both
timed=$FLOOR_RATE
floor loop "$base" "enter+exit+boot" floor_loop_boot both
timed_boot=$FLOOR_RATE
scenario loop_rate loop "$base" "default modes, all families"
default=$SCEN_RATE
scenario loop_rate loop "$base" "syscalls stream only" --families syscalls --mode syscalls=stream
stream=$SCEN_RATE
scenario loop_rate loop "$base" "syscalls aggregate only" --families syscalls
scenario loop_rate loop "$base" "all families, all stream" --mode syscalls=stream,file=stream,sched=stream
under_perf loop_rate loop "$base"
# ns each hook pair adds to a call, against the empty and the timed floor
python3 - "$base" "$floor2" "$timed" "$timed_boot" "$default" "$stream" <<'PY'
import sys
off, floor, timed, timed_boot, default, stream = (float(a) for a in sys.argv[1:])
added = lambda r: 1e9 / r - 1e9 / off
print(f"loop, ns added per call: floor {added(floor):.0f}, floor+clock {added(timed):.0f}, "
      f"floor+boot clock {added(timed_boot):.0f}, "
      f"default modes {added(default):.0f} ({added(default) / added(floor):.2f}x the floor's), "
      f"stream {added(stream):.0f}; stream rate {100 * stream / floor:.0f} % of the floor's "
      f"(floor+clock: {added(timed) / added(floor):.2f}x; floor+boot clock: "
      f"{100 * timed_boot / floor:.0f} %)")
PY

# --- (b) iperf3 on loopback ---
base=$(iperf_gbps)
row "iperf3 Gbit/s: recorder off" "$base" 1.000 - - - - - -
floor "iperf3 Gbit/s" "$base" "sys_enter+exit" iperf_gbps "$FLOOR" both
scenario iperf_gbps "iperf3 Gbit/s" "$base" "default modes, all families"
scenario iperf_gbps "iperf3 Gbit/s" "$base" "all families, all stream" --mode syscalls=stream,file=stream,sched=stream
under_perf iperf_gbps "iperf3 Gbit/s" "$base"
echo "slowdown = rate off / rate on; events = seen by the recorder (drained records or"
echo "aggregated counts); lost = ring full + aggregate map full + tracking map full;"
echo "B/rec = segment bytes per record on disk (all kinds); floor = the workload under"
echo "empty programs on the tracepoints named: no probe that runs per call can be faster;"
echo "enter+exit+clock: each program also reads bpf_ktime_get_ns() once, the floor of a"
echo "probe that takes the latency of every call; enter+exit+boot: bpf_ktime_get_boot_ns(),"
echo "which stream records carry."
