#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Markers and pins against the real recorder, fed by a synthetic Hubble
# jsonpb stream on stdin (--families none: no BPF, no root):
#   - `flightrec mark` into the running recorder answers its time; the
#     marker replays (from a bundle cut --around it) with its text and a
#     time between the clock read before and after the command
#   - bad text is refused (exit 2), no recorder is said (exit 1)
#   - a pinned window survives while the ring turns over (--max-size 8M)
#     and the unpinned older segments go; a pin over --max-pinned is
#     refused; unpinned, its segments go
# The truth is the test's own clock, the directory as listed and the
# segments' time ranges as `flightrec inspect --json` reads them.
# env: REC (flightrec-record), FR (flightrec), PY (python3)
set -euo pipefail

: "${REC:?}" "${FR:?}"
PY=${PY:-python3}
work=$(mktemp -d /tmp/fr-ringctl-XXXXXX)
rec=
cleanup() {
	[ -n "$rec" ] && kill "$rec" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ -f "$work/rec.err" ] && tail -n 20 "$work/rec.err" >&2
	exit 1
}

now_ns() { "$PY" -c 'import time; print(time.time_ns())'; }

# RATE flows/s of random (incompressible) text for SECS on stdout
cat >"$work/flows.py" <<'EOF'
import binascii, os, sys, time
rate, secs = float(sys.argv[1]), float(sys.argv[2])
start, n = time.time(), 0
try:
    while time.time() - start < secs:
        t = time.time()
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%09dZ" % int((t % 1) * 1e9)
        sys.stdout.write('{"flow":{"time":"%s","verdict":"FORWARDED","Summary":"%s"},'
                         '"node_name":"n","time":"%s"}\n'
                         % (ts, binascii.hexlify(os.urandom(300)).decode(), ts))
        n += 1
        if n % 50 == 0:
            ahead = n / rate - (time.time() - start)
            if ahead > 0:
                sys.stdout.flush()
                time.sleep(ahead)
except BrokenPipeError:
    pass
EOF

# The segments of the ring: "name from_ns to_ns" per line (inspect's view;
# a segment deleted while inspect reads the ring is left out).
segments() {
	{ "$FR" inspect --json "$ring" 2>/dev/null || true; } | "$PY" -c '
import json, sys, datetime
def ns(s):
    d = datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 10**9 + int(s[20:29])
for s in json.load(sys.stdin)["segments"]:
    if "from" in s:
        print(s["path"].rsplit("/", 1)[1], ns(s["from"]), ns(s["to"]))'
}

ring="$work/ring"
mkdir -m 0750 "$ring"

# no recorder: said, exit 1
set +e
"$FR" mark "$ring" "nobody listens" 2>"$work/mark0.err"
rc=$?
set -e
[ $rc = 1 ] || fail "mark without a recorder: exit $rc"
grep -q "no recorder is running" "$work/mark0.err" || fail "mark without a recorder: $(cat "$work/mark0.err")"

"$PY" "$work/flows.py" 2500 24 |
	"$REC" --dir "$ring" --families none --kube off --hubble-jsonpb - --max-size 8M \
		--max-segment-size 1M --max-pinned 5M --duration 24s --stats 2>"$work/rec.err" &
rec=$!
for _ in $(seq 50); do [ -S "$ring/.control.sock" ] && break; sleep 0.1; done
[ -S "$ring/.control.sock" ] || fail "no control socket"
[ "$(stat -c %a "$ring/.control.sock")" = 600 ] || fail "control socket not 0600"
sleep 5 # segments older than the pin

before=$(now_ns)
"$FR" mark "$ring" "incident one: checkout 502s" >"$work/mark.out" || fail "mark"
after=$(now_ns)
echo "marker at $(cat "$work/mark.out")"
set +e
"$FR" mark "$ring" $'two\nlines' 2>"$work/bad.err"
rc=$?
set -e
[ $rc = 2 ] || fail "bad text: exit $rc"
grep -q "control character" "$work/bad.err" || fail "bad text: $(cat "$work/bad.err")"

sleep 1
"$FR" pin "$ring" --since 2s --name keep >"$work/pin.out" || fail "pin"
cat "$work/pin.out"
segments >"$work/at_pin"
# the segments the pin holds: those overlapping its window widened by 1 s
read -r pfrom pto < <("$FR" inspect --json "$ring" | "$PY" -c '
import json, sys, datetime
p = [p for p in json.load(sys.stdin)["pins"] if p["name"] == "keep"][0]
def ns(s):
    d = datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 10**9 + int(s[20:29])
print(ns(p["from"]), ns(p["to"]))')
awk -v f="$pfrom" -v t="$pto" '$2 < t + 1e9 && $3 >= f - 1e9 { print $1 }' "$work/at_pin" | sort >"$work/pinned"
awk -v f="$pfrom" -v t="$pto" '$3 < f - 1e9 { print $1 }' "$work/at_pin" | sort >"$work/older"
[ -s "$work/pinned" ] || fail "the pin holds no segment"
[ -s "$work/older" ] || fail "no segment older than the pin"

sleep 8
# the ring turned over: the pinned ones are there, the older ones are not
segments | awk '{ print $1 }' | sort >"$work/at_12"
missing=$(comm -23 "$work/pinned" "$work/at_12")
[ -z "$missing" ] || fail "pinned segments deleted: $missing"
kept_old=$(comm -12 "$work/older" "$work/at_12")
[ -z "$kept_old" ] || fail "unpinned older segments kept: $kept_old"
grep -q "pins:" "$work/rec.err" && fail "recorder complained about pins"
deleted_seq=$(ls "$ring" | grep -c frseg || true)
echo "pinned $(wc -l <"$work/pinned") segments survived; older unpinned: $(wc -l <"$work/older") gone; $deleted_seq segments in the ring"

# a pin over the bound (--max-pinned 5M) is refused with a message
set +e
"$FR" pin "$ring" --since 60s --name big 2>"$work/big.err"
rc=$?
set -e
[ $rc = 1 ] || fail "pin over the bound: exit $rc"
grep -q "over the pinned bound" "$work/big.err" || fail "pin over the bound: $(cat "$work/big.err")"

# a bundle around the marker while the recorder writes
"$FR" bundle "$ring" --around "incident one" --before 1s --after 1s -o "$work/b.tar.zst" \
	2>"$work/bundle.err" || fail "bundle --around: $(cat "$work/bundle.err")"
"$FR" replay -o "$work/b.db" "$work/b.tar.zst" 2>"$work/replay.err" || fail "replay of the bundle"
"$PY" - "$work/b.tar.zst" "$work/b.db" "$before" "$after" <<'EOF' || fail "marker or window"
import json, sqlite3, subprocess, sys
tarball, db, before, after = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = sqlite3.connect(db).execute("SELECT ts, text FROM marker").fetchall()
assert len(rows) == 1 and rows[0][1] == "incident one: checkout 502s", rows
ts = rows[0][0]
assert before <= ts <= after, (before, ts, after)
man = json.loads(subprocess.run(["tar", "-I", "zstd", "-xOf", tarball, "manifest.json"],
                                check=True, capture_output=True).stdout)
w = man["window"]
assert w["from"] == ts - 10**9 and w["to"] == ts + 10**9, (w, ts)
print("marker %d in [%d, %d]; bundle window %d .. %d" % (ts, before, after, w["from"], w["to"]))
EOF

"$FR" unpin "$ring" --name keep >/dev/null || fail "unpin"
wait "$rec" || fail "recorder exit $?"
rec=
segments | awk '{ print $1 }' | sort >"$work/at_end"
back=$(comm -12 "$work/pinned" "$work/at_end")
[ -z "$back" ] || fail "unpinned segments kept: $back"
grep -q "segments deleted [1-9]" "$work/rec.err" || fail "nothing deleted"
[ ! -e "$ring/.control.sock" ] || fail "control socket left behind"
echo "PASS"
