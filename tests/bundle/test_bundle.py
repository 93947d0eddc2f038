#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Bundle tests (label bundle): see tests/bundle/README.md.

  fixture  bundles of fixtures/small replay to the same metrics, deps and drops
           as the directory (whole recording; a sub-window with metrics
           --window), bundles of two nodes merge, inspect/verify accept them,
           files are 0600
  redact   --redact all: no redacted value and no raw kernel pointer of the
           directory is left in the decompressed bundle bytes (segments
           decompressed with the zstd CLI) nor in its replay database; the
           reports still join (same edges, same counts)
  hostile  every refusal of the reader on hand-crafted archives: exit 1,
           the reason on stderr, no database written
  live     (root) a ring recorded now, bundled while the recorder writes,
           equals the directory over the same window; its segments say the
           recorder hid kernel addresses, so blocks are copied as stored, and
           the raw addresses of sockets the test opened (/proc/net/tcp) are
           not in the bundle
  copy     blocks with nothing to rewrite copied as stored (segments without
           the hidden-addresses flag), against the ring
  hidden   a generated ring whose segments say their kernel addresses are
           hidden (fr-gen-fixture --hide-kaddrs): nearly every block copied
           as stored, the bundle replays to the same reports as the ring, the
           manifest says how each segment's pointers were handled (the same
           ring without the flag is rewritten), no raw synthetic address left
"""
import argparse
import ipaddress
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import io

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402

WIN_ALL = ("2026-01-15T11:00:00Z", "2026-01-15T14:00:00Z")
WIN_SUB = ("2026-01-15T12:10:00Z", "2026-01-15T12:40:00Z")


def run(cmd, ok=True, env=None, **kw):
    e = dict(os.environ, **(env or {}))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, **kw)
    if ok and p.returncode != 0:
        sys.exit("FAIL: %s: exit %d\n%s" % (" ".join(cmd), p.returncode,
                                            p.stderr.decode(errors="replace")))
    return p


def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)
    print("ok  " + msg)


def reports(fr, db, window=None):
    out = {}
    for cmd in (["metrics"], ["deps"], ["drops"], ["deps", "--format", "json"]):
        args = [fr] + cmd[:1] + [db] + cmd[1:]
        if window and cmd[0] == "metrics":
            for extra in ([], ["--step", "5m"]):
                out[" ".join(cmd + extra)] = run(
                    args + ["--window", "%s..%s" % window] + extra).stdout
        elif not window:
            out[" ".join(cmd)] = run(args).stdout
    return out


def same_reports(fr, a, b, window, what):
    ra, rb = reports(fr, a, window), reports(fr, b, window)
    for k in ra:
        check(ra[k] == rb[k] and len(ra[k]) > 100,
              "%s: `%s` byte-identical (%d bytes)" % (what, k, len(ra[k])))


def bundle(fr, inputs, out, window, extra=()):
    if os.path.exists(out):
        os.unlink(out)
    run([fr, "bundle"] + inputs + ["--from", window[0], "--to", window[1], "-o", out]
        + list(extra))
    check(os.stat(out).st_mode & 0o777 == 0o600, "%s is 0600" % os.path.basename(out))


def replay(fr, inputs, db):
    if os.path.exists(db):
        os.unlink(db)
    run([fr, "replay", "-o", db] + inputs)


def t_fixture(a):
    fr, fx, w = a.flightrec, os.path.join(a.source, "fixtures/small"), a.work
    replay(fr, [fx], w + "/dir.db")
    bundle(fr, [fx], w + "/all.tar.zst", WIN_ALL)
    replay(fr, [w + "/all.tar.zst"], w + "/all.db")
    same_reports(fr, w + "/dir.db", w + "/all.db", None, "fixture, whole recording")
    bundle(fr, [fx], w + "/sub.tar.zst", WIN_SUB)
    replay(fr, [w + "/sub.tar.zst"], w + "/sub.db")
    same_reports(fr, w + "/dir.db", w + "/sub.db", WIN_SUB, "fixture, 30-minute window")
    # one bundle per node, analyzed together
    segs = sorted(os.listdir(fx))
    na = [os.path.join(fx, s) for s in segs if s.startswith("node-a") and s.endswith(".frseg")]
    nb = [os.path.join(fx, s) for s in segs if s.startswith("node-b") and s.endswith(".frseg")]
    bundle(fr, na, w + "/a.tar.zst", WIN_ALL)
    bundle(fr, nb, w + "/b.tar.zst", WIN_ALL)
    replay(fr, [w + "/a.tar.zst", w + "/b.tar.zst"], w + "/ab.db")
    same_reports(fr, w + "/dir.db", w + "/ab.db", None, "two nodes' bundles merged")
    ins = run([fr, "inspect", w + "/all.tar.zst"]).stdout.decode()
    check(ins.count("segment ") == 4 and "node-b" in ins, "inspect reads a bundle")
    run([fr, "verify", w + "/all.tar.zst"])
    check(True, "verify accepts a bundle")
    m = manifest(w + "/sub.tar.zst")
    check(m["version"] == 1 and m["window"]["from_utc"].startswith("2026-01-15T12:10:00")
          and all(len(s["sha256"]) == 64 for s in m["segments"])
          and {n["host"] for n in m["nodes"]} == {"node-a", "node-b"},
          "manifest: version, window, nodes, sha256 per segment")
    left = [f for f in os.listdir(w) if f.startswith(".flightrec")]
    check(not left, "no temporary files left next to the bundles")


def t_copy(a):
    """Blocks with nothing to rewrite are copied as stored, not recompressed:
    a generated ring whose bundle copies some, against the ring itself."""
    fr, w = a.flightrec, a.work
    shutil.rmtree(w + "/gx", ignore_errors=True)
    run([a.gen, "-o", w + "/gx", "--no-truth", "--seed", "3", "--duration", "15m",
         "--tick", "1s", "--segment", "5m"])
    win = ("2026-01-15T12:00:00Z", "2026-01-15T12:15:00Z")
    if os.path.exists(w + "/g.tar.zst"):
        os.unlink(w + "/g.tar.zst")
    p = run([fr, "bundle", w + "/gx", "--from", win[0], "--to", win[1], "-o", w + "/g.tar.zst"])
    m = re.search(rb"blocks (\d+), (\d+) copied as stored", p.stderr)
    check(m and 0 < int(m.group(2)) < int(m.group(1)),
          "some blocks copied as stored, others re-encoded (%s)" % (m and m.group(0)))
    replay(fr, [w + "/gx"], w + "/dir.db")
    replay(fr, [w + "/g.tar.zst"], w + "/g.db")
    same_reports(fr, w + "/dir.db", w + "/g.db", win, "copied blocks, over the window")
    run([fr, "verify", w + "/g.tar.zst"])
    check(True, "verify accepts the bundle with copied blocks")


SOCK_BASE = 0xffff888000000000  # fixtures/gen/tcp.c: socket ids are base + n * 0x100
HIDDEN = "hidden by the recorder with a per-run secret"
MAPPED = "replaced by per-bundle ids"


def copied(stderr):
    m = re.search(rb"blocks (\d+), (\d+) copied as stored", stderr)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def t_hidden(a):
    fr, w = a.flightrec, a.work
    # scale 4: blocks fill in seconds, so most hold none of the generator's
    # clock syncs (one a minute), which keep a block from being copied
    gen = [a.gen, "--no-truth", "--seed", "5", "--duration", "12m", "--tick", "2s",
           "--segment", "5m", "--scale", "4"]
    for d, extra in (("hx", ["--hide-kaddrs"]), ("px", [])):
        shutil.rmtree(w + "/" + d, ignore_errors=True)
        run(gen + ["-o", w + "/" + d] + extra)
    hx, px = w + "/hx", w + "/px"
    replay(fr, [hx], w + "/hx.db")
    ins = run([fr, "inspect", hx]).stdout.decode()
    in_blocks = sum(int(n) for n in re.findall(r"blocks\s+(\d+) ok", ins))
    for win, what in ((("2026-01-15T11:00:00Z", "2026-01-15T13:00:00Z"), "whole ring"),
                      (("2026-01-15T12:03:00Z", "2026-01-15T12:09:00Z"), "6-minute window")):
        out = w + "/h.tar.zst"
        if os.path.exists(out):
            os.unlink(out)
        p = run([fr, "bundle", hx, "--from", win[0], "--to", win[1], "-o", out])
        blocks, cp = copied(p.stderr)
        if what == "whole ring":
            check(cp > 0.75 * in_blocks, "%s: %d of the ring's %d blocks copied as stored"
                  % (what, cp, in_blocks))
        else:
            check(cp > 0.5 * blocks, "%s: %d of %d blocks copied as stored" % (what, cp, blocks))
        m = manifest(out)
        check(all(sg["kernel_pointers"] == HIDDEN for sg in m["segments"])
              and m["redaction"]["kernel_pointers"] == HIDDEN
              and m["redaction"]["kernel_pointers_replaced"] == 0,
              "%s: manifest: every segment's pointers %s" % (what, HIDDEN))
        check(sum(sg["blocks_copied"] for sg in m["segments"]) == cp,
              "%s: manifest counts the copied blocks per segment" % what)
        run([fr, "verify", out])
        replay(fr, [out], w + "/h.db")
        same_reports(fr, w + "/hx.db", w + "/h.db", None if what == "whole ring" else win,
                     "hidden, %s" % what)
    # the same ring without the flag: pointers mapped again, blocks re-encoded
    out = w + "/p.tar.zst"
    if os.path.exists(out):
        os.unlink(out)
    p = run([fr, "bundle", px, "--from", win[0], "--to", win[1], "-o", out])
    blocks, cp = copied(p.stderr)
    m = manifest(out)
    check(all(sg["kernel_pointers"] == MAPPED for sg in m["segments"])
          and m["redaction"]["kernel_pointers"] == "per-bundle ids"
          and m["redaction"]["kernel_pointers_replaced"] > 0 and cp < 0.25 * blocks,
          "without the flag: pointers replaced by per-bundle ids, %d of %d blocks copied"
          % (cp, blocks))
    # a mix of both: said per segment
    mixed = [os.path.join(hx, f) for f in sorted(os.listdir(hx)) if f.startswith("node-a")] + \
            [os.path.join(px, f) for f in sorted(os.listdir(px)) if f.startswith("node-b")]
    os.unlink(out)
    run([fr, "bundle"] + mixed + ["--from", win[0], "--to", win[1], "-o", out])
    m = manifest(out)
    check(m["redaction"]["kernel_pointers"] == "per segment"
          and {sg["host"]: sg["kernel_pointers"] for sg in m["segments"]}
          == {"node-a": HIDDEN, "node-b": MAPPED},
          "mixed inputs: the manifest says per segment what was done")
    # the generator's raw socket ids (its formula) are nowhere in the bundle
    replay(fr, [px], w + "/px.db")
    c = sqlite3.connect(w + "/px.db")
    raw = {r[0] & (2**64 - 1) for r in c.execute("select sock_id from conn") if r[0]}
    check(len(raw) > 100 and all(v >= SOCK_BASE for v in raw),
          "the ring without the flag holds %d raw synthetic socket ids" % len(raw))
    blob = bundle_bytes(w + "/h.tar.zst", w)
    found = raw_ids_in(blob, raw)
    check(not found, "hidden bundle: none of the %d raw socket ids %s" % (len(raw), found[:3]))
    found = raw_ids_in(bundle_bytes(w + "/p.tar.zst", w), raw)
    check(not found, "rewritten bundle: none of the %d raw socket ids" % len(raw))


def uvarint_at(b, i):
    v, shift = 0, 0
    while i < len(b) and shift < 70:
        v |= (b[i] & 0x7F) << shift
        if not b[i] & 0x80:
            return v
        i, shift = i + 1, shift + 7
    return None


def raw_ids_in(blob, raw):
    """Raw synthetic socket ids in `blob`, as 8 little-endian bytes or as a
    varint: one pass per form over the bytes every id shares (its high bits
    are SOCK_BASE's), each hit decoded whole."""
    found = set()
    le = SOCK_BASE.to_bytes(8, "little")[4:]
    for m in re.finditer(re.escape(le), blob):
        v = int.from_bytes(blob[m.start() - 4:m.start() + 4], "little")
        if v in raw:
            found.add(hex(v))
    vi = varint(SOCK_BASE)[5:]  # bits 35..63, the same for every id
    for m in re.finditer(re.escape(vi), blob):
        v = uvarint_at(blob, m.start() - 5)
        if v in raw:
            found.add(hex(v))
    return sorted(found)


def manifest(path):
    raw = subprocess.run(["zstd", "-q", "-d", "-c", path], check=True,
                         stdout=subprocess.PIPE).stdout
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        return json.loads(t.extractfile("manifest.json").read())


def bundle_bytes(path, work):
    """manifest + every segment's blocks decompressed (zstd skips the
    skippable header and index frames)."""
    raw = subprocess.run(["zstd", "-q", "-d", "-c", path], check=True,
                         stdout=subprocess.PIPE).stdout
    out = [raw]
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        for m in t.getmembers():
            data = t.extractfile(m).read()
            if m.name.endswith(".frseg"):
                out.append(subprocess.run(["zstd", "-q", "-d", "-c"], input=data, check=True,
                                          stdout=subprocess.PIPE).stdout)
    return b"".join(out)


def special_ip(s):
    try:
        ip = ipaddress.ip_address(s)
    except ValueError:
        return True
    return ip.is_loopback or ip.is_unspecified


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def redacted_values(a, db):
    """What --redact all must remove, from the inputs (hubble.jsonl) and the
    directory's replay (what the recorder wrote)."""
    fx = os.path.join(a.source, "fixtures/small")
    vals = {"ips": set(), "comm": set(), "exe": set(), "url": set(), "hdr": set(),
            "dns": set(), "label": set(), "other": set()}
    for line in open(os.path.join(fx, "hubble.jsonl")):
        walk(json.loads(line), None, vals)
    c = sqlite3.connect(db)
    for t, col in (("meta_pod_ip", "ip"), ("meta_service_ip", "ip"), ("meta_node_ip", "ip"),
                   ("meta_endpoint", "ip"), ("hubble_flow", "src_ip"), ("hubble_flow", "dst_ip")):
        vals["ips"] |= {r[0] for r in c.execute("select %s from %s" % (col, t)) if r[0]}
    for t in ("meta_process", "proc"):
        for comm, exe in c.execute("select comm, exe from %s" % t):
            vals["comm"].add(comm)
            vals["exe"].add(exe)
    for (comm, fn) in c.execute("select comm, filename from ev_proc_exec"):
        vals["comm"].add(comm)
        vals["exe"].add(fn)
    for (labels,) in c.execute("select labels from meta_pod"):
        for k, v in (json.loads(labels) or {}).items() if labels else ():
            vals["label"].add(json.dumps({k: v}, separators=(",", ":"))[1:-1])
    ptrs = set()
    for t, col in (("conn", "sock_id"), ("ev_skb_drop", "location")):
        ptrs |= {r[0] & (2**64 - 1) for r in c.execute("select %s from %s" % (col, t))
                 if r[0]}
    vals["ips"] = {v for v in vals["ips"] if not special_ip(v)}
    # names shipped unredacted (pods, namespaces, workloads) may contain a
    # short redacted value ("api" in "payments-api-7d9"): search values that
    # are not part of one
    kept = " ".join(r[0] or "" for r in c.execute(
        "select name || ' ' || namespace || ' ' || ifnull(workload, '') from meta_pod"))
    # and strings of fields no class covers ("kind": "CiliumNetworkPolicy")
    kept += " " + " ".join(vals.pop("other"))
    for k in ("comm", "exe", "url", "hdr", "dns"):
        # digits-only values ("1027", a content-length) occur as numbers anywhere
        vals[k] = {v for v in vals[k]
                   if v and len(v) >= 4 and v not in kept and not v.isdigit()}
    return vals, ptrs


def walk(v, key, vals, parent=None):
    if isinstance(v, dict):
        for k, e in v.items():
            if k == "labels" and isinstance(e, list):
                # the label as written: "app=frontend" (the value alone
                # is also a workload's name, which stays)
                vals["label"] |= {s.split(":", 1)[-1] for s in e if "=" in s}
            elif k == "url":
                vals["url"].add(e)
            elif k == "headers" and isinstance(e, list):
                vals["hdr"] |= {h.get("value") for h in e if h.get("value")}
            elif k in ("query",) and key == "dns":
                vals["dns"].add(e)
            elif k in ("cnames", "source_names", "destination_names", "sourceNames",
                       "destinationNames"):
                vals["dns"] |= set(e)
            else:
                walk(e, k, vals)
    elif isinstance(v, list):
        for e in v:
            walk(e, key, vals)
    elif isinstance(v, str):
        try:
            ipaddress.ip_address(v)
            vals["ips"].add(v)
        except ValueError:
            vals["other"].add(v)


def t_redact(a):
    fr, fx, w = a.flightrec, os.path.join(a.source, "fixtures/small"), a.work
    replay(fr, [fx], w + "/dir.db")
    vals, ptrs = redacted_values(a, w + "/dir.db")
    for k, v in sorted(vals.items()):
        check(len(v) > 0, "fixture has %d %s values to redact" % (len(v), k))
    check(len(ptrs) > 10, "fixture has %d kernel pointer values" % len(ptrs))
    plain = w + "/plain.tar.zst"
    bundle(fr, [fx], plain, WIN_ALL)
    red = w + "/red.tar.zst"
    bundle(fr, [fx], red, WIN_ALL, ["--redact", "all"])
    replay(fr, [red], w + "/red.db")
    dump = run(["sqlite3", w + "/red.db", ".dump"]).stdout
    for name, path, extra in (("bundle", plain, b""), ("redacted bundle", red, dump)):
        blob = bundle_bytes(path, w) + extra
        found = [hex(p) for p in ptrs
                 if p.to_bytes(8, "little") in blob or varint(p) in blob
                 or str(p).encode() in blob or str(p - 2**64).encode() in blob]
        check(not found, "%s: no raw kernel pointer (%d searched) %s" % (
            name, len(ptrs), found[:3]))
    blob = bundle_bytes(red, w) + dump
    for k, v in sorted(vals.items()):
        found = []
        for s in v:
            forms = [s.encode()]
            if k == "ips":
                forms.append(bytes([len(ipaddress.ip_address(s).packed)])
                             + ipaddress.ip_address(s).packed)
            if any(f in blob for f in forms):
                found.append(s)
        check(not found, "redacted bundle: none of %d %s values left %s" % (
            len(v), k, sorted(found)[:5]))
    m = manifest(red)
    check(len(m["redaction"]["classes"]) == 7 and m["redaction"]["records_dropped"] == 0,
          "manifest lists the 7 classes, no record dropped")
    # the reports still join: same shapes and counts, names pseudonymized
    d = json.loads(run([fr, "deps", w + "/dir.db", "--format", "json"]).stdout)
    r = json.loads(run([fr, "deps", w + "/red.db", "--format", "json"]).stdout)
    def counts(g):
        es = g.get("edges", g) if isinstance(g, dict) else g
        return sorted((e.get("connections", 0), e.get("bytes_sent", 0), e.get("requests", 0))
                      for e in es)
    check(counts(d) == counts(r) and len(counts(d)) > 3,
          "deps of the redacted bundle: same %d edges with the same counts" % len(counts(d)))
    dr = run([fr, "drops", w + "/dir.db", "--format", "json"]).stdout
    rr = run([fr, "drops", w + "/red.db", "--format", "json"]).stdout
    check(dr == rr, "drops of the redacted bundle unchanged (%d bytes)" % len(dr))


def t_hostile(a):
    fr, fx, w = a.flightrec, os.path.join(a.source, "fixtures/small"), a.work
    good = w + "/good.tar.zst"
    bundle(fr, [fx], good, ("2026-01-15T12:10:00Z", "2026-01-15T12:11:00Z"))
    hdir = w + "/hostile"
    shutil.rmtree(hdir, ignore_errors=True)
    os.makedirs(hdir)
    cases = hostile.make(good, hdir)
    for path, why, env in cases:
        for cmd in (["replay", "-o", w + "/h.db", path], ["inspect", path], ["verify", path]):
            if os.path.exists(w + "/h.db"):
                os.unlink(w + "/h.db")
            p = run([fr] + cmd, ok=False, env=dict(env, TMPDIR=hdir))
            err = p.stderr.decode(errors="replace")
            check(p.returncode == 1 and why in err and "bundle refused" in err
                  and not os.path.exists(w + "/h.db"),
                  "%s %s: refused (%s)" % (cmd[0], os.path.basename(path), why))
        left = [f for f in os.listdir(hdir) if f.startswith("flightrec-bundle-")]
        check(not left, "%s: nothing left behind" % os.path.basename(path))
    if a.corpus:
        for path, _, _ in cases:
            if os.path.getsize(path) < 65536:
                shutil.copy(path, a.corpus)


def raw_socks(ports):
    """Kernel addresses of the TCP sockets on `ports`, from /proc/net/tcp:
    raw only with kptr_restrict 1 and root (0 hashes them), set for the read
    and put back."""
    path = "/proc/sys/kernel/kptr_restrict"
    old = open(path).read().strip()
    try:
        with open(path, "w") as f:
            f.write("1")
        lines = open("/proc/net/tcp").read().splitlines()[1:]
    finally:
        with open(path, "w") as f:
            f.write(old)
    out = set()
    for ln in lines:
        f = ln.split()
        lport, rport = int(f[1].split(":")[1], 16), int(f[2].split(":")[1], 16)
        if lport in ports or rport in ports:
            out.add(int(f[11], 16))
    return out


def open_conns(n):
    """n loopback connections (client and accepted ends), kept open."""
    import socket
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(n)
    socks = [srv]
    for _ in range(n):
        c = socket.create_connection(srv.getsockname())
        s, _ = srv.accept()
        c.sendall(b"x" * 1000)
        s.recv(1000)
        socks += [c, s]
    return socks, {srv.getsockname()[1]}


def t_live(a):
    if os.geteuid() != 0:
        print("skip: live needs root")
        sys.exit(77)
    fr, w = a.flightrec, a.work
    ring = w + "/ring"
    shutil.rmtree(ring, ignore_errors=True)
    os.makedirs(ring)
    # small, short segments: the window spans sealed ones and the active one
    rec = subprocess.Popen([a.recorder, "--dir", ring, "--duration", "14s",
                            "--max-segment-size", "1M", "--max-segment-age", "3s"],
                           stdout=subprocess.DEVNULL, stderr=open(w + "/rec.log", "w"))
    load = subprocess.Popen(["sh", "-c", "while :; do cat /proc/self/status >/dev/null; "
                             "ls / >/dev/null; done"])
    socks = []
    try:
        time.sleep(4.5)
        # sockets opened inside the window: their raw addresses must not ship
        socks, ports = open_conns(20)
        raw = raw_socks(ports)
        time.sleep(4.5)
        now = time.time_ns()
        # the window ends 2 s ago: the recorder writes a block at least
        # every second, so the window's records are on disk
        frm, to = str(now - 6_000_000_000), str(now - 2_000_000_000)
        out = w + "/live.tar.zst"
        if os.path.exists(out):
            os.unlink(out)
        p = run([fr, "bundle", ring, "--from", frm, "--to", to, "-o", out])
        check(rec.poll() is None, "bundled while the recorder writes")
    finally:
        load.kill()
        for x in socks:
            x.close()
        rec.wait(timeout=60)
    check(rec.returncode == 0, "recorder exit 0")
    m = manifest(out)
    check(len(m["segments"]) >= 2, "the window spans several segments")
    blocks, cp = copied(p.stderr)
    check(all(sg["kernel_pointers"] == HIDDEN for sg in m["segments"]) and cp > 0,
          "the recorder's segments say their addresses are hidden; %d of %d blocks copied "
          "as stored" % (cp, blocks))
    replay(fr, [ring], w + "/ring.db")
    replay(fr, [out], w + "/live.db")
    same_reports(fr, w + "/ring.db", w + "/live.db", (frm, to), "live ring, 4-second window")
    c = sqlite3.connect(w + "/live.db")
    ours = c.execute("select count(*) from conn where sport in (%s) or dport in (%s)"
                     % (",".join(map(str, ports)), ",".join(map(str, ports)))).fetchone()[0]
    check(len(raw) >= 40 and all(v >= 2**63 for v in raw) and ours >= 40,
          "the bundle holds the test's %d connection ends; /proc/net/tcp gave %d raw "
          "addresses" % (ours, len(raw)))
    blob = bundle_bytes(out, w)
    found = [hex(v) for v in raw if v.to_bytes(8, "little") in blob or varint(v) in blob
             or str(v).encode() in blob or str(v - 2**64).encode() in blob]
    check(not found, "live bundle: none of the %d raw socket addresses %s" % (len(raw),
                                                                              found[:3]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["fixture", "redact", "hostile", "live", "copy", "hidden"])
    ap.add_argument("--gen", help="copy, hidden: fr-gen-fixture")
    ap.add_argument("--flightrec", required=True)
    ap.add_argument("--recorder")
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--corpus", help="hostile: copy the small archives here")
    a = ap.parse_args()
    a.work = os.path.abspath(a.work)
    os.makedirs(a.work, exist_ok=True)
    {"fixture": t_fixture, "redact": t_redact, "hostile": t_hostile, "live": t_live,
     "copy": t_copy, "hidden": t_hidden}[a.mode](a)


if __name__ == "__main__":
    main()
