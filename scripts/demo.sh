#!/usr/bin/env bash
# The main job: set up, get a recording, replay it into SQLite and print the
# reports (metrics, dependency graph, drops).
#  - root + BTF + the recorder built: records this machine for FR_DEMO_SECONDS
#    (default 10) around a small loopback workload;
#  - otherwise: the bundled two-node fixture in fixtures/small;
#  - then Hubble: records the test Hubble server (tests/hubble/server.py) for
#    3 s when Debian's python3-grpcio is there, and prints its flows,
#    hubble_* metrics, L7 edges and drops.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
out="${FR_DEMO_DIR:-out/demo}"
rm -rf "$out"
mkdir -p "$out"
fr=./build/analyzer/flightrec
rec=./build/recorder/flightrec-record
input=fixtures/small
by=namespace,workload

if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ] && [ -x "$rec" ]; then
	echo "== recording this machine for ${FR_DEMO_SECONDS:-10} s into $out/ring"
	./scripts/demo-workload.sh "${FR_DEMO_SECONDS:-10}" &
	"$rec" --dir "$out/ring" --duration "${FR_DEMO_SECONDS:-10}s"
	wait
	input="$out/ring"
	by=node # a host without Kubernetes metadata has no workloads
else
	echo "== no recorder here (needs root, BTF and the BPF build): using the fixture $input"
fi

echo "== inspect"
"$fr" inspect "$input"
echo "== replay"
"$fr" replay -o "$out/demo.db" "$input"
echo "== metrics (by $by)"
"$fr" metrics "$out/demo.db" --by "$by"
echo "== dependency graph (workload level)"
"$fr" deps "$out/demo.db" --level workload --format mermaid
echo "== drops"
"$fr" drops "$out/demo.db" --by reason
if [ "$input" = fixtures/small ]; then
	echo "== the kernel's and Hubble's view of each pod, side by side"
	"$fr" query "$out/demo.db" --name pod_traffic_views
fi
echo "== database: $out/demo.db  (try: $fr query $out/demo.db --list)"

# Hubble: the test Hubble server (tests/hubble/server.py, Debian's
# python3-grpcio) serves real sample flows and generated ones; the recorder
# follows it over its unix socket for a few seconds (no BPF, no root).
hubble_demo() {
	local d="$out/hubble" srv i
	mkdir -p "$d/server"
	/usr/bin/python3 tests/hubble/server.py --dir "$d/server" --tcp-port -1 --generate 200 \
		--exit-with $$ >/dev/null &
	srv=$!
	for i in $(seq 100); do
		[ -f "$d/server/ports.json" ] && break
		kill -0 "$srv" 2>/dev/null || { echo "test Hubble server did not start"; return 1; }
		sleep 0.2
	done
	[ -f "$d/server/ports.json" ] || { kill "$srv"; echo "test Hubble server not ready"; return 1; }
	echo "== recording Hubble flows from unix:$d/server/hubble.sock for 3 s"
	"$rec" --dir "$d/ring" --kube off --families none --duration 3s \
		--hubble "unix:$d/server/hubble.sock" || { kill "$srv"; return 1; }
	kill "$srv" && wait "$srv" 2>/dev/null
	"$fr" replay -o "$d/hubble.db" "$d/ring" || return 1
	echo "== flows (the first 8; -o jsonpb prints them as hubble observe does)"
	"$fr" flows "$d/hubble.db" --limit 8 || return 1
	echo "== hubble metrics"
	"$fr" metrics "$d/hubble.db" --family hubble_flows_total,hubble_drop_total,hubble_http_requests_total \
		--hubble-context 'labelsContext=source_namespace,destination_namespace' || return 1
	echo "== L7 edges"
	"$fr" deps "$d/hubble.db" --source hubble --format table || return 1
	echo "== Hubble drops"
	"$fr" drops "$d/hubble.db" --by reason || return 1
	echo "== Hubble database: $d/hubble.db"
}
if [ ! -x "$rec" ]; then
	echo "== Hubble demo skipped: the recorder is not built here"
elif ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
	echo "== Hubble demo skipped: Debian's python3-grpcio is missing (apt-get install python3-grpcio)"
elif ! hubble_demo; then
	echo "== Hubble demo failed (above)"
fi
