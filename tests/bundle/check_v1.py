#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The committed v1 bundle (fixtures/bundles/v1): real recorder output.

check_v1.py MODE --flightrec F --source SRC --work W
  golden  inspect, metrics, deps, drops and a dump of the replayed database
          against the reviewed files in fixtures/bundles/v1/golden/
          (UPDATE_GOLDEN=1 rewrites them)
  truth   the loopback connections, bytes and execs equal the workload's
          own account (truth.json, written by workload.py)
  schema  replaying the bundle gives the schema the current code makes
          (that of replaying the small fixture)
Needs no root: it only reads committed files.
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(args, out=None):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.decode()))
    if out:
        with open(out, "wb") as f:
            f.write(p.stdout)
    return p.stdout


def replay(fr, src, db):
    if os.path.exists(db):
        os.unlink(db)
    run([fr, "replay", "-o", db, src])
    return sqlite3.connect(db)


def dump(con):
    """Every table's rows in a stable order; the bundle's temporary
    extraction path is replaced (it differs per run by design)."""
    out = []
    tabs = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for t in tabs:
        cur = con.execute('SELECT * FROM "%s"' % t)
        cols = [d[0] for d in cur.description]
        rows = sorted((tuple("" if v is None else str(v) for v in r) for r in cur))
        if not rows:
            continue
        out.append("## %s (%s)" % (t, ",".join(cols)))
        out.extend("|".join(r) for r in rows)
    return re.sub(r"/tmp/flightrec-bundle-[A-Za-z0-9]+/", "BUNDLE/", "\n".join(out) + "\n")


def golden_cmp(work, gold, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    ref = os.path.join(gold, name)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.copy(path, ref)
        return
    if not os.path.exists(ref) or open(ref).read() != text:
        subprocess.run(["diff", "-u", ref, path], stdout=sys.stderr)
        fail("%s differs from the reviewed golden file" % name)


def mode_golden(a, fix, work):
    gold = os.path.join(fix, "golden")
    fr, bundle = a.flightrec, os.path.join(fix, "loopback.tar.zst")
    con = replay(fr, bundle, os.path.join(work, "v1.db"))
    db = os.path.join(work, "v1.db")
    ins = run([fr, "inspect", bundle]).decode()
    ins = re.sub(r"/tmp/flightrec-bundle-[A-Za-z0-9]+/", "BUNDLE/", ins)
    golden_cmp(work, gold, "inspect.txt", ins)
    golden_cmp(work, gold, "metrics.prom", run([fr, "metrics", db]).decode())
    golden_cmp(work, gold, "metrics-comm.csv", run(
        [fr, "metrics", db, "--format", "csv", "--by", "comm"]).decode())
    golden_cmp(work, gold, "deps.json", run(
        [fr, "deps", db, "--level", "pod", "--format", "json"]).decode())
    golden_cmp(work, gold, "drops.txt", run([fr, "drops", db]).decode())
    golden_cmp(work, gold, "db.txt", dump(con))


def mode_truth(a, fix, work):
    truth = json.load(open(os.path.join(fix, "truth.json")))
    con = replay(a.flightrec, os.path.join(fix, "loopback.tar.zst"), os.path.join(work, "t.db"))
    port, ip = truth["server_port"], truth["server"]
    # the recorder's decoded events, not the analyzer's derived tables
    cports = sorted(r[0] for r in con.execute(
        "SELECT sport FROM ev_tcp_connect WHERE daddr = ? AND dport = ?", (ip, port)))
    want = sorted(c["client_port"] for c in truth["conns"])
    if cports != want or len(want) != truth["connections"]:
        fail("connects to %s:%d from %s, the workload made %s" % (ip, port, cports, want))
    accepts = con.execute("SELECT count(*) FROM ev_tcp_accept WHERE sport = ?", (port,)).fetchone()[0]
    if accepts != truth["connections"]:
        fail("%d accepts on port %d, the workload made %d" % (accepts, port, truth["connections"]))
    for c in truth["conns"]:
        for side, sport, dport, key in (("client", c["client_port"], port, "sent"),
                                        ("server", port, c["client_port"], "received")):
            tx = con.execute("SELECT coalesce(sum(bytes), 0) FROM ev_sock_msg WHERE received = 0 "
                             "AND sport = ? AND dport = ?", (sport, dport)).fetchone()[0]
            rx = con.execute("SELECT coalesce(sum(bytes), 0) FROM ev_sock_msg WHERE received = 1 "
                             "AND sport = ? AND dport = ?", (sport, dport)).fetchone()[0]
            if side == "client" and (tx, rx) != (c["sent"], c["received"]):
                fail("client port %d: sent/received %d/%d, workload %d/%d"
                     % (sport, tx, rx, c["sent"], c["received"]))
            if side == "server" and (rx, tx) != (c["sent"], c["received"]):
                fail("server side of %d: received/sent %d/%d, workload %d/%d"
                     % (dport, rx, tx, c["sent"], c["received"]))
    execs = con.execute("SELECT count(*) FROM ev_proc_exec WHERE filename = '/bin/true'").fetchone()[0]
    if execs != truth["execs_true"]:
        fail("%d execs of /bin/true, the workload ran %d" % (execs, truth["execs_true"]))


def schema(con):
    return sorted((r[0], r[1], r[2] or "") for r in con.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


def mode_schema(a, fix, work):
    v1 = replay(a.flightrec, os.path.join(fix, "loopback.tar.zst"), os.path.join(work, "s1.db"))
    cur = replay(a.flightrec, os.path.join(a.source, "fixtures", "small"), os.path.join(work, "s2.db"))
    s1, s2 = schema(v1), schema(cur)
    if s1 != s2:
        for x in sorted(set(s1) ^ set(s2)):
            print(("v1 only: " if x in s1 else "current only: ") + x[1], file=sys.stderr)
        fail("the v1 bundle's database schema differs from the current one")
    ver = [r[0] for r in v1.execute("SELECT value FROM replay_info WHERE key = 'schema_version'")]
    cv = [r[0] for r in cur.execute("SELECT value FROM replay_info WHERE key = 'schema_version'")]
    if not ver or ver != cv:
        fail("schema_version %s, current %s" % (ver, cv))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["golden", "truth", "schema"])
    p.add_argument("--flightrec", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--work", required=True)
    a = p.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    fix = os.path.join(a.source, "fixtures", "bundles", "v1")
    {"golden": mode_golden, "truth": mode_truth, "schema": mode_schema}[a.mode](a, fix, a.work)
    print("ok: v1 " + a.mode)


if __name__ == "__main__":
    main()
