#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Fault injection against the real recorder (root + BPF): each scenario
# breaks something on purpose and checks what the user is left with.
#
# usage: faults.sh SCENARIO
#   shipped_config  recorder/deploy/record.conf as it is records into
#                   /var/lib/flightrec (a private tmpfs in a mount namespace)
#   modes           segments 0640, ring 0750, database as private as its
#                   input; a non-root user reads none of them; a writable
#                   ring directory is refused
#   kill9           kill -9 under load at several points (before the first
#                   segment, mid-segment, across rotations), then verify,
#                   replay and restart on the same directory
#   diskfull        a small tmpfs fills up: the recorder keeps running,
#                   resumes when space returns, counts what it lost
#   damage_real     cut and bit-flip sweeps over a segment recorded here
# env: REC (flightrec-record), FR (flightrec), LIVE (live_recorder, for the
#      BPF probe), DAMAGE (test_damage), CONF (the shipped record.conf)
# Exit 0 pass, 1 fail, 77 skipped (with the reason printed).
set -euo pipefail

scenario=${1:?usage: faults.sh SCENARIO}
: "${REC:?}" "${FR:?}" "${LIVE:?}"

# the same capability probe as the C live tests: 77 and a reason, or 0
"$LIVE" "$REC" probe || exit $?
for tool in unshare setpriv python3; do
	command -v "$tool" >/dev/null || {
		echo "SKIP: $tool is missing"
		exit 77
	}
done

work=$(mktemp -d /tmp/fr-fault-XXXXXX)
load_pid=
cleanup() {
	[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL ($scenario): $*" >&2
	for f in "$work"/*.err; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

# A syscall-heavy workload: read(2) and write(2) of one byte each.
start_load() {
	dd if=/dev/zero of=/dev/null bs=1 count=200000000 2>/dev/null &
	load_pid=$!
}

stop_load() {
	kill "$load_pid" 2>/dev/null || true
	wait "$load_pid" 2>/dev/null || true
	load_pid=
}

# JSON field of `flightrec inspect --json` output: total.<key>
inspect_total() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"][sys.argv[2]])' "$1" "$2"
}

case "$scenario" in
shipped_config)
	: "${CONF:?}"
	# The file as shipped, only --duration added so the test ends.
	unshare --mount --propagation private bash -c '
		set -e
		mount -t tmpfs -o mode=0755,size=256m fr-fault /var/lib
		"$1" --config "$2" --duration 2s 2>"$3/rec.err"
		"$4" inspect --json /var/lib/flightrec >"$3/inspect.json"
		stat -c "%a %n" /var/lib/flightrec /var/lib/flightrec/*.frseg >"$3/modes"
		ls / >"$3/root.ls"
	' _ "$REC" "$CONF" "$work" "$FR" || fail "recorder or inspect failed in the namespace"
	grep -q "recording into /var/lib/flightrec/seg-" "$work/rec.err" ||
		fail "segments did not go to /var/lib/flightrec"
	[ "$(inspect_total "$work/inspect.json" records)" -gt 0 ] || fail "no records"
	[ "$(inspect_total "$work/inspect.json" segments)" -ge 1 ] || fail "no segment"
	grep -qx "750 /var/lib/flightrec" "$work/modes" || fail "ring mode: $(cat "$work/modes")"
	grep -v "^750 " "$work/modes" | grep -qv "^640 " && fail "segment mode: $(cat "$work/modes")"
	# the old defect wrote into /sched_process_exec/ and similar at the root
	grep -q "sched\|exec\|raw" "$work/root.ls" && fail "stray directory at /: $(cat "$work/root.ls")"
	;;
modes)
	chmod 0755 "$work"
	mkdir -m 0755 "$work/ring"
	"$REC" --dir "$work/ring" --duration 1s --families proc,syscalls 2>"$work/rec.err" ||
		fail "recorder failed"
	grep -q "warning: every user can list" "$work/rec.err" || fail "no warning for a 0755 ring"
	seg=$(ls "$work"/ring/*.frseg | head -n 1)
	[ "$(stat -c %a "$seg")" = 640 ] || fail "segment mode $(stat -c %a "$seg")"
	mkdir "$work/ring2"
	"$REC" --dir "$work/ring2/new" --duration 1s --families proc 2>"$work/rec2.err" ||
		fail "recorder failed on a new directory"
	[ "$(stat -c %a "$work/ring2/new")" = 750 ] || fail "new ring mode"
	"$FR" replay -o "$work/out.db" "$work/ring" 2>"$work/replay.err" || fail "replay failed"
	[ "$(stat -c %a "$work/out.db")" = 640 ] || fail "database mode $(stat -c %a "$work/out.db")"
	chmod 0600 "$seg"
	"$FR" replay -o "$work/private.db" "$seg" 2>>"$work/replay.err" || fail "replay failed"
	[ "$(stat -c %a "$work/private.db")" = 600 ] || fail "database not as private as its input"
	# what another local user gets: nothing, and a clear reason
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	for f in "$seg" "$work/out.db" "$work/private.db"; do
		as_nobody cat "$f" >/dev/null 2>&1 && fail "nobody could read $f"
	done
	as_nobody "$FR" inspect "$seg" >"$work/nobody.out" 2>&1 && fail "nobody could inspect"
	grep -q "Permission denied" "$work/nobody.out" || fail "no reason: $(cat "$work/nobody.out")"
	as_nobody "$FR" query "$work/out.db" "SELECT 1" >"$work/nobody.out" 2>&1 &&
		fail "nobody could query the database"
	# a ring others may write into is refused before anything is written
	mkdir "$work/open"
	chmod 0777 "$work/open"
	"$REC" --dir "$work/open" --duration 1s --families proc 2>"$work/open.err" &&
		fail "recorded into a world-writable directory"
	grep -q "writable by its group or by every user" "$work/open.err" || fail "no reason given"
	ls "$work/open" | grep -q . && fail "files written into the refused directory"
	;;
kill9)
	ring="$work/ring"
	points=(0.05 0.8 1.7 3.1)
	for i in "${!points[@]}"; do
		start_load
		"$REC" --dir "$ring" --mode syscalls=stream --max-segment-size 2M \
			2>>"$work/rec.err" &
		rec=$!
		sleep "${points[$i]}"
		kill -9 "$rec"
		wait "$rec" 2>/dev/null && fail "recorder exited by itself"
		stop_load
		if ls "$ring"/*.frseg >/dev/null 2>&1; then
			"$FR" verify --allow-torn "$ring" >"$work/verify.out" 2>&1 ||
				fail "verify after kill -9 at ${points[$i]} s: $(tail -n 5 "$work/verify.out")"
		fi
	done
	nseg=$(ls "$ring"/*.frseg | wc -l)
	[ "$nseg" -ge 3 ] || fail "only $nseg segments after the kills"
	"$FR" replay -o "$work/out.db" "$ring" 2>"$work/replay.err" ||
		fail "replay after the kills"
	# restart on the same ring: it continues the sequence and ends sealed
	"$REC" --dir "$ring" --duration 1s --families proc,syscalls 2>"$work/restart.err" ||
		fail "restart on the ring failed"
	"$FR" inspect --json "$ring" >"$work/inspect.json" || fail "inspect"
	python3 - "$work/inspect.json" <<-'EOF' || fail "sequence or seal after restart"
		import json, sys
		segs = json.load(open(sys.argv[1]))["segments"]
		seqs = [s["seq"] for s in segs]
		assert len(set(seqs)) == len(seqs), seqs
		assert segs[-1]["seq"] == max(seqs) and segs[-1]["sealed"], segs[-1]
		assert sum(s["records"] for s in segs) > 0
	EOF
	"$FR" verify --allow-torn "$ring" >"$work/verify.out" 2>&1 || fail "final verify"
	;;
diskfull)
	# 24 MiB, 23 of them taken by a filler: the stream fills the rest fast
	mkdir "$work/fs"
	unshare --mount --propagation private bash -c '
		set -e
		fs=$1/fs
		mount -t tmpfs -o size=24m fr-fault "$fs"
		dd if=/dev/zero of="$fs/filler" bs=1M count=23 status=none
		dd if=/dev/zero of=/dev/null bs=1 count=400000000 2>/dev/null &
		load=$!
		"$2" --dir "$fs/ring" --mode syscalls=stream --stats 2>"$1/rec.err" &
		rec=$!
		sleep 3
		df -k "$fs" >"$1/df.full"
		rm "$fs/filler"
		date +%s%N >"$1/freed_ns"
		sleep 3
		kill -INT $rec
		status=0
		wait $rec || status=$?
		echo $status >"$1/rec.status"
		kill $load
		"$3" verify "$fs/ring" >"$1/verify.out" 2>&1 || echo failed >"$1/verify.failed"
		"$3" replay -o "$1/out.db" "$fs/ring" 2>"$1/replay.err"
	' _ "$work" "$REC" "$FR" || fail "the scenario itself failed"
	[ "$(cat "$work/rec.status")" = 0 ] || fail "recorder exit $(cat "$work/rec.status")"
	[ -f "$work/verify.failed" ] && fail "verify: $(tail -n 5 "$work/verify.out")"
	failures=$(sed -n 's/.*write failures \([0-9]*\).*/\1/p' "$work/rec.err")
	[ "${failures:-0}" -gt 0 ] || fail "the disk never filled: $(cat "$work/df.full")"
	freed=$(cat "$work/freed_ns")
	last=$("$FR" query "$work/out.db" "SELECT max(ts) FROM ev_syscall" | tail -n 1 | tr -d ' ')
	[ "$last" -gt "$freed" ] || fail "nothing recorded after space returned ($last <= $freed)"
	lost=$("$FR" query "$work/out.db" \
		"SELECT coalesce(sum(lost), 0) FROM ev_recorder_stats WHERE reason = 'write_failed'" |
		tail -n 1 | tr -d ' ')
	echo "write failures (--stats): $failures records; write_failed in the data: $lost"
	[ "$lost" -gt 0 ] || fail "the loss is not in the data"
	;;
damage_real)
	: "${DAMAGE:?}"
	# a 100 ms interval writes every kind of record many times in a few blocks
	"$REC" --dir "$work/ring" --duration 5s --interval 100ms 2>"$work/rec.err" ||
		fail "recorder failed"
	seg=$(ls "$work"/ring/*.frseg | head -n 1)
	FR_REAL_SEGMENT="$seg" "$DAMAGE" || fail "damage sweep over $seg"
	;;
*)
	echo "faults.sh: unknown scenario '$scenario'" >&2
	exit 2
	;;
esac
echo "PASS $scenario"
