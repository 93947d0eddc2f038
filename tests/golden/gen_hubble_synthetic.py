#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes tests/golden/hubble-synthetic.jsonl: hand-made jsonpb lines for
what the real samples of fixtures/hubble lack (workloads, services, gRPC,
Kafka, TCP handshakes and ends, policies in *_allowed_by/*_denied_by,
lost_events). Shapes follow /work/shared/ref/hubble.md sections 1-2."""
import json
import os

lines = []
T = "2026-01-15T12:%02d:%02d.%09dZ"
n = [0]


def ep(ns, pod, wl, app, ident, kind="Deployment"):
    e = {"identity": ident, "namespace": ns, "pod_name": pod,
         "labels": ["k8s:app=" + app, "k8s:io.kubernetes.pod.namespace=" + ns]}
    if wl:
        e["workloads"] = [{"name": wl, "kind": kind}]
    return e


def add(sec, flow, node="node-a"):
    n[0] += 1
    t = T % (sec // 60, sec % 60, n[0] * 1000)
    flow = {k: v for k, v in flow.items() if v is not None}
    flow["time"] = t
    flow["node_name"] = node
    lines.append(json.dumps({"flow": flow, "node_name": node, "time": t}))


def v4(s, d):
    return {"source": s, "destination": d, "ipVersion": "IPv4"}


fe = ep("shop", "frontend-abc12-x1", "frontend", "frontend", 100)
api = ep("shop", "api-def34-y2", "api", "api", 101)
kaf = ep("data", "kafka-0", "kafka", "kafka", 102, "StatefulSet")
dns = ep("kube-system", "coredns-1-z", "coredns", "kube-dns", 103)
world = {"identity": 2, "labels": ["reserved:world"]}
host = {"identity": 1, "labels": ["reserved:host"]}


def tcp(sec, s, d, sip, dip, sp, dp, flags, reply=False, point=0, node="node-a", ip6=False):
    add(sec, {"verdict": "FORWARDED",
              "IP": {"source": sip, "destination": dip, "ipVersion": "IPv6" if ip6 else "IPv4"},
              "l4": {"TCP": {"source_port": sp, "destination_port": dp, "flags": flags}},
              "source": s, "destination": d, "Type": "L3_L4",
              "event_type": {"type": 4, "sub_type": point}, "is_reply": reply,
              "traffic_direction": "EGRESS"}, node)


# one connection: SYN at two points on two nodes, a retransmit, SYN-ACK, FINs
tcp(1, fe, api, "10.0.1.10", "10.0.2.20", 40000, 8080, {"SYN": True}, point=5)
tcp(1, fe, api, "10.0.1.10", "10.0.2.20", 40000, 8080, {"SYN": True}, node="node-b")
tcp(2, fe, api, "10.0.1.10", "10.0.2.20", 40000, 8080, {"SYN": True})
tcp(2, api, fe, "10.0.2.20", "10.0.1.10", 8080, 40000, {"SYN": True, "ACK": True}, reply=True)
tcp(9, api, fe, "10.0.2.20", "10.0.1.10", 8080, 40000, {"FIN": True, "ACK": True}, reply=True)
tcp(9, fe, api, "10.0.1.10", "10.0.2.20", 40000, 8080, {"FIN": True, "ACK": True})
# the tuple reused: a second connection, reset
tcp(70, fe, api, "10.0.1.10", "10.0.2.20", 40000, 8080, {"SYN": True})
tcp(71, fe, api, "10.0.1.10", "10.0.2.20", 40000, 8080, {"RST": True})
# IPv6 to the world, no end seen
tcp(30, fe, world, "fd00::10", "2001:db8::1", 50000, 443, {"SYN": True}, ip6=True)

# policy verdicts: a deny naming its policy, an allow naming two, one from the host
add(20, {"verdict": "DROPPED", "drop_reason": 181, "drop_reason_desc": "POLICY_DENY",
         "IP": v4("10.0.1.10", "10.0.3.30"),
         "l4": {"TCP": {"source_port": 41000, "destination_port": 9092, "flags": {"SYN": True}}},
         "source": fe, "destination": kaf, "Type": "L3_L4", "event_type": {"type": 5},
         "policy_match_type": 1, "traffic_direction": "EGRESS", "is_reply": False,
         "egress_denied_by": [{"name": "deny-kafka", "namespace": "shop", "revision": "6",
                               "labels": ["k8s:io.cilium.k8s.policy.name=deny-kafka"],
                               "kind": "CiliumNetworkPolicy"}]})
allow = {"verdict": "FORWARDED", "IP": v4("10.0.1.10", "10.0.2.20"),
         "l4": {"TCP": {"source_port": 40000, "destination_port": 8080, "flags": {"SYN": True}}},
         "source": fe, "destination": api, "Type": "L3_L4", "event_type": {"type": 5},
         "policy_match_type": 2, "traffic_direction": "INGRESS", "is_reply": False,
         "ingress_allowed_by": [{"name": "allow-frontend", "namespace": "shop",
                                 "kind": "NetworkPolicy"},
                                {"name": "cluster-base", "kind": "CiliumClusterwideNetworkPolicy"}]}
add(1, allow)
add(3, dict(allow, source=host, IP=v4("10.0.2.1", "10.0.2.20")))

# UDP: forwarded, and dropped
udp = {"verdict": "FORWARDED", "IP": v4("10.0.1.10", "10.0.4.40"),
       "l4": {"UDP": {"source_port": 5353, "destination_port": 53}},
       "source": fe, "destination": dns, "Type": "L3_L4", "event_type": {"type": 4},
       "traffic_direction": "EGRESS", "is_reply": False}
add(4, udp)
add(5, dict(udp, verdict="DROPPED", drop_reason_desc="STALE_OR_UNROUTABLE_IP",
            event_type={"type": 1, "sub_type": 151}))

# DNS: a query, its answer, an NXDOMAIN, a denied query
dq = {"verdict": "FORWARDED", "IP": v4("10.0.1.10", "10.0.4.40"),
      "l4": {"UDP": {"source_port": 5353, "destination_port": 53}},
      "source": fe, "destination": dns, "Type": "L7", "event_type": {"type": 129},
      "traffic_direction": "EGRESS", "is_reply": False,
      "l7": {"type": "REQUEST", "dns": {"query": "api.shop.svc.cluster.local.", "qtypes": ["A"],
                                        "observation_source": "proxy"}}}
add(6, dq)
dr = dict(dq, source=dns, destination=fe, is_reply=True, IP=v4("10.0.4.40", "10.0.1.10"),
          l4={"UDP": {"source_port": 53, "destination_port": 5353}},
          l7={"type": "RESPONSE",
              "dns": {"query": "api.shop.svc.cluster.local.", "ips": ["10.96.0.20", "10.96.0.21"],
                      "ttl": 30, "qtypes": ["A"], "rrtypes": ["A"]}})
add(6, dr)
add(7, dict(dr, l7={"type": "RESPONSE",
                    "dns": {"query": "nope.example.", "rcode": 3, "qtypes": ["AAAA"]}}))
add(8, dict(dq, verdict="DROPPED",
            l7={"type": "REQUEST", "dns": {"query": "evil.example.", "qtypes": ["A", "AAAA"]}}))

# HTTP to a service: bodies with Content-Length, a 503, a denied request
svc = {"name": "api", "namespace": "shop"}
url = "http://api.shop:8080/orders/"
rq = {"verdict": "FORWARDED", "IP": v4("10.0.1.10", "10.0.2.20"),
      "l4": {"TCP": {"source_port": 40010, "destination_port": 8080}},
      "source": fe, "destination": api, "Type": "L7", "event_type": {"type": 129},
      "traffic_direction": "EGRESS", "is_reply": False, "destination_service": svc,
      "l7": {"type": "REQUEST",
             "http": {"method": "POST", "url": url + "12345", "protocol": "HTTP/1.1",
                      "headers": [{"key": "Content-Length", "value": "120"},
                                  {"key": "X-Request-Id", "value": "r1"}]}}}
add(10, rq)
rs = dict(rq, source=api, destination=fe, is_reply=True, destination_service=None,
          source_service=svc, IP=v4("10.0.2.20", "10.0.1.10"),
          l4={"TCP": {"source_port": 8080, "destination_port": 40010}},
          l7={"type": "RESPONSE", "latency_ns": "23000000",
              "http": {"code": 201, "method": "POST", "url": url + "12345",
                       "protocol": "HTTP/1.1",
                       "headers": [{"key": "content-length", "value": "45"},
                                   {"key": "X-Request-Id", "value": "r1"}]}})
add(10, rs)
uuid = url + "0b9c4e1a-5f3d-4c2b-9a7e-1d2c3b4a5f60?x=1"
add(11, dict(rq, traffic_direction="INGRESS",
             l7={"type": "REQUEST", "http": {"method": "GET", "url": uuid,
                                             "protocol": "HTTP/1.1"}}))
add(12, dict(rs, traffic_direction="INGRESS",
             l7={"type": "RESPONSE", "latency_ns": "7200000000",
                 "http": {"code": 503, "method": "GET", "url": uuid, "protocol": "HTTP/1.1"}}))
add(13, dict(rq, verdict="DROPPED",
             l7={"type": "REQUEST",
                 "http": {"method": "DELETE", "url": url + "7", "protocol": "HTTP/1.1",
                          "headers": [{"key": "Content-Length", "value": "9"}]}}))

# gRPC: a call, an OK answer, a failed one (grpc-status 14)
cart = {"name": "cart", "namespace": "shop"}
gurl = "http://cart.shop:7070/cart.CartService/GetCart"
add(14, dict(rq, destination_service=cart,
             l7={"type": "REQUEST",
                 "http": {"method": "POST", "url": gurl, "protocol": "HTTP/2",
                          "headers": [{"key": "content-type", "value": "application/grpc"}]}}))
grs = dict(rs, source_service=cart,
           l7={"type": "RESPONSE", "latency_ns": "3000000",
               "http": {"code": 200, "method": "POST", "url": gurl, "protocol": "HTTP/2",
                        "headers": [{"key": "Content-Type", "value": "application/grpc+proto"},
                                    {"key": "grpc-status", "value": "0"}]}})
add(14, grs)
add(15, dict(grs, l7={"type": "RESPONSE", "latency_ns": "40000000",
                      "http": {"code": 200, "method": "POST", "url": gurl, "protocol": "HTTP/2",
                               "headers": [{"key": "Content-Type", "value": "application/grpc"},
                                           {"key": "grpc-status", "value": "14"}]}}))

# Kafka: produce, fetch with an error code, a response (not a request)
k = {"verdict": "FORWARDED", "IP": v4("10.0.1.10", "10.0.3.30"),
     "l4": {"TCP": {"source_port": 42000, "destination_port": 9092}},
     "source": fe, "destination": kaf, "Type": "L7", "event_type": {"type": 129},
     "traffic_direction": "EGRESS", "is_reply": False,
     "l7": {"type": "REQUEST", "kafka": {"api_version": 7, "api_key": "produce",
                                         "correlation_id": 1, "topic": "orders"}}}
add(16, k)
add(17, dict(k, traffic_direction="INGRESS",
             l7={"type": "REQUEST", "kafka": {"api_version": 11, "api_key": "fetch",
                                              "correlation_id": 2, "topic": "orders",
                                              "error_code": 3}}))
add(17, dict(k, is_reply=True, source=kaf, destination=fe, IP=v4("10.0.3.30", "10.0.1.10"),
            l4={"TCP": {"source_port": 9092, "destination_port": 42000}},
            l7={"type": "RESPONSE",
                "kafka": {"api_version": 7, "api_key": "produce", "correlation_id": 1,
                          "topic": "orders"}}))

# Hubble's own losses
for sec, src, lost in ((40, "HUBBLE_RING_BUFFER", "12"), (50, "PERF_EVENT_RING_BUFFER", "3"),
                       (55, "HUBBLE_RING_BUFFER", "1")):
    t = T % (0, sec, 0)
    lines.append(json.dumps({"lost_events": {"source": src, "num_events_lost": lost, "cpu": 1},
                             "node_name": "node-a", "time": t}))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hubble-synthetic.jsonl")
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
