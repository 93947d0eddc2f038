#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks the test Hubble server (server.py) with python3-grpcio's client
and the same protoc-generated messages, over the unix socket and over TLS:
ServerStatus, GetFlows = the sample lines, follow, since, number/first,
lost_events, node_status, mid-stream close, TLS refusals. Exit 77 only
when python3-grpcio is missing."""
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
FIXTURES = os.path.join(HERE, "..", "..", "fixtures", "hubble")
FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def start(d, *args):
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), "--dir", d,
                          "--exit-with", str(os.getpid())] + list(args),
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if line.strip() != "ready":
        raise SystemExit("server did not start: %r" % line)
    with open(os.path.join(d, "ports.json")) as f:
        return p, json.load(f)


def ctl(ports, path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (ports["control"], path),
                                 data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def time_ns(s):
    """RFC 3339 with nanoseconds, parsed here (not by protobuf)."""
    main, frac = s.rstrip("Z").split(".") if "." in s else (s.rstrip("Z"), "0")
    dt = datetime.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9])


def main():
    try:
        import grpc
    except ImportError:
        print("skip: python3-grpcio is missing (apt-get install python3-grpcio)")
        return 77
    from server import load_messages
    pb = load_messages()
    from google.protobuf import json_format

    lines = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.jsonl"))):
        with open(path) as f:
            lines += [json.loads(l) for l in f if l.strip()]
    expected = list(lines)  # every flow the server holds, as JSON, in order
    d = tempfile.mkdtemp(prefix="hubble-srv-")
    proc, ports = start(d)
    ca = open(os.path.join(d, "ca.crt"), "rb").read()
    todict = lambda m: json_format.MessageToDict(m, preserving_proto_field_name=True)

    def stubs(ch):
        return (ch.unary_stream("/observer.Observer/GetFlows",
                                request_serializer=pb.GetFlowsRequest.SerializeToString,
                                response_deserializer=pb.GetFlowsResponse.FromString),
                ch.unary_unary("/observer.Observer/ServerStatus",
                               request_serializer=pb.ServerStatusRequest.SerializeToString,
                               response_deserializer=pb.ServerStatusResponse.FromString))

    channels = {"unix": grpc.insecure_channel("unix:" + ports["unix"]),
                "tls": grpc.secure_channel(ports["address"], grpc.ssl_channel_credentials(ca))}
    for k, (tname, ch) in enumerate(channels.items()):
        get_flows, status = stubs(ch)
        st = status(pb.ServerStatusRequest())
        check(st.num_flows == len(expected) and st.seen_flows == len(expected)
              and st.max_flows == 4095 and st.num_connected_nodes.value == 1,
              "%s: ServerStatus num_flows=%d seen=%d (expected %d)" %
              (tname, st.num_flows, st.seen_flows, len(expected)))

        got = [todict(r) for r in get_flows(pb.GetFlowsRequest())]
        check(got == expected, "%s: GetFlows = the %d flows (%d sample lines)" %
              (tname, len(expected), len(lines)))

        cut = sorted(time_ns(l["flow"]["time"]) for l in expected)[len(expected) // 2]
        since = pb.GetFlowsRequest()
        since.since.seconds, since.since.nanos = divmod(cut, 10**9)
        want = [l for l in expected if time_ns(l["flow"]["time"]) >= cut]
        got = [todict(r) for r in get_flows(since)]
        check(got == want and 0 < len(want) < len(expected),
              "%s: since keeps %d of %d flows" % (tname, len(got), len(expected)))

        got = [todict(r) for r in get_flows(pb.GetFlowsRequest(number=3, first=True))]
        check(got == expected[:3], "%s: number=3 first=true" % tname)
        got = [todict(r) for r in get_flows(pb.GetFlowsRequest(number=3))]
        check(got == expected[-3:], "%s: number=3 (last)" % tname)

        # follow: the last flow, then what the control channel adds
        stream = get_flows(pb.GetFlowsRequest(number=1, follow=True))
        check(todict(next(stream)) == expected[-1], "%s: follow starts with the last flow" % tname)
        new = json.loads(json.dumps(lines[k]))
        new["flow"]["time"] = new["time"] = "2030-01-01T00:00:0%d.000000123Z" % k
        ctl(ports, "/flows", {"items": [new]})
        expected.append(new)
        check(todict(next(stream)) == new, "%s: follow delivers a flow added by /flows" % tname)
        ctl(ports, "/lost", {"source": "PERF_EVENT_RING_BUFFER", "num_events_lost": 7, "cpu": 1})
        r = next(stream)
        check(r.HasField("lost_events") and r.lost_events.num_events_lost == 7 and
              r.lost_events.source == 1 and r.lost_events.cpu.value == 1,
              "%s: lost_events 7 from PERF_EVENT_RING_BUFFER cpu 1" % tname)
        ctl(ports, "/node_status", {"state_change": "NODE_UNAVAILABLE", "node_names": ["n2"],
                                    "message": "gone"})
        r = next(stream)
        check(r.HasField("node_status") and r.node_status.state_change == 2 and
              list(r.node_status.node_names) == ["n2"], "%s: node_status NODE_UNAVAILABLE n2" % tname)
        ctl(ports, "/flows", {"generate": 4})
        gen = [next(stream) for _ in range(4)]
        check(all(g.HasField("flow") and g.flow.source.namespace == "gen" for g in gen),
              "%s: follow delivers 4 generated flows" % tname)
        expected += [todict(g) for g in gen]
        ctl(ports, "/fault", {"close": True, "code": "UNAVAILABLE"})
        try:
            extra = list(stream)
            check(False, "%s: close mid-stream ended without an error (%d more)" % (tname, len(extra)))
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.UNAVAILABLE, "%s: close mid-stream -> %s" % (tname, e.code()))

        ctl(ports, "/fault", {"close_after": 5, "code": "INTERNAL"})
        got = []
        try:
            for r in get_flows(pb.GetFlowsRequest()):
                got.append(todict(r))
            check(False, "%s: close_after ended without an error" % tname)
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.INTERNAL and got == expected[:5],
                  "%s: close_after 5 -> 5 flows then %s" % (tname, e.code()))
        st = status(pb.ServerStatusRequest())
        check(st.num_flows == len(expected) and st.seen_flows == len(expected),
              "%s: ServerStatus after adds: num_flows=%d (expected %d)" % (tname, st.num_flows, len(expected)))

    # TLS: a client without the CA is refused
    _, status = stubs(grpc.secure_channel(ports["address"], grpc.ssl_channel_credentials()))
    try:
        status(pb.ServerStatusRequest())
        check(False, "tls: a client without the CA was served")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.UNAVAILABLE, "tls: a client without the CA -> %s" % e.code())
    proc.terminate()
    proc.wait()

    # TLS with a required client certificate
    d2 = tempfile.mkdtemp(prefix="hubble-srv-mtls-")
    proc, ports = start(d2, "--client-cert", "--unix", "none")
    rd = lambda f: open(os.path.join(d2, f), "rb").read()
    _, status = stubs(grpc.secure_channel(ports["address"], grpc.ssl_channel_credentials(rd("ca.crt"))))
    try:
        status(pb.ServerStatusRequest())
        check(False, "mtls: a client without a certificate was served")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.UNAVAILABLE, "mtls: no client cert -> %s" % e.code())
    creds = grpc.ssl_channel_credentials(rd("ca.crt"), rd("client.key"), rd("client.crt"))
    _, status = stubs(grpc.secure_channel(ports["address"], creds))
    check(status(pb.ServerStatusRequest()).num_flows == len(lines), "mtls: client cert -> served")
    proc.terminate()
    proc.wait()
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
