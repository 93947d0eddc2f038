#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The recorder's gRPC client (nghttp2 + OpenSSL, recorder/sources/hubble/
hubble_h2.c, hubble_conn.c, hubble_msgcut.c) against what a real peer
(server.py on python3-grpcio) can do to it: a non-zero grpc-status with a
percent-encoded message, ServerStatus UNIMPLEMENTED, gzip-compressed
messages never asked for, a message over the 4 MiB bound and a 1 MiB one
across many reads, GOAWAY from a server that restarts, a connection cut
inside a message (a proxy in this script closes it after N bytes), TLS
with a wrong server name or a foreign CA, TLS over IPv6 checked against
the certificate's IP address, a target by name (resolved or not), a
stop during a TLS handshake that never completes, and keepalive PINGs
(refused by a strict server; answered, then unanswered: a proxy here
goes silent). The truth is what this script sent (server.py's /stats
and the flows it generated); the recording is read back with
hubble_segdump and Google's protobuf. Exit 77 only when python3-grpcio
is missing."""
import argparse
import os
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_recorder as tr  # noqa: E402  (its helpers and its check/FAILS)

check, ctl, wait_for, Recorder = tr.check, tr.ctl, tr.wait_for, tr.Recorder
def pad_message(n):
    """server.py's /raw pad: unknown field 999 holding n bytes."""
    return tr.varint(999 << 3 | 2) + tr.varint(n) + b"x" * n


def flows_of(pb, recs):
    resp = [pb.GetFlowsResponse.FromString(b) for b in recs["hubble_flow_pb"]]
    return resp, [r for r in resp if r.HasField("flow")]


def summary(stderr):
    """The recorder's last line: responses, streams, skipped, bad, statuses."""
    for line in stderr.splitlines():
        if " responses in " in line:
            w = line.split("hubble: ")[1].replace(",", "").split()
            return {"responses": int(w[0]), "streams": int(w[3]), "resent": int(w[5]),
                    "bad": int(w[13]), "statuses": int(w[17])}
    return {}


def stats_lost(recs, reason):
    return sum(s["lost"] for s in recs["stats"] if s["source"] == "hubble"
               and s["reason"] == reason)


def gen_once(flows):
    """Generated flows recorded exactly once each: (count, distinct)."""
    gen = [r.SerializeToString() for r in flows if r.flow.source.namespace == "gen"]
    return len(gen), len(set(gen))


def unix_server(base, name):
    """server.py on a unix socket without the samples: (process, ports,
    recording directory)."""
    sdir = os.path.join(base, "srv-" + name)
    os.mkdir(sdir)
    srv, ports = tr.start_server(sdir, "--tcp-port", "-1", "--no-samples")
    return srv, ports, os.path.join(base, "rec-" + name)


def follow(a, ports, rdir, sock=None):
    """The recorder on the server's socket (or sock), its first stream open."""
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble",
                   "unix:" + (sock or ports["unix"]))
    wait_for("the first stream", lambda: ctl(ports, "/stats")["streams"] >= 1)
    return rec


def send(ports, n, total):
    """n generated flows, then until the server has sent total responses."""
    ctl(ports, "/flows", {"generate": n})
    wait_for("%d responses sent" % total, lambda: tr.stream_flows_sent(ports) >= total)


def wait_streams(ports, n):
    """The n-th GetFlows open (a reconnect)."""
    wait_for("GetFlows #%d" % n, lambda: len(ctl(ports, "/stats")["requests"]) >= n
             and ctl(ports, "/stats")["streams"] >= 1)


def stop(a, pb, rec, rdir):
    """Stops the recorder: (exit code, records, responses, flows)."""
    time.sleep(0.3)  # the last response sent reaches the recorder
    rc = rec.stop()
    recs = tr.read_records(a.segdump, rdir)
    return (rc, recs) + flows_of(pb, recs)


def scenario_status(a, pb, base):
    """ServerStatus UNIMPLEMENTED: GetFlows all the same; a stream ended
    with PERMISSION_DENIED and a message that needs percent-encoding: said
    decoded, then resumed."""
    srv, ports, rdir = unix_server(base, "status")
    ctl(ports, "/fault", {"status_error": {"code": "UNIMPLEMENTED", "message": "not here"}})
    rec = follow(a, ports, rdir)
    send(ports, 5, 5)
    msg = "denied: 100% sure, caf\u00e9 closed"
    ctl(ports, "/fault", {"status_error": None, "close": True, "code": "PERMISSION_DENIED",
                          "message": msg})
    wait_streams(ports, 2)
    send(ports, 5, 11)  # the last flow seen is sent again from since
    rc, recs, _, flows = stop(a, pb, rec, rdir)
    s = summary(rec.stderr)
    check(rc == 0 and gen_once(flows) == (10, 10),
          "status: 10 flows over two streams, none twice (%s)" % (gen_once(flows),))
    check("status 7 PERMISSION_DENIED: " + msg in rec.stderr,
          "status: the stream's end said with grpc-message decoded")
    check(s.get("streams") == 2 and s.get("statuses") == 1 and len(recs["hubble_status_pb"]) >= 1,
          "status: UNIMPLEMENTED ServerStatus, GetFlows anyway: 2 streams, 1 status (%s)" % s)
    srv.terminate()
    srv.wait()


def scenario_compressed(a, pb, base):
    """gzip messages (grpcio compresses though identity was asked for):
    each refused as bad_message and said, the stream kept; a stream
    without compression resumes since the last flow seen and gets them."""
    srv, ports, rdir = unix_server(base, "gzip")
    rec = follow(a, ports, rdir)
    send(ports, 2, 2)
    ctl(ports, "/fault", {"compress": True, "close": True})
    wait_streams(ports, 2)
    # compressed: the last flow seen, sent again from since, and the 3 new
    send(ports, 3, 6)
    time.sleep(0.3)
    ctl(ports, "/fault", {"compress": False, "close": True})
    wait_streams(ports, 3)
    send(ports, 4, 6 + 1 + 3 + 4)  # from since: the last flow seen and the 3 again
    rc, recs, _, flows = stop(a, pb, rec, rdir)
    rec_lines = [l for l in rec.stderr.splitlines() if "bad message" in l]
    bad_said = sum("compressed (grpc-encoding gzip" in l for l in rec_lines)
    check(rc == 0 and bad_said == 4 and stats_lost(recs, "bad_message") == 4,
          "gzip: 4 compressed messages refused, said (%d) and counted as bad_message (%d)"
          % (bad_said, stats_lost(recs, "bad_message")))
    check(gen_once(flows) == (9, 9),
          "gzip: the 9 flows recorded once each, the 3 through the resumed stream (%s)"
          % (gen_once(flows),))
    srv.terminate()
    srv.wait()


def scenario_big(a, pb, base):
    """A 5 MiB message: over the bound, skipped without ending the stream;
    a 1 MiB one: gathered across reads and recorded byte for byte."""
    srv, ports, rdir = unix_server(base, "big")
    rec = follow(a, ports, rdir)
    ctl(ports, "/flows", {"generate": 2})
    ctl(ports, "/raw", {"pad": 5 << 20})
    ctl(ports, "/flows", {"generate": 2})
    ctl(ports, "/raw", {"pad": 1 << 20})
    send(ports, 2, 8)
    rc, recs, resp, flows = stop(a, pb, rec, rdir)
    big = len(pad_message(5 << 20))
    check(rc == 0 and "(response 3, %d bytes): over the 4 MiB message bound" % big
          in rec.stderr and stats_lost(recs, "bad_message") == 1,
          "big: the %d-byte message refused, said and counted" % big)
    check(gen_once(flows) == (6, 6) and summary(rec.stderr).get("streams") == 1,
          "big: the stream went on: 6 flows, one stream (%s, %s)"
          % (gen_once(flows), summary(rec.stderr)))
    mib = [b for b in recs["hubble_flow_pb"] if len(b) > 1000]
    check(mib == [pad_message(1 << 20)], "big: the 1 MiB message recorded as sent")
    srv.terminate()
    srv.wait()


def scenario_goaway(a, pb, base):
    """The server restarts (GOAWAY, its streams cancelled after 0.5 s):
    said, reconnected, resumed; nothing lost, nothing twice."""
    srv, ports, rdir = unix_server(base, "goaway")
    rec = follow(a, ports, rdir)
    send(ports, 5, 5)
    ctl(ports, "/restart", {"grace": 0.5})
    ctl(ports, "/flows", {"generate": 5})
    wait_streams(ports, 2)  # on the new server
    send(ports, 5, 16)  # from since: the last flow seen and the 5 meanwhile
    rc, recs, _, flows = stop(a, pb, rec, rdir)
    gaps = [s for s in recs["stats"] if s["reason"] == "gap"]
    check(rc == 0 and "after GOAWAY" in rec.stderr, "goaway: the stream's end names GOAWAY")
    check(gen_once(flows) == (15, 15) and len(gaps) >= 1,
          "goaway: 15 flows once each across the restart, %d gap(s) (%s)"
          % (len(gaps), gen_once(flows)))
    srv.terminate()
    srv.wait()


class CutProxy:
    """A unix-socket proxy that, once armed with N, forwards N more bytes
    from the server and then closes both sides: a connection that ends
    inside whatever was being sent. Frozen, it forwards nothing more: a
    peer that went silent."""

    def __init__(self, path, upstream):
        self.path, self.upstream, self.cut, self.frozen = path, upstream, None, False
        self.lock = threading.Lock()
        self.ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ls.bind(path)
        self.ls.listen(8)
        threading.Thread(target=self.accept, daemon=True).start()

    def arm(self, n):
        with self.lock:
            self.cut = n

    def freeze(self):
        """From now on nothing passes, either way; the connections stay."""
        self.frozen = True

    def accept(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            u.connect(self.upstream)
            threading.Thread(target=self.pump, args=(c, u, False), daemon=True).start()
            threading.Thread(target=self.pump, args=(u, c, True), daemon=True).start()

    def pump(self, src, dst, from_server):
        try:
            while True:
                b = src.recv(65536)
                if not b:
                    break
                if self.frozen:
                    continue
                if from_server:
                    with self.lock:
                        if self.cut is not None:
                            b, self.cut = b[:self.cut], self.cut - min(len(b), self.cut)
                            if not self.cut:
                                self.cut = None
                                dst.sendall(b)
                                raise OSError("cut")
                dst.sendall(b)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def scenario_cut(a, pb, base):
    """The connection closes 600 000 bytes into a 2 MiB message: said with
    how much of it came, nothing of it recorded, resumed; every flow once."""
    srv, ports, rdir = unix_server(base, "cut")
    proxy = CutProxy(os.path.join(base, "proxy.sock"), ports["unix"])
    rec = follow(a, ports, rdir, proxy.path)
    send(ports, 5, 5)
    time.sleep(0.3)  # they passed the proxy
    proxy.arm(600000)
    ctl(ports, "/raw", {"pad": 2 << 20})
    wait_streams(ports, 2)
    # the cut message is not counted sent (its stream died inside it); the
    # last flow before it is sent again from since
    send(ports, 5, 11)
    rc, recs, resp, flows = stop(a, pb, rec, rdir)
    whole = len(pad_message(2 << 20)) + 5
    said = [l for l in rec.stderr.splitlines() if "inside a message" in l]
    check(rc == 0 and len(said) == 1 and ("of %d bytes)" % whole) in said[0],
          "cut: 'the server closed the connection inside a message (N of %d bytes)': %s"
          % (whole, said))
    check(gen_once(flows) == (10, 10) and len(resp) == 10,
          "cut: 10 flows once each, nothing of the cut message (%d responses)" % len(resp))
    srv.terminate()
    srv.wait()


def scenario_tls(a, pb, base):
    """TLS over IPv6 checked against the certificate's IP address (no
    server name given); a wrong server name and a foreign CA refused."""
    sdir = os.path.join(base, "srv-tls6")
    os.mkdir(sdir)
    host = "::1"
    try:  # a machine without IPv6 loopback tests the rest on IPv4
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as t:
            t.bind(("::1", 0))
    except OSError:
        host = "127.0.0.1"
        print("note: no IPv6 loopback here: the TLS checks run on 127.0.0.1")
    srv, ports = tr.start_server(sdir, "--unix", "none", "--tcp-host", host)
    f = lambda n: os.path.join(sdir, n)
    n = len(tr.sample_responses(pb))
    rdir = os.path.join(base, "rec-tls6")
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", ports["address"],
                   "--hubble-tls-ca", f("ca.crt"))
    wait_for("the samples over IPv6", lambda: tr.stream_flows_sent(ports) >= n)
    time.sleep(0.3)
    rc = rec.stop()
    recs = tr.read_records(a.segdump, rdir)
    check(rc == 0 and ports["address"].startswith("[::1]:" if host == "::1" else host)
          and len(recs["hubble_flow_pb"]) == n,
          "tls6: %s with the CA only: %d flow records (want %d)"
          % (ports["address"], len(recs["hubble_flow_pb"]), n))

    other = os.path.join(base, "other-ca")
    os.mkdir(other)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                    "-days", "1", "-subj", "/CN=another CA"], cwd=other, check=True,
                   capture_output=True)
    for name, args, want in (
            ("wrong server name", ["--hubble-tls-server-name", "hubble.example.org",
                                   "--hubble-tls-ca", f("ca.crt")], "hostname mismatch"),
            ("foreign CA", ["--hubble-tls-ca", os.path.join(other, "ca.crt")],
             "unable to get local issuer certificate")):
        rdir = os.path.join(base, "rec-tls-" + name.replace(" ", "-"))
        p = subprocess.run([a.record, "--dir", rdir, "--kube", "off", "--families", "none",
                            "--hubble", ports["address"], "--duration", "2s"] + args,
                           capture_output=True, text=True, timeout=60)
        recs = tr.read_records(a.segdump, rdir)
        gaps = [s for s in recs["stats"] if s["reason"] == "gap"]
        check(p.returncode == 0 and not recs["hubble_flow_pb"] and gaps
              and "cannot reach" in p.stderr and want in p.stderr,
              "tls6: %s: refused ('%s'), no flows, a gap" % (name, want))
    srv.terminate()
    srv.wait()


def scenario_keepalive(a, pb, base):
    """The recorder's HTTP/2 reader with the keepalive at 1 s (PING timeout
    3 s). A server that allows PINGs every 5 minutes only (gRPC's default,
    as grpc-go's): GOAWAY too_many_pings, said (why the recorder waits 5
    minutes). One that allows them: a quiet stream stays open; once the
    connection goes silent (a proxy drops everything) the reader gives up,
    saying why."""
    if not a.keepalive_client:
        print("skip: keepalive: no --keepalive-client")
        return
    srv, ports, _ = unix_server(base, "ka-strict")
    p = subprocess.run([a.keepalive_client, "unix:" + ports["unix"]], capture_output=True,
                       text=True, timeout=60)
    check("GOAWAY (ENHANCE_YOUR_CALM: too_many_pings)" in p.stderr,
          "keepalive: PINGs every second to a strict server: %s" % p.stderr.strip())
    srv.terminate()
    srv.wait()

    sdir = os.path.join(base, "srv-ka")
    os.mkdir(sdir)
    srv, ports = tr.start_server(sdir, "--tcp-port", "-1", "--no-samples",
                                 "--ping-interval-ms", "100")
    proxy = CutProxy(os.path.join(base, "ka.sock"), ports["unix"])
    p = subprocess.Popen([a.keepalive_client, "unix:" + proxy.path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    wait_for("the stream", lambda: ctl(ports, "/stats")["streams"] >= 1)
    send(ports, 3, 3)
    time.sleep(5)  # 4 keepalive periods, each PING answered
    quiet_ok = p.poll() is None
    proxy.freeze()
    _, err = p.communicate(timeout=60)
    check(quiet_ok, "keepalive: a quiet stream with its PINGs answered stays open")
    check(p.returncode == 1 and "no answer to a keepalive PING in 3 s" in err,
          "keepalive: a silent connection is given up: %s" % err.strip())
    srv.terminate()
    srv.wait()


def scenario_names(a, pb, base):
    """HOST:PORT by name (looked up without blocking a stop): localhost,
    its certificate checked as a name; a name that does not resolve, said."""
    sdir = os.path.join(base, "srv-names")
    os.mkdir(sdir)
    srv, ports = tr.start_server(sdir, "--unix", "none")
    ca = os.path.join(sdir, "ca.crt")
    # the resolver's own timeouts (no DNS reachable) fit in the 10 s a
    # connect attempt has, and this run lasts longer than that
    bad = subprocess.Popen([a.record, "--dir", os.path.join(base, "rec-badname"), "--kube", "off",
                            "--families", "none", "--hubble", "no-such-host.invalid:%d"
                            % ports["tcp"], "--hubble-tls-ca", ca, "--duration", "12s"],
                           stderr=subprocess.PIPE, text=True)
    n = len(tr.sample_responses(pb))
    rdir = os.path.join(base, "rec-localhost")
    rec = Recorder(a.record, rdir, "--families", "none", "--hubble", "localhost:%d"
                   % ports["tcp"], "--hubble-tls-ca", ca)
    wait_for("the samples by name", lambda: tr.stream_flows_sent(ports) >= n)
    rc, recs, _, flows = stop(a, pb, rec, rdir)
    check(rc == 0 and len(flows) == n, "names: localhost:%d: %d flows (want %d)"
          % (ports["tcp"], len(flows), n))
    _, err = bad.communicate(timeout=60)
    check(bad.returncode == 0 and "cannot resolve no-such-host.invalid: " in err,
          "names: an unknown name said: %s" % [l for l in err.splitlines() if "resolve" in l][:1])
    srv.terminate()
    srv.wait()


def scenario_stop(a, pb, base):
    """A TCP listener that never answers the TLS handshake: the handshake
    times out (10 s, said), and a stop in the middle of one is prompt."""
    from server import make_certs
    d = os.path.join(base, "certs-silent")
    os.mkdir(d)
    make_certs(d)
    ca = os.path.join(d, "ca.crt")
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)  # the kernel accepts; nobody reads the ClientHello
    addr = "127.0.0.1:%d" % ls.getsockname()[1]
    p = subprocess.run([a.record, "--dir", os.path.join(base, "rec-silent"), "--kube", "off",
                        "--families", "none", "--hubble", addr, "--hubble-tls-ca", ca,
                        "--duration", "12s"], capture_output=True, text=True, timeout=120)
    check(p.returncode == 0 and "TLS handshake with %s: timed out" % addr in p.stderr,
          "stop: a silent peer: the handshake times out, said")
    rec = Recorder(a.record, os.path.join(base, "rec-stop"), "--families", "none",
                   "--hubble", addr, "--hubble-tls-ca", ca)
    time.sleep(1.0)  # inside the first handshake, 9 s before its deadline
    t0 = time.monotonic()
    rc = rec.stop()
    took = time.monotonic() - t0
    # the bound is the handshake's own deadline: a stop that waited for it
    # would take 9 s
    check(rc == 0 and took < 5.0, "stop: SIGINT during a handshake: exit 0 in %.2f s" % took)
    ls.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keepalive-client", help="hubble_h2_keepalive (tests/hubble/CMakeLists.txt)")
    r = tr.prologue(ap, "hubble-faults-")
    if r is None:
        return 77
    a, pb, base = r
    only = set(a.only.split(",")) if a.only else None
    for f in (scenario_status, scenario_compressed, scenario_big, scenario_goaway,
              scenario_cut, scenario_tls, scenario_names, scenario_stop, scenario_keepalive):
        if only is None or f.__name__[len("scenario_"):] in only:
            f(a, pb, base)
    print("%d failure(s)" % len(tr.FAILS))
    return 1 if tr.FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
