# SPDX-License-Identifier: BSD-2-Clause
"""The resources the test API server serves, and the selectors it applies.

Only what flightrec's Kubernetes source reads (and kubectl needs to find
them): the discovery documents are built from this table.
"""

import re


class Resource:
    def __init__(self, group, version, plural, kind, namespaced, short=()):
        self.group = group  # "" for the core group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
        self.short = list(short)

    @property
    def api_version(self):
        return self.version if not self.group else f"{self.group}/{self.version}"

    @property
    def list_kind(self):
        return self.kind + "List"

    def discovery(self):
        return {
            "name": self.plural,
            "singularName": self.kind.lower(),
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": ["get", "list", "watch"],
            **({"shortNames": self.short} if self.short else {}),
        }


RESOURCES = [
    Resource("", "v1", "pods", "Pod", True, ["po"]),
    Resource("", "v1", "services", "Service", True, ["svc"]),
    Resource("", "v1", "nodes", "Node", False, ["no"]),
    Resource("", "v1", "namespaces", "Namespace", False, ["ns"]),
    Resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    Resource("apps", "v1", "replicasets", "ReplicaSet", True, ["rs"]),
    Resource("apps", "v1", "deployments", "Deployment", True, ["deploy"]),
    Resource("apps", "v1", "statefulsets", "StatefulSet", True, ["sts"]),
    Resource("apps", "v1", "daemonsets", "DaemonSet", True, ["ds"]),
    Resource("batch", "v1", "jobs", "Job", True),
    Resource("batch", "v1", "cronjobs", "CronJob", True, ["cj"]),
]

BY_PLURAL = {r.plural: r for r in RESOURCES}
BY_KIND = {r.kind: r for r in RESOURCES}


def groups():
    """{group: [versions]} in a stable order, core group excluded."""
    out = {}
    for r in RESOURCES:
        if r.group:
            out.setdefault(r.group, [])
            if r.version not in out[r.group]:
                out[r.group].append(r.version)
    return out


def resource_of(obj):
    """The Resource an object (with kind) belongs to, or None."""
    return BY_KIND.get(obj.get("kind", "")) if isinstance(obj, dict) else None


# ---- selectors ----------------------------------------------------------


class SelectorError(ValueError):
    pass


def _split_terms(text):
    terms, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        terms.append(cur.strip())
    return terms


_SET_RE = re.compile(r"^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$")
_EQ_RE = re.compile(r"^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$")
_EXISTS_RE = re.compile(r"^(!?)([\w./-]+)$")


def parse_label_selector(text):
    """A list of predicates over a labels dict; raises SelectorError."""
    preds = []
    for term in _split_terms(text or ""):
        m = _SET_RE.match(term)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            if op == "in":
                preds.append(lambda ls, k=key, v=vals: ls.get(k) in v)
            else:
                preds.append(lambda ls, k=key, v=vals: ls.get(k) not in v)
            continue
        m = _EQ_RE.match(term)
        if m:
            key, op, val = m.groups()
            if op == "!=":
                preds.append(lambda ls, k=key, v=val: ls.get(k) != v)
            else:
                preds.append(lambda ls, k=key, v=val: ls.get(k) == v)
            continue
        m = _EXISTS_RE.match(term)
        if m:
            neg, key = m.groups()
            if neg:
                preds.append(lambda ls, k=key: k not in ls)
            else:
                preds.append(lambda ls, k=key: k in ls)
            continue
        raise SelectorError(f"unable to parse requirement: {term!r}")
    return preds


def _field(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    return "" if cur is None else str(cur)


# the fields the real server supports for these resources (a subset)
FIELDS = {
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "status.phase",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.podIP",
}


def parse_field_selector(text, plural):
    preds = []
    for term in _split_terms(text or ""):
        m = re.match(r"^([\w.]+)\s*(==|=|!=)\s*(.*)$", term)
        if not m:
            raise SelectorError(f"invalid field selector: {term!r}")
        path, op, val = m.groups()
        allowed = {"metadata.name", "metadata.namespace"} if plural != "pods" else FIELDS
        if path not in allowed:
            raise SelectorError(f'field label not supported: {path}')
        if op == "!=":
            preds.append(lambda o, p=path, v=val: _field(o, p) != v)
        else:
            preds.append(lambda o, p=path, v=val: _field(o, p) == v)
    return preds


class Filter:
    """Namespace + label selector + field selector of one request."""

    def __init__(self, namespace=None, label_selector="", field_selector="", plural=""):
        self.namespace = namespace
        self.labels = parse_label_selector(label_selector)
        self.fields = parse_field_selector(field_selector, plural)

    def match(self, obj):
        if obj is None:
            return False
        md = obj.get("metadata", {})
        if self.namespace is not None and md.get("namespace") != self.namespace:
            return False
        labels = md.get("labels") or {}
        return all(p(labels) for p in self.labels) and all(p(obj) for p in self.fields)
