#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Hand-crafted hostile bundles, one per refusal of analyzer/bundle/bread.c.

Built from a good bundle's manifest and segments with Python's tarfile and
the zstd CLI, so the archives do not come from the code under test's writer.
make(good_bundle, outdir) returns [(file, expected stderr substring, env)].
"""
import hashlib
import io
import json
import os
import subprocess
import tarfile


def zstd(raw):
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=raw, check=True,
                          stdout=subprocess.PIPE).stdout


def unpack(bundle):
    raw = subprocess.run(["zstd", "-q", "-d", "-c", bundle], check=True,
                         stdout=subprocess.PIPE).stdout
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        members = [(m.name, t.extractfile(m).read()) for m in t.getmembers()]
    return json.loads(members[0][1]), members[1:]


def tar(entries):
    """entries: (TarInfo or name, bytes or None)"""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in entries:
            if isinstance(info, str):
                info = tarfile.TarInfo(info)
                info.size = len(data)
            info.mode = info.mode or 0o600
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def mjson(m):
    return json.dumps(m).encode()


def special(name, kind, **kw):
    i = tarfile.TarInfo(name)
    i.type = kind
    for k, v in kw.items():
        setattr(i, k, v)
    return (i, None)


def make(good, outdir):
    m, segs = unpack(good)
    name0, data0 = segs[0]
    cases = []

    def add(fname, raw, why, env=None, compress=True):
        path = os.path.join(outdir, fname)
        with open(path, "wb") as f:
            f.write(zstd(raw) if compress else raw)
        cases.append((path, why, env or {}))

    base = [("manifest.json", mjson(m))] + segs
    add("traversal.tar.zst", tar(base + [("segments/../../evil.frseg", b"x")]),
        "path traversal")
    add("traversal2.tar.zst", tar([("../manifest.json", mjson(m))] + segs), "path traversal")
    add("absolute.tar.zst", tar(base + [("/tmp/evil.frseg", b"x")]), "absolute path")
    add("symlink.tar.zst",
        tar(base + [special("segments/l.frseg", tarfile.SYMTYPE, linkname="/etc/passwd")]),
        "links are not allowed")
    add("hardlink.tar.zst",
        tar(base + [special("segments/h.frseg", tarfile.LNKTYPE, linkname=name0)]),
        "links are not allowed")
    add("device.tar.zst",
        tar(base + [special("segments/d.frseg", tarfile.CHRTYPE, devmajor=1, devminor=3)]),
        "not a regular file")
    add("fifo.tar.zst", tar(base + [special("segments/f.frseg", tarfile.FIFOTYPE)]),
        "not a regular file")
    add("duplicate.tar.zst", tar(base + [(name0, data0)]), "duplicate entry")
    add("unlisted.tar.zst", tar(base + [("segments/extra.frseg", data0)]),
        "not listed in manifest.json")
    add("other-name.tar.zst", tar(base + [("notes.txt", b"hi")]), "unexpected entry")
    bad = bytearray(data0)
    bad[len(bad) // 2] ^= 0xFF
    add("checksum.tar.zst",
        tar([("manifest.json", mjson(m)), (name0, bytes(bad))] + segs[1:]),
        "checksum mismatch")
    add("missing.tar.zst", tar([("manifest.json", mjson(m))] + segs[1:]),
        "missing from the archive")
    add("manifest-late.tar.zst", tar(segs + [("manifest.json", mjson(m))]),
        "manifest.json must be the first entry")
    m2 = json.loads(json.dumps(m))
    m2["segments"][0]["host"] = "some-other-node"
    add("disagree-host.tar.zst", tar([("manifest.json", mjson(m2))] + segs),
        "manifest disagrees")
    m3 = json.loads(json.dumps(m))
    m3["segments"][0]["size"] += 1
    add("disagree-size.tar.zst", tar([("manifest.json", mjson(m3))] + segs),
        "manifest.json says")
    add("no-manifest.tar.zst", tar(segs), "manifest.json must be the first entry")
    add("bad-manifest.tar.zst", tar([("manifest.json", b"{\"format\": 1")] + segs),
        "not a JSON object")
    add("not-a-tar.tar.zst", os.urandom(4096), "damaged archive")
    # a segment entry bigger than the bound (the bound lowered to 1000 bytes)
    add("over-bound.tar.zst", tar(base), "over the bound",
        env={"FLIGHTREC_BUNDLE_MAX_BYTES": "1000"})
    # a bomb: 256 MiB of zeros listed (size and checksum right) but inflating
    # from a few KiB; refused while it inflates, long before the end
    zeros = b"\0" * (256 << 20)
    m4 = json.loads(json.dumps(m))
    m4["segments"] = [dict(m["segments"][0], name="segments/bomb.frseg", size=len(zeros),
                           sha256=hashlib.sha256(zeros).hexdigest())]
    add("bomb.tar.zst", tar([("manifest.json", mjson(m4)), ("segments/bomb.frseg", zeros)]),
        "decompression bomb")
    return cases
