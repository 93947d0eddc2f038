#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench_usermetric.sh FLIGHTREC GEN WORKDIR [SCALE] [RUNS]: a fixture of about
# 10 M events (bench-analyzer's recipe), then each user metric against the
# nearest built-in family over the same database, in alternating runs.
# Prints the median of each, their ratio (target: user <= 1.5x built-in)
# and the load. An existing WORKDIR/fx.db is reused.
set -eu
fr=$1 gen=$2 work=$3 scale=${4:-4} runs=${5:-3}
mkdir -p "$work" && cd "$work"
if [ ! -f fx.db ]; then
	"$gen" -o fx --no-truth --seed 3 --duration 2h --tick 1s --scale "$scale" 2> gen.txt
	sync
	"$fr" replay -o fx.db fx 2> replay.txt
fi
echo "events: $(sqlite3 fx.db "SELECT sum(records) FROM segments") records in fx.db"

cat > syscalls.yaml <<'Y'
metrics:
  - name: u_syscalls
    type: counter
    source: syscall
    labels: [namespace, workload, syscall]
Y
cat > errors.yaml <<'Y'
metrics:
  - name: u_syscall_errors
    type: counter
    source: syscall
    selector: ["ret:<0", "ret:>=-4095"]
    labels: [namespace, workload, syscall]
Y
cat > retrans.yaml <<'Y'
metrics:
  - name: u_retransmits
    type: counter
    source: tcp_retransmit
    labels: [namespace, workload]
Y
cat > http.yaml <<'Y'
metrics:
  - name: u_http_responses
    type: counter
    source: hubble_flow
    selector: ["l7:http", "http_code:>0"]
    labels: [http_code, src_namespace, src_workload]
Y

secs() { # command...: wall seconds
	/usr/bin/time -f '%e' -o t.txt "$@" > /dev/null 2>>err.txt
	cat t.txt
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

for pair in "syscalls:ebpf_syscall_count" "errors:ebpf_syscall_errors" \
	    "retrans:ebpf_tcp_retransmits" "http:hubble_http_responses_total"; do
	u=${pair%%:*} b=${pair#*:}
	: > u.txt; : > b.txt
	i=0
	while [ $i -lt "$runs" ]; do
		secs "$fr" metrics fx.db --family "$b" >> b.txt
		secs "$fr" metrics fx.db --only-file --file "$u.yaml" >> u.txt
		i=$((i + 1))
	done
	mu=$(median < u.txt) mb=$(median < b.txt)
	printf '%-8s user %6.2f s  built-in %-32s %6.2f s  ratio %5.2f  load %s\n' "$u" "$mu" \
		"$b" "$mb" "$(awk "BEGIN{print ($mb > 0) ? $mu / $mb : 0}")" \
		"$(cut -d' ' -f1-3 /proc/loadavg)"
done
