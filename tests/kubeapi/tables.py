# SPDX-License-Identifier: BSD-2-Clause
"""Server-side printing: the meta.k8s.io Table kubectl asks for
(`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) when it prints
objects for humans."""

import datetime


def _age(ts):
    try:
        t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return "<unknown>"
    s = int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
    if s < 120:
        return f"{max(s, 0)}s"
    if s < 600:
        return f"{s // 60}m{s % 60}s" if s % 60 else f"{s // 60}m"
    if s < 3 * 3600:
        return f"{s // 60}m"
    if s < 48 * 3600:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def _col(name, typ="string", priority=0, fmt=""):
    return {"name": name, "type": typ, "format": fmt, "description": name, "priority": priority}


def _pod_cells(o):
    st = o.get("status", {})
    cs = st.get("containerStatuses", []) or []
    ready = sum(1 for c in cs if c.get("ready"))
    total = len(o.get("spec", {}).get("containers", []) or cs)
    restarts = sum(int(c.get("restartCount", 0)) for c in cs)
    return [
        o["metadata"]["name"],
        f"{ready}/{total}",
        st.get("phase", "Unknown"),
        restarts,
        _age(o["metadata"].get("creationTimestamp")),
        st.get("podIP", "<none>"),
        o.get("spec", {}).get("nodeName", "<none>"),
    ]


def _svc_cells(o):
    sp = o.get("spec", {})
    ports = ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in sp.get("ports", []))
    return [
        o["metadata"]["name"],
        sp.get("type", "ClusterIP"),
        sp.get("clusterIP", "<none>"),
        "<none>",
        ports or "<none>",
        _age(o["metadata"].get("creationTimestamp")),
    ]


COLUMNS = {
    "pods": (
        [
            _col("Name", fmt="name"),
            _col("Ready"),
            _col("Status"),
            _col("Restarts", "integer"),
            _col("Age"),
            _col("IP", priority=1),
            _col("Node", priority=1),
        ],
        _pod_cells,
    ),
    "services": (
        [
            _col("Name", fmt="name"),
            _col("Type"),
            _col("Cluster-IP"),
            _col("External-IP"),
            _col("Port(s)"),
            _col("Age"),
        ],
        _svc_cells,
    ),
}

_DEFAULT = (
    [_col("Name", fmt="name"), _col("Age")],
    lambda o: [o["metadata"]["name"], _age(o["metadata"].get("creationTimestamp"))],
)


def wants_table(accept):
    """The Table API version the Accept header asks for first, or None."""
    for part in (accept or "").split(","):
        params = dict(p.strip().split("=", 1) for p in part.split(";")[1:] if "=" in p)
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io":
            return "meta.k8s.io/" + params.get("v", "v1")
    return None


def _row_object(o, include):
    if include == "None":
        return None
    if include == "Object":
        return o
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}


def table(plural, objs, api_version, include="Metadata", metadata=None, columns=True):
    cols, cells = COLUMNS.get(plural, _DEFAULT)
    rows = []
    for o in objs:
        row = {"cells": cells(o)}
        ro = _row_object(o, include)
        if ro is not None:
            row["object"] = ro
        rows.append(row)
    t = {"kind": "Table", "apiVersion": api_version, "metadata": metadata or {}}
    if columns:
        t["columnDefinitions"] = cols
    t["rows"] = rows
    return t
