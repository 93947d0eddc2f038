#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Independent check of the hubble_* families.

check_hubble_families.py METRICS_JSON JSONL... [--truth TRUTH_JSON]

Computes every flow-based hubble_* family from the jsonpb lines themselves
(hubble observe -o jsonpb / GetFlowsResponse as JSON), written from Hubble's
handler rules (docs/HUBBLE.md, /work/shared/ref/hubble.md section 3), with
the default context of `flightrec metrics` (sourceContext and
destinationContext = workload|pod|reserved-identity|ip), and compares with
`flightrec metrics --format json` over the same flows replayed. With
--truth, the endpoint gauges are compared with the fixture's truth
(hubble.endpoints: {"ns/svc": [count, ready]} at the recording's end).
Exit 0 when everything matches, 1 with the differences listed.
"""
import json
import re
import sys
from collections import defaultdict

BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
TCP_BOUNDS = BOUNDS + [30, 60, 300, 600, 1800, 3600]
TRACE = ["to-endpoint", "to-proxy", "to-host", "to-stack", "to-overlay", "from-endpoint",
         "from-proxy", "from-host", "from-stack", "from-overlay", "from-network",
         "to-network", "from-crypto", "to-crypto"]
RCODE = {0: "No Error", 1: "Format Error", 2: "Server Failure", 3: "Non-Existent Domain",
         4: "Not Implemented", 5: "Query Refused", 6: "Name Exists when it should not",
         7: "RR Set Exists when it should not", 8: "RR Set that should exist does not",
         9: "Server Not Authoritative for zone", 10: "Name not contained in zone",
         16: "Bad OPT Version", 17: "Key not recognized",
         18: "Signature out of time window", 19: "Bad TKEY Mode", 20: "Duplicate key name",
         21: "Algorithm not supported", 22: "Bad Truncation",
         23: "Bad/missing Server Cookie"}
MATCH = ["none", "l3-only", "l3-l4", "l4-only", "all", "l3-proto", "proto-only"]
L4 = ["TCP", "UDP", "ICMPv4", "ICMPv6", "SCTP", "VRRP", "IGMP"]


def ts_ns(s):
    m = re.match(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)(?:\.(\d+))?Z$", s)
    import calendar
    secs = calendar.timegm(tuple(int(x) for x in m.groups()[:6]))
    frac = (m.group(7) or "").ljust(9, "0")
    return secs * 10**9 + int(frac)


def endpoint_ctx(ep, ip):
    """workload|pod|reserved-identity|ip: the first non-empty."""
    ns = ep.get("namespace", "")
    wl = ep.get("workloads") or []
    if wl and wl[0].get("name"):
        return ns + "/" + wl[0]["name"]
    pod = ep.get("pod_name", "")
    if pod:
        return ns + "/" + pod if ns else pod
    labels = ep.get("labels") or []
    if "reserved:kube-apiserver" in labels:
        return "reserved:kube-apiserver"
    for lab in labels:
        if lab.startswith("reserved:"):
            return lab
    return ip or ""


def l7_kind(f):
    l7 = f.get("l7") or {}
    for k, name in (("dns", "DNS"), ("http", "HTTP"), ("kafka", "Kafka")):
        if k in l7:
            return name
    return ""


def flow_protocol(f):
    et = (f.get("event_type") or {}).get("type", 0)
    if et == 129:
        return l7_kind(f) or "Unknown L7"
    if et in (1, 3, 4, 5):
        l4 = f.get("l4") or {}
        for p in L4:
            if p in l4:
                return p
        return "Unknown L4"
    return "Unknown flow"


def headers(f):
    return [(h.get("key", ""), h.get("value", ""))
            for h in ((f.get("l7") or {}).get("http") or {}).get("headers") or []]


def header(f, name):
    for k, v in headers(f):
        if k.lower() == name:
            return v
    return None


def content_length(f):
    v = header(f, "content-length")
    return int(v) if v and v.isdigit() else None


def is_grpc(f):
    return any(k.lower() == "content-type" and v.lower().startswith("application/grpc")
               for k, v in headers(f))


def url_path(u):
    if "://" in u:
        u = u.split("://", 1)[1]
        i = min([j for j in (u.find("/"), u.find("?"), u.find("#")) if j >= 0] or [len(u)])
        u = u[i:]
    u = re.split(r"[?#]", u, 1)[0]
    return u or "/"


def reporter(f):
    return {"EGRESS": "client", "INGRESS": "server"}.get(f.get("traffic_direction"), "unknown")


class Fam:
    def __init__(self):
        self.c = defaultdict(lambda: defaultdict(int))  # counters
        self.h = {}  # histograms: name -> bounds

    def inc(self, name, labels, v=1):
        self.c[name][tuple(sorted(labels.items()))] += v

    def obs(self, name, labels, ns, bounds):
        self.h[name] = bounds
        key = tuple(sorted(labels.items()))
        cell = self.c[name].setdefault(key, {"count": 0, "sum": 0, "b": defaultdict(int)})
        cell["count"] += 1
        cell["sum"] += ns
        k = 0
        while k < len(bounds) and ns > bounds[k] * 1e9 * (1 + 1e-12):
            k += 1
        cell["b"][k] += 1


def compute(lines):
    m = Fam()
    tcp = []  # (ts, id, kind, tuple, family, ctx)
    for n, line in enumerate(lines):
        resp = json.loads(line)
        if "lost_events" in resp:
            le = resp["lost_events"]
            m.inc("hubble_lost_events_total",
                  {"source": le.get("source", "UNKNOWN_LOST_EVENT_SOURCE").lower()},
                  int(le.get("num_events_lost", 0)))
            continue
        f = resp.get("flow")
        if f is None:
            continue
        src, dst = f.get("source") or {}, f.get("destination") or {}
        ip = f.get("IP") or {}
        ctx = {"source": endpoint_ctx(src, ip.get("source")),
               "destination": endpoint_ctx(dst, ip.get("destination"))}
        et = (f.get("event_type") or {}).get("type", 0)
        sub = (f.get("event_type") or {}).get("sub_type", 0)
        verdict = f.get("verdict", "VERDICT_UNKNOWN")
        proto = flow_protocol(f)
        is_reply = f.get("is_reply", False)
        l7 = f.get("l7") or {}
        l7type = l7.get("type", "UNKNOWN_L7_TYPE")
        kind = l7_kind(f)
        typ = {129: "L7", 1: "Drop", 3: "Capture", 4: "Trace", 5: "PolicyVerdict"}.get(
            et, "Unknown")
        subtype = (kind if et == 129 else
                   (TRACE[sub] if sub < len(TRACE) else "") if et == 4 else
                   "" if et in (1, 3, 5) else str(et))
        m.inc("hubble_flows_total", dict(ctx, protocol=proto, type=typ, subtype=subtype,
                                         verdict=verdict))
        if verdict == "DROPPED":
            m.inc("hubble_drop_total", dict(ctx, reason=f.get("drop_reason_desc",
                                                              "DROP_REASON_UNKNOWN"),
                                            protocol=proto))
        if kind == "DNS":
            dns = l7["dns"]
            lab = dict(ctx, qtypes=",".join(dns.get("qtypes") or []),
                       ips_returned=str(len(dns.get("ips") or [])))
            if verdict == "DROPPED":
                m.inc("hubble_dns_queries_total", dict(lab, rcode="Policy denied"))
            elif not is_reply:
                m.inc("hubble_dns_queries_total", dict(lab, rcode=""))
            else:
                m.inc("hubble_dns_responses_total",
                      dict(lab, rcode=RCODE.get(dns.get("rcode", 0), "")))
        if kind == "HTTP":
            http = l7["http"]
            method, hp = http.get("method", ""), http.get("protocol", "")
            lat = int(l7.get("latency_ns", 0))
            if l7type == "REQUEST":
                m.inc("hubble_http_requests_total",
                      dict(ctx, method=method, protocol=hp, reporter=reporter(f)))
            if l7type == "RESPONSE":
                m.inc("hubble_http_responses_total",
                      dict(ctx, method=method, protocol=hp, status=str(http.get("code", 0)),
                           reporter=reporter(f)))
                m.obs("hubble_http_request_duration_seconds",
                      dict(ctx, method=method, reporter=reporter(f)), lat, BOUNDS)
            cl = content_length(f)
            rt = {"REQUEST": "request", "RESPONSE": "response"}.get(l7type, "unknown")
            if cl is not None:
                m.inc("hubble_flow_bytes_total", dict(ctx, protocol="HTTP", type=rt,
                                                      verdict=verdict,
                                                      measure="http_content_length"), cl)
                if verdict == "DROPPED":
                    m.inc("hubble_drop_bytes_total",
                          dict(ctx, reason=f.get("drop_reason_desc", "DROP_REASON_UNKNOWN"),
                               protocol=proto, measure="http_content_length"), cl)
            grpc = is_grpc(f)
            gs = header(f, "grpc-status")
            if grpc and l7type == "RESPONSE":
                lab = dict(ctx, method=url_path(http.get("url", "")), reporter=reporter(f))
                m.inc("hubble_grpc_requests_total", dict(lab, status=gs or ""))
                m.obs("hubble_grpc_request_duration_seconds", lab, lat, BOUNDS)
            sp = "gRPC" if grpc else "HTTP"
            dsvc, ssvc = f.get("destination_service") or {}, f.get("source_service") or {}
            if l7type == "REQUEST" and dsvc.get("name"):
                m.inc("hubble_service_requests_total",
                      dict(ctx, service_namespace=dsvc.get("namespace", ""),
                           service=dsvc["name"], protocol=sp, reporter=reporter(f)))
            if l7type == "RESPONSE" and ssvc.get("name"):
                lab = dict(ctx, service_namespace=ssvc.get("namespace", ""),
                           service=ssvc["name"], protocol=sp, reporter=reporter(f))
                m.obs("hubble_service_request_duration_seconds", lab, lat, BOUNDS)
            err_svc = None
            if verdict == "DROPPED":
                err_svc = dsvc
            elif l7type == "RESPONSE" and (http.get("code", 0) >= 500 or
                                           (gs is not None and gs != "0")):
                err_svc = ssvc
            if err_svc and err_svc.get("name"):
                m.inc("hubble_service_errors_total",
                      dict(ctx, service_namespace=err_svc.get("namespace", ""),
                           service=err_svc["name"], protocol=sp, reporter=reporter(f)))
        if kind == "Kafka" and l7type == "REQUEST":
            k = l7["kafka"]
            m.inc("hubble_kafka_requests_total",
                  dict(ctx, topic=k.get("topic", ""), api_key=k.get("api_key", ""),
                       error_code=str(k.get("error_code", 0)), reporter=reporter(f)))
        direction = f.get("traffic_direction", "TRAFFIC_DIRECTION_UNKNOWN").lower()
        if et == 5 and (src.get("identity", 0) != 1):
            pm = f.get("policy_match_type", 0)
            m.inc("hubble_policy_verdicts_total",
                  dict(ctx, direction=direction,
                       match=MATCH[pm] if pm < len(MATCH) else "unknown-%d" % pm,
                       action=verdict.lower()))
        if et == 129 and kind and not is_reply:
            m.inc("hubble_policy_verdicts_total",
                  dict(ctx, direction=direction, match="l7/" + kind.lower(),
                       action=verdict.lower()))
        for field, d, a in (("egress_allowed_by", "egress", "allowed"),
                            ("ingress_allowed_by", "ingress", "allowed"),
                            ("egress_denied_by", "egress", "denied"),
                            ("ingress_denied_by", "ingress", "denied")):
            for p in f.get(field) or []:
                m.inc("hubble_policy_match_total",
                      dict(ctx, policy_name=p.get("name", ""),
                           policy_namespace=p.get("namespace", ""),
                           policy_kind=p.get("kind", ""), direction=d, action=a))
        l4 = f.get("l4") or {}
        if f.get("Type") == "L3_L4" and "UDP" in l4:
            m.inc("hubble_udp_flows_total", dict(ctx, verdict=verdict))
        if "TCP" in l4 and verdict in ("FORWARDED", "REDIRECTED"):
            t = l4["TCP"]
            fl = t.get("flags") or {}
            tup = (ip.get("source"), t.get("source_port", 0), ip.get("destination"),
                   t.get("destination_port", 0))
            fam = {"IPv4": "IPv4", "IPv6": "IPv6"}.get(ip.get("ipVersion"), "")
            ts = ts_ns(f["time"])
            if fl.get("SYN") and not fl.get("ACK") and not is_reply:
                tcp.append((ts, n, "syn", tup, fam, ctx))
            if fl.get("FIN") or fl.get("RST"):
                tcp.append((ts, n, "end", tup, fam, ctx))
                tcp.append((ts, n, "end", (tup[2], tup[3], tup[0], tup[1]), fam, ctx))
    # TCP connections: the SYNs of a tuple between two FIN/RSTs are one
    tcp.sort(key=lambda e: (e[0], e[1]))
    state = {}  # tuple -> [open_ts, ctx, family] of the connection not yet ended
    ends = defaultdict(int)
    for ts, n, kind, tup, fam, ctx in tcp:
        if kind == "syn":
            if tup not in state:
                state[tup] = [ts, ctx, fam]
                m.inc("hubble_tcp_connections_total", dict(ctx, family=fam))
            continue
        if tup in state:
            open_ts, octx, _ = state.pop(tup)
            m.obs("hubble_tcp_connection_duration_seconds", dict(octx), ts - open_ts,
                  TCP_BOUNDS)
    return m


def got_families(doc):
    out = {}
    for fam in doc["families"]:
        cells = {}
        for s in fam["series"]:
            key = tuple(sorted(s["labels"].items()))
            if fam["type"] == "histogram":
                cells[key] = {"count": s["count"], "sum": s["sum"],
                              "b": {k: v for k, v in enumerate(s["buckets"]) if v}}
            else:
                cells[key] = s["value"]
        out[fam["name"]] = cells
    return out


def main():
    args = sys.argv[1:]
    truth = None
    if "--truth" in args:
        i = args.index("--truth")
        truth = args[i + 1]
        del args[i:i + 2]
    doc = json.load(open(args[0]))
    lines = []
    for path in args[1:]:
        lines += [ln for ln in open(path) if ln.strip()]
    want = compute(lines)
    got = got_families(doc)
    bad = 0
    checked = 0
    flow_fams = [f for f in got if f.startswith("hubble_") and "endpoint" not in f]
    for name in sorted(set(flow_fams) | set(want.c)):
        w = {k: (dict(v, b=dict(v["b"])) if isinstance(v, dict) else v)
             for k, v in want.c.get(name, {}).items()}
        g = got.get(name)
        if g is None:
            print("family %s missing from the output" % name)
            bad += 1
            continue
        for key in sorted(set(w) | set(g)):
            a, b = w.get(key), g.get(key)
            if isinstance(a, dict) and isinstance(b, dict):
                same = (a["count"] == b["count"] and a["b"] == b["b"] and
                        abs(a["sum"] / 1e9 - b["sum"]) <= 1e-9 * max(1, abs(b["sum"])))
            else:
                same = a == b
            checked += 1
            if not same:
                bad += 1
                print("%s%s: expected %s, flightrec %s" % (name, dict(key), a, b))
    if truth:
        th = json.load(open(truth)).get("hubble", {})

        def sums(fam, label):
            out = defaultdict(int)
            for k, v in got.get(fam, {}).items():
                out[dict(k)[label]] += v
            return dict(out)
        # the generator's own counts, where a family counts the same thing
        pairs = [("flows_by_verdict", sums("hubble_flows_total", "verdict")),
                 ("drops_by_reason", sums("hubble_drop_total", "reason")),
                 ("http_requests_by_method", sums("hubble_http_requests_total", "method")),
                 ("http_responses_by_code", sums("hubble_http_responses_total", "status")),
                 ("kafka_requests_by_topic", sums("hubble_kafka_requests_total", "topic")),
                 ("lost_events_by_source",
                  {k.upper(): v for k, v in sums("hubble_lost_events_total", "source").items()})]
        rc = {v: str(k) for k, v in RCODE.items()}
        pairs.append(("dns_responses_by_rcode",
                      {rc.get(k, k): v
                       for k, v in sums("hubble_dns_responses_total", "rcode").items()}))
        for key, g in pairs:
            if key in th:
                checked += 1
                if th[key] != g:
                    bad += 1
                    print("truth %s %s, flightrec %s" % (key, th[key], g))
        t = th.get("endpoints", {})
        for fam, idx in (("hubble_endpoint_count", 0), ("hubble_endpoint_ready", 1)):
            g = {"%s/%s" % (dict(k)["namespace"], dict(k)["service"]): v
                 for k, v in got.get(fam, {}).items()}
            for svc, vals in t.items():
                checked += 1
                if g.get(svc) != vals[idx]:
                    bad += 1
                    print("%s{%s}: truth %s, flightrec %s" % (fam, svc, vals[idx], g.get(svc)))
    print("check_hubble_families: %d series checked, %d differ" % (checked, bad))
    return 1 if bad or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
