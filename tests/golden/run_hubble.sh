#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run_hubble.sh MODE FLIGHTREC SEGTOOL PYTHON SRCDIR WORKDIR
# The hubble_* families, deps and drops over Hubble flows: checked against
# check_hubble_families.py (its own reading of the jsonpb lines), promtool, and the
# reviewed golden files (UPDATE_GOLDEN=1 rewrites them).
set -eu
mode=$1 fr=$2 segtool=$3 py=$4 src=$5 work=$6
golden=$src/fixtures/golden
rm -rf "$work" && mkdir -p "$work/seg" && cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
golden_cmp() {
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then cp "$1" "$golden/$2"; return; fi
	diff -u "$golden/$2" "$1" >&2 || fail "$2 differs from the reviewed golden file"
}
# The real sample lines of fixtures/hubble as one segment, replayed.
samples_db() {
	"$segtool" --out seg/samples.frseg "$src"/fixtures/hubble/*.jsonl
	"$fr" replay -o s.db seg 2>replay.err || { cat replay.err >&2; fail "replay"; }
}
# Hand-made lines for what the samples lack (gen_hubble_synthetic.py).
synthetic=$src/tests/golden/hubble-synthetic.jsonl
synthetic_db() {
	mkdir -p syn
	"$segtool" --out syn/synthetic.frseg "$synthetic"
	"$fr" replay -o y.db syn 2>replay.err || { cat replay.err >&2; fail "replay"; }
}
hubble_families() {
	# .sql families and those written as metric files (docs/METRICS_FILE.md)
	(cd "$src/queries/metrics" && ls hubble_*.sql hubble_*.yaml | sed 's/\.[a-z]*$//' | sort |
		paste -sd, -)
}

case $mode in
samples)
	samples_db
	"$fr" metrics s.db --format json > m.json
	"$py" "$src/tests/golden/check_hubble_families.py" m.json "$src"/fixtures/hubble/*.jsonl
	;;
synthetic)
	synthetic_db
	"$fr" metrics y.db --format json > m.json
	"$py" "$src/tests/golden/check_hubble_families.py" m.json "$synthetic"
	;;
small)
	[ -f "$src/fixtures/small/hubble.jsonl" ] || { echo "no fixtures/small/hubble.jsonl"; exit 77; }
	"$fr" replay -o small.db "$src/fixtures/small" 2>replay.err || { cat replay.err >&2; fail "replay"; }
	"$fr" metrics small.db --format json > m.json
	"$py" "$src/tests/golden/check_hubble_families.py" m.json "$src/fixtures/small/hubble.jsonl" \
		--truth "$src/fixtures/small/truth.json"
	;;
promtool)
	samples_db
	for args in "" "--step 720h" "--hubble-context labelsContext=source_ip,source_namespace,source_workload,source_app,destination_ip,destination_pod,destination_namespace,destination_workload_kind,traffic_direction;sourceContext=identity;destinationEgressContext=dns|ip;destinationContext=pod-short"; do
		"$fr" metrics s.db --family "$(hubble_families)" $args > m.prom
		set +e; promtool check metrics < m.prom > lint.txt 2>&1; rc=$?; set -e
		[ $rc = 0 ] || [ $rc = 3 ] || { cat lint.txt >&2; fail "promtool rejected the output ($rc)"; }
		# the design brief fixes the name hubble_endpoint_count
		if grep -v -E '^hubble_endpoint_count non-histogram and non-summary metrics should not have "_count" suffix$' lint.txt; then
			fail "promtool found other problems"
		fi
	done
	;;
formats)
	samples_db
	"$fr" metrics s.db --family "$(hubble_families)" > m.prom
	golden_cmp m.prom hubble-samples.metrics.prom
	"$fr" metrics s.db --format csv --family hubble_flows_total,hubble_http_requests_total \
		--hubble-context 'sourceContext=pod|identity;destinationContext=workload-name|reserved-identity;labelsContext=source_namespace,destination_namespace' \
		> ctx.csv
	golden_cmp ctx.csv hubble-samples.metrics-context.csv
	synthetic_db
	"$fr" metrics y.db --family "$(hubble_families)" --step 1m \
		--window 2026-01-15T12:00:00Z..2026-01-15T12:02:00Z > y.prom
	golden_cmp y.prom hubble-synthetic.metrics-step.prom
	for l in workload service; do
		"$fr" deps y.db --level $l --format table > deps.$l.txt
		golden_cmp deps.$l.txt hubble-synthetic.deps-$l.txt
	done
	"$fr" deps y.db --source hubble > deps.dot
	dot -Tsvg deps.dot > deps.svg || fail "dot cannot render the L7 edges"
	golden_cmp deps.dot hubble-synthetic.deps.dot
	"$fr" deps y.db --source hubble --format mermaid > deps.mmd
	golden_cmp deps.mmd hubble-synthetic.deps.mmd
	"$fr" deps y.db --source hubble --format json > deps.json
	golden_cmp deps.json hubble-synthetic.deps.json
	for b in reason workload policy minute; do
		"$fr" drops y.db --by $b > drops.$b.txt
		golden_cmp drops.$b.txt hubble-synthetic.drops-$b.txt
	done
	"$fr" drops y.db --by workload --format json > drops.json
	golden_cmp drops.json hubble-synthetic.drops-workload.json
	;;
bad_input)
	samples_db
	for bad in "sourceContext=planet" "labelsContext=colour" "nonsense" "bogus=pod" \
		"sourceContext=" "labelsContext="; do
		set +e; "$fr" metrics s.db --hubble-context "$bad" >/dev/null 2>err.txt; rc=$?; set -e
		[ $rc = 2 ] || fail "--hubble-context '$bad' exited $rc, expected 2"
		grep -q "hubble-context" err.txt || fail "--hubble-context '$bad' not explained"
	done
	;;
*)
	fail "unknown mode $mode"
	;;
esac
echo "ok: $mode"
