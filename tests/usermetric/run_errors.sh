#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run_errors.sh FLIGHTREC SRCDIR WORKDIR: one bad metric file per error
# class of docs/METRICS_FILE.md; each must exit non-zero and print the
# expected message at FILE:LINE:COLUMN.
set -eu
fr=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
"$fr" replay -o small.db "$src/fixtures/small" 2>replay.err || { cat replay.err >&2; exit 1; }
n=0

fail() { echo "FAIL: $*" >&2; exit 1; }

# bad NAME 'EXPECTED MESSAGE' < yaml: the run fails with that message.
bad() {
	name=$1 want=$2
	cat > "$name.yaml"
	set +e
	"$fr" metrics small.db --only-file --file "$name.yaml" >out 2>err
	rc=$?
	set -e
	[ "$rc" != 0 ] || fail "$name: exit 0"
	grep -qF -- "$want" err || { cat err >&2; fail "$name: expected '$want'"; }
	! grep -qE 'Sanitizer|runtime error' err || { cat err >&2; fail "$name: sanitizer"; }
	n=$((n + 1))
}

bad syntax "syntax.yaml:3:1: YAML syntax error" <<'Y'
metrics:
  - name: [a, b
Y
bad unknown_key "unknown_key.yaml:5:5: unknown key 'sorce'" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    sorce: syscall
Y
bad missing_key "missing_key.yaml:2:5: missing key: metric 'm1' needs 'source'" <<'Y'
metrics:
  - name: m1
    type: counter
Y
bad wrong_type "wrong_type.yaml:5:13: wrong type: 'labels' must be a list, not a scalar" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    labels: comm
Y
bad wrong_type_num "wrong_type_num.yaml:5:16: wrong type: 'dport' is numeric; 'http' is not an integer" <<'Y'
metrics:
  - name: m1
    type: counter
    source: tcp_connect
    selector: ["dport:http"]
Y
bad unknown_source "unknown_source.yaml:4:13: unknown source (event kind) 'syscal'; sources: syscall, sock_msg" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscal
Y
bad unknown_field "unknown_field.yaml:5:14: unknown field 'retval' of source 'syscall'; its fields: syscall, nr, ret, errno" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    labels: [retval]
Y
bad unknown_op "unknown_op.yaml:5:16: unknown operator '=>' in selector of 'ret'" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    selector: ["ret:=>0"]
Y
bad bad_regex "bad_regex.yaml:5:16: bad regex '(ba' for 'comm'" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    selector: ["comm:~(ba"]
Y
bad bucket_minmax "bucket_minmax.yaml:6:14: bad buckets: min (20) and max (10)" <<'Y'
metrics:
  - name: m1
    type: histogram
    source: syscall
    value: latency_ns
    buckets: {type: exp2, min: 20, max: 10}
Y
bad bucket_width "bucket_width.yaml:6:14: bad buckets: width must be > 0" <<'Y'
metrics:
  - name: m1
    type: histogram
    source: syscall
    value: latency_ns
    buckets: {type: linear, start: 0, width: 0, count: 5}
Y
bad bucket_count0 "bucket_count0.yaml:6:14: bad buckets: 0 buckets; 1 to 32 are allowed" <<'Y'
metrics:
  - name: m1
    type: histogram
    source: syscall
    value: latency_ns
    buckets: {type: linear, start: 0, width: 10, count: 0}
Y
bad bucket_count_big "bucket_count_big.yaml:6:14: bad buckets: 100 buckets; 1 to 32 are allowed" <<'Y'
metrics:
  - name: m1
    type: histogram
    source: syscall
    value: latency_ns
    buckets: {type: linear, start: 0, width: 10, count: 100}
Y
bad bucket_order "bucket_order.yaml:6:24: bad buckets: bounds must increase, 50 after 100" <<'Y'
metrics:
  - name: m1
    type: histogram
    source: syscall
    value: latency_ns
    buckets: [10, 100, 50]
Y
bad no_match_range "no_match_range.yaml:7:9: selector cannot match: no value of 'ret' meets every term on it" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    selector:
      - "ret:>0"
      - "ret:<-1"
Y
bad no_match_enum "no_match_enum.yaml:5:16: selector cannot match: 'EFOO' is not a value of 'errno'" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    selector: ["errno:EFOO"]
Y
bad hist_count "hist_count.yaml:5:12: histogram 'm1' needs a numeric value to observe" <<'Y'
metrics:
  - name: m1
    type: histogram
    source: syscall
    value: count
    buckets: [1, 2]
Y
bad hist_text "hist_text.yaml:5:12: wrong type: value field 'comm' is not numeric" <<'Y'
metrics:
  - name: m1
    type: histogram
    source: syscall
    value: comm
    buckets: [1, 2]
Y
bad bad_name "bad_name.yaml:2:11: invalid metric name 'my-metric'" <<'Y'
metrics:
  - name: my-metric
    type: counter
    source: syscall
Y
bad dup_name "dup_name.yaml:5:5: duplicate metric name 'm1' (first at line 2)" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
  - name: m1
    type: counter
    source: drop
Y
bad builtin_name "builtin_name.yaml:2:11: metric name 'ebpf_oom_kills' is a built-in family" <<'Y'
metrics:
  - name: ebpf_oom_kills
    type: counter
    source: oom_kill
Y
bad attr_value "attr_value.yaml:5:18: attribution 'pod' is not none, process or hubble" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    attribution: pod
Y
bad attr_process "attr_process.yaml:5:18: attribution process needs a source with a process (not hubble_flow); 'hubble_flow' is not" <<'Y'
metrics:
  - name: m1
    type: counter
    source: hubble_flow
    attribution: process
Y
bad attr_hubble "attr_hubble.yaml:5:18: attribution hubble needs a source of Hubble flows (hubble_flow); 'syscall' is not" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    attribution: hubble
Y
bad context "context.yaml:5:14: metric 'm1': context (of Hubble's labels) needs attribution: hubble" <<'Y'
metrics:
  - name: m1
    type: counter
    source: hubble_flow
    context: first
Y
bad log2_keys "log2_keys.yaml:7:14: bad buckets: log2 buckets take no other key" <<'Y'
metrics:
  - name: m1
    type: histogram
    source: syscall
    value: latency_ns
    attribution: process
    buckets: {type: log2, min: 3}
Y
bad label_by "label_by.yaml:6:14: label name 'namespace' is a --by dimension of attribution process" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    attribution: process
    labels: [namespace]
Y
bad label_col "label_col.yaml:5:14: label name 'value' is a column of the family's rows" <<'Y'
metrics:
  - name: m1
    type: counter
    source: tcp_connect
    labels: [{name: value, field: dport}]
Y
bad syscall_name "syscall_name.yaml:5:16: selector cannot match: 'fsyncc' is not a value of 'syscall'" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    selector: ["syscall:in(fsync,fsyncc)"]
Y
bad syscall_name_map "syscall_name_map.yaml:5:25: selector cannot match: 'opne' is not a value of 'syscall'" <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    selector: {syscall: opne}
Y
# a name of the build's table, a sys_N, regexes: accepted
cat > syscall_ok.yaml <<'Y'
metrics:
  - name: m1
    type: counter
    source: syscall
    selector: ["syscall:in(fsync,sys_999)", "!syscall:~^read"]
Y
"$fr" metrics small.db --only-file --file syscall_ok.yaml >out 2>err ||
	{ cat err >&2; fail "syscall_ok: refused"; }
bad aliases "aliases.yaml:3:" <<'Y'
a: &a [x, x, x, x, x, x, x, x]
b: [*a, *a, *a, *a, *a, *a, *a, *a]
c: [*a, *a, *a]
metrics: []
Y
grep -qF "more than 8 aliases" err || fail "aliases: message"
bad deep "deep.yaml:1:" <<'Y'
metrics: [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]
Y
grep -qF "nesting deeper than 16 levels" err || fail "deep: message"
echo "ok: $n bad files refused with their messages"
