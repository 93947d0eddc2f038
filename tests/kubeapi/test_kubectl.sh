#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The test API server checked by a client nobody here wrote: kubectl lists
# (in pages too), prints JSON equal to the server's objects, watches an
# object the control port adds and deletes, and reports 401 and 403 as it
# does against a real cluster. Exit 77 (skipped) only when kubectl is absent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="${PYTHON:-python3}"
kubectl="${KUBECTL:-kubectl}"
if ! command -v "$kubectl" >/dev/null 2>&1; then
	echo "SKIP: kubectl not found (Debian package kubernetes-client; scripts/setup.sh installs it)"
	exit 77
fi
"$kubectl" version --client 2>/dev/null | head -1 || true

dir="$(mktemp -d)"
watch_pid=""
cleanup() {
	[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
	"$py" "$here/ctl.py" --dir "$dir" stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -f "$dir/server.log" ] && sed 's/^/server: /' "$dir/server.log" >&2
	exit 1
}
ctl() { "$py" "$here/ctl.py" --dir "$dir" "$@" >/dev/null; }
k() { timeout 60 "$kubectl" --kubeconfig "$dir/kubeconfig" --request-timeout 30s "$@"; }

"$py" "$here/ctl.py" --dir "$dir" start >/dev/null || fail "server did not start"

ctl add namespace shop
ctl add namespace web
ctl add node node-a --ip 192.168.0.10
ctl add Deployment shop cart --label app=cart
ctl add ReplicaSet shop cart-5d9f --label app=cart --owner Deployment/cart
ctl add pod shop cart-5d9f-a --ip 10.0.1.7 --label app=cart --owner ReplicaSet/cart-5d9f
ctl add pod shop cart-5d9f-b --ip 10.0.1.8 --label app=cart --owner ReplicaSet/cart-5d9f --node node-b
ctl add pod web front-0 --ip 10.0.2.3 --label app=front --owner StatefulSet/front
ctl add pod web bare --ip 10.0.2.4
ctl add pod default debug --ip 10.0.3.1 --host-network
ctl add service shop cart --selector app=cart --port http:80:8080 --cluster-ip 10.96.0.20
ctl add endpointslice shop cart-abc12 --service cart --port http:8080 \
	--endpoint 10.0.1.7,ready=true,pod=cart-5d9f-a,node=node-a \
	--endpoint 10.0.1.8,ready=false,serving=true,terminating=true,pod=cart-5d9f-b,node=node-b

# get pods -A: one line per pod, each with its namespace, name, status
out="$(k get pods -A)" || fail "kubectl get pods -A failed"
echo "$out"
[ "$(echo "$out" | tail -n +2 | wc -l)" = 5 ] || fail "get pods -A: expected 5 pods"
for p in "shop +cart-5d9f-a +1/1 +Running" "web +bare " "default +debug "; do
	echo "$out" | grep -Eq "^$p" || fail "get pods -A: no line matching '$p'"
done

# -o json and -o json in pages of 2: the items are the server's objects, byte for byte as JSON values
compare() { # $1: resource, $2: file of kubectl -o json
	"$py" "$here/ctl.py" --dir "$dir" state "$1" >"$dir/state.json"
	"$py" - "$dir/state.json" "$2" <<-'EOF' || fail "kubectl -o json differs from the server's $1"
		import json, sys
		want = json.load(open(sys.argv[1]))["items"]
		got = json.load(open(sys.argv[2]))
		assert got["kind"] == "List", got["kind"]
		key = lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])
		want, items = sorted(want, key=key), sorted(got["items"], key=key)
		assert len(want) == len(items), (len(want), len(items))
		for w, g in zip(want, items):
		    assert w == g, f"{key(w)}: server {w} kubectl {g}"
		print(f"{len(items)} objects equal")
	EOF
}
k get pods -A -o json >"$dir/pods.json" || fail "kubectl get pods -A -o json failed"
compare pods "$dir/pods.json"
since="$("$py" "$here/ctl.py" --dir "$dir" stats | "$py" -c 'import json,sys; print(json.load(sys.stdin)["requests"])')"
k get pods -A -o json --chunk-size=2 >"$dir/pods2.json" || fail "kubectl get pods --chunk-size=2 failed"
compare pods "$dir/pods2.json"
pages="$("$py" "$here/ctl.py" --dir "$dir" requests --since "$since" | "$py" -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin)["requests"] if r["verb"] == "list" and "continue=" in r["path"]))')"
[ "$pages" = 2 ] || fail "5 pods in pages of 2: expected 2 continued lists, the server saw $pages"
k get endpointslices -A -o json >"$dir/eps.json" || fail "kubectl get endpointslices failed"
compare endpointslices "$dir/eps.json"
k get services,nodes,namespaces,replicasets,deployments -A >/dev/null || fail "kubectl get of the other resources failed"
k get pod -n shop cart-5d9f-a -o json >"$dir/one.json" || fail "kubectl get pod NAME failed"
grep -q '"podIP": "10.0.1.7"' "$dir/one.json" || fail "get pod NAME: no podIP"

# --watch: an ADDED and a DELETED produced by the control port arrive
k get pods -n shop --watch --output-watch-events -o json >"$dir/watch.json" 2>"$dir/watch.err" &
watch_pid=$!
wait_for() { # $1: python condition over the events in watch.json
	for _ in $(seq 300); do
		if "$py" - "$dir/watch.json" "$1" <<-'EOF'; then return 0; fi
			import json, sys
			text, evs, dec, i = open(sys.argv[1]).read(), [], json.JSONDecoder(), 0
			while True:
			    while i < len(text) and text[i].isspace():
			        i += 1
			    if i >= len(text):
			        break
			    try:
			        ev, i = dec.raw_decode(text, i)
			    except ValueError:
			        break
			    evs.append((ev["type"], ev["object"]["metadata"]["name"]))
			sys.exit(0 if eval(sys.argv[2]) else 1)
		EOF
		kill -0 "$watch_pid" 2>/dev/null || fail "kubectl --watch ended: $(cat "$dir/watch.err")"
		sleep 0.1
	done
	fail "watch: never saw $1; got $(cat "$dir/watch.json")"
}
wait_for '("ADDED", "cart-5d9f-b") in evs'
ctl add pod shop cart-5d9f-c --ip 10.0.1.9 --label app=cart --owner ReplicaSet/cart-5d9f
wait_for '("ADDED", "cart-5d9f-c") in evs'
ctl delete pods shop cart-5d9f-a
wait_for '("DELETED", "cart-5d9f-a") in evs'
ctl add pod web elsewhere --ip 10.0.2.9
ctl add pod shop cart-5d9f-b --ip 10.0.1.8 --label app=cart --owner ReplicaSet/cart-5d9f --node node-b --not-ready
wait_for '("MODIFIED", "cart-5d9f-b") in evs and all(n != "elsewhere" for _, n in evs)'
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
watch_pid=""
echo "watch -o json: the ADDED, DELETED and MODIFIED events arrived"

# plain --watch (server-side printed Table rows), in the kubeconfig's namespace
k get pods --watch >"$dir/twatch.txt" 2>&1 &
watch_pid=$!
wait_line() { # $1: an extended regular expression
	for _ in $(seq 300); do
		grep -Eq "$1" "$dir/twatch.txt" && return 0
		kill -0 "$watch_pid" 2>/dev/null || fail "kubectl get pods --watch ended: $(cat "$dir/twatch.txt")"
		sleep 0.1
	done
	fail "get pods --watch: no line matching '$1' in: $(cat "$dir/twatch.txt")"
}
wait_line '^debug +1/1 +Running'
ctl add pod default late --ip 10.0.3.2 --phase Pending
wait_line '^late +0/1 +Pending'
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
watch_pid=""
cat "$dir/twatch.txt"

# 401: a wrong token, as kubectl reports it
if k --token wrong-token get pods -A >"$dir/out" 2>"$dir/err"; then fail "a wrong token was accepted"; fi
cat "$dir/err"
grep -q "Unauthorized" "$dir/err" || fail "401: kubectl said $(cat "$dir/err")"

# 403: pods may not be listed
ctl fault forbid pods:list
if k get pods -A >"$dir/out" 2>"$dir/err"; then fail "a forbidden list succeeded"; fi
cat "$dir/err"
grep -q 'pods is forbidden: User "system:serviceaccount:flightrec:flightrec-record" cannot list resource "pods" in API group "" at the cluster scope' "$dir/err" ||
	fail "403: kubectl said $(cat "$dir/err")"
ctl fault allow
k get pods -A >/dev/null || fail "list after allow failed"
echo "OK: kubectl against the test API server"
