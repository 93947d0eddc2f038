#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The ring against the real recorder, fed by a synthetic source: Hubble
# jsonpb lines with random (incompressible) fields on stdin, tens of MB/s,
# no BPF (--families none). The truth is the directory and the file system
# as sampled every 100 ms, flightrec inspect, and the replayed database.
#
# usage: ring.sh SCENARIO
#   bound SIZE SEG  a burst through --max-size SIZE --max-segment-size SEG:
#                   the directory never exceeds SIZE + one block
#   minfree         a 16 MiB tmpfs (root): --min-free keeps its floor while
#                   --max-size alone would not; directory and free space sampled
#   kill9           kill -9 while writing, restart: every record of a whole
#                   block is kept, the torn segment sealed, the torn bytes
#                   counted, the ring goes on
#   enospc          an 8 MiB tmpfs fills up (root): the recorder survives,
#                   resumes when space is freed, and the database's loss
#                   equals --stats
# env: REC (flightrec-record), FR (flightrec), PY (python3)
# Exit 0 pass, 1 fail, 77 skipped (with the reason printed).
set -euo pipefail

scenario=${1:?usage: ring.sh SCENARIO}
: "${REC:?}" "${FR:?}"
PY=${PY:-python3}
BLOCK=$((256 * 1024 + 4096)) # one block on disk at most: raw size, frame, zstd bound

work=$(mktemp -d /tmp/fr-ring-XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

fail() {
	echo "FAIL ($scenario): $*" >&2
	for f in "$work"/*.err; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

need_root() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: $scenario mounts a tmpfs: run as root"; exit 77; }
	command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
	unshare --mount true 2>/dev/null || { echo "SKIP: no mount namespace here"; exit 77; }
}

# Flows on stdout: RATE lines/s (0: as fast as the pipe takes them) for SECS.
cat >"$work/flows.py" <<'EOF'
import binascii, os, sys, time
rate, secs = float(sys.argv[1]), float(sys.argv[2])
fmt = ('{"flow":{"time":"%s","verdict":"FORWARDED","IP":{"source":"10.0.2.10",'
       '"destination":"10.0.2.11","ipVersion":"IPv4"},"source":{"namespace":"shop",'
       '"pod_name":"p-%s"},"destination":{"namespace":"shop","pod_name":"q"},'
       '"Type":"L3_L4","node_name":"node-b","uuid":"%s","Summary":"%s"},'
       '"node_name":"node-b","time":"%s"}\n')
start = time.time()
n = 0
out = sys.stdout
try:
    while time.time() - start < secs:
        t = time.time()
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%09dZ" % int((t % 1) * 1e9)
        r = binascii.hexlify(os.urandom(200)).decode()
        out.write(fmt % (ts, r[:16], r[16:52], r[52:], ts))
        n += 1
        if rate and n % 50 == 0:
            ahead = n / rate - (time.time() - start)
            if ahead > 0:
                out.flush()
                time.sleep(ahead)
except BrokenPipeError:
    pass
EOF

# Sample DIR's segment bytes (and the free bytes of its file system) every
# 100 ms into OUT until the file STOP exists: "max_dir min_free samples".
cat >"$work/sample.py" <<'EOF'
import os, sys, time
d, out, stop = sys.argv[1:4]
hi, lo, n = 0, None, 0
while not os.path.exists(stop):
    total = 0
    try:
        for name in os.listdir(d):
            if name.endswith(".frseg"):
                try:
                    total += os.stat(os.path.join(d, name)).st_size
                except FileNotFoundError:
                    pass
        v = os.statvfs(d)
        free = v.f_bavail * v.f_frsize
        lo = free if lo is None else min(lo, free)
    except FileNotFoundError:
        pass
    hi, n = max(hi, total), n + 1
    time.sleep(0.1)
open(out, "w").write("%d %d %d\n" % (hi, lo or 0, n))
EOF

# record DIR SECS RATE EXTRA...: the recorder fed by flows.py, sampled.
record() {
	local dir=$1 secs=$2 rate=$3
	shift 3
	mkdir -p "$dir"
	chmod 0750 "$dir"
	rm -f "$work/stop"
	"$PY" "$work/sample.py" "$dir" "$work/sample" "$work/stop" &
	local sampler=$!
	"$PY" "$work/flows.py" "$rate" "$secs" |
		"$REC" --dir "$dir" --families none --kube off --hubble-jsonpb - \
			--duration "${secs}s" --stats "$@" 2>"$work/rec.err" || {
		touch "$work/stop"
		wait "$sampler"
		fail "recorder exit $?"
	}
	touch "$work/stop"
	wait "$sampler"
	read -r max_dir min_free samples <"$work/sample"
}

lost_in_db() { # DB SOURCE REASON
	"$FR" query "$1" "SELECT coalesce(sum(lost), 0) FROM ev_recorder_stats \
		WHERE source = '$2' AND reason = '$3'" | tail -n 1 | tr -d ' '
}

case "$scenario" in
bound)
	size=${2:?bound SIZE SEG}
	seg=${3:?bound SIZE SEG}
	bytes=$("$PY" -c 'import sys; u={"K":1<<10,"M":1<<20,"G":1<<30}; s=sys.argv[1]; print(int(s[:-1])*u[s[-1]])' "$size")
	record "$work/ring" 3 0 --max-size "$size" --max-segment-size "$seg"
	deleted=$(sed -n 's/.*segments deleted \([0-9]*\).*/\1/p' "$work/rec.err")
	echo "bound $size seg $seg: largest directory $max_dir bytes of $bytes" \
		"(overshoot $((max_dir - bytes))), $samples samples, $deleted segments deleted"
	[ "$samples" -ge 10 ] || fail "only $samples samples"
	[ "${deleted:-0}" -gt 0 ] || fail "nothing was deleted: the burst did not fill the ring"
	[ "$max_dir" -le $((bytes + BLOCK)) ] || fail "directory reached $max_dir > $bytes + a block"
	grep -q "^lost to the disk: 0 records" "$work/rec.err" || fail "the ring lost records"
	"$FR" verify "$work/ring" >"$work/verify.out" 2>&1 || fail "verify: $(tail -n 3 "$work/verify.out")"
	;;
minfree)
	need_root
	mkdir "$work/fs"
	# 16 MiB, 8 taken: a 12M ring would leave 0 free; the floor of 6M
	# leaves the ring about 2M
	export -f record fail
	export work PY REC
	unshare --mount --propagation private bash -c '
		set -e
		mount -t tmpfs -o size=16m fr-ring "$work/fs"
		dd if=/dev/zero of="$work/fs/filler" bs=1M count=8 status=none
		record "$work/fs/ring" 3 0 --max-size 12M --min-free 6M
		echo "$max_dir $min_free $samples" >"$work/result"
		"$FR" verify "$work/fs/ring" >"$work/verify.out" 2>&1 || echo failed >"$work/verify.failed"
	' || fail "the scenario itself failed"
	read -r max_dir min_free samples <"$work/result"
	floor=$((6 << 20))
	echo "minfree: largest directory $max_dir, least free $min_free of a floor of $floor" \
		"(under by $((floor - min_free))), $samples samples"
	grep "lost to the disk" "$work/rec.err" || true
	[ -f "$work/verify.failed" ] && fail "verify: $(tail -n 3 "$work/verify.out")"
	[ "$min_free" -ge $((floor - BLOCK)) ] || fail "free space fell to $min_free < $floor - a block"
	;;
kill9)
	ring="$work/ring"
	mkdir -m 0750 "$ring"
	# a steady stream: kill -9 lands mid-segment, mid-block
	"$PY" "$work/flows.py" 4000 30 |
		"$REC" --dir "$ring" --families none --kube off --hubble-jsonpb - 2>"$work/rec.err" &
	rec=$!
	sleep 2.5
	kill -9 "$rec"
	wait "$rec" 2>/dev/null && fail "recorder exited by itself"
	"$FR" inspect --json "$ring" >"$work/before.json" || fail "inspect after kill -9"
	seg=$(ls "$ring"/*.frseg | tail -n 1)
	# restart on the same ring with a short input
	"$PY" "$work/flows.py" 0 0.3 >"$work/short.jsonl"
	"$REC" --dir "$ring" --families none --kube off --hubble-jsonpb "$work/short.jsonl" \
		--duration 1s --stats 2>"$work/restart.err" || fail "restart failed"
	grep -q "sealed $seg" "$work/restart.err" || fail "no recovery report on stderr"
	"$FR" inspect --json "$ring" >"$work/after.json" || fail "inspect after restart"
	"$FR" verify "$ring" >"$work/verify.out" 2>&1 || fail "verify: $(tail -n 3 "$work/verify.out")"
	"$FR" replay -o "$work/out.db" "$ring" 2>"$work/replay.err" || fail "replay"
	torn_db=$(lost_in_db "$work/out.db" recorder torn_tail)
	"$PY" - "$work/before.json" "$work/after.json" "$(basename "$seg")" "$torn_db" <<-'EOF' || fail "records or torn bytes differ"
		import json, sys
		before, after = (json.load(open(p))["segments"] for p in sys.argv[1:3])
		name, torn_db = sys.argv[3], int(sys.argv[4])
		b = [s for s in before if s["path"].endswith(name)][0]
		a = [s for s in after if s["path"].endswith(name)][0]
		print("killed segment: %d records before, %d after recovery; torn %d bytes, "
		      "torn_tail in the data %d; sealed %s" % (b["records"], a["records"],
		      b["torn_bytes"], torn_db, a["sealed"]))
		assert b["records"] > 0
		assert a["records"] == b["records"], (a, b)
		assert a["sealed"] and not b["sealed"]
		assert torn_db == b["torn_bytes"], (torn_db, b)
		assert len(after) == len(before) + 1 and after[-1]["sealed"]
	EOF
	;;
enospc)
	need_root
	mkdir "$work/fs"
	export -f fail
	export work PY REC FR
	unshare --mount --propagation private bash -c '
		set -e
		fs=$work/fs
		mount -t tmpfs -o size=8m fr-ring "$fs"
		dd if=/dev/zero of="$fs/filler" bs=100K count=78 status=none # ~390 KiB left: less than 2 s of flows
		mkdir -m 0750 "$fs/ring"
		"$PY" "$work/flows.py" 3000 4 |
			"$REC" --dir "$fs/ring" --families none --kube off --hubble-jsonpb - \
				--duration 4s --stats 2>"$work/rec.err" &
		sleep 2
		df -k "$fs" >"$work/df.full"
		rm "$fs/filler"
		status=0
		wait $! || status=$?
		echo $status >"$work/rec.status"
		"$FR" inspect --json "$fs/ring" >"$work/inspect.json"
		"$FR" replay -o "$work/out.db" "$fs/ring" 2>"$work/replay.err"
	' || fail "the scenario itself failed"
	[ "$(cat "$work/rec.status")" = 0 ] || fail "recorder exit $(cat "$work/rec.status")"
	stats=$(sed -n 's/^lost to the disk: \([0-9]*\) records, \([0-9]*\) raw bytes (\([0-9]*\) not.*/\1 \2 \3/p' "$work/rec.err")
	read -r lost bytes unwritten <<<"$stats"
	db=$(lost_in_db "$work/out.db" writer write_failed)
	dbb=$(lost_in_db "$work/out.db" writer write_failed_bytes)
	insp=$("$PY" -c 'import json,sys; print(sum(s["lost"] for g in json.load(open(sys.argv[1]))["segments"] for s in g["statistics"] if s["source"]=="writer" and s["reason"]=="write_failed"))' "$work/inspect.json" 2>/dev/null || echo "?")
	echo "enospc: --stats lost $lost records ($bytes bytes, $unwritten unwritten);" \
		"database $db records ($dbb bytes); inspect $insp"
	[ "${lost:-0}" -gt 0 ] || fail "the disk never filled: $(cat "$work/df.full")"
	[ "$unwritten" = 0 ] || fail "$unwritten lost records never reached the data"
	[ "$db" = "$lost" ] || fail "database says $db lost, --stats $lost"
	[ "$insp" = "$lost" ] || fail "inspect says $insp lost, --stats $lost"
	[ "$dbb" = "$bytes" ] || fail "database says $dbb bytes lost, --stats $bytes"
	;;
*)
	echo "ring.sh: unknown scenario '$scenario'" >&2
	exit 2
	;;
esac
echo "PASS $scenario"
