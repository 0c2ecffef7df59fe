#!/bin/bash
# ipfix_vs_nfacctd.sh BUILD_DIR [RECORDS] [PPS]
#
# The same IPFIX stream (bench/ipfix_bench send: RECORDS records, 30 a
# packet, PPS packets/s over loopback) to neto's collector (`neto agent
# flow`, which also runs the flow leaf that writes demand matrices to an
# SQLite store) and to pmacct's nfacctd (print plugin, aggregate dst_host,
# tos: about as many keys as neto's per-site, per-class sums of the
# stream's 1,024 destinations), one after the other in
# the same run. Reports, for each, the records it accounted, the CPU
# seconds it used (user + system, all its processes) and records per CPU
# second; then the latency from export to demand matrix: a record sent
# 100 ms before a window ends, until that window's matrix is in the store.
# Not part of `make test`.
set -eu
BUILD=${1:?usage: ipfix_vs_nfacctd.sh BUILD_DIR [RECORDS] [PPS]}
RECORDS=${2:-3000000}
PPS=${3:-20000}
NETO=$BUILD/neto
BENCH=$BUILD/ipfix_bench
for t in nfacctd sqlite3 curl; do
	command -v $t >/dev/null || { echo "needs $t"; exit 1; }
done
TMP=$(mktemp -d /tmp/nf-ipfix-bench.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill -INT "$p" 2>/dev/null || true; done
	sleep 1
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# CPU seconds of a process and its children (utime + stime)
cpu() {
	local total=0 p
	for p in $1 $(pgrep -P "$1" || true); do
		[ -r /proc/$p/stat ] || continue
		total=$((total + $(awk '{print $14 + $15}' /proc/$p/stat)))
	done
	echo "scale=3; $total / $(getconf CLK_TCK)" | bc
}

: >"$TMP/prefixes.txt"
for s in $(seq 2 65); do echo "10.$s.0.0/16 S$s" >>"$TMP/prefixes.txt"; done
echo "10.1.0.0/16 R1" >>"$TMP/prefixes.txt"
cat >"$TMP/neto.ini" <<EOF
[store]
uri = sqlite:$TMP/neto.db

[agent col]
role = flow
exporters = R1
window = 2s
smoothing = none
listen = 127.0.0.1:39801
rcvbuf = 33554432
exporter_addrs = R1@127.0.0.1
prefixes = $TMP/prefixes.txt
dscp_classes = 46:gold,34:silver
metrics = 127.0.0.1:39803
EOF
cat >"$TMP/nfacctd.conf" <<EOF
daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: 39802
nfacctd_pipe_size: 33554432
plugins: print
print_output: json
print_output_file: $TMP/nfacctd.json
print_refresh_time: 2
print_output_file_append: true
print_cache_entries: 100003
aggregate: dst_host, tos
EOF

"$NETO" agent flow col --config "$TMP/neto.ini" --quiet &
NETO_PID=$!
PIDS="$PIDS $NETO_PID"
nfacctd -f "$TMP/nfacctd.conf" >"$TMP/nfacctd.log" 2>&1 &
NFA_PID=$!
PIDS="$PIDS $NFA_PID"
sleep 2

metric() {
	curl -s http://127.0.0.1:39803/metrics | awk -v m="neto_collector_$1" '$1 ~ "^"m"{" {print $2}'
}

echo "stream: $RECORDS records at $PPS packets/s"
c0=$(cpu $NETO_PID)
"$BENCH" send 127.0.0.1 39801 "$RECORDS" "$PPS" | tee "$TMP/sent.txt"
sleep 3
c1=$(cpu $NETO_PID)
nflows=$(metric flows_total)
ndrops=$(metric kernel_drops_total)
ncpu=$(echo "$c1 - $c0" | bc)
echo "neto:    $nflows records, kernel drops $ndrops, CPU $ncpu s, $(echo "$nflows / $ncpu" | bc) records per CPU second"

c0=$(cpu $NFA_PID)
"$BENCH" send 127.0.0.1 39802 "$RECORDS" "$PPS" >/dev/null
sleep 5
c1=$(cpu $NFA_PID)
acpu=$(echo "$c1 - $c0" | bc)
octets=$(awk '{print $4}' "$TMP/sent.txt" | tr -d '(')
abytes=$(python3 -c "
import json,sys
t=0
for l in open('$TMP/nfacctd.json'):
    l=l.strip()
    if l.startswith('{'): t+=json.loads(l)['bytes']
print(t)")
echo "nfacctd: $abytes of $octets octets accounted ($(echo "scale=4; $abytes * 100 / $octets" | bc)%), CPU $acpu s, $(echo "$RECORDS * $abytes / $octets / $acpu" | bc) records per CPU second"

# latency: one record 100 ms before a window (2 s) ends, until the matrix
# of that window is in the store
for i in 1 2 3 4 5; do
	now=$(date +%s%3N)
	wait_ms=$(( (2000 - now % 2000 + 1900) % 2000 ))
	sleep "$(echo "scale=3; $wait_ms / 1000" | bc)"
	t_send=$(date +%s%3N)
	end=$(( (t_send / 2000 + 1) * 2000 ))
	"$BENCH" send 127.0.0.1 39801 1 >/dev/null
	while [ "$(sqlite3 "$TMP/neto.db" "select count(*) from demand where at = $end")" = 0 ]; do
		sleep 0.01
	done
	t_seen=$(date +%s%3N)
	echo "latency $i: export at window end - $((end - t_send)) ms, matrix in the store $((t_seen - t_send)) ms later ($((t_seen - end)) ms after the window's end)"
done
