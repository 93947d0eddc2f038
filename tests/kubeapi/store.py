# SPDX-License-Identifier: BSD-2-Clause
"""The object store of the test API server: one resourceVersion counter for
all resources (as etcd has), an event history that is compacted (a watch
from before it gets 410 Gone), and list snapshots for `continue` tokens.

Stored objects are never mutated: an update replaces the dict, so events and
snapshots can share them without copies.
"""

import base64
import copy
import datetime
import json
import threading
import uuid

from resources import BY_PLURAL, resource_of


class StoreError(Exception):
    def __init__(self, code, reason, message):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


EXPIRED_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter, or use the continue token "
    "in this response to retrieve the remainder of the results."
)


class Event:
    __slots__ = ("rv", "plural", "type", "obj", "old")

    def __init__(self, rv, plural, etype, obj, old):
        self.rv = rv
        self.plural = plural
        self.type = etype
        self.obj = obj
        self.old = old


class Store:
    def __init__(self, history=100000, initial_rv=1000, snapshots=16):
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.objects = {p: {} for p in BY_PLURAL}  # plural -> {(ns, name): obj}
        self.rv = initial_rv
        self.history = history  # events kept for watches (up to 1/8 more)
        self.log = []  # events with rv log_first .. self.rv, contiguous
        self.log_first = initial_rv + 1
        self.snapshots = {}  # id -> sorted [obj], for continue tokens
        self.snapshot_id = 0
        self.max_snapshots = snapshots
        self.generation = 0  # bumped to make every open watch re-check faults

    # ---- writes -----------------------------------------------------------

    @staticmethod
    def _key(res, obj):
        md = obj.get("metadata", {}) if isinstance(obj.get("metadata"), dict) else {}
        return ((md.get("namespace") or "default") if res.namespaced else "", md.get("name", ""))

    def _prepare(self, res, obj, old):
        obj = copy.deepcopy(obj)
        obj["kind"] = res.kind
        obj["apiVersion"] = res.api_version
        md = obj.setdefault("metadata", {})
        if not md.get("name"):
            raise StoreError(422, "Invalid", f"{res.kind} has no metadata.name")
        if res.namespaced:
            md.setdefault("namespace", "default")
        else:
            md.pop("namespace", None)
        if old is not None:
            omd = old["metadata"]
            md.setdefault("uid", omd["uid"])
            md.setdefault("creationTimestamp", omd["creationTimestamp"])
        md.setdefault("uid", str(uuid.uuid4()))
        md.setdefault("creationTimestamp", now_rfc3339())
        return obj

    def _append(self, plural, etype, obj, old):
        """Under the lock: new resourceVersion, event, compaction."""
        self.rv += 1
        if obj is not None:
            obj["metadata"]["resourceVersion"] = str(self.rv)
        self.log.append(Event(self.rv, plural, etype, obj, old))
        # trimmed in batches of history/8: dropping one event from the front
        # of 100 000 at every change would move the whole list each time
        if len(self.log) > self.history + self.history // 8:
            drop = len(self.log) - self.history
            del self.log[:drop]
            self.log_first += drop

    def put(self, obj, mode="upsert"):
        """Creates or replaces obj (mode create|update|upsert); returns the
        stored object."""
        res = resource_of(obj)
        if res is None:
            raise StoreError(400, "BadRequest", f"unknown kind {obj.get('kind')!r}")
        with self.cond:
            key = self._key(res, obj)
            old = self.objects[res.plural].get(key)
            if mode == "create" and old is not None:
                raise StoreError(409, "AlreadyExists", f'{res.plural} "{key[1]}" already exists')
            if mode == "update" and old is None:
                raise StoreError(404, "NotFound", f'{res.plural} "{key[1]}" not found')
            new = self._prepare(res, obj, old)
            self._append(res.plural, "ADDED" if old is None else "MODIFIED", new, old)
            self.objects[res.plural][key] = new
            self.cond.notify_all()
            return new

    def put_many(self, objs):
        """Bulk create/replace under one lock hold (20 000 pods in one go)."""
        out = []
        with self.cond:
            for obj in objs:
                res = resource_of(obj)
                if res is None:
                    raise StoreError(400, "BadRequest", f"unknown kind {obj.get('kind')!r}")
                key = self._key(res, obj)
                old = self.objects[res.plural].get(key)
                new = self._prepare(res, obj, old)
                self._append(res.plural, "ADDED" if old is None else "MODIFIED", new, old)
                self.objects[res.plural][key] = new
                out.append(new)
            self.cond.notify_all()
        return out

    def delete(self, plural, namespace, name):
        res = BY_PLURAL.get(plural)
        if res is None:
            raise StoreError(404, "NotFound", f"unknown resource {plural!r}")
        key = ((namespace or "default") if res.namespaced else "", name)
        with self.cond:
            old = self.objects[plural].pop(key, None)
            if old is None:
                raise StoreError(404, "NotFound", f'{plural} "{name}" not found')
            gone = copy.deepcopy(old)
            gone["metadata"]["deletionTimestamp"] = now_rfc3339()
            self._append(plural, "DELETED", gone, old)
            self.cond.notify_all()
            return gone

    def compact(self):
        """Forgets the whole event history: any watch from an older
        resourceVersion now gets 410 Gone."""
        with self.cond:
            self.log_first += len(self.log)
            self.log = []
            self.snapshots.clear()
            self.cond.notify_all()

    def poke(self):
        with self.cond:
            self.generation += 1
            self.cond.notify_all()

    # ---- reads ------------------------------------------------------------

    def get(self, plural, namespace, name):
        res = BY_PLURAL[plural]
        key = ((namespace or "default") if res.namespaced else "", name)
        with self.lock:
            return self.objects[plural].get(key)

    def all_objects(self, plural=None):
        with self.lock:
            plurals = [plural] if plural else list(self.objects)
            return [o for p in plurals for _, o in sorted(self.objects[p].items())]

    def counts(self):
        with self.lock:
            return {p: len(v) for p, v in self.objects.items()}

    def list(self, plural, flt, limit=0, cont=""):
        """(items, resourceVersion, continue token, remaining) as the real
        server pages: a consistent snapshot per list, kept while the
        history covers it; an expired token raises 410."""
        if cont:
            try:
                tok = json.loads(base64.urlsafe_b64decode(cont.encode() + b"=="))
                rv, start, sid = int(tok["rv"]), int(tok["start"]), int(tok["id"])
            except (ValueError, KeyError, TypeError):
                raise StoreError(400, "BadRequest", "invalid continue token")
            with self.lock:
                snap = self.snapshots.get(sid)
                if snap is None or rv < self.log_first - 1:
                    raise StoreError(410, "Expired", EXPIRED_CONTINUE)
        else:
            with self.lock:
                rv = self.rv
                snap = [o for _, o in sorted(self.objects[plural].items()) if flt.match(o)]
                self.snapshot_id += 1
                sid = self.snapshot_id
                if limit and len(snap) > limit:
                    self.snapshots[sid] = snap
                    while len(self.snapshots) > self.max_snapshots:
                        self.snapshots.pop(next(iter(self.snapshots)))
            start = 0
        if not limit or start + limit >= len(snap):
            return snap[start:], rv, "", 0
        end = start + limit
        tok = {"rv": rv, "start": end, "id": sid}
        token = base64.urlsafe_b64encode(json.dumps(tok).encode()).decode().rstrip("=")
        return snap[start:end], rv, token, len(snap) - end

    def events_since(self, rv):
        """Events after rv, or None when rv is older than the history."""
        with self.lock:
            return self._events_since_locked(rv)

    def _events_since_locked(self, rv):
        if rv < self.log_first - 1:
            return None
        i = rv - self.log_first + 1
        return self.log[max(i, 0):]

    def oldest_rv(self):
        with self.lock:
            return self.log_first - 1

