#!/usr/bin/env bash
# The main job: set up, get a recording, replay it into SQLite and print the
# reports (metrics, dependency graph, drops).
#  - root + BTF + the recorder built: records this machine for FR_DEMO_SECONDS
#    (default 10) around a small loopback workload;
#  - otherwise: the bundled two-node fixture in fixtures/small.
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
echo "== database: $out/demo.db  (try: $fr query $out/demo.db --list)"
