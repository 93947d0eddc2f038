#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks fr_hubble (protobuf-c + our JSON mapping) against Google's own
protobuf implementation (Debian's python3-protobuf, the same .proto files
compiled by protoc), over every sample line in fixtures/hubble:

1. Python parses the line (json_format.Parse, no unknown fields allowed)
   and serializes it; our decoder must turn those bytes back into the same
   JSON object as the line.
2. Our encoder turns the line into bytes; Python must parse them into a
   message equal to its own, with byte-identical serialization, and print
   it (MessageToDict, proto field names) as the line's JSON object.

--corpus DIR also writes Python's bytes of each line there (the fuzz
corpus was made this way).
"""
import argparse
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--proto", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--corpus")
    a = ap.parse_args()

    out = tempfile.mkdtemp(prefix="hubble-py-")
    protos = ["flow/flow.proto", "relay/relay.proto", "observer/observer.proto"]
    # the well-known types come from python3-protobuf itself
    subprocess.run(["protoc", "-I", a.proto, "--python_out", out] + protos, check=True)
    sys.path.insert(0, out)
    from google.protobuf import json_format
    from observer import observer_pb2

    lines = []
    for path in sorted(glob.glob(os.path.join(a.fixtures, "*.jsonl"))):
        with open(path) as f:
            lines += [(os.path.basename(path), i + 1, l) for i, l in enumerate(f) if l.strip()]
    msgs = [json_format.Parse(l, observer_pb2.GetFlowsResponse()) for _, _, l in lines]
    py_bytes = [m.SerializeToString(deterministic=True) for m in msgs]

    # 1. Python's bytes -> our decoder -> JSON
    stream = b"".join(struct.pack("<I", len(b)) + b for b in py_bytes)
    r = subprocess.run([a.tool, "decode"], input=stream, capture_output=True, check=True)
    got = r.stdout.decode().splitlines()
    bad = 0
    if len(got) != len(lines):
        print(f"decode: {len(got)} lines for {len(lines)} records")
        return 1
    for (name, no, line), g in zip(lines, got):
        if g.startswith("ERROR") or json.loads(g) != json.loads(line):
            print(f"decode {name}:{no}: {g[:200]}")
            bad += 1

    # 2. our encoder -> Python
    r = subprocess.run([a.tool, "encode"], input="".join(l for _, _, l in lines).encode(),
                       capture_output=True, check=True)
    buf, pos, k = r.stdout, 0, 0
    while pos < len(buf):
        (n,) = struct.unpack_from("<I", buf, pos)
        rec = buf[pos + 4:pos + 4 + n]
        pos += 4 + n
        name, no, line = lines[k]
        m = observer_pb2.GetFlowsResponse.FromString(rec)
        d = json_format.MessageToDict(m, preserving_proto_field_name=True)
        if m != msgs[k] or rec != py_bytes[k] or d != json.loads(line):
            print(f"encode {name}:{no}: differs (equal={m == msgs[k]}, "
                  f"bytes={rec == py_bytes[k]}, json={d == json.loads(line)})")
            bad += 1
        k += 1
    if k != len(lines):
        print(f"encode: {k} records for {len(lines)} lines")
        return 1

    if a.corpus:
        os.makedirs(a.corpus, exist_ok=True)
        for (name, no, _), b in zip(lines, py_bytes):
            with open(os.path.join(a.corpus, f"{name[:-6]}-{no}.pb"), "wb") as f:
                f.write(b)
    print(f"{len(lines)} lines, {sum(map(len, py_bytes))} protobuf bytes, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
