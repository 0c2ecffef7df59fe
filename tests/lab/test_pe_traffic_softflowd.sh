#!/bin/bash
# test_pe_traffic_softflowd.sh NETO SOURCE_DIR BUILD_DIR
#
# Traffic to the outside for the peering decision, from a real exporter.
# Two namespaces joined by a veth: the sender (10.1.0.1 and fd01::1, site
# R1) sends known UDP flows, in bursts of thousands of packets, to
# addresses outside every site prefix (198.51.100.10, 203.0.113.5,
# 2001:db8:77::1) and to one inside site R2 (10.2.0.1); softflowd on the
# receiving side watches the veth and exports IPFIX to `neto agent flow col`
# (pe_traffic = yes). While it runs, every document the agent writes to kv
# "pe-traffic" is read back (one per 2 s window). Then:
#   - per destination /24 or /48, rate x window / 8 summed over the
#     windows equals the bytes sent to it (softflowd counts IP octets);
#   - every row has ingress R1 and class 2 (no DSCP: the default class,
#     after gold and silver of dscp_classes);
#   - no row is for a site prefix (10.2.0.1 goes to the demand batches).
# Needs root, softflowd, python3, sqlite3; exits 77 without them.
set -u
NETO=$1
SRC=$2
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in softflowd softflowctl python3 sqlite3 ip; do
	command -v $t >/dev/null 2>&1 || { echo "skip: $t missing"; exit 77; }
done

ID=$$
NS_S=npt$ID-s
NS_D=npt$ID-d
VA=npt${ID}a
VB=npt${ID}b
TMP=$(mktemp -d /tmp/npt.XXXXXX)
PIDS=""
DATA=$SRC/tests/data/ipfix
PORT=39671

stop_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
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
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- agent log"; tail -5 "$TMP/neto.log"
	exit 1
}

ip netns add $NS_S || fail "netns add"
ip netns add $NS_D || fail "netns add"
ip link add $VA type veth peer name $VB || fail "veth"
ip link set $VA netns $NS_S
ip link set $VB netns $NS_D
ip -n $NS_S addr add 10.1.0.1/16 dev $VA
ip -n $NS_D addr add 10.1.0.2/16 dev $VB
for a in 10.2.0.1 198.51.100.10 203.0.113.5; do ip -n $NS_D addr add $a/32 dev $VB; done
ip -n $NS_S addr add fd01::1/64 dev $VA nodad
ip -n $NS_D addr add fd01::2/64 dev $VB nodad
ip -n $NS_D addr add 2001:db8:77::1/128 dev $VB nodad
for n in $NS_S $NS_D; do ip -n $n link set lo up; done
ip -n $NS_S link set $VA up
ip -n $NS_D link set $VB up
for p in 10.2.0.0/16 198.51.100.0/24 203.0.113.0/24; do ip -n $NS_S route add $p dev $VA; done
ip -n $NS_S route add 2001:db8:77::/48 dev $VA
sleep 0.5

cat >"$TMP/prefixes.txt" <<EOF
10.1.0.0/16 R1
10.2.0.0/16 R2
fd01::/48 R1
EOF
cat >"$TMP/neto.ini" <<EOF
[store]
uri = sqlite:$TMP/neto.db

[agent col]
role = flow
exporters = R1
window = 2s
smoothing = none
listen = 127.0.0.1:$PORT
rcvbuf = 4194304
exporter_addrs = R1@127.0.0.1
prefixes = $TMP/prefixes.txt
dscp_classes = 46:gold, 34:silver
pe_traffic = yes
EOF
ip netns exec $NS_D "$NETO" agent flow col --config "$TMP/neto.ini" >"$TMP/neto.log" 2>&1 &
NETO_PID=$!
PIDS="$PIDS $NETO_PID"
ip netns exec $NS_D softflowd -d -i $VB -n 127.0.0.1:$PORT -v 10 \
	-t maxlife=60 -t general=60 -c "$TMP/sf.ctl" -p "$TMP/sf.pid" >"$TMP/softflowd.log" 2>&1 &
SF_PID=$!
PIDS="$PIDS $SF_PID"
for _ in $(seq 50); do
	[ -S "$TMP/sf.ctl" ] && grep -q "collecting" "$TMP/neto.log" && break
	sleep 0.1
done
[ -S "$TMP/sf.ctl" ] || fail "softflowd did not start: $(cat "$TMP/softflowd.log")"
grep -q "collecting" "$TMP/neto.log" || fail "the agent did not start"

# every document the agent writes (one per window; each replaces the last)
(
	while :; do
		sqlite3 "$TMP/neto.db" "select body from kv where ns = 'pe-traffic' and name = 'col'" \
			2>/dev/null
		sleep 0.2
	done
) >"$TMP/docs.txt" &
POLL_PID=$!
PIDS="$PIDS $POLL_PID"
sleep 0.5

ip netns exec $NS_S python3 "$DATA/gen.py" 10.1.0.1 \
	198.51.100.10:5001:3000:200 203.0.113.5:5002:2000:500 10.2.0.1:5003:1500:1000 \
	>"$TMP/sent.csv" || fail "generator"
ip netns exec $NS_S python3 "$DATA/gen.py" fd01::1 2001:db8:77::1:5004:2500:300 \
	>>"$TMP/sent.csv" || fail "generator (IPv6)"
# a filler flow inside R1's site pushes the last packets through
# softflowd's capture buffer (docs: LAB-NOTES)
ip netns exec $NS_S python3 "$DATA/gen.py" 10.1.0.1 10.1.0.2:5999:4000:1400 >/dev/null
sleep 1
ip netns exec $NS_D softflowctl -c "$TMP/sf.ctl" expire-all >/dev/null || fail "softflowctl"
# the flows' windows close (2 s + 0.2 s flush) and are read back
sleep 5
stop_pid $SF_PID
kill -TERM $NETO_PID
wait $NETO_PID || fail "the agent exited with an error"
sleep 0.5
stop_pid $POLL_PID
sqlite3 "$TMP/neto.db" "select body from kv where ns = 'pe-traffic' and name = 'col'" \
	>>"$TMP/docs.txt"

python3 - "$TMP/sent.csv" "$TMP/docs.txt" <<'EOF' || fail "pe-traffic disagrees with what was sent"
import ipaddress, json, sys
want = {}
for line in open(sys.argv[1]):
    src, dst, proto, sport, dport, pkts, nbytes = line.strip().split(",")
    a = ipaddress.ip_address(dst)
    net = ipaddress.ip_network("%s/%d" % (dst, 24 if a.version == 4 else 48), strict=False)
    want[str(net)] = want.get(str(net), 0) + int(nbytes)
docs = {}
for line in open(sys.argv[2]):
    line = line.strip()
    if line:
        d = json.loads(line)
        docs[d["at"]] = d
got = {}
ok = True
for at, d in sorted(docs.items()):
    for r in d["rows"]:
        if r["ingress"] != "R1" or r["class"] != 2:
            print("bad row", r); ok = False
        got[r["prefix"]] = got.get(r["prefix"], 0) + r["rate"] * d["window_ms"] / 1000 / 8
    if d["rest"]["prefixes"] or d["rest"]["unranked_flows"]:
        print("unexpected remainder", d["rest"]); ok = False
print("windows read:", len(docs))
for p in sorted(set(want) | set(got)):
    inside = p.startswith("10.")
    w = 0 if inside else want.get(p, 0)
    g = got.get(p, 0)
    print("%-20s sent %8d  pe-traffic %10.1f%s" % (p, want.get(p, 0), g,
          "  (site prefix: not listed)" if inside else ""))
    if abs(g - w) > 0.5:
        ok = False
sys.exit(0 if ok and len(docs) >= 2 else 1)
EOF
grep -q "unattributed" "$TMP/neto.log" || fail "no summary line"
echo "PASS: softflowd's flows to the outside are in kv pe-traffic per /24 and /48, class and ingress"
exit 0
