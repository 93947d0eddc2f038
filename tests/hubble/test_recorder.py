#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""flightrec-record's Hubble source end to end against server.py (a gRPC
server on python3-grpcio): over the unix socket and over mutual TLS; flows
(samples and generated), lost_events and node_status; streams closed
mid-way; a server that comes up late; bad TLS settings. The truth is the
server's own /stats and what this script sent; the recording is read back
with hubble_segdump (format/'s reader) and decoded with Google's protobuf.
--kernel adds the check that a full Hubble queue does not slow the kernel
side (needs root and BPF). Exit 77 only when python3-grpcio is missing."""
import argparse
import collections
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from server import varint  # noqa: E402
FIXTURES = os.path.join(HERE, "..", "..", "fixtures", "hubble")
FAILS = []
DROPPED = 2  # flow.Verdict


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def start_server(d, *args):
    from test_server import start  # the server's own test starts it the same way
    return start(d, *args)


def ctl(ports, path, body=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (ports["control"], path),
                                 data=None if body is None else json.dumps(body).encode(),
                                 method="GET" if body is None else "POST")
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def wait_for(what, cond, timeout=30.0):
    """Polls cond() (the server's state, not a time) up to a generous bound."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    check(False, "timed out waiting for " + what)
    return None


class Recorder:
    def __init__(self, binary, rdir, *args):
        self.rdir = rdir
        self.p = subprocess.Popen([binary, "--dir", rdir, "--kube", "off", "--interval", "200ms"]
                                  + list(args), stderr=subprocess.PIPE, text=True)

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        _, err = self.p.communicate(timeout=60)
        self.stderr = err
        return self.p.returncode


def read_records(segdump, rdir):
    segs = sorted(glob.glob(os.path.join(rdir, "*.frseg")))
    out = subprocess.run([segdump] + segs, capture_output=True, text=True, check=True).stdout
    recs = collections.defaultdict(list)
    for line in out.splitlines():
        f = line.split()
        if f[0] == "recorder_stats":
            recs["stats"].append({"source": f[2], "reason": f[3], "seen": int(f[4]),
                                  "lost": int(f[5]), "first": int(f[6]), "last": int(f[7])})
        else:
            recs[f[0]].append(bytes.fromhex(f[2]) if len(f) > 2 else b"")
    return recs


def sample_responses(pb):
    from google.protobuf import json_format
    out = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.jsonl"))):
        with open(path) as f:
            for line in f:
                if line.strip():
                    o = json.loads(line)
                    out.append(json_format.ParseDict(o if "flow" in o else {"flow": o},
                                                     pb.GetFlowsResponse()))
    return out


def stream_flows_sent(ports):
    return ctl(ports, "/stats")["sent"]


def scenario_unix(a, pb, base):
    """Samples, generated flows, lost_events, node_status, two faults."""
    sdir, rdir = os.path.join(base, "srv-unix"), os.path.join(base, "rec-unix")
    os.mkdir(sdir)
    srv, ports = start_server(sdir, "--tcp-port", "-1")
    samples = sample_responses(pb)
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", "unix:" + ports["unix"])
    wait_for("the samples to be sent", lambda: stream_flows_sent(ports) >= len(samples))
    ctl(ports, "/flows", {"generate": 50})
    ctl(ports, "/lost", {"source": "PERF_EVENT_RING_BUFFER", "num_events_lost": 7, "cpu": 1})
    ctl(ports, "/node_status", {"state_change": "NODE_UNAVAILABLE", "node_names": ["n2"],
                                "message": "gone"})
    wait_for("52 more responses", lambda: stream_flows_sent(ports) >= len(samples) + 52)
    # fault 1: every open stream ends; the recorder resumes with since
    ctl(ports, "/fault", {"close": True, "code": "UNAVAILABLE"})
    wait_for("a resumed GetFlows", lambda: len(ctl(ports, "/stats")["requests"]) >= 2
             and ctl(ports, "/stats")["streams"] >= 1)
    ctl(ports, "/flows", {"generate": 30})
    # fault 2: the next stream ends after 3 responses; flows added meanwhile
    # come back through the since of the stream after it
    ctl(ports, "/fault", {"close_after": 3, "code": "INTERNAL"})
    ctl(ports, "/fault", {"close": True, "code": "UNAVAILABLE"})
    ctl(ports, "/flows", {"generate": 40})
    wait_for("a fourth GetFlows", lambda: len(ctl(ports, "/stats")["requests"]) >= 4
             and ctl(ports, "/stats")["streams"] >= 1)
    ctl(ports, "/flows", {"generate": 10})
    total_flows = len(samples) + 50 + 30 + 40 + 10
    wait_for("every flow to be in the ring", lambda: ctl(ports, "/stats")["seen"] == total_flows)
    # the last generated flow reached the recorder: its stream is still open
    time.sleep(0.5)
    st = ctl(ports, "/stats")
    rc = rec.stop()
    check(rc == 0, "unix: recorder exits 0 (%d)" % rc)
    recs = read_records(a.segdump, rdir)
    resp = [pb.GetFlowsResponse.FromString(b) for b in recs["hubble_flow_pb"]]
    flows = [r for r in resp if r.HasField("flow")]
    keys = collections.Counter(r.SerializeToString(deterministic=True) for r in flows)
    want = collections.Counter(r.SerializeToString(deterministic=True) for r in samples)
    check(len(flows) == total_flows, "unix: %d flow records = %d flows added (%d samples)"
          % (len(flows), total_flows, len(samples)))
    check(all(keys[k] >= n for k, n in want.items()), "unix: every sample flow recorded")
    gen = [r for r in flows if r.flow.source.namespace == "gen"]
    check(len(gen) == 130 and len(set(r.SerializeToString() for r in gen)) == 130,
          "unix: 130 generated flows, none twice (%d)" % len(gen))
    check(max(keys.values()) == max(want.values()),
          "unix: no flow recorded more often than the samples hold it")
    lost = [r for r in resp if r.HasField("lost_events")]
    check(len(lost) == 1 and lost[0].lost_events.num_events_lost == 7,
          "unix: lost_events recorded once (7 lost)")
    perf = [s for s in recs["stats"] if s["reason"] == "lost_events:PERF_EVENT_RING_BUFFER"]
    check(sum(s["lost"] for s in perf) == 7 and len(perf) == 1,
          "unix: lost_events:PERF_EVENT_RING_BUFFER statistics, lost 7")
    ns = [r for r in resp if r.HasField("node_status")]
    check(len(ns) == 1 and list(ns[0].node_status.node_names) == ["n2"],
          "unix: node_status recorded once")
    skipped = int(rec.stderr.split("resent by a resumed stream")[0].split(",")[-1].split()[0])
    check(st["sent"] == len(resp) + skipped,
          "unix: server sent %d = %d recorded + %d resent and skipped"
          % (st["sent"], len(resp), skipped))
    reqs = st["requests"]
    check(len(reqs) >= 4 and all(r["follow"] for r in reqs) and reqs[0]["since"] is None
          and all(r["since"] for r in reqs[1:]),
          "unix: %d GetFlows, follow, the first without since, the rest resumed with since"
          % len(reqs))
    newest = max(r.flow.time.seconds * 10**9 + r.flow.time.nanos for r in flows)
    check(all(r["since"] <= newest for r in reqs[1:]), "unix: since is a flow time seen")
    gaps = [s for s in recs["stats"] if s["source"] == "hubble" and s["reason"] == "gap"]
    check(len(gaps) >= 3 and all(0 < g["first"] <= g["last"] for g in gaps),
          "unix: %d gap records with their spans" % len(gaps))
    status = [pb.ServerStatusResponse.FromString(b) for b in recs["hubble_status_pb"]]
    check(len(status) >= 4 and all(s.max_flows == 4095 for s in status)
          and status[0].version.startswith("flightrec-test-hubble"),
          "unix: %d ServerStatus records (one per connect, and segment starts)" % len(status))
    qf = [s for s in recs["stats"] if s["source"] == "hubble" and s["reason"] == "queue_full"]
    check(sum(s["seen"] for s in qf) == len(resp) and sum(s["lost"] for s in qf) == 0,
          "unix: queue_full statistics: seen %d, lost %d"
          % (sum(s["seen"] for s in qf), sum(s["lost"] for s in qf)))
    srv.terminate()
    srv.wait()


def scenario_tls(a, pb, base):
    """Mutual TLS with a server name override; without a client cert: no flows."""
    sdir = os.path.join(base, "srv-tls")
    os.mkdir(sdir)
    srv, ports = start_server(sdir, "--unix", "none", "--client-cert")
    samples = sample_responses(pb)
    f = lambda n: os.path.join(sdir, n)
    rdir = os.path.join(base, "rec-tls")
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", ports["address"],
                   "--hubble-tls-ca", f("ca.crt"), "--hubble-tls-cert", f("client.crt"),
                   "--hubble-tls-key", f("client.key"),
                   "--hubble-tls-server-name", "node1.hubble-relay.cilium.io")
    wait_for("the samples over TLS", lambda: stream_flows_sent(ports) >= len(samples))
    ctl(ports, "/flows", {"generate": 20})
    wait_for("20 more", lambda: stream_flows_sent(ports) >= len(samples) + 20)
    rc = rec.stop()
    recs = read_records(a.segdump, rdir)
    check(rc == 0 and len(recs["hubble_flow_pb"]) == len(samples) + 20,
          "tls: mutual TLS: %d flow records (want %d)" % (len(recs["hubble_flow_pb"]),
                                                          len(samples) + 20))
    check(len(recs["hubble_status_pb"]) >= 1, "tls: ServerStatus recorded")

    # no client certificate: the handshake fails, the recorder keeps trying
    rdir = os.path.join(base, "rec-tls-nocert")
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", ports["address"],
                   "--hubble-tls-ca", f("ca.crt"), "--duration", "2s")
    _, err = rec.p.communicate(timeout=60)
    recs = read_records(a.segdump, rdir)
    gaps = [s for s in recs["stats"] if s["reason"] == "gap"]
    check(rec.p.returncode == 0 and not recs["hubble_flow_pb"] and gaps
          and "cannot reach" in err,
          "tls: without the client certificate: no flows, a gap, the recorder ran on")
    srv.terminate()
    srv.wait()


def scenario_late_server(a, pb, base):
    """The server is not there at start: the recorder runs on, retries, connects."""
    sdir, rdir = os.path.join(base, "srv-late"), os.path.join(base, "rec-late")
    os.mkdir(sdir)
    sock = os.path.join(sdir, "late.sock")
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", sock)
    time.sleep(1.5)  # the span the server is away (retries happen in it)
    alive = rec.p.poll() is None
    srv, ports = start_server(sdir, "--unix", sock, "--tcp-port", "-1")
    n = len(sample_responses(pb))
    wait_for("the samples after a late start", lambda: stream_flows_sent(ports) >= n)
    time.sleep(0.4)
    rc = rec.stop()
    recs = read_records(a.segdump, rdir)
    gaps = [s for s in recs["stats"] if s["reason"] == "gap"]
    hosts = [s for s in recs["stats"] if s["source"] == "host"]
    check(alive and rc == 0 and len(recs["hubble_flow_pb"]) == n,
          "late: recorder ran without a server and then recorded the %d samples" % n)
    check(len(gaps) == 1 and gaps[0]["last"] - gaps[0]["first"] >= 1000000000,
          "late: one gap of >= 1.5 s before the first stream")
    check(len(hosts) >= 5, "late: the other sources' intervals went on (%d host stats)"
          % len(hosts))
    srv.terminate()
    srv.wait()


def scenario_refused(a, base):
    d = os.path.join(base, "certs")
    os.mkdir(d)
    open(os.path.join(d, "not.pem"), "w").write("hello\n")
    rdir = os.path.join(base, "rec-refused")
    cases = [
        (["--hubble", "unix:/x.sock", "--hubble-tls-ca", os.path.join(d, "not.pem")],
         "no PEM CERTIFICATE"),
        (["--hubble", "/x.sock", "--hubble-tls-server-name", "a.b"], "unix socket has no TLS"),
        (["--hubble", "h:1", "--hubble-tls-ca", os.path.join(d, "missing.crt")],
         "No such file"),
        (["--hubble", "h:1", "--hubble-tls-key", os.path.join(HERE, "server.py")],
         "no PEM PRIVATE KEY"),
        (["--hubble", "h:99999"], "bad --hubble"),
        (["--hubble", "h:1", "--hubble-jsonpb", "-"], "choose one Hubble input"),
        (["--hubble", "h:1", "--hubble-sample", "0"], "bad --hubble-sample"),
        (["--hubble", "h:1", "--hubble-flows", "l4"], "bad --hubble-flows"),
        (["--hubble", "h:1", "--hubble-namespace", "Bad_NS"], "bad --hubble-namespace"),
        (["--hubble", "h:1", "--hubble-max-fps", "x"], "bad --hubble-max-fps"),
        (["--hubble-sample", "2"], "need --hubble"),
        (["--families", "none"], "records nothing"),
    ]
    for args, msg in cases:
        p = subprocess.run([a.record, "--dir", rdir, "--kube", "off"] + args,
                           capture_output=True, text=True, timeout=30)
        check(p.returncode == 64 and msg in p.stderr,
              "refused (64, %r): %s -> %d" % (msg, " ".join(args), p.returncode))


def scenario_selection(a, pb, base):
    """--hubble-exclude-namespace and --hubble-sample over gRPC (the test
    server ignores the request's filters: the recorder's sink decides)."""
    sdir, rdir = os.path.join(base, "srv-sel"), os.path.join(base, "rec-sel")
    os.mkdir(sdir)
    srv, ports = start_server(sdir, "--tcp-port", "-1")
    samples = sample_responses(pb)
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", ports["unix"],
                   "--hubble-exclude-namespace", "kube-system,gen", "--hubble-sample", "3")
    wait_for("the samples", lambda: stream_flows_sent(ports) >= len(samples))
    ctl(ports, "/flows", {"generate": 25})  # namespace gen: all filtered
    wait_for("25 more", lambda: stream_flows_sent(ports) >= len(samples) + 25)
    time.sleep(0.5)
    rc = rec.stop()
    recs = read_records(a.segdump, rdir)
    excluded = ("kube-system", "gen")
    passed = [r for r in samples if r.flow.source.namespace not in excluded
              and r.flow.destination.namespace not in excluded]
    kept = (len(passed) + 2) // 3
    got = [pb.GetFlowsResponse.FromString(b) for b in recs["hubble_flow_pb"]]
    check(rc == 0 and len(got) == kept and 0 < kept < len(samples),
          "selection: %d flow records = 1 in 3 of the %d samples outside kube-system and gen"
          % (len(got), len(passed)))
    check(all(r.flow.source.namespace not in excluded and r.flow.destination.namespace
              not in excluded for r in got), "selection: no excluded namespace recorded")
    lost = collections.Counter()
    for st in recs["stats"]:
        if st["source"] == "hubble":
            lost[st["reason"]] += st["lost"]
    want_f = len(samples) + 25 - len(passed)
    check(lost["filtered"] == want_f and lost["sampled"] == len(passed) - kept,
          "selection: filtered %d (want %d), sampled %d (want %d)"
          % (lost["filtered"], want_f, lost["sampled"], len(passed) - kept))
    srv.terminate()
    srv.wait()


def scenario_jsonpb(a, pb, base):
    """--hubble-jsonpb: a file followed as it grows, and stdin."""
    lines = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.jsonl"))):
        with open(path) as f:
            lines += [l for l in f if l.strip()]
    src, rdir = os.path.join(base, "flows.jsonl"), os.path.join(base, "rec-jsonpb")
    with open(src, "w") as f:
        f.writelines(lines[:50])
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble-jsonpb", src)
    time.sleep(1.0)
    with open(src, "a") as f:
        f.writelines(lines[50:])
        f.write("{not json\n")
    time.sleep(3)  # the input's poll is 200 ms: generous under load
    rc = rec.stop()
    recs = read_records(a.segdump, rdir)
    n = len(recs["hubble_flow_pb"]) + len(recs["hubble_flow_json"])
    bad = sum(s["lost"] for s in recs["stats"] if s["reason"] == "bad_line")
    check(rc == 0 and n == len(lines) and bad == 1,
          "jsonpb: a followed file: %d records for %d lines, %d bad line" % (n, len(lines), bad))
    rdir = os.path.join(base, "rec-stdin")
    lost_line = '{"lost_events": {"source": "HUBBLE_RING_BUFFER", "num_events_lost": "3"}}\n'
    p = subprocess.run([a.record, "--dir", rdir, "--kube", "off", "--families", "none",
                        "--hubble-jsonpb", "-", "--duration", "2s"],
                       input="".join(lines) + lost_line, capture_output=True, text=True,
                       timeout=60)
    recs = read_records(a.segdump, rdir)
    n = len(recs["hubble_flow_pb"]) + len(recs["hubble_flow_json"])
    check(p.returncode == 0 and n == len(lines) + 1,
          "jsonpb: stdin: %d records for %d lines" % (n, len(lines) + 1))
    lost = sum(s["lost"] for s in recs["stats"]
               if s["reason"] == "lost_events:HUBBLE_RING_BUFFER")
    check(lost == 3, "jsonpb: a lost_events line counted by source (%d)" % lost)


def kernel_flood(a, base, attempt, flows):
    """One recording: `flows` generated flows into a 4 KiB queue while 300
    execs run. Return (lost, kept, execs, kernel lost, rc)."""
    sdir = os.path.join(base, "srv-kern%d" % attempt)
    rdir = os.path.join(base, "rec-kern%d" % attempt)
    os.mkdir(sdir)
    srv, ports = start_server(sdir, "--tcp-port", "-1", "--no-samples")
    rec = Recorder(a.record, rdir, "--families", "proc", "--hubble", "unix:" + ports["unix"],
                   "--hubble-queue-size", "4K")
    wait_for("the stream", lambda: ctl(ports, "/stats")["streams"] >= 1)
    ctl(ports, "/flows", {"generate": flows})
    marker = "frhubble%d-%d" % (os.getpid(), attempt)
    os.symlink("/bin/true", os.path.join(base, marker))
    for _ in range(300):
        subprocess.run([os.path.join(base, marker)])
    wait_for("the flood to be sent", lambda: stream_flows_sent(ports) >= flows, 300)
    time.sleep(0.5)
    rc = rec.stop()
    srv.terminate()
    srv.wait()
    recs = read_records(a.segdump, rdir)
    qf = [s for s in recs["stats"] if s["source"] == "hubble" and s["reason"] == "queue_full"]
    lost = sum(s["lost"] for s in qf)
    execs = sum(marker in b.decode(errors="replace") for b in recs["proc_exec"])
    kern = [s for s in recs["stats"] if s["source"] not in ("hubble", "host")]
    klost = sum(s["lost"] for s in kern)
    return lost, len(recs["hubble_flow_pb"]), execs, klost, rc


def scenario_kernel(a, pb, base):
    """A Hubble flood into a 4 KiB queue: queue_full counted, no exec missed.
    Whether the queue overflows depends on how fast the Python server sends
    against how fast the recorder drains: on a loaded machine a flood can
    fit through, so a flood that did not overflow is sent again, larger."""
    flows = 20000
    for attempt in range(3):
        lost, kept, execs, klost, rc = kernel_flood(a, base, attempt, flows)
        check(rc == 0 and lost + kept == flows,
              "kernel: every flow of the flood kept or counted (%d lost, %d kept, sum %d)"
              % (lost, kept, flows))
        check(execs == 300, "kernel: all 300 execs recorded during the flood (%d)" % execs)
        check(klost == 0, "kernel: no kernel event lost during the flood (%d)" % klost)
        if lost > 0:
            break
        print("kernel: %d flows did not overflow the queue (slow sender); again with %d"
              % (flows, flows * 4))
        flows *= 4
    check(lost > 0, "kernel: the flood overflowed the Hubble queue (%d lost)" % lost)


def ld(field, payload):
    """A length-delimited field: tag, length, payload."""
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def malformed_cases(good):
    """(name, bytes, offset, reason) the recorder must refuse; offsets
    from the wire layout built here."""
    # cut inside the flow field (first, one-byte length at good[1]): its
    # tag at 0 claims more than is left
    cases = [("truncated", good[:2 + good[1] // 2], 0, "truncated")]
    # flow.time as a varint (Timestamp is a message): the inner tag at 2
    inner = varint(1 << 3 | 0) + varint(5)
    cases.append(("wrong wire type", ld(1, inner), 2, "wrong wire type"))
    # flow.uuid (34) claims 1000 bytes, 3 follow: the uuid's tag at 2
    inner = varint(34 << 3 | 2) + varint(1000) + b"abc"
    cases.append(("oversized length", ld(1, inner), 2, "truncated"))
    # 3000 levels of field 1: flow.time.seconds is an int64, not a message,
    # so the third level is refused where its value starts (where the
    # analyzer's decoder puts a scalar sent length-delimited)
    deep = b""
    for _ in range(3000):
        deep = ld(1, deep)
    pos = 0
    for _ in range(3):  # past the headers of flow, flow.time, flow.time.seconds
        pos += _header_size(deep[pos:])
    cases.append(("deep nesting", deep, pos, "wrong wire type"))
    return cases


def _header_size(msg):
    """Bytes of a one-byte tag and the length varint after it."""
    i = 1
    while msg[i] & 0x80:
        i += 1
    return i + 1


def scenario_malformed(a, pb, base):
    """Malformed protobuf on a well-formed gRPC stream (POST /raw): each
    refused and counted as bad_message with its offset on stderr; the
    stream goes on and what follows is recorded. lost_events are counted
    by source in the statistics, and recorded."""
    sdir, rdir = os.path.join(base, "srv-bad"), os.path.join(base, "rec-bad")
    os.mkdir(sdir)
    srv, ports = start_server(sdir, "--tcp-port", "-1")
    samples = sample_responses(pb)
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", "unix:" + ports["unix"])
    wait_for("the samples", lambda: stream_flows_sent(ports) >= len(samples))
    cases = malformed_cases(samples[0].SerializeToString())
    sent = len(samples)
    for name, raw, _, _ in cases:
        ctl(ports, "/raw", {"hex": raw.hex()})
        ctl(ports, "/flows", {"generate": 2})
        sent += 3
    # deep nesting inside an unknown field: opaque bytes, kept
    deep = b""
    for _ in range(5000):
        deep = ld(1, deep)
    ctl(ports, "/raw", {"hex": ld(999, deep).hex()})
    ctl(ports, "/lost", {"source": "HUBBLE_RING_BUFFER", "num_events_lost": 5})
    ctl(ports, "/lost", {"source": "OBSERVER_EVENTS_QUEUE", "num_events_lost": 2})
    ctl(ports, "/lost", {"source": "HUBBLE_RING_BUFFER", "num_events_lost": 4})
    ctl(ports, "/flows", {"generate": 5})
    sent += 1 + 3 + 5
    wait_for("every response", lambda: stream_flows_sent(ports) >= sent)
    time.sleep(0.5)
    rc = rec.stop()
    check(rc == 0, "malformed: recorder exits 0 (%d)" % rc)
    recs = read_records(a.segdump, rdir)
    resp = [pb.GetFlowsResponse.FromString(b) for b in recs["hubble_flow_pb"]]
    flows = [r for r in resp if r.HasField("flow")]
    want = len(samples) + 2 * len(cases) + 5
    check(len(flows) == want, "malformed: %d flows recorded after and around the bad ones "
          "(want %d)" % (len(flows), want))
    check(len(resp) == want + 1 + 3, "malformed: the unknown-field nesting and 3 lost_events "
          "recorded too (%d responses)" % len(resp))
    for name, _, off, why in cases:
        check("%s at offset %d" % (why, off) in rec.stderr,
              "malformed: %s: '%s at offset %d' on stderr" % (name, why, off))
    bad = [s for s in recs["stats"] if s["source"] == "hubble" and s["reason"] == "bad_message"]
    check(sum(s["lost"] for s in bad) == len(cases),
          "malformed: bad_message statistics count %d (want %d)"
          % (sum(s["lost"] for s in bad), len(cases)))
    lost = collections.Counter()
    for st in recs["stats"]:
        if st["source"] == "hubble" and st["reason"].startswith("lost_events:"):
            lost[st["reason"]] += st["lost"]
    check(lost == {"lost_events:HUBBLE_RING_BUFFER": 9, "lost_events:OBSERVER_EVENTS_QUEUE": 2},
          "malformed: Hubble's losses by source in the statistics: %s" % dict(lost))
    srv.terminate()
    srv.wait()


def scenario_cap(a, pb, base):
    """--hubble-max-fps: a burst well over the cap; kept + capped = sent,
    kept within what the token bucket allows over the run."""
    sdir, rdir = os.path.join(base, "srv-cap"), os.path.join(base, "rec-cap")
    os.mkdir(sdir)
    srv, ports = start_server(sdir, "--tcp-port", "-1", "--no-samples")
    cap = 40
    t0 = time.monotonic()
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", "unix:" + ports["unix"],
                   "--hubble-max-fps", str(cap))
    wait_for("the stream", lambda: ctl(ports, "/stats")["streams"] >= 1)
    ctl(ports, "/flows", {"generate": 600})
    wait_for("the burst", lambda: stream_flows_sent(ports) >= 600)
    time.sleep(0.3)
    rc = rec.stop()
    secs = time.monotonic() - t0
    recs = read_records(a.segdump, rdir)
    kept = len(recs["hubble_flow_pb"])
    capped = sum(s["lost"] for s in recs["stats"] if s["source"] == "hubble"
                 and s["reason"] == "capped")
    check(rc == 0 and kept + capped == 600,
          "cap: kept %d + capped %d = 600 sent" % (kept, capped))
    # a bucket of one second's worth, refilled at cap/s while the recorder ran
    check(cap <= kept <= cap * (secs + 1),
          "cap: kept %d within [%d, %d] (%.1f s at %d/s, one second's burst)"
          % (kept, cap, int(cap * (secs + 1)), secs, cap))
    srv.terminate()
    srv.wait()


def scenario_kinds(a, pb, base):
    """--hubble-flows drop: only DROPPED flows kept, counted from what was
    sent; the rest counted as filtered."""
    sdir, rdir = os.path.join(base, "srv-kinds"), os.path.join(base, "rec-kinds")
    os.mkdir(sdir)
    srv, ports = start_server(sdir, "--tcp-port", "-1")
    samples = sample_responses(pb)
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", "unix:" + ports["unix"],
                   "--hubble-flows", "drop")
    wait_for("the samples", lambda: stream_flows_sent(ports) >= len(samples))
    ctl(ports, "/flows", {"generate": 100})
    total = len(samples) + 100
    wait_for("100 more", lambda: stream_flows_sent(ports) >= total)
    time.sleep(0.3)
    rc = rec.stop()
    recs = read_records(a.segdump, rdir)
    # the truth: the samples' verdicts, and the server's rule for generated
    # flows (every tenth DROPPED)
    dropped = sum(r.flow.verdict == DROPPED for r in samples) + 100 // 10
    got = [pb.GetFlowsResponse.FromString(b) for b in recs["hubble_flow_pb"]]
    filtered = sum(s["lost"] for s in recs["stats"] if s["source"] == "hubble"
                   and s["reason"] == "filtered")
    check(rc == 0 and len(got) == dropped and all(r.flow.verdict == DROPPED for r in got),
          "kinds: drop only: %d flows kept, all DROPPED (want %d)" % (len(got), dropped))
    check(filtered == total - dropped, "kinds: %d filtered (want %d)"
          % (filtered, total - dropped))
    srv.terminate()
    srv.wait()


def scenario_restart(a, pb, base):
    """A recorder restarted into the same --dir resumes after the newest
    flow there: no flow recorded twice across both runs."""
    sdir, rdir = os.path.join(base, "srv-restart"), os.path.join(base, "rec-restart")
    os.mkdir(sdir)
    srv, ports = start_server(sdir, "--tcp-port", "-1")
    samples = sample_responses(pb)
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", "unix:" + ports["unix"])
    wait_for("the samples", lambda: stream_flows_sent(ports) >= len(samples))
    ctl(ports, "/flows", {"generate": 20})
    wait_for("20 more", lambda: stream_flows_sent(ports) >= len(samples) + 20)
    time.sleep(0.3)
    rc1 = rec.stop()
    first = len(read_records(a.segdump, rdir)["hubble_flow_pb"])
    ctl(ports, "/flows", {"generate": 10})  # while no recorder runs
    sent0 = stream_flows_sent(ports)
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", "unix:" + ports["unix"])
    wait_for("the resumed stream", lambda: stream_flows_sent(ports) > sent0)
    ctl(ports, "/flows", {"generate": 5})
    wait_for("5 more", lambda: ctl(ports, "/stats")["seen"] == len(samples) + 35
             and stream_flows_sent(ports) >= sent0 + 15)
    time.sleep(0.3)
    rc2 = rec.stop()
    recs = read_records(a.segdump, rdir)
    flows = [pb.GetFlowsResponse.FromString(b) for b in recs["hubble_flow_pb"]]
    gen = [r.SerializeToString() for r in flows if r.flow.source.namespace == "gen"]
    reqs = ctl(ports, "/stats")["requests"]
    check(rc1 == 0 and rc2 == 0 and first == len(samples) + 20,
          "restart: the first run recorded %d flows (want %d)" % (first, len(samples) + 20))
    check(len(flows) == len(samples) + 35 and len(gen) == 35 and len(set(gen)) == 35,
          "restart: %d flows in both runs = %d sent, the 35 generated ones once each (%d, %d "
          "distinct)" % (len(flows), len(samples) + 35, len(gen), len(set(gen))))
    check(len(reqs) == 2 and reqs[0]["since"] is None and reqs[1]["since"] is not None,
          "restart: the second run's GetFlows has since (%s)" % [r["since"] for r in reqs])
    check("resuming since then" in rec.stderr, "restart: said so on stderr")
    srv.terminate()
    srv.wait()


def prologue(ap, prefix):
    """The options every recorder test takes, parsed; the generated
    messages; a work directory. None when python3-grpcio is missing."""
    ap.add_argument("--record", required=True)
    ap.add_argument("--segdump", required=True)
    ap.add_argument("--only", help="scenarios to run, comma-separated (default: all)")
    a = ap.parse_args()
    try:
        import grpc  # noqa: F401
    except ImportError:
        print("skip: python3-grpcio is missing (apt-get install python3-grpcio)")
        return None
    from server import load_messages
    return a, load_messages(), tempfile.mkdtemp(prefix=prefix)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", action="store_true")
    r = prologue(ap, "hubble-rec-")
    if r is None:
        return 77
    a, pb, base = r
    if a.kernel:
        scenario_kernel(a, pb, base)
        print("%d failure(s)" % len(FAILS))
        return 1 if FAILS else 0
    scenarios = [("refused", lambda: scenario_refused(a, base))] + [
        (f.__name__[len("scenario_"):], lambda f=f: f(a, pb, base))
        for f in (scenario_unix, scenario_tls, scenario_late_server, scenario_selection,
                  scenario_jsonpb, scenario_malformed, scenario_cap, scenario_kinds,
                  scenario_restart)]
    only = set(a.only.split(",")) if a.only else None
    for name, run in scenarios:
        if only is None or name in only:
            run()
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
