#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The kernel's and Hubble's view of the same pods side by side: `flightrec
query DB --name pod_traffic_views` over the committed fixture (fixtures/small),
each column against a truth that is not the analyzer's: the kernel columns
against the generator's truth.json (ebpf_network_bytes_total tcp tx/rx,
kube_ebpf_requests_sent/_received per pod), the Hubble columns against
Python's counts over fixtures/small/hubble.jsonl. Then the CSV against the
reviewed fixtures/golden/small.pod-traffic-views.csv (UPDATE_GOLDEN=1
rewrites it)."""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--flightrec", required=True)
ap.add_argument("--fixture", required=True, help="fixtures/small")
ap.add_argument("--golden", required=True, help="the reviewed CSV")
a = ap.parse_args()
fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def run(*args):
    return subprocess.run([a.flightrec] + list(args), check=True, capture_output=True,
                          text=True).stdout


# the truth, per (namespace, pod)
truth = json.load(open(os.path.join(a.fixture, "truth.json")))
want = collections.defaultdict(lambda: collections.Counter())
fam = truth["families"]
for s in fam["ebpf_network_bytes_total"]["series"].values():
    lab = s["labels"]
    if lab["protocol"] == "tcp" and lab["pod"]:
        col = "kernel_tcp_bytes_sent" if lab["direction"] == "tx" else "kernel_tcp_bytes_received"
        want[(lab["namespace"], lab["pod"])][col] += s["value"]
for name, col in (("kube_ebpf_requests_sent", "kernel_connections_opened"),
                  ("kube_ebpf_requests_received", "kernel_connections_accepted")):
    for s in fam[name]["series"].values():
        want[(s["labels"]["namespace"], s["labels"]["name"])][col] += s["value"]
with open(os.path.join(a.fixture, "hubble.jsonl")) as f:
    for line in f:
        f_ = json.loads(line).get("flow")
        if not f_:
            continue
        for end, col in (("source", "hubble_flows_out"), ("destination", "hubble_flows_in")):
            ep = f_.get(end) or {}
            if not ep.get("pod_name"):
                continue
            w = want[(ep.get("namespace", ""), ep["pod_name"])]
            w[col] += 1
            w["hubble_drops"] += f_.get("verdict") == "DROPPED"
            if end == "source" and (f_.get("l7") or {}).get("type") == "REQUEST":
                w["hubble_l7_requests_sent"] += 1

with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "small.db")
    run("replay", "-o", db, a.fixture)
    rows = json.loads(run("query", db, "--name", "pod_traffic_views", "--format", "json"))
    csv = run("query", db, "--name", "pod_traffic_views", "--format", "csv")

cols = ["kernel_tcp_bytes_sent", "kernel_tcp_bytes_received", "kernel_connections_opened",
        "kernel_connections_accepted", "hubble_flows_out", "hubble_flows_in", "hubble_drops",
        "hubble_l7_requests_sent"]
got = {(r["namespace"], r["pod"]): r for r in rows}
check(set(got) == set(want), "the %d pods of the truth, no other (%d rows)" % (len(want), len(rows)))
for col in cols:
    bad = [(k, want[k][col], got.get(k, {}).get(col)) for k in sorted(want)
           if want[k][col] != got.get(k, {}).get(col)]
    check(not bad, "%s: %d pods, total %d%s" % (col, len(want), sum(w[col] for w in want.values()),
                                                (" differ: %s" % bad[:4]) if bad else ""))
both = [k for k in want if want[k]["kernel_tcp_bytes_sent"] and want[k]["hubble_flows_out"]]
check(len(both) >= 10, "%d pods seen by both views" % len(both))
check(all(r["workload"] for r in rows), "every row has its workload")

if os.environ.get("UPDATE_GOLDEN") == "1":
    with open(a.golden, "w") as f:
        f.write(csv)
else:
    check(csv == open(a.golden).read(), "the CSV is the reviewed %s" % os.path.basename(a.golden))
print("%d failure(s)" % len(fails))
sys.exit(1 if fails else 0)
