#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Hubble flows of a generated fixture, replayed, against the truth: the
generator's own counts (truth.json "hubble") and counts computed here from
its hubble.jsonl (every response it wrote). hubble_flow and its side tables
must hold exactly those; `flightrec flows -o jsonpb` must print the jsonl's
flows back (same JSON objects, as a multiset: replay orders node by node).
Usage: check_hubble.py --flightrec F --fixture DIR --work DIR [--gen G --seed N]"""
import argparse
import collections
import json
import os
import shutil
import sqlite3
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--flightrec", required=True)
ap.add_argument("--fixture", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--gen")
ap.add_argument("--seed", default="7")
a = ap.parse_args()
shutil.rmtree(a.work, ignore_errors=True)
os.makedirs(a.work)
fx = a.fixture
if a.gen:  # a fixture made now, other than the committed one
    fx = os.path.join(a.work, "fx")
    subprocess.run([a.gen, "-o", fx, "--seed", a.seed, "--duration", "3h", "--tick", "60s",
                    "--segment", "40m"], check=True, stderr=subprocess.DEVNULL)
db_path = os.path.join(a.work, "fx.db")
subprocess.run([a.flightrec, "replay", "-o", db_path] +
               sorted(os.path.join(fx, f) for f in os.listdir(fx) if f.endswith(".frseg")),
               check=True)
truth = json.load(open(os.path.join(fx, "truth.json")))["hubble"]
lines = [json.loads(l) for l in open(os.path.join(fx, "hubble.jsonl"))]
db = sqlite3.connect(db_path)
fails = []


def eq(what, got, want):
    if got != want:
        fails.append(what)
        print("FAIL: %s: got %s, want %s" % (what, got, want))


def q(sql):
    return {str(k): v for k, v in db.execute(sql)}


def name(enum, col):
    return ("(SELECT name FROM hubble_enum WHERE enum = '%s' AND number = %s)" % (enum, col))


# 1. the generator's truth against its own jsonl (both independent of replay)
flows = [o["flow"] for o in lines if "flow" in o]
l7 = lambda f, k: f.get("l7", {}).get(k)
mine = {
    "flows_by_verdict": collections.Counter(f["verdict"] for f in flows),
    "flows_by_type": collections.Counter(f["Type"] for f in flows),
    "drops_by_reason": collections.Counter(f.get("drop_reason_desc", "DROP_REASON_UNKNOWN")
                                           for f in flows if f["verdict"] == "DROPPED"),
    "dns_queries": {"all": sum(1 for f in flows if l7(f, "dns") and l7(f, "type") == "REQUEST")},
    "dns_responses_by_rcode": collections.Counter(str(l7(f, "dns").get("rcode", 0)) for f in flows
                                                  if l7(f, "dns") and l7(f, "type") == "RESPONSE"),
    "http_requests_by_method": collections.Counter(l7(f, "http")["method"] for f in flows
                                                   if l7(f, "http") and l7(f, "type") == "REQUEST"),
    "http_responses_by_code": collections.Counter(str(l7(f, "http")["code"]) for f in flows
                                                  if l7(f, "http") and l7(f, "type") == "RESPONSE"),
    "http_responses_by_method": collections.Counter(
        l7(f, "http")["method"] for f in flows if l7(f, "http") and l7(f, "type") == "RESPONSE"),
    "kafka_requests_by_topic": collections.Counter(l7(f, "kafka")["topic"] for f in flows
                                                   if l7(f, "kafka")),
    "policy_verdicts": collections.Counter(f["verdict"] for f in flows
                                           if f.get("event_type", {}).get("type") == 5),
    "lost_events_by_source": collections.Counter(),
    "http_content_length": collections.Counter(),
    "http_denied_requests": {"all": sum(1 for f in flows if l7(f, "http") and
                                        f["verdict"] == "DROPPED")},
    "udp_l34_flows": {"all": sum(1 for f in flows if f["Type"] == "L3_L4" and
                                 "UDP" in f.get("l4", {}))},
    "node_status": collections.Counter(o["node_status"]["state_change"] for o in lines
                                       if "node_status" in o),
}
for f in flows:
    for h in (l7(f, "http") or {}).get("headers", []):
        if h["key"] == "content-length":
            mine["http_content_length"][f["verdict"]] += int(h["value"])
for o in lines:
    if "lost_events" in o:
        e = o["lost_events"]
        mine["lost_events_by_source"][e["source"]] += int(e["num_events_lost"])
for k, v in mine.items():
    eq("jsonl %s" % k, dict(v), truth.get(k, {}))

# 2. the replayed tables against the truth
eq("hubble_bad_record", db.execute("SELECT count(*) FROM hubble_bad_record").fetchone()[0], 0)
eq("flows", db.execute("SELECT count(*) FROM hubble_flow").fetchone()[0], len(flows))
eq("flows_by_verdict", q("SELECT %s, count(*) FROM hubble_flow GROUP BY 1" %
                         name("verdict", "verdict")), truth["flows_by_verdict"])
eq("flows_by_type", q("SELECT %s, count(*) FROM hubble_flow GROUP BY 1" %
                      name("flow_type", "flow_type")), truth["flows_by_type"])
eq("drops_by_reason", q("SELECT %s, count(*) FROM hubble_flow WHERE verdict = 2 GROUP BY 1" %
                        name("drop_reason", "drop_reason")), truth["drops_by_reason"])
eq("dns_queries", q("SELECT 'all', count(*) FROM hubble_flow WHERE l7_kind = 'dns' "
                    "AND l7_type = 1"), truth["dns_queries"])
eq("dns_responses_by_rcode", q("SELECT dns_rcode, count(*) FROM hubble_flow WHERE "
                               "l7_kind = 'dns' AND l7_type = 2 GROUP BY 1"),
   truth["dns_responses_by_rcode"])
eq("http_requests_by_method", q("SELECT http_method, count(*) FROM hubble_flow WHERE "
                                "l7_kind = 'http' AND l7_type = 1 GROUP BY 1"),
   truth["http_requests_by_method"])
eq("http_responses_by_code", q("SELECT http_code, count(*) FROM hubble_flow WHERE "
                               "l7_kind = 'http' AND l7_type = 2 GROUP BY 1"),
   truth["http_responses_by_code"])
eq("http_responses_by_method", q("SELECT http_method, count(*) FROM hubble_flow WHERE "
                                 "l7_kind = 'http' AND l7_type = 2 GROUP BY 1"),
   truth["http_responses_by_method"])
eq("kafka_requests_by_topic", q("SELECT kafka_topic, count(*) FROM hubble_flow WHERE "
                                "l7_kind = 'kafka' GROUP BY 1"), truth["kafka_requests_by_topic"])
eq("policy_verdicts", q("SELECT %s, count(*) FROM hubble_flow WHERE event_type = 5 GROUP BY 1" %
                        name("verdict", "verdict")), truth["policy_verdicts"])
eq("lost_events_by_source", q("SELECT %s, sum(num_lost) FROM hubble_lost GROUP BY 1" %
                              name("lost_event_source", "source")),
   truth["lost_events_by_source"])
eq("node_status", q("SELECT %s, count(*) FROM hubble_node_status GROUP BY 1" %
                    name("node_state", "state")), truth["node_status"])
# side tables: one denying policy per drop, one allowing per policy verdict;
# headers as in the lines
eq("denied_by", db.execute("SELECT count(*) FROM hubble_flow_policy WHERE action = 'denied' "
                           "AND direction = 'egress'").fetchone()[0],
   sum(len(f.get("egress_denied_by", [])) for f in flows))
eq("allowed_by", db.execute("SELECT count(*) FROM hubble_flow_policy WHERE action = 'allowed' "
                            "AND direction = 'ingress'").fetchone()[0],
   sum(len(f.get("ingress_allowed_by", [])) for f in flows))
eq("http headers", db.execute("SELECT count(*) FROM hubble_http_header").fetchone()[0],
   sum(len(l7(f, "http").get("headers", [])) for f in flows if l7(f, "http")))
eq("grpc-status headers", db.execute("SELECT count(*) FROM hubble_http_header "
                                     "WHERE key = 'grpc-status'").fetchone()[0],
   sum(1 for f in flows if l7(f, "http") for h in l7(f, "http").get("headers", [])
       if h["key"] == "grpc-status"))
eq("http_content_length", q("SELECT %s, sum(CAST(h.value AS INTEGER)) FROM hubble_http_header h "
                            "JOIN hubble_flow f ON f.id = h.flow WHERE h.key = 'content-length' "
                            "GROUP BY 1" % name("verdict", "f.verdict")),
   truth["http_content_length"])
eq("udp_l34_flows", q("SELECT 'all', count(*) FROM hubble_flow WHERE flow_type = 1 "
                      "AND protocol = 'UDP'"), truth["udp_l34_flows"])
eq("services named", db.execute("SELECT count(*) FROM hubble_flow WHERE dst_service IS NOT NULL "
                                "OR src_service IS NOT NULL").fetchone()[0],
   sum(1 for f in flows if "destination_service" in f or "source_service" in f))
kinds = q("SELECT kind, count(*) FROM hubble_flow GROUP BY 1")
eq("both record kinds", sorted(kinds), ["hubble_flow_json", "hubble_flow_pb"])

# 3. flows back out as jsonpb: the jsonl's flow responses
r = subprocess.run([a.flightrec, "flows", db_path, "-o", "jsonpb"], capture_output=True,
                   text=True, check=True)
out = sorted(r.stdout.splitlines())
want = sorted(json.dumps(o, sort_keys=True) for o in lines if "flow" in o)
eq("flows -o jsonpb", sorted(json.dumps(json.loads(l), sort_keys=True) for l in out), want)

print("%d flows, %d checks failed" % (len(flows), len(fails)))
sys.exit(1 if fails else 0)
