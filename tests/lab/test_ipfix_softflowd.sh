#!/bin/bash
# test_ipfix_softflowd.sh NETO SOURCE_DIR BUILD_DIR
#
# Interoperability of neto's flow collector with a real exporter and a real
# collector. Two namespaces joined by a veth: the sender (10.1.0.1 and
# fd01::1, router R1's site) sends known UDP flows, in bursts of thousands
# of packets, to addresses of R2's (IPv4 and IPv6) and R3's sites; on the receiving side softflowd watches
# the veth and exports to `neto agent flow col` over loopback, first as
# IPFIX (-v 10), then as NetFlow v9 (-v 9), while tcpdump records the export
# packets. Then:
#   - neto's bytes per (src, dst) and per flow equal what was sent;
#   - the recorded packets replayed to pmacct's nfacctd give the same
#     per-flow totals as neto (print_output json); softflowd's v9 header
#     count is corrected on the way (it counts flow records only, and
#     nfacctd stops at the count; neto reads a datagram to its end);
#   - tshark decodes the recorded packets without a malformed field, and
#     its octets per (src, dst) equal neto's;
#   - the demand matrices the agent wrote to the store add up (rate x
#     window) to the bytes per (ingress, egress) router pair.
# Then both versions again with softflowd sampling 1 packet in 10 (-s 10):
# neto must take the rate from softflowd's options records (IPFIX
# samplingPacketInterval/Space, v9 SAMPLING_INTERVAL) and the matrices,
# scaled by it, must be within 10% of what was sent.
# Needs root, softflowd, nfacctd, tshark, tcpdump, python3, sqlite3; exits 77
# without them.
set -u
NETO=$1
SRC=$2
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in softflowd softflowctl nfacctd tshark tcpdump python3 sqlite3 ip; do
	command -v $t >/dev/null 2>&1 || { echo "skip: $t missing"; exit 77; }
done

ID=$$
NS_S=nf-sf$ID-s
NS_D=nf-sf$ID-d
VA=nfsf${ID}a
VB=nfsf${ID}b
TMP=$(mktemp -d /tmp/nf-ipfix-sf.XXXXXX)
PIDS=""
DATA=$SRC/tests/data/ipfix

# Stops a process of ours: SIG, then KILL if it is still there after 3 s
# (nfacctd's core process ignores TERM).
stop_pid() {
	local pid=$1 sig=${2:-TERM}
	kill -"$sig" "$pid" 2>/dev/null || return 0
	for _ in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	for p in $PIDS; do stop_pid "$p"; done
	ip netns del $NS_S 2>/dev/null
	ip netns del $NS_D 2>/dev/null
	[ -n "${NF_KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

ip netns add $NS_S || fail "netns add"
ip netns add $NS_D || fail "netns add"
ip link add $VA type veth peer name $VB || fail "veth"
ip link set $VA netns $NS_S
ip link set $VB netns $NS_D
ip -n $NS_S addr add 10.1.0.1/16 dev $VA
ip -n $NS_S link set $VA up
ip -n $NS_S link set lo up
ip -n $NS_D addr add 10.1.0.2/16 dev $VB
ip -n $NS_D addr add 10.2.0.1/32 dev $VB
ip -n $NS_D addr add 10.3.0.1/32 dev $VB
ip -n $NS_D link set $VB up
ip -n $NS_D link set lo up
ip -n $NS_S route add 10.2.0.0/16 dev $VA
ip -n $NS_S route add 10.3.0.0/16 dev $VA
ip -n $NS_S addr add fd01::1/64 dev $VA nodad
ip -n $NS_D addr add fd01::2/64 dev $VB nodad
ip -n $NS_D addr add fd02::1/128 dev $VB nodad
ip -n $NS_S route add fd02::/48 dev $VA
ip netns exec $NS_S ping -c 1 -W 2 10.2.0.1 >/dev/null 2>&1 || fail "no path between the namespaces"
ip netns exec $NS_S ping -6 -c 1 -W 2 fd02::1 >/dev/null 2>&1 || fail "no IPv6 path between the namespaces"

cat >"$TMP/prefixes.txt" <<EOF
10.1.0.0/16 R1
10.2.0.0/16 R2
10.3.0.0/16 R3
fd01::/48 R1
fd02::/48 R2
EOF

run_version() {
	local v=$1 port=$2 nport=$3 samp=${4:-1}
	local dir=$TMP/v$v-s$samp
	mkdir -p "$dir"
	cat >"$dir/neto.ini" <<EOF
[store]
uri = sqlite:$dir/neto.db

[agent col]
role = flow
exporters = R1
window = 2s
smoothing = none
listen = 127.0.0.1:$port
rcvbuf = 4194304
exporter_addrs = R1@127.0.0.1
prefixes = $TMP/prefixes.txt
EOF
	ip netns exec $NS_D "$NETO" agent flow col --config "$dir/neto.ini" \
		--flows-log "$dir/flows.csv" >"$dir/neto.log" 2>&1 &
	local neto_pid=$!
	PIDS="$PIDS $neto_pid"
	ip netns exec $NS_D tcpdump -i lo -U -w "$dir/export.pcap" udp port $port \
		>"$dir/tcpdump.log" 2>&1 &
	local td_pid=$!
	PIDS="$PIDS $td_pid"
	local sflag=""
	[ "$samp" = 1 ] || sflag="-s $samp"
	# shellcheck disable=SC2086
	ip netns exec $NS_D softflowd -d -i $VB -n 127.0.0.1:$port -v $v $sflag \
		-t maxlife=60 -t general=60 -c "$dir/sf.ctl" -p "$dir/sf.pid" \
		>"$dir/softflowd.log" 2>&1 &
	local sf_pid=$!
	PIDS="$PIDS $sf_pid"
	# wait until the collector, the capture and softflowd are up
	for _ in $(seq 50); do
		[ -S "$dir/sf.ctl" ] && grep -q "collecting" "$dir/neto.log" &&
			grep -q "listening" "$dir/tcpdump.log" && break
		sleep 0.1
	done
	[ -S "$dir/sf.ctl" ] || fail "v$v: softflowd did not start: $(cat "$dir/softflowd.log")"
	grep -q "collecting" "$dir/neto.log" || fail "v$v: collector did not start: $(cat "$dir/neto.log")"
	sleep 0.5

	ip netns exec $NS_S python3 "$DATA/gen.py" 10.1.0.1 \
		10.2.0.1:5001:3000:200 10.3.0.1:5002:2000:500 10.2.0.1:5003:1500:1000 \
		>"$dir/sent.csv" || fail "v$v: generator"
	ip netns exec $NS_S python3 "$DATA/gen.py" fd01::1 fd02::1:5004:2500:300 \
		>>"$dir/sent.csv" || fail "v$v: generator (IPv6)"
	# softflowd's libpcap hands over packets a full buffer block at a time
	# (no timeout): a filler flow inside R1's site (not compared with what
	# was sent; nfacctd and tshark see it as neto does) pushes the last
	# packets of the measured flows through
	ip netns exec $NS_S python3 "$DATA/gen.py" 10.1.0.1 10.1.0.2:5999:4000:1400 >/dev/null
	sleep 1
	ip netns exec $NS_D softflowctl -c "$dir/sf.ctl" expire-all >/dev/null ||
		fail "v$v: softflowctl"
	# the windows close (2 s + 0.2 s flush + 0.4 s leaf grace) before the
	# collector stops
	sleep 4
	stop_pid $sf_pid
	stop_pid $td_pid
	kill -TERM $neto_pid
	wait $neto_pid || fail "v$v: collector exited with an error: $(cat "$dir/neto.log")"
	cat "$dir/neto.log"

	# the same export stream to nfacctd
	cat >"$dir/nfacctd.conf" <<EOF
daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: $nport
plugins: print
print_output: json
print_output_file: $dir/nfacctd.json
print_refresh_time: 1
aggregate: src_host, dst_host, src_port, dst_port, proto, peer_src_ip
EOF
	ip netns exec $NS_D nfacctd -f "$dir/nfacctd.conf" >"$dir/nfacctd.log" 2>&1 &
	local nfa_pid=$!
	PIDS="$PIDS $nfa_pid"
	sleep 1
	local n
	# (v9: with the header's record count corrected, see replay.py)
	n=$(ip netns exec $NS_D python3 "$DATA/replay.py" "$dir/export.pcap" 127.0.0.1 $nport \
		"$dir/export-fixed.pcap")
	[ "$n" -gt 0 ] || fail "v$v: no export packet recorded"
	for _ in $(seq 50); do
		[ -s "$dir/nfacctd.json" ] && break
		sleep 0.1
	done
	sleep 2
	stop_pid $nfa_pid INT
	[ -s "$dir/nfacctd.json" ] || fail "v$v: nfacctd wrote nothing: $(tail -5 "$dir/nfacctd.log")"

	# tshark: no malformed field, and its fields
	local cap
	for cap in export export-fixed; do
		tshark -r "$dir/$cap.pcap" -d udp.port==$port,cflow -V >"$dir/$cap.txt" 2>&1 ||
			fail "v$v: tshark"
		if grep -qi "malformed" "$dir/$cap.txt"; then
			grep -i -B5 "malformed" "$dir/$cap.txt" | head -20
			fail "v$v: tshark finds malformed fields in $cap.pcap"
		fi
	done

	sqlite3 "$dir/neto.db" "select body from demand order by at" >"$dir/demands.csv"
	local b2 b3
	b2=$(awk -F, '$2=="10.2.0.1" || $2=="fd02::1" {s+=$7} END{print s}' "$dir/sent.csv")
	b3=$(awk -F, '$2=="10.3.0.1"{s+=$7} END{print s}' "$dir/sent.csv")
	echo "v$v: $n export packets; sent R1->R2 $b2 bytes, R1->R3 $b3 bytes"
	python3 "$DATA/compare.py" "$dir/sent.csv" "$dir/flows.csv" "$dir/nfacctd.json" \
		"$dir/export-fixed.txt" "$dir/demands.csv" 2 "$samp" "R1:R2:$b2" "R1:R3:$b3" ||
		fail "v$v: neto disagrees"
}

for v in ${NF_VERSIONS:-10 9}; do
	run_version $v $((39600 + v * 2)) $((39601 + v * 2))
done
# sampled: softflowd -s 10 selects 1 packet in 10 and says so in an options
# record; the leaf scales by it
for v in ${NF_SAMPLED_VERSIONS:-10 9}; do
	run_version $v $((39640 + v * 2)) $((39641 + v * 2)) 10
done
echo "PASS: softflowd IPFIX and NetFlow v9 through neto's collector agree with the sent flows, nfacctd and tshark"
exit 0
