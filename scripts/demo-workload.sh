#!/usr/bin/env bash
# A small, bounded workload for the live demo: loopback TCP, file writes,
# a refused connection (a kernel drop), execs. Only 127.0.0.1 is touched.
set -u
secs="${1:-10}"
end=$((SECONDS + secs))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill %1 2>/dev/null' EXIT
if command -v iperf3 >/dev/null; then
	iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
	sleep 0.5
	iperf3 -c 127.0.0.1 -p 5299 -t 2 >/dev/null 2>&1 || true
fi
while [ $SECONDS -lt $end ]; do
	dd if=/dev/zero of="$tmp/f" bs=64k count=16 conv=fsync status=none
	(exec 3<>/dev/tcp/127.0.0.1/1) 2>/dev/null || true # refused: kernel drop
	ls "$tmp" >/dev/null
	sleep 0.2
done
