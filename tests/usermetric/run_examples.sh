#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run_examples.sh FLIGHTREC SRCDIR WORKDIR: every examples/metrics file runs
# over the committed fixture, with the built-ins too, and promtool accepts
# the output.
set -eu
fr=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
"$fr" replay -o small.db "$src/fixtures/small" 2>replay.err || { cat replay.err >&2; exit 1; }
args=""
for f in "$src"/examples/metrics/*.yaml; do
	"$fr" metrics small.db --only-file --file "$f" > one.prom 2>one.err ||
		{ cat one.err >&2; echo "FAIL: $f" >&2; exit 1; }
	promtool check metrics < one.prom >/dev/null 2>&1 || { promtool check metrics < one.prom; exit 1; }
	args="$args --file $f"
done
# shellcheck disable=SC2086 # one word per --file and path (no blanks in examples/)
"$fr" metrics small.db $args > all.prom 2>all.err || { cat all.err >&2; exit 1; }
grep -q '^ebpf_syscall_count{' all.prom || { echo "FAIL: built-ins missing" >&2; exit 1; }
grep -q '^user_http_5xx_responses_total{' all.prom || { echo "FAIL: user metric missing" >&2; exit 1; }
# parse errors exit 1; lint findings (3) only about the built-ins' fixed names
set +e; promtool check metrics < all.prom > lint.txt 2>&1; rc=$?; set -e
[ $rc = 0 ] || [ $rc = 3 ] || { cat lint.txt >&2; exit 1; }
if grep '^user_' lint.txt; then echo "FAIL: lint findings on user metrics" >&2; exit 1; fi
echo "ok: examples/metrics run with and without the built-ins"
