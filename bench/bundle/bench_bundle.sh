#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench_bundle.sh FLIGHTREC GEN WORKDIR [COPIES]: bundle a ring of about
# 1 GiB over its 15-minute window (a generated 15-minute fixture at scale 16,
# ~100 MB, stored COPIES times, default 10), read once into the page cache.
#
#   hidden  the segments say their kernel addresses are hidden, as the
#           recorder's do (fr-gen-fixture --hide-kaddrs: the generator writes
#           its synthetic addresses through the recorder's keyed bijection):
#           a plain bundle copies blocks as stored. The realistic case.
#   plain   the same ring without that flag (older recorders): every block
#           with a socket id is decompressed, rewritten and recompressed.
#   redact  --redact all on the first copy of the hidden ring only (~100 MB):
#           it runs at a few MB/s.
#
# Floors in the same run: reading the ring from the page cache
# (`cat ring/* | wc -c`; `cat ring/* > /dev/null` reads nothing with GNU
# cat 9, which hands /dev/null a copy that never happens) and a peer that
# writes the same kind of file (`tar -c ring | zstd -1 -T0` into a file,
# synced as the bundle is). FR_BENCH_OLD=PATH also runs another build of
# flightrec, alternating with this one. Every line: wall time, CPU, peak RSS,
# MB/s of input, output size against the segments', load average.
# Needs /usr/bin/time (Debian package `time`).
set -eu
fr=$1 gen=$2 work=$3 copies=${4:-10}
old=${FR_BENCH_OLD:-}
rm -rf "$work" && mkdir -p "$work/hidden" "$work/plain" && cd "$work"
"$gen" -o hx --no-truth --seed 3 --duration 15m --tick 1s --segment 5m --scale 16 \
	--hide-kaddrs 2> gen.txt
"$gen" -o px --no-truth --seed 3 --duration 15m --tick 1s --segment 5m --scale 16 2>> gen.txt
i=0
while [ "$i" -lt "$copies" ]; do
	for f in hx/*.frseg; do cp "$f" "hidden/c$i-$(basename "$f")"; done
	for f in px/*.frseg; do cp "$f" "plain/c$i-$(basename "$f")"; done
	i=$((i + 1))
done
load() { awk '{print $1}' /proc/loadavg; }
mbs() { awk "BEGIN{printf \"%.0f\", $1 / $2 / 1e6}"; }
# line LABEL INPUT_BYTES OUTPUT_BYTES: the figures of t.txt
line() {
	read -r secs user sys kb < t.txt
	printf '%-28s %6s s (cpu %s+%s s), %4s MB/s, peak RSS %5.1f MiB, out %s (%s of in), load %s\n' \
		"$1:" "$secs" "$user" "$sys" "$(mbs "$2" "$secs")" \
		"$(awk "BEGIN{print $kb / 1024}")" "$3" "$(awk "BEGIN{printf \"%.3f\", $3 / $2}")" \
		"$(load)"
}
in=$(cat hidden/*.frseg | wc -c)
inp=$(cat plain/*.frseg | wc -c)
echo "ring: hidden $in bytes, plain $inp bytes, $(ls hidden | wc -l) segments each"
/usr/bin/time -f '%e %U %S %M' -o t.txt sh -c 'cat hidden/*.frseg | wc -c > /dev/null'
line "floor: cat ring | wc -c" "$in" "$in"
rm -f peer.tar.zst
/usr/bin/time -f '%e %U %S %M' -o t.txt sh -c \
	'tar -c hidden | zstd -q -1 -T0 > peer.tar.zst && sync peer.tar.zst'
line "peer: tar | zstd -1 -T0" "$in" "$(stat -c %s peer.tar.zst)"
rm -f peer.tar.zst
# bundle LABEL FLIGHTREC DIR INPUT_BYTES [OPTIONS]
bundle() {
	label=$1 bin=$2 dir=$3 bytes=$4
	shift 4
	rm -f out.tar.zst
	/usr/bin/time -f '%e %U %S %M' -o t.txt "$bin" bundle "$dir" \
		--from 2026-01-15T12:00:00Z --to 2026-01-15T12:15:00Z -o out.tar.zst "$@" \
		2> err.txt
	line "$label" "$bytes" "$(stat -c %s out.tar.zst)"
	sed -n 's/.*; \(blocks .*\)/    \1/p' err.txt
	rm -f out.tar.zst
}
for round in 1 2; do
	bundle "bundle hidden (round $round)" "$fr" hidden "$in"
	[ -n "$old" ] && bundle "  old build, hidden" "$old" hidden "$in"
done
bundle "bundle plain (rewrite)" "$fr" plain "$inp"
[ -n "$old" ] && bundle "  old build, plain" "$old" plain "$inp"
mkdir -p one && ln -f hidden/c0-*.frseg one/
one=$(cat one/*.frseg | wc -c)
bundle "bundle --redact all (1 copy)" "$fr" one "$one" --redact all
rm -rf one
