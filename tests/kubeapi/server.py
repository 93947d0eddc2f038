#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A test Kubernetes API server: HTTPS with a test CA and bearer tokens,
the real list and watch protocol for the resources flightrec reads, and a
plain-HTTP control port on 127.0.0.1 that changes objects and sets faults.

    server.py --dir DIR [--port P] [--control-port C] [--state FILE]

writes DIR/ca.crt, DIR/token, DIR/kubeconfig, DIR/ports.json and prints
"ready" when both ports listen. See README.md beside this file.
"""

import argparse
import collections
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import objects  # noqa: E402
from api import ApiHandler  # noqa: E402
from control import ControlHandler  # noqa: E402
from store import Store  # noqa: E402

DEFAULT_USER = "system:serviceaccount:flightrec:flightrec-record"


class Faults:
    """What the control port asked the API side to do wrong."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        with self.lock:
            self.unauthorized = False
            self.forbid = set()  # (plural, verb or "*")
            self.gone_next = 0  # next watches answered with a 410 ERROR event
            self.gone_http = 0  # next watches answered with HTTP 410
            self.malformed = {}  # (where, plural or "*") -> count
            self.delay = 0.0  # seconds before each chunk / event
            self.requests = 0

    def _take(self, attr):
        with self.lock:
            left = getattr(self, attr)
            if left > 0:
                setattr(self, attr, left - 1)
            return left > 0

    def take_gone(self):
        return self._take("gone_next")

    def take_gone_http(self):
        return self._take("gone_http")

    def take_malformed(self, where, plural):
        with self.lock:
            for key in ((where, plural), (where, "*")):
                if self.malformed.get(key, 0) > 0:
                    self.malformed[key] -= 1
                    return True
            return False

    def count_request(self):
        with self.lock:
            self.requests += 1

    def describe(self):
        with self.lock:
            return {
                "unauthorized": self.unauthorized,
                "forbid": sorted(list(x) for x in self.forbid),
                "gone_next": self.gone_next,
                "gone_http": self.gone_http,
                "malformed": [[w, p, n] for (w, p), n in self.malformed.items() if n],
                "delay": self.delay,
            }


class WatchToken:
    def __init__(self, handler):
        self.handler = handler
        self.killed = False
        self.gone_mid = False


class TLSServer(ThreadingHTTPServer):
    """TLS handshakes happen in the connection's thread, with a timeout, so
    a client that never speaks cannot stall the accept loop."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, app, ctx):
        self.app = app
        self.ctx = ctx
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        self.app.track(tls, True)
        try:
            tls.settimeout(60)
            self.RequestHandlerClass(tls, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            self.app.track(tls, False)
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if self.app.verbose:
            super().handle_error(request, client_address)


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, app):
        self.app = app
        super().__init__(addr, handler)


class App:
    def __init__(self, args):
        self.args = args
        self.verbose = args.verbose
        self.store = Store(history=args.history, initial_rv=args.initial_rv)
        self.faults = Faults()
        self.tokens = {}
        self.watch_timeout = args.watch_timeout
        self.bookmark_interval = args.bookmark_interval
        self.watches = set()
        self.conns = set()
        self.lock = threading.Lock()
        self.requests = collections.deque(maxlen=20000)
        self.request_seq = 0
        self.api = None
        self.api_thread = None
        self.api_port = args.port
        self.ctx = None
        self.stopping = threading.Event()
        self.churn = None
        self.dir = None

    def rotate_token(self, revoke_old):
        """A new token in DIR/token (as the kubelet rotates a projected
        service-account token); the old one stays valid unless revoked."""
        path = os.path.join(self.dir, "token")
        with open(path) as f:
            old = f.read().strip()
        new = secrets.token_hex(24)
        self.tokens[new] = self.tokens.get(old, DEFAULT_USER)
        _write(path, new)
        if revoke_old:
            self.tokens.pop(old, None)
        return new

    # ---- bookkeeping used by the handlers ----------------------------------

    def note_request(self, rec):
        with self.lock:
            self.request_seq += 1
            rec["seq"] = self.request_seq
            self.requests.append(rec)

    def register_watch(self, handler):
        tok = WatchToken(handler)
        with self.lock:
            self.watches.add(tok)
        return tok

    def unregister_watch(self, tok):
        with self.lock:
            self.watches.discard(tok)

    def track(self, sock, add):
        with self.lock:
            (self.conns.add if add else self.conns.discard)(sock)

    def kill_watches(self, gone=False):
        with self.lock:
            toks = list(self.watches)
        for t in toks:
            if gone:
                t.gone_mid = True
            else:
                t.killed = True
                _shut(t.handler.connection)
        self.store.poke()
        return len(toks)

    # ---- the API listener, which "down" closes -----------------------------

    def api_up(self):
        with self.lock:
            if self.api is not None:
                return self.api_port
        srv = TLSServer(("127.0.0.1", self.api_port), ApiHandler, self, self.ctx)
        self.api_port = srv.server_address[1]
        th = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        th.start()
        with self.lock:
            self.api, self.api_thread = srv, th
        return self.api_port

    def api_down(self):
        with self.lock:
            srv, self.api = self.api, None
        if srv is None:
            return
        srv.shutdown()
        srv.server_close()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            _shut(c)
        self.kill_watches()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


# ---- files in --dir ----------------------------------------------------------


def make_certs(d):
    """A test CA and a server certificate for 127.0.0.1, ::1 and localhost
    (EC P-256), unless DIR already has them (a restarted server keeps its
    CA)."""
    if all(os.path.exists(os.path.join(d, f)) for f in ("ca.crt", "server.crt", "server.key")):
        return

    def run(*cmd):
        subprocess.run(["openssl", *cmd], cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650",
        "-subj", "/CN=flightrec-test-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes.default.svc\n"
        )
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kube-apiserver")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "365", "-extfile", "server.ext")  # fmt: skip


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_kubeconfig(d, port, token):
    _write(
        os.path.join(d, "kubeconfig"),
        f"""apiVersion: v1
kind: Config
clusters:
- name: flightrec-test
  cluster:
    server: https://127.0.0.1:{port}
    certificate-authority: {os.path.join(d, "ca.crt")}
users:
- name: flightrec-test
  user:
    token: {token}
contexts:
- name: flightrec-test
  context:
    cluster: flightrec-test
    user: flightrec-test
    namespace: default
current-context: flightrec-test
""",
    )


def load_state(app, path):
    """Starts from the objects of a JSON List or array. As after a real
    server's restart, resourceVersions go on from the largest in the file
    and the history starts empty: a watch from an older resourceVersion
    gets 410 and must relist."""
    with open(path) as f:
        data = json.load(f)
    items = [o for o in (data.get("items", []) if isinstance(data, dict) else data) if isinstance(o, dict)]
    top = 0
    for o in items:
        try:
            top = max(top, int(o.get("metadata", {}).get("resourceVersion", 0)))
        except (TypeError, ValueError):
            pass
    st = app.store
    with st.lock:
        if top > st.rv:
            st.rv = top
            st.log_first = top + 1
    st.put_many(items)
    st.compact()


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True, help="where ca.crt, token, kubeconfig, ports.json go")
    ap.add_argument("--port", type=int, default=0, help="API port on 127.0.0.1 (0: any free)")
    ap.add_argument("--control-port", type=int, default=0, help="control port on 127.0.0.1 (0: any free)")
    ap.add_argument("--state", help="JSON of objects to start with (a List, or an array)")
    ap.add_argument("--generate-pods", type=int, default=0, help="start with a synthetic cluster of N pods")
    ap.add_argument("--token", help="the bearer token (default: DIR/token if present, else random)")
    ap.add_argument("--history", type=int, default=100000, help="events kept for watches (older: 410)")
    ap.add_argument("--initial-rv", type=int, default=1000, help="first resourceVersion")
    ap.add_argument("--bookmark-interval", type=float, default=5.0, help="seconds between BOOKMARKs")
    ap.add_argument("--watch-timeout", type=int, default=1800, help="watch length when the client sets none")
    ap.add_argument("--exit-with", type=int, metavar="PID", help="exit when process PID is gone (no orphan)")
    ap.add_argument("-v", "--verbose", action="store_true")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    make_certs(d)
    token_path = os.path.join(d, "token")
    token = args.token
    if not token and os.path.exists(token_path):
        with open(token_path) as f:
            token = f.read().strip()
    token = token or secrets.token_hex(24)
    _write(token_path, token)
    _write(os.path.join(d, "namespace"), "flightrec\n")  # DIR is also a service-account directory

    app = App(args)
    app.dir = d
    app.tokens[token] = DEFAULT_USER
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "server.crt"), os.path.join(d, "server.key"))
    ctx.set_alpn_protocols(["http/1.1"])
    app.ctx = ctx
    if args.state:
        load_state(app, args.state)
    if args.generate_pods:
        app.store.put_many(objects.generate(args.generate_pods))

    port = app.api_up()
    ctl = ControlServer(("127.0.0.1", args.control_port), ControlHandler, app)
    threading.Thread(target=ctl.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    write_kubeconfig(d, port, token)
    _write(
        os.path.join(d, "ports.json"),
        json.dumps({"api": port, "control": ctl.server_address[1], "pid": os.getpid(), "url": f"https://127.0.0.1:{port}"})
        + "\n",
    )

    def stop(*_):
        app.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    while not app.stopping.wait(0.5):
        if args.exit_with and not _alive(args.exit_with):
            break
    if app.churn:
        app.churn.stop()
    app.api_down()
    ctl.shutdown()
    ctl.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
