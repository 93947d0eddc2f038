#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench_bundle.sh FLIGHTREC GEN WORKDIR [COPIES]: a ring of about 1 GiB over
# 15 minutes (a generated 15-minute fixture at scale 16, ~100 MB, stored
# COPIES times, default 10), read once into the page cache, then bundled
# over its 15-minute window, plain and with --redact all. Prints time, peak
# RSS, MB/s of input and bundle size against the segments' size.
# Needs /usr/bin/time (Debian package `time`).
set -eu
fr=$1 gen=$2 work=$3 copies=${4:-10}
rm -rf "$work" && mkdir -p "$work/ring" && cd "$work"
"$gen" -o fx --no-truth --seed 3 --duration 15m --tick 1s --segment 5m --scale 16 2> gen.txt
i=0
while [ "$i" -lt "$copies" ]; do
	for f in fx/*.frseg; do cp "$f" "ring/c$i-$(basename "$f")"; done
	i=$((i + 1))
done
in=$(cat ring/*.frseg | wc -c) # also: the ring is in the page cache now
echo "ring:                   $in bytes in $(ls ring | wc -l) segments"
for mode in plain redact; do
	extra=""
	[ "$mode" = redact ] && extra="--redact all"
	rm -f "$mode.tar.zst"
	/usr/bin/time -f '%e %U %S %M' -o t.txt "$fr" bundle ring --from 2026-01-15T12:00:00Z \
		--to 2026-01-15T12:15:00Z -o "$mode.tar.zst" $extra 2> err.$mode
	read -r secs user sys kb < t.txt
	out=$(stat -c %s "$mode.tar.zst")
	printf '%-23s %s s (cpu %s+%s s), %s MB/s, peak RSS %s MiB, bundle %s bytes (%s of the segments)\n' \
		"bundle $mode:" "$secs" "$user" "$sys" \
		"$(awk "BEGIN{printf \"%.1f\", $in / $secs / 1e6}")" \
		"$(awk "BEGIN{printf \"%.1f\", $kb / 1024}")" "$out" \
		"$(awk "BEGIN{printf \"%.3f\", $out / $in}")"
done
rm -f plain.tar.zst redact.tar.zst
