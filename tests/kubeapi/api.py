# SPDX-License-Identifier: BSD-2-Clause
"""The Kubernetes API side of the test server: discovery, get, list (with
pages and selectors), watch (chunked, one JSON event per line, bookmarks,
410 Gone), bearer tokens (401/403 with Status bodies), and the faults the
control channel sets."""

import json
import socket
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import tables
from resources import BY_PLURAL, RESOURCES, Filter, SelectorError, groups
from store import StoreError

VERSION = {
    "major": "1",
    "minor": "29",
    "gitVersion": "v1.29.0-flightrec-test",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-01-01T00:00:00Z",
    "goVersion": "go1.21.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def status(code, reason, message, details=None):
    st = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        st["details"] = details
    return st


def gone_status(rv, oldest):
    return status(410, "Expired", f"too old resource version: {rv} ({oldest + 1})")


class WatchEnded(Exception):
    """The stream is to be cut without its closing chunk (a killed watch)."""


class ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "flightrec-test-apiserver"

    def log_message(self, fmt, *args):  # quiet; the request log is kept
        if self.server.app.verbose:
            super().log_message(fmt, *args)

    # ---- plumbing ---------------------------------------------------------

    def _note(self, code, verb="", plural=""):
        self.server.app.note_request(
            {
                "method": self.command,
                "path": self.path,
                "verb": verb,
                "resource": plural,
                "code": code,
                "time": time.time(),
            }
        )

    def send_json(self, code, obj, verb="", plural="", raw=None):
        body = raw if raw is not None else json.dumps(obj, separators=(",", ":")).encode()
        delay = self.server.app.faults.delay
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        if delay > 0 and len(body) > 0:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = 16384
            for i in range(0, len(body), step):
                time.sleep(delay)
                self._chunk(body[i : i + step])
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        self._note(code, verb, plural)

    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def send_status(self, st, verb="", plural=""):
        self.send_json(st["code"], st, verb, plural)

    # ---- entry ------------------------------------------------------------

    def do_GET(self):
        app = self.server.app
        url = urllib.parse.urlsplit(self.path)
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        parts = [p for p in url.path.split("/") if p]
        user = self._authenticate()
        if user is None:
            return self.send_status(status(401, "Unauthorized", "Unauthorized"))
        try:
            self._route(parts, params, user)
        except StoreError as e:
            self.send_status(status(e.code, e.reason, e.message))
        except SelectorError as e:
            self.send_status(status(400, "BadRequest", str(e)))
        except WatchEnded:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            self.close_connection = True
        finally:
            app.faults.count_request()

    def do_POST(self):
        self._refuse_write()

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _refuse_write(self):
        if self._authenticate() is None:
            return self.send_status(status(401, "Unauthorized", "Unauthorized"))
        self.send_status(status(405, "MethodNotAllowed", "the test API server is read-only; use its control port"))

    def _authenticate(self):
        app = self.server.app
        if app.faults.unauthorized:
            return None
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        return app.tokens.get(auth[len("Bearer ") :].strip())

    def _route(self, parts, params, user):
        if parts == ["version"]:
            return self.send_json(200, VERSION)
        if parts == ["api"]:
            return self.send_json(
                200,
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [
                        {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.server.server_address[1]}"}
                    ],
                },
            )
        if parts == ["apis"]:
            return self.send_json(
                200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(g, v) for g, v in groups().items()]}
            )
        if len(parts) >= 2 and parts[0] == "api" and parts[1] == "v1":
            return self._resources("", "v1", parts[2:], params, user)
        if len(parts) == 2 and parts[0] == "apis" and parts[1] in groups():
            return self.send_json(200, {"kind": "APIGroup", "apiVersion": "v1", **_group(parts[1], groups()[parts[1]])})
        if len(parts) >= 3 and parts[0] == "apis" and parts[2] in groups().get(parts[1], []):
            return self._resources(parts[1], parts[2], parts[3:], params, user)
        self.send_status(status(404, "NotFound", "the server could not find the requested resource"))

    def _resources(self, group, version, rest, params, user):
        gv = f"{group}/{version}" if group else version
        served = [r for r in RESOURCES if r.group == group and r.version == version]
        if not rest:
            return self.send_json(
                200,
                {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [r.discovery() for r in served]},
            )
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        res = BY_PLURAL.get(rest[0])
        if res is None or res not in served or (ns is not None and not res.namespaced) or len(rest) > 2:
            return self.send_status(status(404, "NotFound", "the server could not find the requested resource"))
        name = rest[1] if len(rest) == 2 else None
        watch = params.get("watch") in ("1", "true", "True")
        verb = "get" if name else ("watch" if watch else "list")
        if not self._authorized(user, res, verb, ns, name):
            return
        if name and not watch:
            obj = self.server.app.store.get(res.plural, ns, name)
            if obj is None:
                return self.send_status(
                    status(404, "NotFound", f'{res.plural} "{name}" not found', {"name": name, "kind": res.plural}),
                    verb,
                    res.plural,
                )
            return self._send_objects(res, [obj], params, single=True)
        fs = params.get("fieldSelector", "")
        if name:
            fs = ",".join(x for x in (fs, f"metadata.name={name}") if x)
        flt = Filter(ns, params.get("labelSelector", ""), fs, res.plural)
        if watch:
            return self._watch(res, flt, params)
        return self._list(res, flt, params)

    def _authorized(self, user, res, verb, ns, name):
        forbid = self.server.app.faults.forbid
        if (res.plural, verb) not in forbid and (res.plural, "*") not in forbid:
            return True
        what = f'{res.plural} "{name}"' if name else res.plural
        scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
        msg = f'{what} is forbidden: User "{user}" cannot {verb} resource "{res.plural}" in API group "{res.group}" {scope}'
        details = {"kind": res.plural, **({"group": res.group} if res.group else {}), **({"name": name} if name else {})}
        self.send_status(status(403, "Forbidden", msg, details), verb, res.plural)
        return False

    # ---- get / list -------------------------------------------------------

    def _send_objects(self, res, objs, params, single=False, meta=None, verb="get"):
        tv = tables.wants_table(self.headers.get("Accept"))
        if tv:
            body = tables.table(res.plural, objs, tv, params.get("includeObject", "Metadata"), meta)
        elif single:
            body = objs[0]
        else:
            # a typed list's items carry no kind/apiVersion on the real server
            items = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in objs]
            body = {"kind": res.list_kind, "apiVersion": res.api_version, "metadata": meta, "items": items}
        raw = json.dumps(body, separators=(",", ":")).encode()
        if self.server.app.faults.take_malformed("list", res.plural):
            raw = raw[: max(len(raw) // 2, 1)] + b'{"broken'
        self.send_json(200, None, verb, res.plural, raw=raw)

    def _list(self, res, flt, params):
        try:
            limit = int(params.get("limit", "0") or 0)
        except ValueError:
            return self.send_status(status(400, "BadRequest", "limit must be an integer"))
        items, rv, cont, remaining = self.server.app.store.list(res.plural, flt, max(limit, 0), params.get("continue", ""))
        meta = {"resourceVersion": str(rv)}
        if cont:
            meta["continue"] = cont
            meta["remainingItemCount"] = remaining
        self._send_objects(res, items, params, meta=meta, verb="list")

    # ---- watch ------------------------------------------------------------

    def _event_line(self, etype, obj, res, table_version, params):
        if table_version and etype != "ERROR" and etype != "BOOKMARK":
            obj = tables.table(res.plural, [obj], table_version, params.get("includeObject", "Metadata"), {"resourceVersion": obj["metadata"].get("resourceVersion", "")})
        return json.dumps({"type": etype, "object": obj}, separators=(",", ":")).encode() + b"\n"

    def _watch(self, res, flt, params):
        app = self.server.app
        store = app.store
        faults = app.faults
        try:
            timeout = int(params.get("timeoutSeconds", "") or app.watch_timeout)
        except ValueError:
            timeout = app.watch_timeout
        deadline = time.monotonic() + max(timeout, 0)
        bookmarks = params.get("allowWatchBookmarks") in ("1", "true", "True")
        tv = tables.wants_table(self.headers.get("Accept"))
        rv_param = params.get("resourceVersion", "")

        if faults.take_gone_http():
            return self.send_status(gone_status(rv_param or 0, store.oldest_rv()), "watch", res.plural)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        self._note(200, "watch", res.plural)

        def send(etype, obj):
            if faults.delay > 0:
                time.sleep(faults.delay)
            if faults.take_malformed("watch", res.plural):
                self._chunk(b'{"type":"' + etype.encode() + b'","object":{"kind":' + b"\n")
                return
            self._chunk(self._event_line(etype, obj, res, tv, params))

        def end():
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        token = app.register_watch(self)
        try:
            if faults.take_gone():
                send("ERROR", gone_status(rv_param or 0, store.oldest_rv()))
                return end()
            if rv_param in ("", "0"):
                with store.lock:
                    pos = store.rv
                    initial = [o for p in [res.plural] for _, o in sorted(store.objects[p].items()) if flt.match(o)]
                for o in initial:
                    send("ADDED", o)
                if params.get("sendInitialEvents") == "true" and bookmarks:  # the watch-list protocol
                    send("BOOKMARK", _bookmark(res, pos, {"k8s.io/initial-events-end": "true"}))
            else:
                try:
                    pos = int(rv_param)
                except ValueError:
                    send("ERROR", status(400, "BadRequest", f"invalid resource version: {rv_param}"))
                    return end()
                if store.events_since(pos) is None:
                    send("ERROR", gone_status(pos, store.oldest_rv()))
                    return end()
            last_sent = time.monotonic()
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return end()
                with store.cond:
                    if store.rv <= pos and not token.killed and not token.gone_mid:
                        store.cond.wait(min(deadline - now, app.bookmark_interval, 1.0))
                    evs = store._events_since_locked(pos)
                    head = store.rv
                    oldest = store.log_first - 1
                if token.killed:
                    raise WatchEnded()
                if token.gone_mid:
                    send("ERROR", gone_status(pos, oldest))
                    return end()
                if evs is None:  # compacted while this watch lagged
                    send("ERROR", gone_status(pos, oldest))
                    return end()
                for ev in evs:
                    pos = ev.rv
                    if ev.plural != res.plural:
                        continue
                    etype = _filtered_type(ev, flt)
                    if etype:
                        send(etype, _event_object(ev, etype))
                        last_sent = time.monotonic()
                    if token.killed:
                        raise WatchEnded()
                pos = head  # evs were read under the same lock as head
                if bookmarks and time.monotonic() - last_sent >= app.bookmark_interval:
                    send("BOOKMARK", _bookmark(res, pos))
                    last_sent = time.monotonic()
        finally:
            app.unregister_watch(token)


def _filtered_type(ev, flt):
    """The event a filtered watch sees: an object that moves into the
    selection is ADDED, one that moves out is DELETED, as the real server
    does."""
    if ev.type == "DELETED":
        return "DELETED" if flt.match(ev.old) else None
    new_in = flt.match(ev.obj)
    old_in = ev.old is not None and flt.match(ev.old)
    if ev.type == "ADDED":
        return "ADDED" if new_in else None
    if new_in and old_in:
        return "MODIFIED"
    if new_in:
        return "ADDED"
    if old_in:
        return "DELETED"
    return None


def _bookmark(res, rv, annotations=None):
    md = {"resourceVersion": str(rv)}
    if annotations:
        md["annotations"] = annotations
    return {"kind": res.kind, "apiVersion": res.api_version, "metadata": md}


def _event_object(ev, etype):
    """An object that left the selection is sent as its previous state
    with the event's resourceVersion, as the real watch cache does."""
    if etype != "DELETED" or ev.type == "DELETED":
        return ev.obj
    old = dict(ev.old)
    old["metadata"] = {**ev.old["metadata"], "resourceVersion": str(ev.rv)}
    return old


def _group(name, versions):
    vs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": vs, "preferredVersion": vs[0]}
