# SPDX-License-Identifier: BSD-2-Clause
"""Builders of objects shaped like the real API server's (the fields a
client reads, with the real names and types), and a synthetic cluster
generator for large tests.
"""

import hashlib
import uuid


def _uid(seed=None):
    if seed is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(hashlib.sha256(seed.encode()).hexdigest()[:32]))


def _meta(name, namespace=None, labels=None, owner=None, uid=None, annotations=None):
    md = {"name": name}
    if uid:  # else the store gives one (and an update keeps it)
        md["uid"] = uid
    if namespace is not None:
        md["namespace"] = namespace
    if labels:
        md["labels"] = dict(labels)
    if annotations:
        md["annotations"] = dict(annotations)
    if owner:
        md["ownerReferences"] = [owner_ref(*owner)]
    return md


_WORKLOAD_API = {
    "ReplicaSet": "apps/v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
}


def owner_ref(kind, name, uid, api_version=None):
    """A controller ownerReference; api_version derived from kind."""
    if api_version is None:
        api_version = _WORKLOAD_API.get(kind, "v1")
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def container_id(seed):
    return "containerd://" + hashlib.sha256(seed.encode()).hexdigest()


def pod(
    namespace,
    name,
    node="node-a",
    ip="10.0.0.1",
    labels=None,
    owner=None,
    phase="Running",
    containers=("app",),
    host_network=False,
    host_ip=None,
    uid=None,
    ready=True,
    restarts=0,
):
    """owner: (kind, name, uid) of the controller, or None for a bare pod.
    Container ids derive from namespace/name/container (and the uid when
    given), so a test knows them before the pod exists."""
    statuses = []
    for c in containers:
        st = {
            "name": c,
            "image": f"registry.example/{c}:1.0",
            "imageID": "registry.example/" + c + "@sha256:" + hashlib.sha256(c.encode()).hexdigest(),
            "ready": ready and phase == "Running",
            "restartCount": restarts,
            "started": phase == "Running",
        }
        if phase in ("Running", "Succeeded", "Failed"):
            st["containerID"] = container_id(f"{namespace}/{name}/{c}/{uid or ''}")
            st["state"] = {"running": {"startedAt": "2024-01-01T00:00:00Z"}} if phase == "Running" else {
                "terminated": {"exitCode": 0 if phase == "Succeeded" else 1, "reason": "Completed"}
            }
        else:
            st["state"] = {"waiting": {"reason": "ContainerCreating"}}
        statuses.append(st)
    status = {
        "phase": phase,
        "hostIP": host_ip or ip if host_network else host_ip or "192.168.0.10",
        "qosClass": "BestEffort",
        "startTime": "2024-01-01T00:00:00Z",
        "conditions": [
            {"type": "Ready", "status": "True" if ready and phase == "Running" else "False"},
            {"type": "PodScheduled", "status": "True"},
        ],
        "containerStatuses": statuses,
    }
    if ip and phase in ("Running", "Succeeded", "Failed"):
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    spec = {
        "nodeName": node,
        "containers": [{"name": c, "image": f"registry.example/{c}:1.0"} for c in containers],
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": "default",
    }
    if host_network:
        spec["hostNetwork"] = True
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": _meta(name, namespace, labels, owner, uid),
        "spec": spec,
        "status": status,
    }


def service(namespace, name, selector=None, ports=(("http", 80, 8080),), cluster_ip="10.96.0.10", labels=None, uid=None):
    """ports: (name, port, targetPort) tuples, TCP."""
    return {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": _meta(name, namespace, labels, uid=uid),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": cluster_ip,
            "clusterIPs": [cluster_ip] if cluster_ip and cluster_ip != "None" else [],
            "ipFamilies": ["IPv6" if cluster_ip and ":" in cluster_ip else "IPv4"],
            "ports": [{"name": n, "port": p, "targetPort": t, "protocol": "TCP"} for n, p, t in ports],
            **({"selector": dict(selector)} if selector else {}),
            "sessionAffinity": "None",
        },
        "status": {"loadBalancer": {}},
    }


def endpointslice(namespace, name, svc, endpoints, ports=(("http", 8080),), address_type="IPv4", svc_uid=None):
    """endpoints: dicts with ip (or ips), and optional ready, serving,
    terminating, pod (name), pod_uid, node. A condition left out is left
    out of the object too, as the real controller may."""
    eps = []
    for e in endpoints:
        ep = {"addresses": list(e.get("ips") or [e["ip"]])}
        cond = {k: e[k] for k in ("ready", "serving", "terminating") if k in e}
        ep["conditions"] = cond
        if e.get("pod"):
            ep["targetRef"] = {"kind": "Pod", "namespace": namespace, "name": e["pod"], "uid": e.get("pod_uid", "")}
        if e.get("node"):
            ep["nodeName"] = e["node"]
        eps.append(ep)
    owner = ("Service", svc, svc_uid or _uid(namespace + "/" + svc), "v1") if svc else None
    md = _meta(name, namespace, {"kubernetes.io/service-name": svc, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"} if svc else None)
    if owner:
        md["ownerReferences"] = [owner_ref(*owner)]
    return {
        "kind": "EndpointSlice",
        "apiVersion": "discovery.k8s.io/v1",
        "metadata": md,
        "addressType": address_type,
        "endpoints": eps,
        "ports": [{"name": n, "port": p, "protocol": "TCP"} for n, p in ports],
    }


def node(name, ip="192.168.0.10", labels=None):
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": _meta(name, None, {"kubernetes.io/hostname": name, **(labels or {})}),
        "spec": {"podCIDR": "10.244.0.0/24"},
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "conditions": [{"type": "Ready", "status": "True"}],
            "nodeInfo": {"kubeletVersion": "v1.29.0", "containerRuntimeVersion": "containerd://1.7.0"},
        },
    }


def namespace(name, labels=None):
    return {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": _meta(name, None, {"kubernetes.io/metadata.name": name, **(labels or {})}),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }




def workload(kind, namespace, name, labels=None, owner=None, uid=None, replicas=1):
    """A ReplicaSet, Deployment, StatefulSet, DaemonSet, Job or CronJob;
    owner: (kind, name, uid) (a ReplicaSet's Deployment, a Job's CronJob)."""
    labels = labels or {"app": name}
    spec = {"selector": {"matchLabels": dict(labels)}, "template": {"metadata": {"labels": dict(labels)}}}
    if kind in ("ReplicaSet", "Deployment", "StatefulSet"):
        spec["replicas"] = replicas
    if kind == "CronJob":
        spec = {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"metadata": {"labels": dict(labels)}}}}}
    return {
        "kind": kind,
        "apiVersion": _WORKLOAD_API[kind],
        "metadata": _meta(name, namespace, labels, owner, uid),
        "spec": spec,
        "status": {},
    }


def generate(pods, nodes=10, namespaces=10, per_workload=10, services=True, prefix="gen"):
    """A synthetic cluster: nodes, namespaces, Deployments -> ReplicaSets ->
    pods (per_workload each), a Service and an EndpointSlice per
    Deployment. Pod IPs are unique in 10.128.0.0/9. Deterministic names,
    random uids."""
    out = [node(f"{prefix}-node-{i}", f"192.168.{i // 250}.{i % 250 + 1}") for i in range(nodes)]
    out += [namespace(f"{prefix}-ns-{i}") for i in range(namespaces)]
    made = 0
    w = 0
    while made < pods:
        ns = f"{prefix}-ns-{w % namespaces}"
        dname = f"{prefix}-app-{w}"
        labels = {"app": dname}
        dep = workload("Deployment", ns, dname, labels, uid=_uid())
        rs_name = f"{dname}-{hashlib.sha256(dname.encode()).hexdigest()[:10]}"
        rs = workload("ReplicaSet", ns, rs_name, labels, ("Deployment", dname, dep["metadata"]["uid"]), uid=_uid())
        out += [dep, rs]
        eps = []
        for j in range(min(per_workload, pods - made)):
            n = 0x800000 + made
            ip = f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"
            nd = f"{prefix}-node-{made % nodes}"
            p = pod(ns, f"{rs_name}-{j:05d}", nd, ip, labels, ("ReplicaSet", rs_name, rs["metadata"]["uid"]), uid=_uid())
            out.append(p)
            eps.append({"ip": ip, "ready": True, "pod": p["metadata"]["name"], "pod_uid": p["metadata"]["uid"], "node": nd})
            made += 1
        if services:
            svc = service(ns, dname, labels, (("http", 80, 8080),), f"10.96.{w >> 8 & 255}.{w & 255}", uid=_uid())
            out.append(svc)
            out.append(endpointslice(ns, f"{dname}-{w:05x}", dname, eps, svc_uid=svc["metadata"]["uid"]))
        w += 1
    return out
