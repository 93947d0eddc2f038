#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The test API server's protocol details and faults, which kubectl does
not reach: pages of 20 000 pods, continue tokens that expire, watches that
resume, end, get 410 or are cut, selectors, the control port's faults. The
client is Python's own http.client over TLS with the server's CA."""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from ctl import Control, start  # noqa: E402
import objects  # noqa: E402

GUARD = 60  # seconds: a hang guard, never an assertion on speed


class Server:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="kubeapi-")
        self.proc, self.ports = start(self.dir, list(args))
        self.ctl = Control(self.ports["control"])
        self.token = _read(os.path.join(self.dir, "token")).strip()
        self.ssl = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.crt"))

    def conn(self):
        return http.client.HTTPSConnection("127.0.0.1", self.ports["api"], context=self.ssl, timeout=GUARD)

    def request(self, path, token=True, accept="application/json", **params):
        if params:
            path += "?" + urllib.parse.urlencode(params)
        c = self.conn()
        hdrs = {"Accept": accept}
        if token:
            hdrs["Authorization"] = "Bearer " + (self.token if token is True else token)
        c.request("GET", path, headers=hdrs)
        return c, c.getresponse()

    def get(self, path, **kw):
        c, r = self.request(path, **kw)
        body = r.read()
        c.close()
        return r.status, json.loads(body)

    def stop(self):
        try:
            self.ctl.call("/shutdown", {})
            self.proc.wait(GUARD)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Cut(Exception):
    """The stream ended without its closing chunk."""


class Watch:
    """One watch stream, read an event at a time; the chunked encoding is
    decoded here, so a stream cut without its closing chunk (Cut) differs
    from one that ended (None)."""

    def __init__(self, srv, path, **params):
        params.setdefault("watch", "1")
        self.conn, self.resp = srv.request(path, **params)
        self.status = self.resp.status
        self.fp = self.resp.fp
        self.buf = b""
        self.ended = False

    def _chunk(self):
        line = self.fp.readline()
        if not line.endswith(b"\r\n"):
            raise Cut(f"chunk size line {line!r}")
        size = int(line.split(b";")[0], 16)
        data = self.fp.read(size + 2)
        if len(data) != size + 2 or not data.endswith(b"\r\n"):
            raise Cut("chunk shorter than its size")
        return data[:-2]

    def next(self):
        while b"\n" not in self.buf:
            if self.ended:
                return None
            data = self._chunk()
            if not data:
                self.ended = True
                continue
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def until(self, pred):
        while True:
            ev = self.next()
            if ev is None or pred(ev):
                return ev

    def close(self):
        self.conn.close()


def _read(path):
    with open(path) as f:
        return f.read()


def add_pod(ctl, ns, name, **kw):
    kw.setdefault("ip", "10.0.0.1")
    return ctl.put(objects.pod(ns, name, **kw))[0]


class Basics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server("--bookmark-interval", "0.3", "--history", "50")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def setUp(self):
        self.s.ctl.fault(clear=True, forbid=[])

    def test_auth(self):
        code, st = self.s.get("/api/v1/pods", token=False)
        self.assertEqual((code, st["kind"], st["reason"], st["code"]), (401, "Status", "Unauthorized", 401))
        code, st = self.s.get("/api", token="wrong")
        self.assertEqual(code, 401)
        self.s.ctl.fault(forbid=[["services", "watch"]])
        self.assertEqual(self.s.get("/api/v1/services")[0], 200)
        code, st = self.s.get("/api/v1/namespaces/shop/services", watch="1")
        self.assertEqual((code, st["reason"], st["details"]["kind"]), (403, "Forbidden", "services"))
        self.assertIn('cannot watch resource "services" in API group "" in the namespace "shop"', st["message"])
        self.s.ctl.fault(forbid=[["endpointslices", "*"]])
        code, st = self.s.get("/apis/discovery.k8s.io/v1/endpointslices")
        self.assertEqual((code, st["details"]["group"]), (403, "discovery.k8s.io"))
        self.s.ctl.fault(unauthorized=True)
        self.assertEqual(self.s.get("/version")[0], 401)

    def test_discovery(self):
        code, v = self.s.get("/apis")
        names = {g["name"] for g in v["groups"]}
        self.assertEqual(names, {"apps", "batch", "discovery.k8s.io"})
        code, v = self.s.get("/apis/apps/v1")
        self.assertIn("replicasets", {r["name"] for r in v["resources"]})
        self.assertEqual(self.s.get("/apis/apps/v2")[0], 404)
        self.assertEqual(self.s.get("/api/v1/namespaces/x/nodes")[0], 404)

    def test_selectors_and_get(self):
        ctl = self.s.ctl
        add_pod(ctl, "sel", "a", node="n1", labels={"app": "cart", "tier": "web"})
        add_pod(ctl, "sel", "b", node="n2", labels={"app": "cart"})
        add_pod(ctl, "sel", "c", node="n1", labels={"app": "front"})

        def names(**q):
            code, lst = self.s.get("/api/v1/namespaces/sel/pods", **q)
            self.assertEqual(code, 200, lst)
            return sorted(i["metadata"]["name"] for i in lst["items"])

        self.assertEqual(names(fieldSelector="spec.nodeName=n1"), ["a", "c"])
        self.assertEqual(names(fieldSelector="spec.nodeName!=n1"), ["b"])
        self.assertEqual(names(labelSelector="app=cart"), ["a", "b"])
        self.assertEqual(names(labelSelector="app!=cart"), ["c"])
        self.assertEqual(names(labelSelector="app in (cart,front),!tier"), ["b", "c"])
        self.assertEqual(names(labelSelector="tier", fieldSelector="spec.nodeName=n1"), ["a"])
        self.assertEqual(self.s.get("/api/v1/pods", fieldSelector="spec.bogus=1")[0], 400)
        self.assertEqual(self.s.get("/api/v1/pods", labelSelector="a b c")[0], 400)
        code, lst = self.s.get("/api/v1/namespaces/sel/pods")
        self.assertEqual((lst["kind"], lst["apiVersion"]), ("PodList", "v1"))
        self.assertNotIn("kind", lst["items"][0])  # as the real server's typed lists
        code, p = self.s.get("/api/v1/namespaces/sel/pods/a")
        self.assertEqual((code, p["kind"], p["spec"]["nodeName"]), (200, "Pod", "n1"))
        self.assertRegex(p["status"]["containerStatuses"][0]["containerID"], r"^containerd://[0-9a-f]{64}$")
        code, st = self.s.get("/api/v1/namespaces/sel/pods/zz")
        self.assertEqual((code, st["reason"]), (404, "NotFound"))
        code, t = self.s.get("/api/v1/namespaces/sel/pods", accept="application/json;as=Table;v=v1;g=meta.k8s.io")
        self.assertEqual((t["kind"], len(t["rows"])), ("Table", 3))

    def test_watch_events_bookmarks_timeout(self):
        ctl = self.s.ctl
        code, lst = self.s.get("/api/v1/namespaces/w/pods")
        rv = lst["metadata"]["resourceVersion"]
        w = Watch(self.s, "/api/v1/namespaces/w/pods", resourceVersion=rv, allowWatchBookmarks="true", timeoutSeconds="30")
        self.assertEqual(w.resp.getheader("Transfer-Encoding"), "chunked")
        ctl.put(objects.service("w", "not-a-pod"))
        p = add_pod(ctl, "w", "p1")
        add_pod(ctl, "w", "p1", ip="10.0.0.2")
        ctl.delete("pods", "w", "p1")
        got = []
        while len(got) < 3:
            ev = w.next()
            self.assertIsNotNone(ev)
            if ev["type"] != "BOOKMARK":
                got.append(ev)
        self.assertEqual([e["type"] for e in got], ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual({e["object"]["metadata"]["uid"] for e in got}, {p["metadata"]["uid"]})
        self.assertEqual(got[1]["object"]["status"]["podIP"], "10.0.0.2")
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in got]
        self.assertEqual(rvs, sorted(rvs))
        self.assertEqual((got[0]["object"]["kind"], got[0]["object"]["apiVersion"]), ("Pod", "v1"))
        bm = w.until(lambda e: e["type"] == "BOOKMARK")
        self.assertEqual(bm["object"]["kind"], "Pod")
        self.assertGreaterEqual(int(bm["object"]["metadata"]["resourceVersion"]), rvs[-1])
        w.close()
        # timeoutSeconds ends the stream with its closing chunk
        w = Watch(self.s, "/api/v1/namespaces/w/pods", resourceVersion=str(rvs[-1]), timeoutSeconds="1")
        self.assertIsNone(w.until(lambda e: False))
        w.close()

    def test_watch_without_rv_lists_first(self):
        add_pod(self.s.ctl, "w0", "x")
        add_pod(self.s.ctl, "w0", "y")
        w = Watch(self.s, "/api/v1/namespaces/w0/pods", timeoutSeconds="5")
        evs = [w.next(), w.next()]
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs], [("ADDED", "x"), ("ADDED", "y")])
        w.close()
        w = Watch(self.s, "/api/v1/namespaces/w0/pods", sendInitialEvents="true", allowWatchBookmarks="true",
                  resourceVersionMatch="NotOlderThan", timeoutSeconds="5")  # fmt: skip
        evs = [w.next() for _ in range(3)]
        self.assertEqual([e["type"] for e in evs], ["ADDED", "ADDED", "BOOKMARK"])
        self.assertEqual(evs[2]["object"]["metadata"]["annotations"], {"k8s.io/initial-events-end": "true"})
        w.close()

    def test_selector_moves(self):
        ctl = self.s.ctl
        add_pod(ctl, "mv", "m", labels={"app": "a"})
        w = Watch(self.s, "/api/v1/namespaces/mv/pods", labelSelector="app=a", timeoutSeconds="30")
        self.assertEqual(w.next()["type"], "ADDED")
        add_pod(ctl, "mv", "m", labels={"app": "b"})
        ev = w.next()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["labels"]["app"]), ("DELETED", "a"))
        add_pod(ctl, "mv", "m", labels={"app": "a"})
        self.assertEqual(w.next()["type"], "ADDED")
        w.close()

    def test_gone(self):
        ctl = self.s.ctl
        old = self.s.get("/api/v1/pods")[1]["metadata"]["resourceVersion"]
        for i in range(60):  # history is 50 events
            add_pod(ctl, "gone", f"g{i}")
        w = Watch(self.s, "/api/v1/pods", resourceVersion=old)
        self.assertEqual(w.status, 200)
        ev = w.next()
        self.assertEqual((ev["type"], ev["object"]["code"], ev["object"]["reason"]), ("ERROR", 410, "Expired"))
        self.assertRegex(ev["object"]["message"], r"^too old resource version: \d+ \(\d+\)$")
        self.assertIsNone(w.next())
        w.close()
        now = self.s.get("/api/v1/pods")[1]["metadata"]["resourceVersion"]
        ctl.fault(gone=1)
        w = Watch(self.s, "/api/v1/pods", resourceVersion=now)
        self.assertEqual(w.next()["object"]["code"], 410)
        w.close()
        w = Watch(self.s, "/api/v1/pods", resourceVersion=now, timeoutSeconds="1")
        self.assertIsNone(w.until(lambda e: e["type"] == "ERROR"))  # only the next one
        w.close()
        ctl.fault(gone_http=1)
        code, st = self.s.get("/api/v1/pods", watch="1", resourceVersion=now)
        self.assertEqual((code, st["reason"]), (410, "Expired"))
        # mid-stream: an open watch gets the ERROR and ends
        w = Watch(self.s, "/api/v1/pods", resourceVersion=now)
        add_pod(ctl, "gone", "mid")
        self.assertEqual(w.next()["type"], "ADDED")
        ctl.fault(gone_mid=True)
        self.assertEqual(w.next()["object"]["code"], 410)
        self.assertIsNone(w.next())
        w.close()

    def test_continue_expires(self):
        ctl = self.s.ctl
        for i in range(5):
            add_pod(ctl, "cont", f"c{i}")
        code, lst = self.s.get("/api/v1/namespaces/cont/pods", limit="2")
        self.assertEqual((len(lst["items"]), lst["metadata"]["remainingItemCount"]), (2, 3))
        tok = lst["metadata"]["continue"]
        add_pod(ctl, "cont", "c9")  # a page comes from the list's snapshot
        code, p2 = self.s.get("/api/v1/namespaces/cont/pods", limit="2", **{"continue": tok})
        self.assertEqual(p2["metadata"]["resourceVersion"], lst["metadata"]["resourceVersion"])
        code, p3 = self.s.get("/api/v1/namespaces/cont/pods", limit="2", **{"continue": p2["metadata"]["continue"]})
        self.assertEqual([i["metadata"]["name"] for i in lst["items"] + p2["items"] + p3["items"]], [f"c{i}" for i in range(5)])
        self.assertNotIn("continue", p3["metadata"])
        ctl.call("/compact", {})
        code, st = self.s.get("/api/v1/namespaces/cont/pods", limit="2", **{"continue": tok})
        self.assertEqual((code, st["reason"]), (410, "Expired"))

    def test_malformed(self):
        ctl = self.s.ctl
        add_pod(ctl, "bad", "b")
        ctl.fault(malformed={"where": "list", "resource": "pods", "count": 1})
        c, r = self.s.request("/api/v1/namespaces/bad/pods")
        with self.assertRaises(ValueError):
            json.loads(r.read())
        c.close()
        self.assertEqual(self.s.get("/api/v1/namespaces/bad/pods")[0], 200)  # once
        ctl.fault(malformed={"where": "watch", "resource": "pods", "count": 1})
        w = Watch(self.s, "/api/v1/namespaces/bad/pods")
        with self.assertRaises(ValueError):
            w.next()
        w.close()

    def test_kill_watches(self):
        w = Watch(self.s, "/api/v1/namespaces/kill/pods", resourceVersion="0")
        deadline = time.monotonic() + GUARD
        while self.s.ctl.stats()["watches"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(self.s.ctl.fault(kill_watches=True)["killed"], 1)
        with self.assertRaises((Cut, ConnectionError, ssl.SSLError)):
            w.next()
        w.close()

    def test_delay_chunks(self):
        for i in range(30):
            add_pod(self.s.ctl, "slow", f"s{i}", labels={"pad": "x" * 60})
        self.s.ctl.fault(delay=0.05)
        c, r = self.s.request("/api/v1/namespaces/slow/pods")
        self.assertEqual(r.getheader("Transfer-Encoding"), "chunked")
        self.assertEqual(len(json.loads(r.read())["items"]), 30)
        c.close()

    def test_down_up(self):
        port = self.s.ports["api"]
        self.s.ctl.fault(down=True)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=GUARD)
        self.assertEqual(self.s.ctl.fault(down=False)["port"], port)
        self.assertEqual(self.s.get("/version")[0], 200)


class Large(unittest.TestCase):
    def test_20000_pods_in_pages_and_churn(self):
        s = Server("--bookmark-interval", "60")
        try:
            t0 = time.monotonic()
            out = s.ctl.call("/generate", {"pods": 20000})
            print(f"\ngenerate 20000 pods: {out['objects']} objects in {out['seconds']} s", file=sys.stderr)
            t0 = time.monotonic()
            seen, cont, rv, pages = [], "", None, 0
            while True:
                q = {"limit": "500", **({"continue": cont} if cont else {})}
                code, lst = s.get("/api/v1/pods", **q)
                self.assertEqual(code, 200)
                rv = rv or lst["metadata"]["resourceVersion"]
                self.assertEqual(lst["metadata"]["resourceVersion"], rv)
                seen += [i["metadata"]["uid"] for i in lst["items"]]
                pages += 1
                cont = lst["metadata"].get("continue", "")
                if not cont:
                    break
            print(f"list 20000 pods in {pages} pages: {time.monotonic() - t0:.2f} s", file=sys.stderr)
            want = {p["metadata"]["uid"] for p in s.ctl.state("pods")}
            self.assertEqual((len(seen), set(seen)), (20000, want))
            code, node = s.get("/api/v1/pods", fieldSelector="spec.nodeName=gen-node-3")
            self.assertEqual(len(node["items"]), 2000)
            self.assertEqual(len(s.ctl.state("endpointslices")), 2000)
            # churn: modified pods arrive with consecutive counters
            w = Watch(s, "/api/v1/pods", resourceVersion=rv)
            s.ctl.call("/churn", {"rate": 500})
            marks = []
            while len(marks) < 1000:
                ev = w.next()
                self.assertEqual(ev["type"], "MODIFIED")
                marks.append(int(ev["object"]["metadata"]["annotations"]["flightrec.test/churn"]))
            s.ctl.call("/churn", {"rate": 0})
            self.assertEqual(marks, list(range(1000)))
            w.close()
        finally:
            s.stop()


class Lifecycle(unittest.TestCase):
    def test_state_file_restart_and_sigterm(self):
        s = Server()
        try:
            ns = s.ctl.put(objects.namespace("keep"))[0]
            p = add_pod(s.ctl, "keep", "p", ip="10.1.2.3")
            state = os.path.join(s.dir, "state.json")
            with open(state, "w") as f:
                json.dump(s.ctl.call("/state"), f)
            ca = _read(os.path.join(s.dir, "ca.crt"))
            w = Watch(s, "/api/v1/pods")
            s.proc.send_signal(signal.SIGTERM)
            self.assertEqual(s.proc.wait(GUARD), 0)
            w.close()
            proc, ports = start(s.dir, ["--state", state])
            s.proc, s.ports, s.ctl = proc, ports, Control(ports["control"])
            self.assertEqual(_read(os.path.join(s.dir, "ca.crt")), ca)
            code, got = s.get("/api/v1/namespaces/keep/pods/p")  # the same token works
            self.assertEqual((code, got["metadata"]["uid"], got["status"]["podIP"]), (200, p["metadata"]["uid"], "10.1.2.3"))
            self.assertEqual(s.get("/api/v1/namespaces/keep")[1]["metadata"]["uid"], ns["metadata"]["uid"])
            # resourceVersions go on after the file's; a watch from before the restart gets 410
            rv = int(s.get("/api/v1/pods")[1]["metadata"]["resourceVersion"])
            self.assertGreaterEqual(rv, int(p["metadata"]["resourceVersion"]))
            w = Watch(s, "/api/v1/pods", resourceVersion=p["metadata"]["resourceVersion"])
            self.assertEqual(w.next()["object"]["code"], 410)
            w.close()
            w = Watch(s, "/api/v1/pods", resourceVersion=str(rv), timeoutSeconds="1")
            self.assertIsNone(w.next())
            w.close()
        finally:
            s.stop()

    def test_token_rotation(self):
        s = Server()
        try:
            old = s.token
            new = s.ctl.call("/rotate", {})["token"]
            self.assertEqual(_read(os.path.join(s.dir, "token")).strip(), new)
            self.assertEqual(s.get("/version", token=old)[0], 200)
            self.assertEqual(s.get("/version", token=new)[0], 200)
            newer = s.ctl.call("/rotate", {"revoke_old": True})["token"]
            self.assertEqual(s.get("/version", token=new)[0], 401)
            self.assertEqual(s.get("/version", token=old)[0], 200)  # revoke_old: only the one just replaced
            self.assertEqual(s.get("/version", token=newer)[0], 200)
            self.assertTrue(s.ctl.call("/revoke", {"token": old})["revoked"])
            self.assertEqual(s.get("/version", token=old)[0], 401)
        finally:
            s.stop()

    def test_exit_with(self):
        import subprocess

        sleeper = subprocess.Popen(["sleep", "600"])
        s = Server("--exit-with", str(sleeper.pid))
        try:
            sleeper.kill()
            sleeper.wait()
            self.assertEqual(s.proc.wait(GUARD), 0)
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
