#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Client of the test API server's control port, as a library (Control,
start) and as a command for tests in any language:

    ctl.py start --dir D [server options...]   start it, wait for "ready"
    ctl.py --dir D add pod NS NAME --node N --ip IP [--label k=v] [--owner Kind/name/uid]
    ctl.py --dir D delete pods NS NAME
    ctl.py --dir D fault down | up | kill-watches | gone [N] | gone-mid | ...
    ctl.py --dir D stop

Every command prints the control port's JSON answer; exit 1 on an error.
See README.md beside this file for all of them.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import objects  # noqa: E402


class ControlError(Exception):
    pass


class Control:
    def __init__(self, port=None, dir=None, timeout=60):
        if port is None:
            with open(os.path.join(dir, "ports.json")) as f:
                port = json.load(f)["control"]
        self.base = f"http://127.0.0.1:{port}"
        self.timeout = timeout

    def call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method="GET" if data is None else "POST")
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            raise ControlError(f"{path}: {e.code} {e.read().decode(errors='replace').strip()}") from None
        except (urllib.error.URLError, OSError) as e:
            raise ControlError(f"{path}: {e}") from None

    def put(self, *objs, mode="upsert"):
        return self.call(f"/objects?mode={mode}", {"items": list(objs)})["items"]

    def delete(self, resource, namespace, name):
        return self.call("/delete", {"resource": resource, "namespace": namespace, "name": name})["items"][0]

    def fault(self, **kw):
        return self.call("/fault", kw)

    def state(self, resource=None):
        return self.call("/state" + (f"?resource={resource}" if resource else ""))["items"]

    def stats(self):
        return self.call("/stats")


def start(dir, args=(), timeout=60, python=None):
    """Starts server.py in its own session; returns (Popen, ports dict) once
    it printed "ready"."""
    os.makedirs(dir, exist_ok=True)
    log = open(os.path.join(dir, "server.log"), "ab")
    p = subprocess.Popen(
        [python or sys.executable, os.path.join(HERE, "server.py"), "--dir", dir, *args],
        stdout=subprocess.PIPE,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + timeout
    line = b""
    import select

    while time.monotonic() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if r:
            line = p.stdout.readline()
            break
        if p.poll() is not None:
            break
    if line.strip() != b"ready":
        p.kill()
        p.wait()
        raise ControlError(f"server did not start (see {dir}/server.log)")
    p.stdout.close()
    with open(os.path.join(dir, "ports.json")) as f:
        return p, json.load(f)


def _labels(pairs):
    out = {}
    for kv in pairs or []:
        k, _, v = kv.partition("=")
        out[k] = v
    return out


def derived_uid(namespace, kind, name):
    """The uid `add` gives a workload without --uid, and an --owner without
    a uid names: so owners and their objects match without bookkeeping."""
    return objects._uid(f"{namespace}/{kind}/{name}")


def _owner(text, namespace):
    if not text:
        return None
    parts = text.split("/")
    if len(parts) < 2:
        raise SystemExit("--owner is Kind/name[/uid]")
    return (parts[0], parts[1], parts[2] if len(parts) > 2 else derived_uid(namespace, parts[0], parts[1]))


def _endpoint(text):
    """ip[,ready=false][,serving=..][,terminating=..][,pod=NAME][,pod_uid=U][,node=N]"""
    fields = text.split(",")
    ep = {"ips": fields[0].split("+")}
    for f in fields[1:]:
        k, _, v = f.partition("=")
        ep[k] = v.lower() == "true" if k in ("ready", "serving", "terminating") else v
    return ep


def _build(a):
    kind = a.kind
    if kind == "pod":
        return objects.pod(
            a.namespace, a.name, a.node, a.ip, _labels(a.label), _owner(a.owner, a.namespace), a.phase,
            tuple(a.container or ["app"]), a.host_network, uid=a.uid, ready=not a.not_ready,
        )  # fmt: skip
    if kind == "service":
        ports = [tuple(int(x) if i else x for i, x in enumerate(p.split(":"))) for p in a.ports or ["http:80:8080"]]
        return objects.service(a.namespace, a.name, _labels(a.selector), ports, a.cluster_ip, _labels(a.label))
    if kind == "endpointslice":
        ports = [(p.split(":")[0], int(p.split(":")[1])) for p in a.ports or ["http:8080"]]
        return objects.endpointslice(
            a.namespace, a.name, a.service, [_endpoint(e) for e in a.endpoint or []], ports, a.address_type
        )
    if kind == "node":
        return objects.node(a.name, a.ip or "192.168.0.10", _labels(a.label))
    if kind == "namespace":
        return objects.namespace(a.name, _labels(a.label))
    uid = a.uid or derived_uid(a.namespace, kind, a.name)
    return objects.workload(kind, a.namespace, a.name, _labels(a.label) or None, _owner(a.owner, a.namespace), uid=uid)


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", help="the server's --dir (ports.json)")
    ap.add_argument("--port", type=int, dest="control_port", help="the control port")
    sub = ap.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("start", help="start server.py --dir DIR; extra options go to it")
    s.add_argument("server_args", nargs=argparse.REMAINDER)
    sub.add_parser("stop", help="shut the server down and wait for it")
    sub.add_parser("wait", help="wait until the control port answers")

    add = sub.add_parser("add", help="create or replace one object")
    add.add_argument("kind", choices=["pod", "service", "endpointslice", "node", "namespace",
                                      "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"])  # fmt: skip
    add.add_argument("namespace", help="namespace (ignored for node, namespace: give -)")
    add.add_argument("name", nargs="?")
    add.add_argument("--node", default="node-a")
    add.add_argument("--ip")
    add.add_argument("--label", action="append", help="k=v")
    add.add_argument("--owner", help="Kind/name[/uid] of the controller")
    add.add_argument("--uid")
    add.add_argument("--phase", default="Running")
    add.add_argument("--container", action="append")
    add.add_argument("--host-network", action="store_true")
    add.add_argument("--not-ready", action="store_true")
    add.add_argument("--selector", action="append", help="service selector k=v")
    add.add_argument("--port", action="append", dest="ports", help="service name:port:target, slice name:port")
    add.add_argument("--cluster-ip", default="10.96.0.10")
    add.add_argument("--service", help="endpointslice: its service")
    add.add_argument("--endpoint", action="append", help="ip[,ready=false,pod=NAME,pod_uid=U,node=N]")
    add.add_argument("--address-type", default="IPv4")
    add.add_argument("--mode", default="upsert", choices=["create", "update", "upsert"])

    ap_ = sub.add_parser("apply", help="create or replace the objects of a JSON file (a List or an array)")
    ap_.add_argument("file")
    d = sub.add_parser("delete", help="delete RESOURCE NAMESPACE NAME (- for cluster-scoped)")
    d.add_argument("resource")
    d.add_argument("namespace")
    d.add_argument("name")
    g = sub.add_parser("generate", help="a synthetic cluster of N pods")
    g.add_argument("pods", type=int)
    g.add_argument("--nodes", type=int, default=10)
    g.add_argument("--namespaces", type=int, default=10)
    g.add_argument("--per-workload", type=int, default=10)
    g.add_argument("--no-services", action="store_true")
    g.add_argument("--prefix", default="gen")
    f = sub.add_parser("fault", help="down|up|kill-watches|gone [N]|gone-http [N]|gone-mid|unauthorized on|off|"
                       "forbid RES[:VERB]...|allow|malformed list|watch RES [N]|delay S|clear")  # fmt: skip
    f.add_argument("what")
    f.add_argument("args", nargs="*")
    c = sub.add_parser("churn", help="RATE changes/s (0 stops)")
    c.add_argument("rate", type=float)
    c.add_argument("--resource", default="pods")
    c.add_argument("--mode", default="modify", choices=["modify", "replace"])
    sub.add_parser("compact", help="forget the event history (older watches get 410)")
    st = sub.add_parser("state", help="all objects (of one resource)")
    st.add_argument("resource", nargs="?")
    sub.add_parser("stats")
    r = sub.add_parser("requests", help="the API requests served")
    r.add_argument("--since", type=int, default=0)
    ro = sub.add_parser("rotate", help="a new token in DIR/token (kubeconfig keeps the first)")
    ro.add_argument("--revoke-old", action="store_true")
    t = sub.add_parser("token", help="accept another bearer token")
    t.add_argument("token")
    t.add_argument("--user", default="system:serviceaccount:flightrec:other")
    return ap.parse_args(argv)


def _fault_body(what, args):
    simple = {
        "down": {"down": True},
        "up": {"down": False},
        "kill-watches": {"kill_watches": True},
        "gone-mid": {"gone_mid": True},
        "clear": {"clear": True},
        "allow": {"forbid": []},
    }
    if what in simple:
        return simple[what]
    if what == "gone":
        return {"gone": int(args[0]) if args else 1}
    if what == "gone-http":
        return {"gone_http": int(args[0]) if args else 1}
    if what == "unauthorized":
        return {"unauthorized": not args or args[0] in ("on", "1", "true")}
    if what == "forbid":
        return {"forbid": [(a.split(":") + ["*"])[:2] for a in args]}
    if what == "malformed":
        return {"malformed": {"where": args[0], "resource": args[1] if len(args) > 1 else "*",
                              "count": int(args[2]) if len(args) > 2 else 1}}  # fmt: skip
    if what == "delay":
        return {"delay": float(args[0])}
    raise SystemExit(f"unknown fault {what!r}")


def main(argv=None):
    a = parse(argv)
    if a.cmd == "start":
        if not a.dir:
            raise SystemExit("start needs --dir")
        extra = [x for x in a.server_args if x != "--"]
        p, ports = start(a.dir, extra)
        print(json.dumps({**ports, "pid": p.pid}))
        return 0
    ctl = Control(a.control_port, a.dir)
    if a.cmd == "wait":
        deadline = time.monotonic() + 60
        while True:
            try:
                out = ctl.call("/healthz")
                break
            except ControlError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    elif a.cmd == "stop":
        pid = None
        if a.dir:
            with open(os.path.join(a.dir, "ports.json")) as f:
                pid = json.load(f).get("pid")
        out = ctl.call("/shutdown", {})
        for _ in range(100):
            if pid is None or not os.path.exists(f"/proc/{pid}") or _zombie(pid):
                break
            time.sleep(0.1)
    elif a.cmd == "add":
        if a.kind in ("node", "namespace") and a.name is None:
            a.name = a.namespace
        out = ctl.call(f"/objects?mode={a.mode}", {"items": [_build(a)]})
    elif a.cmd == "apply":
        with open(a.file) as f:
            data = json.load(f)
        out = ctl.call("/objects", data if isinstance(data, dict) and "items" in data else {"items": data if isinstance(data, list) else [data]})
    elif a.cmd == "delete":
        out = ctl.call("/delete", {"resource": a.resource, "namespace": None if a.namespace == "-" else a.namespace, "name": a.name})
    elif a.cmd == "generate":
        out = ctl.call("/generate", {"pods": a.pods, "nodes": a.nodes, "namespaces": a.namespaces,
                                     "per_workload": a.per_workload, "services": not a.no_services, "prefix": a.prefix})  # fmt: skip
    elif a.cmd == "fault":
        out = ctl.call("/fault", _fault_body(a.what, a.args))
    elif a.cmd == "churn":
        out = ctl.call("/churn", {"rate": a.rate, "resource": a.resource, "mode": a.mode})
    elif a.cmd == "compact":
        out = ctl.call("/compact", {})
    elif a.cmd == "state":
        out = ctl.call("/state" + (f"?resource={a.resource}" if a.resource else ""))
    elif a.cmd == "stats":
        out = ctl.call("/stats")
    elif a.cmd == "requests":
        out = ctl.call(f"/requests?since={a.since}")
    elif a.cmd == "rotate":
        out = ctl.call("/rotate", {"revoke_old": a.revoke_old})
    elif a.cmd == "token":
        out = ctl.call("/token", {"token": a.token, "user": a.user})
    print(json.dumps(out))
    return 0


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ControlError as e:
        print(f"ctl: {e}", file=sys.stderr)
        sys.exit(1)
