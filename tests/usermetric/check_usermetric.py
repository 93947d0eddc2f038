#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""User metrics (docs/METRICS_FILE.md) over the committed fixture, against
truths the analyzer does not compute: the generator's truth.json and Python's
own reading of fixtures/small/hubble.jsonl. Covers every selector operator,
label kind, value kind and bucket kind, the cardinality limit, the three file
shapes (native, ebpf_exporter-like, Inspektor-Gadget-like: same numbers), the
warning for raw-only fields over aggregate records, and promtool."""
import argparse, json, os, shutil, subprocess, sys
from collections import Counter

ap = argparse.ArgumentParser()
ap.add_argument("--flightrec", required=True)
ap.add_argument("--src", required=True)
ap.add_argument("--work", required=True)
a = ap.parse_args()
fx = os.path.join(a.src, "fixtures/small")
shutil.rmtree(a.work, ignore_errors=True)
os.makedirs(a.work)
os.chdir(a.work)
subprocess.run([a.flightrec, "replay", "-o", "small.db", fx], check=True,
               stderr=subprocess.DEVNULL)
truth = json.load(open(os.path.join(fx, "truth.json")))
checks = 0


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def run(name, yaml, *extra, expect_warn=None, db="small.db"):
    """Run one metric file, --only-file, JSON; promtool on the prom form."""
    with open(name + ".yaml", "w") as f:
        f.write(yaml)
    args = [a.flightrec, "metrics", db, "--only-file", "--file", name + ".yaml"]
    p = subprocess.run(args + ["--format", "json", *extra], capture_output=True, text=True)
    if p.returncode:
        fail(f"{name}: exit {p.returncode}: {p.stderr}")
    if expect_warn is not None and expect_warn not in p.stderr:
        fail(f"{name}: expected warning '{expect_warn}', got '{p.stderr}'")
    if expect_warn is None and p.stderr:
        fail(f"{name}: unexpected stderr {p.stderr}")
    prom = subprocess.run(args + list(extra), capture_output=True, text=True, check=True).stdout
    pc = subprocess.run(["promtool", "check", "metrics"], input=prom, capture_output=True,
                        text=True)
    if "error" in (pc.stdout + pc.stderr).lower() or pc.returncode not in (0, 3):
        fail(f"{name}: promtool: {pc.stdout}{pc.stderr}")
    return json.loads(p.stdout), prom


def series(doc, name):
    for fam in doc["families"] if isinstance(doc, dict) else doc:
        if fam["name"] == name:
            return fam["series"]
    return []


def by_labels(doc, name):
    out = {}
    for s in series(doc, name):
        key = tuple(sorted(s["labels"].items()))
        out[key] = out.get(key, 0) + s["value"]
    return out


def truth_sum(family, keep, pred=lambda l: True):
    """truth.json family summed over the labels in keep, where pred holds."""
    out = Counter()
    for s in truth["families"][family]["series"].values():
        l = s["labels"]
        if pred(l):
            out[tuple(sorted((k, l[k]) for k in keep))] += s["value"]
    return {k: v for k, v in out.items() if v}


def same(name, got, want):
    global checks
    got = {k: v for k, v in got.items() if v}
    if got != want:
        fail(f"{name}: got {sorted(got.items())[:8]}... want {sorted(want.items())[:8]}...")
    checks += 1


# --- selector operators and label kinds over the aggregate path (syscalls:
# every record, *_agg included, must count: exact against the truth) ---
HDR = "metrics:\n  - name: {n}\n    type: counter\n    source: syscall\n"
cases = [
    ("sel_eq", '    selector: ["namespace:shop"]\n', lambda l: l["namespace"] == "shop"),
    ("sel_ne", '    selector: ["namespace:!shop"]\n', lambda l: l["namespace"] != "shop"),
    ("sel_not", '    selector: ["!namespace:shop"]\n', lambda l: l["namespace"] != "shop"),
    ("sel_in", '    selector: ["syscall:in(read, write)"]\n',
     lambda l: l["syscall"] in ("read", "write")),
    ("sel_nin", '    selector: ["syscall:!in(read,write)"]\n',
     lambda l: l["syscall"] not in ("read", "write")),
    ("sel_map_in", "    selector: {syscall: [read, write]}\n",
     lambda l: l["syscall"] in ("read", "write")),
    ("sel_re", '    selector: ["workload:~^(ca|fr)"]\n',
     lambda l: l["workload"].startswith(("ca", "fr"))),
    ("sel_nre", '    selector: ["workload:!~^(ca|fr)"]\n',
     lambda l: not l["workload"].startswith(("ca", "fr"))),
    ("sel_and", '    selector: ["namespace:shop", {syscall: openat}]\n',
     lambda l: l["namespace"] == "shop" and l["syscall"] == "openat"),
]
labels = "    labels: [namespace, workload, pod, container, node, syscall]\n"
keep = ["namespace", "workload", "pod", "container", "node", "syscall"]
for n, sel, pred in cases:
    doc, _ = run(n, HDR.format(n=n) + sel + labels)
    same(n, by_labels(doc, n), truth_sum("ebpf_syscall_count", keep, pred))

# IG aliases for labels, a renamed label
n = "lab_alias"
doc, _ = run(n, HDR.format(n=n) + "    labels: [k8s.namespace, {name: prog, field: proc.comm}]\n")
got = {tuple((("namespace" if k == "namespace" else k), v) for k, v in key): v
       for key, v in by_labels(doc, n).items()}
if not any(dict(k).get("prog") for k in got):
    fail("lab_alias: no prog label")
total = sum(by_labels(doc, n).values())
same(n, {"all": total}, {"all": sum(truth_sum("ebpf_syscall_count", []).values())})

# a pod label (label_app = the workload for pods, README of fixtures/gen)
n = "lab_podlabel"
doc, _ = run(n, HDR.format(n=n) + "    labels: [pod_label.app]\n")
want = Counter()
for (k, v) in truth_sum("ebpf_syscall_count", ["workload", "pod"]).items():
    d = dict(k)
    want[(("label_app", d["workload"] if d["pod"] else ""),)] += v
same(n, by_labels(doc, n), dict(want))

# --- value kinds: sum(field) on the aggregate path (socket bytes) ---
for n, val in (("val_sum", "sum(bytes)"), ("val_sum_map", "{sum: bytes}"), ("val_field", "bytes")):
    doc, _ = run(n, f"metrics:\n  - name: {n}\n    type: counter\n    source: sock_msg\n"
                 f"    value: {val}\n    labels: [namespace, workload, pod, container, node, "
                 f"protocol, direction]\n")
    same(n, by_labels(doc, n), truth_sum(
        "ebpf_network_bytes_total",
        ["namespace", "workload", "pod", "container", "node", "protocol", "direction"]))

# count with a weight (retransmitted segments) and an OOM kill
n = "val_count_retrans"
doc, _ = run(n, f"metrics:\n  - name: {n}\n    type: counter\n    source: tcp_retransmit\n")
same(n, {"all": sum(by_labels(doc, n).values())}, {"all": truth["drops"]["totals"]["retransmits"]})
n = "val_oom"
doc, _ = run(n, f"metrics:\n  - name: {n}\n    type: gauge\n    source: trace/oomkill\n"
             "    labels: [namespace, workload, pod, container, node]\n")
same(n, by_labels(doc, n), truth_sum("ebpf_oom_kills",
                                    ["namespace", "workload", "pod", "container", "node"]))

# --- numeric operators, hubble labels: HTTP codes against the truth ---
codes = {int(k): v for k, v in truth["hubble"]["http_responses_by_code"].items()}
for n, op, f in (("num_ge", ">=500", lambda c: c >= 500), ("num_gt", ">403", lambda c: c > 403),
                 ("num_lt", "<400", lambda c: c < 400), ("num_le", "<=404", lambda c: c <= 404),
                 ("num_eq", "404", lambda c: c == 404), ("num_ne", "!404", lambda c: c != 404)):
    doc, _ = run(n, f"metrics:\n  - name: {n}\n    type: counter\n    source: hubble_flow\n"
                 f'    selector: ["http_code:{op}", "l7:http", "http_code:>0"]\n'
                 "    labels: [http_code]\n")
    same(n, by_labels(doc, n), {(("http_code", str(c)),): v for c, v in codes.items() if f(c)})

# --- histograms: l7 latency from Python's reading of hubble.jsonl ---
lat = []
for line in open(os.path.join(fx, "hubble.jsonl")):
    fl = json.loads(line).get("flow")
    if fl and fl.get("l7", {}).get("http") and "latency_ns" in fl["l7"]:
        lat.append(int(fl["l7"]["latency_ns"]))
if not lat:
    fail("no HTTP latency in hubble.jsonl")


def hist_check(n, bspec, bounds, scale=1.0, shape=None):
    y = shape or (f"metrics:\n  - name: {n}\n    type: histogram\n    source: hubble_flow\n"
                  f"    selector: [\"l7:http\", \"http_code:>0\"]\n    value: l7_latency_ns\n    scale: {scale}\n"
                  f"    buckets: {bspec}\n")
    doc, prom = run(n, y)
    s = series(doc, n)
    if len(s) != 1:
        fail(f"{n}: {len(s)} series")
    s = s[0]
    want = [sum(1 for v in lat if v <= b) for b in bounds]
    got, acc = [], 0
    for c in s["buckets"][:len(bounds)]:  # per bucket, +Inf last
        acc += c
        got.append(acc)
    if got != want or s["count"] != len(lat) or abs(s["sum"] - sum(lat) * scale) > 1e-6 * sum(lat):
        fail(f"{n}: buckets {got} count {s['count']} sum {s['sum']}, want {want} {len(lat)} "
             f"{sum(lat) * scale}")
    global checks
    checks += 1
    return prom


hist_check("b_exp2", "{type: exp2, min: 18, max: 26}", [2 ** k for k in range(18, 27)])
hist_check("b_linear", "{type: linear, start: 0, width: 2000000, count: 10}",
           [2000000 * i for i in range(10)])
hist_check("b_explicit", "[100000, 1000000, 10000000, 50000000]",
           [100000, 1000000, 10000000, 50000000])
prom = hist_check("b_scaled", "[1000000, 10000000]", [1000000, 10000000], scale=1e-9)
if 'le="0.001"' not in prom or 'le="0.01"' not in prom:
    fail("b_scaled: bounds not in seconds")

# --- the same metric in three shapes gives the same numbers ---
native = """metrics:
  - name: {n}
    help: HTTP latency
    type: histogram
    source: hubble_flow
    selector: ["l7:http"]
    labels: [src_workload]
    value: l7_latency_ns
    scale: 0.000001
    buckets: {{type: exp2, min: 18, max: 26}}
"""
exporter = """metrics:
  histograms:
    - name: {n}
      help: HTTP latency
      source: hubble_flow
      selector: ["l7:http"]
      bucket_type: exp2
      bucket_min: 18
      bucket_max: 26
      bucket_multiplier: 0.000001
      value: l7_latency_ns
      labels:
        - name: src_workload
          size: 8
          decoders:
            - name: string
"""
ig = """metrics_name: ig
metrics:
  - name: {n}
    help: HTTP latency
    type: histogram
    category: hubble
    gadget: flows
    selector: ["l7:http"]
    labels: [src_workload]
    field: l7_latency_ns
    scale: 0.000001
    bucket: {{type: exp2, min: 18, max: 26}}
"""
outs = []
for shape, y in (("native", native), ("exporter", exporter), ("ig", ig)):
    _, prom = run("shape_" + shape, y.format(n="same_metric"))
    outs.append(prom)
if not (outs[0] == outs[1] == outs[2]) or "same_metric_bucket" not in outs[0]:
    fail("shapes differ:\n" + "\n---\n".join(outs))
checks += 1
# counters in the three shapes too, over kernel events
c_native = ("metrics:\n  - name: same_c\n    type: counter\n    source: trace/exec\n"
            "    labels: [comm]\n")
c_exp = ("metrics:\n  counters:\n    - name: same_c\n      source: proc_exec\n"
         "      labels:\n        - name: comm\n          decoders: [{name: string}]\n")
c_ig = ("metrics:\n  - name: same_c\n    type: counter\n    category: trace\n"
        "    gadget: exec\n    labels: [proc.comm]\n")
# the default help names the file: compare the rest
outs = ["\n".join(l for l in run("c_" + str(i), y)[1].splitlines() if not l.startswith("# HELP"))
        for i, y in enumerate((c_native, c_exp, c_ig))]
if not (outs[0] == outs[1] == outs[2]) or "same_c{" not in outs[0]:
    fail("counter shapes differ")
checks += 1

# --- cardinality limit: 3 label sets kept, the rest in __overflow__ ---
n = "fold"
doc, _ = run(n, HDR.format(n=n) + "    labels: [pod]\n    max_label_sets: 3\n",
             expect_warn="folded into one series labelled __overflow__")
got = by_labels(doc, n)
kept = [k for k in got if dict(k)["pod"] != "__overflow__"]
all_pods = truth_sum("ebpf_syscall_count", ["pod"])
if len(kept) != 3 or len(got) != 4 or sum(got.values()) != sum(all_pods.values()):
    fail(f"fold: {got}")
for k in kept:
    if got[k] != all_pods[k]:
        fail(f"fold: {k} {got[k]} != {all_pods[k]}")
checks += 1

# --- a raw-only field over aggregate records: a warning says what is missing ---
n = "raw_warn"
doc, _ = run(n, HDR.format(n=n) + '    selector: ["ret:<0"]\n',
             expect_warn="ev_syscall_agg, recorded in aggregate mode) that the metric does not count")
checks += 1

# --- steps: the series of --step sum to the window's totals ---
n = "steps"
y = HDR.format(n=n) + "    labels: [namespace]\n"
whole, _ = run(n, y)
stepped, _ = run(n, y, "--step", "10m")
acc = Counter()
for s in series(stepped, n):
    acc[tuple(sorted(s["labels"].items()))] += s["value"]
if dict(acc) != by_labels(whole, n) or len(series(stepped, n)) <= len(series(whole, n)):
    fail("steps: sums differ")
same(n, by_labels(whole, n), truth_sum("ebpf_syscall_count", ["namespace"]))

# --- Hubble enum fields (compared as numbers, a NULL l7_type as ''): as
# Python reads hubble.jsonl (a default value is left out of jsonpb) ---
flows = [f for f in (json.loads(l).get("flow") for l in open(os.path.join(fx, "hubble.jsonl")))
         if f]
l7t = lambda f: f["l7"].get("type", "UNKNOWN_L7_TYPE") if "l7" in f else ""
for n, sel, pred in (
        ("enum_ne", '["verdict:!DROPPED"]', lambda f: f.get("verdict") != "DROPPED"),
        ("enum_in", "{flow_type: [L7, SOCK]}", lambda f: f.get("Type") in ("L7", "SOCK")),
        ("enum_l7_eq", "{l7_type: RESPONSE}", lambda f: l7t(f) == "RESPONSE"),
        ("enum_l7_nin", '["l7_type:!in(REQUEST,RESPONSE)"]',
         lambda f: l7t(f) not in ("REQUEST", "RESPONSE")),
        ("enum_l7_empty", '["l7_type:"]', lambda f: l7t(f) == "")):
    doc, _ = run(n, f"metrics:\n  - name: {n}\n    type: counter\n    source: hubble_flow\n"
                 f"    selector: {sel}\n")
    same(n, {"all": sum(s["value"] for s in series(doc, n))},
         {"all": sum(1 for f in flows if pred(f))})

# --- a row with a tuple of its own (sock_tuple: a socket whose peer is not
# its connection's) reads it on the raw paths, as the ev_<kind> views do:
# the truth is the tuple this test writes ---
import sqlite3
shutil.copy("small.db", "tuple.db")
con = sqlite3.connect("tuple.db")
msg = con.execute("SELECT min(id) FROM sock_msg").fetchone()[0]
rtx, segs = con.execute("SELECT id, max(segs, 1) FROM tcp_retransmit ORDER BY id LIMIT 1").fetchone()
for kind, rid in (("sock_msg", msg), ("tcp_retransmit", rtx)):
    con.execute("INSERT INTO sock_tuple VALUES (?, ?, '198.51.100.7', '203.0.113.9', 4242, 9999)",
                (kind, rid))
con.commit()
con.close()
for n, src, want in (("tuple_msg", "sock_msg", 1), ("tuple_rtx", "tcp_retransmit", segs)):
    doc, _ = run(n, f"metrics:\n  - name: {n}\n    type: counter\n    source: {src}\n"
                 f"    selector: {{dport: 9999}}\n    labels: [saddr, daddr, sport]\n", db="tuple.db",
                 expect_warn="" if src == "sock_msg" else None)
    same(n, by_labels(doc, n), {(("daddr", "203.0.113.9"), ("saddr", "198.51.100.7"),
                                 ("sport", "4242")): want})

print(f"ok: {checks} user-metric checks against truth.json and hubble.jsonl")
