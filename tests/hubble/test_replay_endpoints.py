#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Replay stores a flow's endpoints once (hubble_endpoint) and the payload
with their bytes cut out; the hubble_flow view puts them back. Crafted
protobuf payloads that the fast path must not get wrong: destination
before source, a source given twice (merged), an empty source, a padded
length varint, an endpoint shared as source and destination, bad UTF-8
inside an endpoint. The oracle is fr_hubble's full decode (hubble_pbtool
decode): the payload read back must be the bytes written, `flows -o jsonpb`
must print what the full decode prints, the endpoint columns must be the
decoded message's, and a bad record's error must be the full decode's.
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--flightrec", required=True)
ap.add_argument("--segtool", required=True)
ap.add_argument("--pbtool", required=True)
ap.add_argument("--fixtures", required=True)
args = ap.parse_args()
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7f | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def rd_varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7f) << s
        s += 7
        if not c & 0x80:
            return r, i


def fields(b):
    """(number, whole field bytes, value bytes or None) in wire order."""
    i, out = 0, []
    while i < len(b):
        start = i
        tag, i = rd_varint(b, i)
        wt, val = tag & 7, None
        if wt == 0:
            _, i = rd_varint(b, i)
        elif wt in (1, 5):
            i += 8 if wt == 1 else 4
        else:
            n, i = rd_varint(b, i)
            val = b[i:i + n]
            i += n
        out.append((tag >> 3, b[start:i], val))
    return out


def ld(num, val, pad=False):
    n = varint(len(val))
    if pad:  # a non-minimal length: one more continuation byte
        n = bytes([*n[:-1], n[-1] | 0x80, 0])
    return varint(num << 3 | 2) + n + val


def response(flow_fields, rest=(), pad=False):
    return ld(1, b"".join(flow_fields), pad) + b"".join(rest)


def pbtool(payloads):
    recs = b"".join(len(p).to_bytes(4, "little") + p for p in payloads)
    r = subprocess.run([args.pbtool, "decode"], input=recs, capture_output=True, check=True)
    return r.stdout.decode().splitlines()


lines = []
for name in sorted(os.listdir(args.fixtures)):
    if name.endswith(".jsonl"):
        with open(os.path.join(args.fixtures, name)) as f:
            lines += [l for l in f if '"pod_name"' in l and '"destination":{"ID"' in l][:2]
enc = subprocess.run([args.pbtool, "encode"], input="".join(lines).encode(),
                     capture_output=True, check=True).stdout
base, i = [], 0
while i < len(enc):
    n = int.from_bytes(enc[i:i + 4], "little")
    base.append(enc[i + 4:i + 4 + n])
    i += 4 + n
check(len(base) >= 4, "%d sample flows with both ends" % len(base))

good = []
for p in base:
    (flow,) = [f for f in fields(p) if f[0] == 1]
    rest = [f[1] for f in fields(p) if f[0] != 1]
    ff = fields(flow[2])
    src = next(f for f in ff if f[0] == 8)
    dst = next(f for f in ff if f[0] == 9)
    others = [f[1] for f in ff if f[0] not in (8, 9)]
    good.append(p)  # as encoded
    good.append(p)  # again: the endpoints are found, not decoded
    good.append(response([dst[1]] + others + [src[1]], rest))  # destination first
    twice = ld(8, ld(5, b"other-pod"))  # merged: pod_name is the last one's
    good.append(response([src[1]] + others + [twice, dst[1]], rest))
    good.append(response([ld(8, b"")] + others + [dst[1]], rest))  # source {}
    good.append(response([src[1]] + others + [dst[1]], rest, pad=True))
    good.append(response([ld(8, dst[2])] + others + [ld(9, src[2])], rest))  # swapped
# a label that is not UTF-8 inside the source: refused like the full decode does
p = base[0]
(flow,) = [f for f in fields(p) if f[0] == 1]
ff = fields(flow[2])
src = next(f for f in ff if f[0] == 8)
bad_src = ld(8, src[2] + ld(4, b"k8s:app=\xff"))
bad = response([bad_src if f[0] == 8 else f[1] for f in ff],
               [f[1] for f in fields(p) if f[0] != 1])

with tempfile.TemporaryDirectory() as tmp:
    hexf, seg, db = (os.path.join(tmp, n) for n in ("in.hex", "s.frseg", "s.db"))
    with open(hexf, "w") as f:
        for q in good[:3] + [bad] + good[3:]:
            f.write(q.hex() + "\n")
    subprocess.run([args.segtool, "--hex", "--out", seg, hexf], check=True)
    subprocess.run([args.flightrec, "replay", "-o", db, seg], check=True, capture_output=True)
    want = pbtool(good)
    check(not any(w.startswith("ERROR") for w in want), "crafted flows decode")
    con = sqlite3.connect(db)
    got = [bytes(r[0]) for r in con.execute("SELECT payload FROM hubble_flow ORDER BY id")]
    check(got == good, "payloads read back: %d of %d equal" %
          (sum(a == b for a, b in zip(got, good)), len(good)))
    out = subprocess.run([args.flightrec, "flows", db, "-o", "jsonpb"], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    check(len(out) == len(want), "flows -o jsonpb: %d lines, want %d" % (len(out), len(want)))
    for k, (a, b) in enumerate(zip(out, want)):
        check(json.loads(a) == json.loads(b), "flow %d: jsonpb differs\n %s\n %s" % (k, a, b))
    cols = con.execute("SELECT src_pod, src_labels, src_namespace, dst_pod, dst_labels, "
                       "dst_identity FROM hubble_flow ORDER BY id").fetchall()
    for k, (row, w) in enumerate(zip(cols, want)):
        fl = json.loads(w)["flow"]
        s, d = fl.get("source", {}), fl.get("destination", {})
        exp = (s.get("pod_name"), json.dumps(s["labels"], separators=(",", ":"))
               if s.get("labels") else None, s.get("namespace"), d.get("pod_name"),
               json.dumps(d["labels"], separators=(",", ":")) if d.get("labels") else None,
               d.get("identity"))
        check(row == exp, "flow %d: endpoint columns %r, want %r" % (k, row, exp))
    nep = con.execute("SELECT count(*) FROM hubble_endpoint").fetchone()[0]
    check(nep < 2 * len(good), "endpoints shared: %d rows for %d flows" % (nep, len(good)))
    err = [r[0] for r in con.execute("SELECT error FROM hubble_bad_record")]
    check(err == [pbtool([bad])[0][len("ERROR "):]], "bad record: %r" % err)

print("%d crafted flows, %s" % (len(good), "FAILED" if failures else "ok"))
sys.exit(1 if failures else 0)
