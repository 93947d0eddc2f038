#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run_golden.sh MODE FLIGHTREC GEN CHECK SRCDIR WORKDIR
set -eu
mode=$1 fr=$2 gen=$3 check=$4 src=$5 work=$6
small=$src/fixtures/small
golden=$src/fixtures/golden
rm -rf "$work" && mkdir -p "$work" && cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# The committed small fixture, replayed.
replay_small() { "$fr" replay -o small.db "$small" 2>replay.err || { cat replay.err >&2; fail "replay"; }; }

# expect_exit CODE CMD...: run, keep stderr in last.err, require the code.
expect_exit() {
	want=$1; shift
	set +e; "$@" >last.out 2>last.err; got=$?; set -e
	[ "$got" = "$want" ] || { cat last.err >&2; fail "'$*' exited $got, expected $want"; }
}

# Compare with a reviewed golden file, or rewrite it with UPDATE_GOLDEN=1.
golden_cmp() {
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then cp "$1" "$golden/$2"; return; fi
	diff -u "$golden/$2" "$1" >&2 || fail "$2 differs from the reviewed golden file"
}

case $mode in
truth)
	# A bigger fixture than the committed one, made at test time.
	"$gen" -o fx --seed 7 --duration 3h --tick 60s --segment 40m 2>/dev/null
	"$fr" replay -o fx.db fx
	"$fr" metrics fx.db --format json --by namespace,workload,pod,node,container > m.json
	"$check" metrics fx/truth.json m.json
	# the truth covers pod-to-external and external-to-pod connections
	"$fr" metrics fx.db --format csv --by source_ip,destination_ip \
		--family kube_ebpf_requests_sent,kube_ebpf_requests_received > ends.csv
	grep -q '^kube_ebpf_requests_sent,.*destination_ip=203\.0\.113\.10,' ends.csv \
		|| fail "no pod-to-external connection in kube_ebpf_requests_sent"
	grep -q '^kube_ebpf_requests_received,.*source_ip=198\.51\.100\.[0-9]*;' ends.csv \
		|| fail "no external-to-pod connection in kube_ebpf_requests_received"
	# a pod's program is named after its workload, the host's are containerd
	# and kubelet; every pod carries the label app=<workload>
	"$fr" metrics fx.db --format json --by comm > comm.json
	"$check" metrics_by fx/truth.json comm.json comm containerd,kubelet
	"$fr" metrics fx.db --format json --by label:app > app.json
	"$check" metrics_by fx/truth.json app.json label_app ""
	for l in pod workload; do
		"$fr" deps fx.db --level $l --format json > d.$l.json
		"$check" deps fx/truth.json d.$l.json $l
	done
	for b in reason workload node; do
		"$fr" drops fx.db --by $b --format json > dr.$b.json
		"$check" drops fx/truth.json dr.$b.json $b
	done
	# every family of the design brief's kernel and pod-to-pod lists is present
	for f in ebpf_syscall_count ebpf_syscall_latency_ns ebpf_syscall_errors \
		ebpf_network_bytes_total ebpf_network_packets_total ebpf_tcp_connections \
		ebpf_tcp_connect_latency_ns ebpf_tcp_rtt_us ebpf_tcp_retransmits \
		ebpf_file_read_bytes ebpf_file_write_bytes ebpf_file_open_count \
		ebpf_file_io_latency_ns ebpf_process_runtime_ns ebpf_context_switches \
		ebpf_runqueue_latency_ns ebpf_page_faults ebpf_memory_allocations ebpf_oom_kills \
		kube_ebpf_request_duration_seconds kube_ebpf_transmitted_bytes \
		kube_ebpf_acknowledged_bytes kube_ebpf_requests_sent kube_ebpf_requests_received \
		kube_ebpf_request_exchanged; do
		grep -q "\"name\": \"$f\"" m.json || fail "family $f missing"
	done
	;;
ipreuse)
	replay_small
	"$fr" query small.db --name connections_by_ip --format json > ip.json
	"$check" ipreuse "$small/truth.json" ip.json
	"$fr" deps small.db --level pod --format json > d.json
	"$check" deps "$small/truth.json" d.json pod
	;;
small_fixture)
	# The generator is deterministic and the committed fixture is current.
	"$gen" -o regen --seed 1 --duration 2h --tick 300s --segment 1h 2>/dev/null
	for f in "$small"/*; do
		cmp "$f" "regen/$(basename "$f")" || fail "$(basename "$f") differs from a regeneration"
	done
	[ "$(ls regen | wc -l)" = "$(ls "$small" | wc -l)" ] || fail "file count differs"
	;;
determinism)
	# Same input in another order -> the same database bytes and reports.
	"$fr" replay -o a.db "$small" 2>/dev/null
	"$fr" replay -o b.db $(ls -r "$small"/*.frseg) 2>/dev/null
	"$fr" replay -o c.db "$small" 2>/dev/null
	cmp a.db c.db || fail "two replays of the same input differ"
	for db in a b; do
		"$fr" metrics $db.db --format csv --by namespace,pod,node > $db.csv
		"$fr" deps $db.db --format json > $db.deps
		"$fr" query $db.db "SELECT * FROM proc_attr ORDER BY pk" > $db.proc
	done
	cmp a.csv b.csv && cmp a.deps b.deps || fail "reports depend on the input order"
	# paths differ by design (segments.path); everything else must not
	cmp a.proc b.proc || fail "process attribution depends on the input order"
	;;
formats)
	replay_small
	"$fr" metrics small.db > metrics.prom; golden_cmp metrics.prom small.metrics.prom
	"$fr" metrics small.db --format csv --family ebpf_syscall_latency_ns,ebpf_tcp_connections \
		--step 30m --by node > metrics.csv
	golden_cmp metrics.csv small.metrics-step.csv
	# kube_ebpf_* with end dimensions: the pair labels of old, and more
	"$fr" metrics small.db --format csv --family kube_ebpf_acknowledged_bytes,kube_ebpf_requests_sent \
		--by source_namespace,source_name,destination_namespace,destination_name,destination_port,source_workload,destination_ip \
		> kube-ends.csv
	golden_cmp kube-ends.csv small.metrics-kube-ends.csv
	"$fr" deps small.db > deps.dot; golden_cmp deps.dot small.deps.dot
	"$fr" deps small.db --level service --format mermaid > deps.mmd
	golden_cmp deps.mmd small.deps-service.mmd
	"$fr" drops small.db --by workload > drops.txt; golden_cmp drops.txt small.drops-workload.txt
	"$fr" drops small.db --by minute --format json > drops.json
	golden_cmp drops.json small.drops-minute.json
	# a restarted frontend: the old pod terminating, the new one not ready yet
	"$fr" query small.db --name service_endpoints --param at=2026-01-15T12:30:00.000010001Z \
		> endpoints.txt
	golden_cmp endpoints.txt small.service-endpoints.txt
	"$fr" query small.db --format csv "SELECT valid_from, valid_to, ip, ready, serving,
		terminating, pod_uid FROM meta_endpoint WHERE service = 'frontend'
		ORDER BY valid_from, ip" > frontend.csv
	golden_cmp frontend.csv small.endpoints-frontend.csv
	;;
promtool)
	replay_small
	# Parse errors exit 1. Lint findings (exit 3) are allowed only for the
	# naming rules that the family names fixed by the design brief break.
	for args in "" "--step 10m --by namespace,pod,node,container"; do
		"$fr" metrics small.db $args > m.prom
		set +e; promtool check metrics < m.prom > lint.txt 2>&1; rc=$?; set -e
		[ $rc = 0 ] || [ $rc = 3 ] || { cat lint.txt >&2; fail "promtool rejected the output ($rc)"; }
		if grep -v -E '^((ebpf|kube_ebpf)_[a-z_]+ (counter metrics should have "_total" suffix|non-histogram and non-summary metrics should not have "_count" suffix|metric names should not contain abbreviated units)|hubble_endpoint_count non-histogram and non-summary metrics should not have "_count" suffix)$' lint.txt; then
			fail "promtool found other problems"
		fi
	done
	;;
dot)
	replay_small
	for l in pod workload service namespace; do
		"$fr" deps small.db --level $l > g.dot
		dot -Tsvg g.dot > g.svg || fail "dot cannot render level $l"
		grep -q '<svg' g.svg || fail "no svg for level $l"
	done
	;;
bad_input)
	cp -r "$small" in
	seg=$(ls in/*.frseg | head -1)
	# damage the middle of the first block's payload
	size=$(stat -c %s "$seg")
	printf 'XXXXXXXXXXXXXXXX' | dd of="$seg" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
	expect_exit 1 "$fr" replay -o bad.db in
	grep -q "$seg: offset [0-9]*:" last.err || fail "error does not name file and offset"
	[ ! -e bad.db ] && [ ! -e bad.db.tmp ] || fail "a failed replay left a database"
	expect_exit 0 "$fr" replay --ignore-errors -o kept.db in
	grep -q "$seg: offset [0-9]*:.*(skipped)" last.err || fail "skip not reported on stderr"
	"$fr" query kept.db "SELECT count(*) AS n FROM replay_errors" --format csv > n.csv
	[ "$(tail -1 n.csv)" -ge 1 ] || fail "skip not recorded in replay_errors"
	"$fr" query kept.db "SELECT count(*) FROM segments" --format csv | tail -1 | grep -qx 4 \
		|| fail "readable segments not kept"
	expect_exit 1 "$fr" replay -o x.db does-not-exist.frseg
	grep -q "does-not-exist.frseg" last.err || fail "missing file not named"
	printf 'not a segment at all' > junk.frseg
	expect_exit 1 "$fr" replay -o x.db junk.frseg
	grep -q "junk.frseg: offset 0" last.err || fail "junk file not reported with offset"
	expect_exit 2 "$fr" replay in
	expect_exit 2 "$fr" replay --bogus -o x.db in
	replay_small
	expect_exit 2 "$fr" metrics small.db --window 12:00..13:00
	grep -q "bad --window '12:00..13:00'" last.err || fail "bad window not explained"
	expect_exit 2 "$fr" metrics small.db --window 2026-01-15T13:00:00Z..2026-01-15T12:00:00Z
	expect_exit 2 "$fr" metrics small.db --step 10parsecs
	expect_exit 2 "$fr" metrics small.db --by pod,planet
	grep -q "'planet' is not a dimension" last.err || fail "unknown dimension not named"
	expect_exit 2 "$fr" metrics small.db --by comm,comm
	for bad in "label:" "label:a b" "label:app'" "label:/app" "label:-app" "label:a/b/c" \
		"label:$(printf 'x%.0s' $(seq 64))"; do
		expect_exit 2 "$fr" metrics small.db --by "$bad"
		grep -q "a label key is" last.err || fail "malformed '$bad' not explained"
	done
	expect_exit 2 "$fr" metrics small.db --by pod,node,comm,pid,cgroup,container,namespace,workload,label:app
	grep -q "at most 8" last.err || fail "too many dimensions not explained"
	# a label key with a prefix becomes a Prometheus label name
	"$fr" metrics small.db --family ebpf_oom_kills --format csv \
		--by label:app.kubernetes.io/name,comm,cgroup > lab.csv
	grep -q ",label_app_kubernetes_io_name=;comm=worker;cgroup=/kubepods/pod" lab.csv \
		|| fail "label name not sanitized"
	expect_exit 2 "$fr" metrics small.db --format xml
	expect_exit 2 "$fr" metrics small.db --family no_such_family
	expect_exit 2 "$fr" deps small.db --level galaxy
	expect_exit 2 "$fr" drops small.db --by colour
	expect_exit 1 "$fr" metrics missing.db
	grep -q "missing.db: No such file" last.err || fail "missing database not named"
	expect_exit 1 "$fr" metrics "$seg"
	grep -q "not a flightrec replay database" last.err || fail "non-database not explained"
	expect_exit 1 "$fr" query small.db "SELEC nonsense"
	expect_exit 1 "$fr" query small.db "DELETE FROM nodes"
	expect_exit 2 "$fr" query small.db --name no_such_query
	# a window inside the recording gives less than the whole recording
	"$fr" metrics small.db --family ebpf_syscall_count --format csv --by node \
		--window 2026-01-15T12:30:00Z..2026-01-15T13:00:00Z > part.csv
	"$fr" metrics small.db --family ebpf_syscall_count --format csv --by node > all.csv
	[ "$(awk -F, 'NR>1{s+=$6}END{print s}' part.csv)" -lt \
	  "$(awk -F, 'NR>1{s+=$6}END{print s}' all.csv)" ] || fail "window did not restrict"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
echo "ok: $mode"
