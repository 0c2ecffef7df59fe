#!/bin/bash
# test_router_bgpls.sh - `neto router run`'s BGP-LS export to a real peer,
# GoBGP (gobgpd, which decodes BGP-LS): the router reads a TE database (a
# real FRR 8.4 `show isis mpls-te database json`, three IS-IS routers) from
# a file every 500 ms, as it would run vtysh, and announces it with its
# SRv6 locator and a configured link delay. The test checks what GoBGP
# holds: 3 nodes, 4 links, 11 prefixes (10 subnets and the locator), the
# delay and the adjacency SID; then a link removed from the database is
# withdrawn and a changed metric re-announced.
# Usage: bash test_router_bgpls.sh NETO SOURCE_DIR BUILD_DIR
set -u
NETO=$1
SRC=$2
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in ip gobgpd gobgp python3; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done

L=nr-l$$
G=nr-g$$
TMP=$(mktemp -d)
cleanup() {
	for p in ${RTR:-} ${GOB:-} ${CAP:-}; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$L" 2>/dev/null
	ip netns del "$G" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- router log"; cat "$TMP/router.log" 2>/dev/null
	echo "--- gobgpd log"; tail -20 "$TMP/gobgpd.log" 2>/dev/null
	exit 1
}

ip netns add "$L" || exit 77
ip netns add "$G" || exit 77
for n in "$L" "$G"; do ip -n "$n" link set lo up; done
ip -n "$L" link add lg type veth peer name gl netns "$G" || fail veth
ip -n "$L" addr add 10.9.0.1/24 dev lg
ip -n "$G" addr add 10.9.0.2/24 dev gl
ip -n "$L" link set lg up
ip -n "$G" link set gl up

cp "$SRC/tests/data/router/isis-mpls-te-database-3routers.json" "$TMP/ted.json"
cat >"$TMP/gobgpd.toml" <<EOF
[global.config]
  as = 65002
  router-id = "10.9.0.2"
  local-address-list = ["10.9.0.2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.9.0.1"
    peer-as = 65001
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ls"
EOF
cat >"$TMP/neto.ini" <<EOF
[bgp]
local-as = 65001
router-id = 10.0.0.1
# gobgpd may not listen yet at our first attempt
connect-retry = 1

[peer gobgp]
address = 10.9.0.2
remote-as = 65002
families = ls

[router]
name = r1
te_source = file:$TMP/ted.json
te_period = 500ms
locator = fc00:0:1::/48
igp_router_id = 10.0.0.1
delay = 10.1.12.1 5000
EOF

ip netns exec "$L" tcpdump -i lg -U -s 0 -w "$TMP/bgp.pcap" tcp port 179 2>/dev/null &
CAP=$!
sleep 0.5
ip netns exec "$G" gobgpd -f "$TMP/gobgpd.toml" -l info >"$TMP/gobgpd.log" 2>&1 &
GOB=$!
"$NETO" router run --netns "$L" --config "$TMP/neto.ini" 2>"$TMP/router.log" &
RTR=$!

# gobgp 3.10's text output of BGP-LS crashes; its JSON names each route
# by its NLRI (attributes are checked on the wire with tshark below)
rib() {
	ip netns exec "$G" gobgp global rib -a ls -j 2>/dev/null |
		python3 -c 'import json,sys; [print(k) for k in json.load(sys.stdin)]' 2>/dev/null
}
wait_rib() { # count of lines matching $1 reaches $2
	for _ in $(seq 100); do
		[ "$(rib | grep -c -- "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	fail "GoBGP holds $(rib | grep -c -- "$1") '$1', want $2: $(rib)"
}
wait_rib "NLRI { NODE" 3
wait_rib "NLRI { LINK" 4
wait_rib "NLRI { PREFIX" 11
rib >"$TMP/rib1"
grep -q "NLRI { LINK { LOCAL_NODE: 0000.0000.0001 REMOTE_NODE: 0000.0000.0002 LINK: 10.1.12.1->10.1.12.2" \
	"$TMP/rib1" || fail "no link 1->2: $(cat "$TMP/rib1")"
grep -q "PREFIXv6 { LOCAL_NODE: 0000.0000.0001 PREFIX: \[fc00:0:1::/48\]" "$TMP/rib1" ||
	fail "no locator: $(cat "$TMP/rib1")"
grep -q "PREFIXv4 { LOCAL_NODE: 0000.0000.0002 PREFIX: \[10.1.23.0/24\]" "$TMP/rib1" ||
	fail "no subnet 10.1.23.0/24 of router 2"
ip netns exec "$G" gobgp neighbor | grep -q "Establ *| *18 *18" ||
	fail "GoBGP did not accept 18 routes: $(ip netns exec "$G" gobgp neighbor)"
echo "GoBGP holds $(grep -c NLRI "$TMP/rib1") BGP-LS routes"

# a link goes (withdrawal), another's metric changes (new announcement)
python3 - "$TMP/ted.json" <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["ted"]["edges"] = [e for e in d["ted"]["edges"] if e["edge-id"] != 167843587]
for e in d["ted"]["edges"]:
    if e["edge-id"] == 167840769:
        e["metric"] = 77
json.dump(d, open(p + ".new", "w"))
EOF
mv "$TMP/ted.json.new" "$TMP/ted.json"
wait_rib "NLRI { LINK" 3
for _ in $(seq 50); do
	grep -q "1 new or changed, 1 gone" "$TMP/router.log" && break
	sleep 0.1
done
grep -q "1 new or changed, 1 gone" "$TMP/router.log" || fail "no change logged"
grep -q "NLRI { LINK { LOCAL_NODE: 0000.0000.0003" <(rib) && fail "link 3->2 not withdrawn"
sleep 1
kill "$CAP"; wait "$CAP" 2>/dev/null; CAP=
# the attributes on the wire, by an independent decoder
if command -v tshark >/dev/null; then
	tshark -r "$TMP/bgp.pcap" -d tcp.port==179,bgp -V 2>/dev/null >"$TMP/bgp.txt"
	grep -q "Unidirectional Link Delay" "$TMP/bgp.txt" || fail "tshark: no link delay TLV"
	grep -A6 "Unidirectional Link Delay" "$TMP/bgp.txt" | grep -q "5000" ||
		fail "tshark: delay is not 5000 us"
	[ "$(grep -c "IGP Metric: 0x00000a (10)" "$TMP/bgp.txt")" = 4 ] || fail "tshark: 4 links of metric 10"
	grep -q "IGP Metric: 0x00004d (77)" "$TMP/bgp.txt" || fail "tshark: metric 77 not announced"
	# tshark 4.0 does not name TLV 1162 (SRv6 Locator, RFC 9514) but shows its code
	grep -A14 "Reachability prefix: fc00:0:1::" "$TMP/bgp.txt" | grep -q "TLV Code (1162)" ||
		fail "tshark: no SRv6 locator TLV on the locator prefix"
	grep -q "Adjacency SID" "$TMP/bgp.txt" || fail "tshark: no adjacency SID TLV"
	echo "tshark decodes the delay, the new metric, the locator TLV and adjacency SIDs"
fi

kill "$RTR"; wait "$RTR"; rc=$?; RTR=
[ "$rc" = 0 ] || fail "router exit status $rc"
echo "PASS"
