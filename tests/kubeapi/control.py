# SPDX-License-Identifier: BSD-2-Clause
"""The control port of the test API server (plain HTTP on 127.0.0.1): tests
change objects and set faults here; every change reaches open watches as
the events the real server would send. README.md lists the endpoints."""

import copy
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import objects
from resources import BY_KIND, BY_PLURAL
from store import StoreError


class Churn:
    """rate changes per second to the objects of one resource: "modify"
    bumps an annotation (MODIFIED), "replace" deletes an object and
    creates it again with a new uid (DELETED + ADDED)."""

    def __init__(self, app, rate, plural="pods", mode="modify"):
        self.app, self.rate, self.plural, self.mode = app, float(rate), plural, mode
        self.done = threading.Event()
        self.changes = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self):
        self.done.set()
        self.thread.join(5)

    def _run(self):
        store = self.app.store
        start = time.monotonic()
        i = 0
        objs, listed = [], 0.0
        while not self.done.wait(0.02):
            due = int((time.monotonic() - start) * self.rate) - self.changes
            if due <= 0:
                continue
            if time.monotonic() - listed > 1.0:  # sorting 20 000 pods 50 times a second would cost
                objs, listed = store.all_objects(self.plural), time.monotonic()
            if not objs:
                continue
            batch = []
            for _ in range(due):
                o = objs[i % len(objs)]
                i += 1
                batch.append(o)
            if self.mode == "replace":
                for o in batch:
                    md = o["metadata"]
                    try:
                        store.delete(self.plural, md.get("namespace"), md["name"])
                    except StoreError:
                        continue
                    new = copy.deepcopy(o)
                    for k in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp"):
                        new["metadata"].pop(k, None)
                    store.put(new)
            else:
                upd = []
                for o in batch:
                    o = store.get(self.plural, o["metadata"].get("namespace"), o["metadata"]["name"])
                    if o is None:
                        continue
                    new = dict(o)
                    md = dict(o["metadata"])
                    ann = dict(md.get("annotations") or {})
                    ann["flightrec.test/churn"] = str(self.changes + len(upd))
                    md["annotations"] = ann
                    new["metadata"] = md
                    upd.append(new)
                store.put_many(upd)
            self.changes += due


def _obj_key(body):
    """(plural, namespace, name) from {"resource"|"kind", "namespace",
    "name"} or from an object."""
    md = body.get("metadata") if isinstance(body.get("metadata"), dict) else body
    plural = body.get("resource")
    if not plural and body.get("kind") in BY_KIND:
        plural = BY_KIND[body["kind"]].plural
    if plural not in BY_PLURAL:
        raise StoreError(400, "BadRequest", f"unknown resource {plural!r}")
    return plural, md.get("namespace"), md.get("name", "")


class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60

    def log_message(self, fmt, *args):
        if self.server.app.verbose:
            super().log_message(fmt, *args)

    def reply(self, code, obj):
        body = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        app = self.server.app
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/healthz":
            return self.reply(200, {"ok": True})
        if url.path == "/state":
            plural = q.get("resource")
            if plural and plural not in BY_PLURAL:
                return self.reply(400, {"error": f"unknown resource {plural}"})
            return self.reply(200, {"kind": "List", "apiVersion": "v1", "items": app.store.all_objects(plural)})
        if url.path == "/stats":
            with app.lock:
                watches = len(app.watches)
                seq = app.request_seq
            with app.store.lock:
                rv, oldest = app.store.rv, app.store.log_first - 1
            return self.reply(
                200,
                {
                    "resourceVersion": rv,
                    "oldestResourceVersion": oldest,
                    "watches": watches,
                    "requests": seq,
                    "up": app.api is not None,
                    "counts": app.store.counts(),
                    "faults": app.faults.describe(),
                    "churn": app.churn.changes if app.churn else 0,
                },
            )
        if url.path == "/requests":
            since = int(q.get("since", "0"))
            with app.lock:
                recs = [r for r in app.requests if r["seq"] > since]
            return self.reply(200, {"requests": recs})
        self.reply(404, {"error": "no such endpoint"})

    def do_POST(self):
        app = self.server.app
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        try:
            n = int(self.headers.get("Content-Length", "0") or 0)
            body = json.loads(self.rfile.read(n) or b"{}") if n else {}
        except ValueError as e:
            return self.reply(400, {"error": f"bad JSON: {e}"})
        try:
            out = self._post(app, url.path, q, body)
        except StoreError as e:
            return self.reply(e.code, {"error": e.message, "reason": e.reason})
        except (KeyError, TypeError, ValueError) as e:
            return self.reply(400, {"error": f"bad request: {e!r}"})
        if out is None:
            return self.reply(404, {"error": "no such endpoint"})
        self.reply(200, out)

    def _post(self, app, path, q, body):
        store = app.store
        if path == "/objects":
            mode = q.get("mode", "upsert")
            items = body.get("items") if isinstance(body, dict) and "items" in body else [body]
            if isinstance(body, list):
                items = body
            if mode == "upsert" and len(items) > 1:
                return {"items": store.put_many(items)}
            return {"items": [store.put(o, mode) for o in items]}
        if path == "/delete":
            items = body if isinstance(body, list) else [body]
            return {"items": [store.delete(*_obj_key(o)) for o in items]}
        if path == "/generate":
            t0 = time.monotonic()
            objs = objects.generate(
                int(body.get("pods", 0)),
                int(body.get("nodes", 10)),
                int(body.get("namespaces", 10)),
                int(body.get("per_workload", 10)),
                bool(body.get("services", True)),
                str(body.get("prefix", "gen")),
            )
            store.put_many(objs)
            return {"objects": len(objs), "seconds": round(time.monotonic() - t0, 3), "resourceVersion": store.rv}
        if path == "/compact":
            store.compact()
            return {"oldestResourceVersion": store.oldest_rv()}
        if path == "/churn":
            if app.churn:
                app.churn.stop()
                app.churn = None
            rate = float(body.get("rate", 0))
            if rate > 0:
                app.churn = Churn(app, rate, body.get("resource", "pods"), body.get("mode", "modify"))
            return {"rate": rate}
        if path == "/fault":
            return self._fault(app, body)
        if path == "/rotate":
            return {"token": app.rotate_token(bool(body.get("revoke_old", False)))}
        if path == "/revoke":
            return {"revoked": app.tokens.pop(str(body["token"]), None) is not None}
        if path == "/token":
            app.tokens[str(body["token"])] = str(body.get("user", "system:serviceaccount:flightrec:other"))
            return {"tokens": len(app.tokens)}
        if path == "/shutdown":
            app.stopping.set()
            return {"stopping": True}
        return None

    def _fault(self, app, body):
        f = app.faults
        out = {}
        if body.get("clear"):
            f.clear()
        if "down" in body:
            if body["down"]:
                app.api_down()
            else:
                out["port"] = app.api_up()
        if body.get("kill_watches"):
            out["killed"] = app.kill_watches()
        if body.get("gone_mid"):
            out["gone_mid"] = app.kill_watches(gone=True)
        with f.lock:
            if "gone" in body:
                f.gone_next = int(body["gone"])
            if "gone_http" in body:
                f.gone_http = int(body["gone_http"])
            if "unauthorized" in body:
                f.unauthorized = bool(body["unauthorized"])
            if "forbid" in body:
                f.forbid = {(str(p), str(v)) for p, v in body["forbid"]}
            if "malformed" in body:
                m = body["malformed"]
                key = (m.get("where", "list"), m.get("resource", "*"))
                f.malformed[key] = f.malformed.get(key, 0) + int(m.get("count", 1))
            if "delay" in body:
                f.delay = float(body["delay"])
        out["faults"] = f.describe()
        return out
