#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""`flightrec flows` round trip: the sample jsonpb lines of fixtures/hubble
written into a segment (as protobuf records, and as jsonpb records),
replayed, and printed back with -o jsonpb must give the same JSON objects,
line for line; filters must select what a Python filter over the same
lines selects. Bad command lines exit 2. The truth is the input lines."""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--flightrec", required=True)
ap.add_argument("--segtool", required=True)
ap.add_argument("--fixtures", required=True)
ap.add_argument("--extra", action="append", default=[], help="more jsonpb files")
args = ap.parse_args()

files = sorted(glob.glob(os.path.join(args.fixtures, "*.jsonl"))) + args.extra
lines = []
for f in files:
    with open(f) as fh:
        lines += [json.loads(l) for l in fh if l.strip()]
lines = [o for o in lines if "flow" in o]  # lost_events, node_status: not flows
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def flows(db, *opts):
    r = subprocess.run([args.flightrec, "flows", db, "-o", "jsonpb", *opts],
                       capture_output=True, text=True)
    check(r.returncode == 0, "flows %s: exit %d: %s" % (opts, r.returncode, r.stderr))
    return [json.loads(l) for l in r.stdout.splitlines()]


def flow(o):
    return o.get("flow", {})


def http_code(o):
    return flow(o).get("l7", {}).get("http", {}).get("code", 0)


# name, flightrec options, the same selection in Python
cases = [
    ("namespace kube-system", ["--namespace", "kube-system"],
     lambda o: "kube-system" in (flow(o).get("source", {}).get("namespace"),
                                 flow(o).get("destination", {}).get("namespace"))),
    ("verdict DROPPED", ["--verdict", "DROPPED"], lambda o: flow(o).get("verdict") == "DROPPED"),
    ("http-status 5+", ["--http-status", "5+"], lambda o: 500 <= http_code(o) <= 599),
    ("http-status 200", ["--http-status", "200"], lambda o: http_code(o) == 200),
    ("protocol UDP", ["--protocol", "UDP"], lambda o: "UDP" in flow(o).get("l4", {})),
    ("protocol dns", ["--protocol", "dns"], lambda o: "dns" in flow(o).get("l7", {})),
    ("type l7", ["--type", "l7"], lambda o: flow(o).get("Type") == "L7"),
    ("pod bookinfo/reviews-", ["--pod", "bookinfo/reviews-"],
     lambda o: any(flow(o).get(s, {}).get("namespace") == "bookinfo" and
                   flow(o).get(s, {}).get("pod_name", "").startswith("reviews-")
                   for s in ("source", "destination"))),
]

with tempfile.TemporaryDirectory() as tmp:
    for mode in ("pb", "json"):
        seg = os.path.join(tmp, mode + ".frseg")
        db = os.path.join(tmp, mode + ".db")
        subprocess.run([args.segtool, "--out", seg] + (["--json"] if mode == "json" else [])
                       + files, check=True)
        subprocess.run([args.flightrec, "replay", seg, "-o", db], check=True)
        out = flows(db)
        check(len(out) == len(lines), "%s: %d flows out of %d lines" % (mode, len(out), len(lines)))
        for i, (a, b) in enumerate(zip(lines, out)):
            check(a == b, "%s: line %d differs:\n in  %s\n out %s" % (mode, i + 1, a, b))
        for name, opts, pred in cases:
            want = [o for o in lines if pred(o)]
            got = flows(db, *opts)
            check(got == want, "%s: %s: %d flows, want %d" % (mode, name, len(got), len(want)))
        got = flows(db, "--limit", "3")
        check(got == lines[:3], "%s: --limit 3" % mode)
    # usage errors: exit 2 with a message
    db = os.path.join(tmp, "pb.db")
    for bad in (["--verdict", "NOPE"], ["--http-status", "6+"], ["--type", "x"],
                ["--protocol", "foo"], ["--limit", "0"], ["--from", "yesterday"], ["--bogus"],
                ["-o", "yaml"]):
        r = subprocess.run([args.flightrec, "flows", db, *bad], capture_output=True, text=True)
        check(r.returncode == 2 and "usage:" in r.stderr, "flows %s: exit %d" % (bad, r.returncode))
    for argv in ([], [os.path.join(tmp, "missing.db")]):
        r = subprocess.run([args.flightrec, "flows", *argv], capture_output=True, text=True)
        check(r.returncode == 2 and r.stderr, "flows %s: exit %d" % (argv, r.returncode))

print("%d lines, %d cases: %s" % (len(lines), len(cases), "FAILED" if failures else "ok"))
sys.exit(1 if failures else 0)
