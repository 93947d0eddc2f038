#!/usr/bin/env bash
# The main job: set up, then produce a segment and show what it holds.
# Until the recorder lands this generates 1 M synthetic kernel events with
# the benchmark generator; with the recorder it records this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
out="${FR_DEMO_DIR:-out/demo}"
rm -rf "$out"
mkdir -p "$out"
./build/bench/fr-bench-format --events 1000000 --out "$out/seg-00000001.frseg" --keep
./build/analyzer/flightrec inspect "$out"
./build/analyzer/flightrec verify "$out"
