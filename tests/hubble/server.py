#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A test Hubble server: the Observer service (GetFlows, ServerStatus) of
format/hubble/proto/observer.proto on Debian's python3-grpcio, with the
messages protoc generates for python3-protobuf. Serves the sample flows of
fixtures/hubble (and generated ones), follows, sends lost_events and
node_status on request, and cuts streams mid-way. See README.md."""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROTOS = ["flow/flow.proto", "relay/relay.proto", "observer/observer.proto"]


def load_messages(proto_dir=None):
    """protoc --python_out into a temporary directory; returns observer_pb2."""
    proto_dir = proto_dir or os.path.join(ROOT, "format/hubble/proto")
    out = tempfile.mkdtemp(prefix="hubble-pb-")
    subprocess.run(["protoc", "-I", proto_dir, "--python_out", out] + PROTOS, check=True)
    sys.path.insert(0, out)
    from observer import observer_pb2
    return observer_pb2


def make_certs(d):
    """Test CA, server cert (127.0.0.1, ::1, localhost, a Hubble Relay name)
    and client cert, with the openssl CLI; kept when DIR has them."""
    if all(os.path.exists(os.path.join(d, f)) for f in
           ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")):
        return

    def ssl(*a):
        subprocess.run(["openssl"] + list(a), cwd=d, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    ssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650",
        "-subj", "/CN=flightrec test hubble CA")
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,"
                       "DNS:*.hubble-relay.cilium.io\nextendedKeyUsage=serverAuth"),
                      ("client", "extendedKeyUsage=clientAuth")):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext + "\n")
        ssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", "/CN=" + ("localhost" if name == "server" else "flightrec-record"))
        ssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "3650", "-extfile", name + ".ext")


class Hub:
    """The flow buffer and the log of responses followers read."""

    def __init__(self, pb, max_flows, node):
        self.pb, self.max_flows, self.node = pb, max_flows, node
        self.cv = threading.Condition()
        self.log = []  # every response, in order (flows and events)
        self.seen = 0  # flows ever added
        self.cut = 0  # bumped by /fault close: open streams end
        self.cut_code = "UNAVAILABLE"
        self.cut_message = "test server: closed mid-stream"
        self.status_error = None  # (code, message): ServerStatus fails so
        self.compress = False  # streams from now on gzip their messages
        self.close_after = None  # the next stream ends after N responses
        self.streams = 0
        self.sent = 0
        self.requests = []
        self.start = time.time_ns()
        self.gen = 0

    def add(self, resp):
        """A response for followers: a GetFlowsResponse, or bytes sent as
        they are (POST /raw: malformed messages)."""
        with self.cv:
            self.log.append(resp)
            if not isinstance(resp, bytes) and resp.HasField("flow"):
                self.seen += 1
            self.cv.notify_all()

    def flows(self):
        """The flows still in the ring (the last max_flows)."""
        fl = [r for r in self.log if not isinstance(r, bytes) and r.HasField("flow")]
        return fl[-self.max_flows:]

    def add_json(self, obj):
        from google.protobuf import json_format
        self.add(json_format.ParseDict(obj, self.pb.GetFlowsResponse()))

    def generate(self, n):
        """n TCP flows between generated pods, time = now."""
        for _ in range(n):
            self.gen += 1
            k = self.gen
            t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%09dZ" % (time.time_ns() % 10**9)
            ep = lambda i: {"ID": 100 + i, "identity": 1000 + i, "namespace": "gen",
                            "pod_name": "gen-%d" % i, "labels": ["k8s:app=gen-%d" % i]}
            self.add_json({"flow": {
                "time": t, "verdict": "FORWARDED" if k % 10 else "DROPPED",
                "IP": {"source": "10.200.0.%d" % (k % 250 + 1),
                       "destination": "10.200.1.%d" % (k % 250 + 1), "ipVersion": "IPv4"},
                "l4": {"TCP": {"source_port": 30000 + k % 30000, "destination_port": 8080,
                               "flags": {"SYN": True}}},
                "source": ep(k % 7), "destination": ep(7 + k % 5),
                "Type": "L3_L4", "node_name": self.node,
                "event_type": {"type": 4 if k % 10 else 1},
                "traffic_direction": "EGRESS", "Summary": "TCP Flags: SYN"},
                "node_name": self.node, "time": t})


def ts_ns(ts):
    return ts.seconds * 10**9 + ts.nanos


def make_servicer(hub):
    import grpc
    pb = hub.pb

    def get_flows(req, ctx):
        with hub.cv:
            hub.streams += 1
            hub.requests.append({"number": req.number, "first": req.first, "follow": req.follow,
                                 "since": ts_ns(req.since) if req.HasField("since") else None})
            cut0, limit, hub.close_after = hub.cut, hub.close_after, None
            fl = hub.flows()
            pos = len(hub.log)
            compress = hub.compress
        if compress:
            ctx.set_compression(grpc.Compression.Gzip)
        try:
            if req.HasField("since"):
                fl = [r for r in fl if ts_ns(r.flow.time) >= ts_ns(req.since)]
            if req.HasField("until"):
                fl = [r for r in fl if ts_ns(r.flow.time) <= ts_ns(req.until)]
            if req.number:
                fl = fl[:req.number] if req.first else fl[-req.number:]
            sent = [0]

            def out(rs):  # yields rs; a close_after fault ends the stream
                for r in rs:
                    if limit is not None and sent[0] >= limit:
                        ctx.abort(getattr(grpc.StatusCode, hub.cut_code), hub.cut_message)
                    yield r
                    sent[0] += 1
                    hub.sent += 1

            yield from out(fl)
            while req.follow and ctx.is_active():
                with hub.cv:
                    while pos >= len(hub.log) and hub.cut == cut0 and ctx.is_active():
                        hub.cv.wait(0.2)
                    new, pos, cut = hub.log[pos:], len(hub.log), hub.cut
                if cut != cut0:
                    ctx.abort(getattr(grpc.StatusCode, hub.cut_code), hub.cut_message)
                yield from out(new)
        finally:
            with hub.cv:
                hub.streams -= 1

    def server_status(req, ctx):
        from google.protobuf import wrappers_pb2
        if hub.status_error:
            ctx.abort(getattr(grpc.StatusCode, hub.status_error[0]), hub.status_error[1])
        with hub.cv:
            up = time.time_ns() - hub.start
            return pb.ServerStatusResponse(
                num_flows=len(hub.flows()), max_flows=hub.max_flows, seen_flows=hub.seen,
                uptime_ns=up, num_connected_nodes=wrappers_pb2.UInt32Value(value=1),
                num_unavailable_nodes=wrappers_pb2.UInt32Value(value=0),
                version="flightrec-test-hubble 1.0", flows_rate=hub.seen / max(up / 1e9, 1e-9))

    return grpc.method_handlers_generic_handler("observer.Observer", {
        "GetFlows": grpc.unary_stream_rpc_method_handler(
            get_flows, request_deserializer=pb.GetFlowsRequest.FromString,
            # bytes (POST /raw) go out as they are: an identity serializer
            response_serializer=lambda r: r if isinstance(r, bytes) else r.SerializeToString()),
        "ServerStatus": grpc.unary_unary_rpc_method_handler(
            server_status, request_deserializer=pb.ServerStatusRequest.FromString,
            response_serializer=pb.ServerStatusResponse.SerializeToString),
    })


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7f, n >> 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def control_server(hub, stop, restart):
    """JSON over HTTP on 127.0.0.1 (the control interface in README.md)."""
    rate = {"r": 0.0}

    def pacer():
        due = time.monotonic()
        while not stop.is_set():
            r = rate["r"]
            if r <= 0:
                due = time.monotonic()
                time.sleep(0.05)
                continue
            due += 1.0 / r
            time.sleep(max(0.0, due - time.monotonic()))
            hub.generate(1)

    threading.Thread(target=pacer, daemon=True).start()

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, code, obj):
            b = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_GET(self):
            if self.path == "/stats":
                with hub.cv:
                    return self.reply(200, {"flows": len(hub.flows()), "seen": hub.seen,
                                            "responses": len(hub.log), "streams": hub.streams,
                                            "sent": hub.sent, "requests": hub.requests})
            self.reply(404, {"error": "no such path"})

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(n) or b"{}")
                self.reply(200, self.post(self.path, body))
            except Exception as e:  # a bad request is answered, never fatal
                self.reply(400, {"error": str(e)})

        def post(self, path, b):
            from google.protobuf import json_format
            if path == "/flows":  # {"items": [GetFlowsResponse JSON...]} or {"generate": N}
                for o in b.get("items", []):
                    hub.add_json(o if "flow" in o else {"flow": o})
                hub.generate(int(b.get("generate", 0)))
            elif path == "/lost":  # {"source": "...", "num_events_lost": N, "cpu": C}
                ev = {"source": b.get("source", "HUBBLE_RING_BUFFER"),
                      "num_events_lost": str(b.get("num_events_lost", 1))}
                if "cpu" in b:
                    ev["cpu"] = b["cpu"]
                hub.add_json({"lost_events": ev, "node_name": hub.node})
            elif path == "/raw":  # {"hex": "..."}, {"base64": "..."} or {"pad": N}: bytes as a response
                import base64
                if "pad" in b:  # unknown field 999 holding N bytes: well-formed, that long
                    n = int(b["pad"])
                    raw = varint(999 << 3 | 2) + varint(n) + b"x" * n
                else:
                    raw = bytes.fromhex(b["hex"]) if "hex" in b else base64.b64decode(b["base64"])
                hub.add(raw)
            elif path == "/node_status":  # {"state_change": "NODE_...", "node_names": [...], "message": ""}
                hub.add(json_format.ParseDict({"node_status": b}, hub.pb.GetFlowsResponse()))
            elif path == "/rate":
                rate["r"] = float(b.get("rate", 0))
            elif path == "/fault":  # {"close": true, "code": "UNAVAILABLE"} | {"close_after": N}
                with hub.cv:
                    hub.cut_code = b.get("code", hub.cut_code)
                    hub.cut_message = b.get("message", hub.cut_message)
                    if "status_error" in b:  # {"code": ..., "message": ...} or null
                        e = b["status_error"]
                        hub.status_error = (e["code"], e.get("message", "")) if e else None
                    hub.compress = b.get("compress", hub.compress)
                    if b.get("close"):
                        hub.cut += 1
                    if "close_after" in b:
                        hub.close_after = b["close_after"]
                    hub.cv.notify_all()
            elif path == "/restart":  # {"grace": S}: GOAWAY, streams cancelled after S, listen again
                restart(float(b.get("grace", 0.5)))
            elif path == "/shutdown":
                stop.set()
            else:
                raise ValueError("no such path: " + path)
            return {"ok": True, "responses": len(hub.log), "seen": hub.seen}

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--unix", help="socket path (default DIR/hubble.sock); 'none' for no socket")
    ap.add_argument("--tcp-port", type=int, default=0, help="TLS port (0 picks one, -1 none)")
    ap.add_argument("--tcp-host", default="127.0.0.1", help="TLS address (::1 for IPv6)")
    ap.add_argument("--client-cert", action="store_true", help="require a client cert")
    ap.add_argument("--ping-interval-ms", type=int,
                    help="accept client PINGs this often (default: gRPC's 5 minutes, then GOAWAY)")
    ap.add_argument("--fixtures", default=os.path.join(ROOT, "fixtures/hubble"))
    ap.add_argument("--no-samples", action="store_true")
    ap.add_argument("--generate", type=int, default=0)
    ap.add_argument("--max-flows", type=int, default=4095)
    ap.add_argument("--node", default="test-node")
    ap.add_argument("--exit-with", type=int, help="exit when this pid is gone")
    a = ap.parse_args()

    try:
        import grpc
    except ImportError:
        print("python3-grpcio is missing", file=sys.stderr)
        return 77
    os.makedirs(a.dir, exist_ok=True)
    pb = load_messages()
    hub = Hub(pb, a.max_flows, a.node)
    if not a.no_samples:
        for path in sorted(glob.glob(os.path.join(a.fixtures, "*.jsonl"))):
            with open(path) as f:
                for line in f:
                    if line.strip():
                        hub.add_json(json.loads(line))
    hub.generate(a.generate)

    from concurrent import futures
    ports = {"pid": os.getpid()}
    sock = a.unix or os.path.join(a.dir, "hubble.sock")
    if sock != "none":
        ports["unix"] = sock
    if a.tcp_port >= 0:
        make_certs(a.dir)
    rd = lambda f: open(os.path.join(a.dir, f), "rb").read()

    def make_server(tcp_port):
        """A gRPC server on the unix socket and TLS port; returns it and
        the TLS port it got."""
        opts = []
        if a.ping_interval_ms is not None:  # keepalive PINGs this often are fine
            opts = [("grpc.http2.min_ping_interval_without_data_ms", a.ping_interval_ms),
                    ("grpc.http2.max_ping_strikes", 0)]
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=32), options=opts)
        server.add_generic_rpc_handlers((make_servicer(hub),))
        if sock != "none":
            if os.path.exists(sock):
                os.unlink(sock)
            server.add_insecure_port("unix:" + sock)
        port = None
        if tcp_port >= 0:
            creds = grpc.ssl_server_credentials([(rd("server.key"), rd("server.crt"))],
                                                root_certificates=rd("ca.crt") if a.client_cert else None,
                                                require_client_auth=a.client_cert)
            host = "[%s]" % a.tcp_host if ":" in a.tcp_host else a.tcp_host
            port = server.add_secure_port("%s:%d" % (host, tcp_port), creds)
        server.start()
        return server, port

    current = {}
    current["server"], port = make_server(a.tcp_port)
    if port is not None:
        host = "[%s]" % a.tcp_host if ":" in a.tcp_host else a.tcp_host
        ports["tcp"] = port
        ports["address"] = "%s:%d" % (host, port)
        ports["client_cert_required"] = a.client_cert

    def restart(grace):
        """GOAWAY to every client, their streams cancelled after grace
        seconds, then a new server on the same socket and port."""
        current["server"].stop(grace).wait()
        current["server"], _ = make_server(ports.get("tcp", -1))

    stop = threading.Event()
    ctl = control_server(hub, stop, restart)
    ports["control"] = ctl.server_address[1]
    tmp = os.path.join(a.dir, "ports.json.tmp")
    with open(tmp, "w") as f:
        json.dump(ports, f)
    os.replace(tmp, os.path.join(a.dir, "ports.json"))
    import signal
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    while not stop.wait(0.5):
        if a.exit_with:
            try:
                os.kill(a.exit_with, 0)
            except ProcessLookupError:
                break
    current["server"].stop(0.5).wait()
    ctl.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
