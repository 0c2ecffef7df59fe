#!/bin/bash
# test_bgp_gobgp.sh - neto's BGP speaker against GoBGP (gobgpd 3.10), in two
# network namespaces joined by a veth pair.
#
# neto announces a topology as BGP-LS (tests/data/bgp/ls-topology.json) and an
# IPv4 prefix; GoBGP must negotiate both `ls` and `ipv4-unicast`, and its RIB
# must show the nodes, links and prefixes with their attributes. GoBGP
# announces a prefix that neto must receive. GoBGP then resets the session
# (NOTIFICATION Cease) and neto must report it and come back up. The
# exchange is captured and dissected by tshark, which must find nothing
# malformed and must decode the same node names, bandwidths and delays as
# neto's encoder wrote.
#
# usage: bash test_bgp_gobgp.sh NETO_BINARY SOURCE_DIR BUILD_DIR
set -u
NETO=$1
SRC=$2
. "$SRC/tests/lab/lib.sh"
lab_need_root
lab_need gobgpd gobgp tshark tcpdump text2pcap python3 jq ip

NS1=nb-gobgp-neto-$$
NS2=nb-gobgp-peer-$$
lab_tmpdir nb-gobgp
fail() { echo "FAIL: $*"; if [ -n "${KEEP:-}" ]; then rm -rf /tmp/nb-keep; cp -r "$TMP" /tmp/nb-keep; fi; echo "--- neto log"; cat "$TMP/neto.log"; echo "--- gobgpd log"; tail -20 "$TMP/gobgpd.log"; exit 1; }

lab_netns $NS1 $NS2
lab_veth $NS1 nbg-a $NS2 nbg-b 10.77.0.1/24 10.77.0.2/24

cat > "$TMP/gobgpd.toml" <<EOF
[global.config]
  as = 65002
  router-id = "10.77.0.2"
  local-address-list = ["10.77.0.2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.77.0.1"
    peer-as = 65001
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
    connect-retry = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ls"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF
cat > "$TMP/neto.ini" <<EOF
[bgp]
local-as = 65001
router-id = 10.77.0.1
listen = 10.77.0.1
hold-time = 30
connect-retry = 2
[peer gobgp]
address = 10.77.0.2
remote-as = 65002
families = ls, ipv4-unicast
EOF

ip netns exec $NS1 tcpdump -i nbg-a -s 0 -U -w "$TMP/bgp.pcap" tcp port 179 2>/dev/null &
LAB_PIDS+=($!)
ip netns exec $NS2 gobgpd -l debug -f "$TMP/gobgpd.toml" --api-hosts 127.0.0.1:50051 >"$TMP/gobgpd.log" 2>&1 &
LAB_PIDS+=($!)
sleep 1
ip netns exec $NS1 "$NETO" bgp --config "$TMP/neto.ini" \
	--announce-ls "$SRC/tests/data/bgp/ls-topology.json" \
	--announce 10.99.0.0/24 --announce 10.99.1.0/25 >"$TMP/neto.log" 2>&1 &
NETO_PID=$!
LAB_PIDS+=($NETO_PID)
G() { ip netns exec $NS2 gobgp -u 127.0.0.1 -p 50051 "$@"; }

established() { grep -q '"to":"Established"' "$TMP/neto.log"; }
wait_for 30 established || fail "session never established"
# both families negotiated, seen from both sides
grep '"to":"Established"' "$TMP/neto.log" | head -1 | jq -e '.families | index("ls") and index("ipv4-unicast")' >/dev/null ||
	fail "neto did not negotiate ls and ipv4-unicast"
G neighbor 10.77.0.1 -j > "$TMP/nbr.json"
jq -e '.state.session_state == 6 or .state.session_state == "established"' "$TMP/nbr.json" >/dev/null ||
	fail "gobgp does not see the session established: $(jq -c .state "$TMP/nbr.json")"

# GoBGP's RIB: 3 nodes, 4 links, 2 SRv6 locator prefixes
ls_count() { [ "$(G global rib -a ls -j | jq '[.[]] | length')" -ge 9 ]; }
wait_for 10 ls_count || fail "gobgp has $(G global rib -a ls -j | jq '[.[]] | length') BGP-LS routes, expected 9"
# GoBGP 3.10's CLI cannot show BGP-LS attributes (its text view crashes and
# its JSON has "attrs": null), so the RIB is checked for the NLRI (keys are
# GoBGP's own rendering of them) and the attributes are read from gobgpd's
# debug log of each received UPDATE, as GoBGP decoded them.
G global rib -a ls -j > "$TMP/ls.json"
for k in 'NODE { AS:65001 BGP-LS ID:0 0000.0000.0001 ISIS-L2:0 }' \
	'LINK { LOCAL_NODE: 0000.0000.0001 REMOTE_NODE: 0000.0000.0002 LINK: 1->2}' \
	'LINK { LOCAL_NODE: 0000.0000.0003 REMOTE_NODE: 0000.0000.0002 LINK: 4->3}' \
	'PREFIXv6 { LOCAL_NODE: 0000.0000.0002 PREFIX: [fc00:0:2::/48] }'; do
	jq -e --arg k "NLRI { $k }" 'has($k)' "$TMP/ls.json" >/dev/null || fail "gobgp's BGP-LS RIB lacks $k"
done
grep '"msg":"received update"' "$TMP/gobgpd.log" | jq -c '.attributes[] | select(.type == 29)' > "$TMP/lsattrs.json"
for name in PAR LON AMS; do
	jq -s -e --arg n $name 'any(.[]; .node.name == $n)' "$TMP/lsattrs.json" >/dev/null ||
		fail "gobgp did not decode node name $name"
done
# PAR->LON: 100 Gbps (12.5e9 bytes/s), IGP metric 10, SRLG 17; LON->AMS 40 Gbps, 30
jq -s -e 'any(.[]; .link.bandwidth == 12500000000 and .link.igp_metric == 10 and .link.srlgs == [17])' "$TMP/lsattrs.json" >/dev/null ||
	fail "gobgp did not decode PAR->LON's attributes: $(grep -m2 link "$TMP/lsattrs.json")"
jq -s -e 'any(.[]; .link.bandwidth == 12500000000 and .link.igp_metric == 20 and .link.default_te_metric == 20)' "$TMP/lsattrs.json" >/dev/null ||
	fail "gobgp did not decode LON->PAR's attributes"
jq -s -e '[.[] | select(.link.bandwidth == 5000000000 and .link.igp_metric == 30)] | length >= 2' "$TMP/lsattrs.json" >/dev/null ||
	fail "gobgp did not decode both LON-AMS directions"

# IPv4: neto's prefixes at GoBGP, with neto's address as next hop
v4() { G global rib -a ipv4 -j > "$TMP/v4.json"; jq -e 'has("10.99.0.0/24") and has("10.99.1.0/25")' "$TMP/v4.json" >/dev/null; }
wait_for 10 v4 || fail "gobgp lacks neto's prefixes: $(cat "$TMP/v4.json")"
jq -e '."10.99.0.0/24"[0].attrs[] | select(.type == 3) | .nexthop == "10.77.0.1"' "$TMP/v4.json" >/dev/null ||
	fail "wrong next hop at gobgp: $(jq -c '."10.99.0.0/24"' "$TMP/v4.json")"
jq -e '."10.99.0.0/24"[0].attrs[] | select(.type == 2) | .as_paths[0].asns == [65001]' "$TMP/v4.json" >/dev/null ||
	fail "wrong AS path at gobgp"

# a prefix from GoBGP reaches neto
G global rib add 10.88.0.0/24 -a ipv4 || fail "gobgp refused to add a route"
got88() { grep -q '"announce":\["10.88.0.0/24"\]' "$TMP/neto.log"; }
wait_for 10 got88 || fail "neto did not receive 10.88.0.0/24"
grep '10.88.0.0/24' "$TMP/neto.log" | head -1 | jq -e '.as_path == [65002] and .next_hop == "10.77.0.2"' >/dev/null ||
	fail "neto decoded 10.88.0.0/24 wrongly: $(grep 10.88.0.0/24 "$TMP/neto.log")"
G global rib del 10.88.0.0/24 -a ipv4
wd88() { grep -q '"withdraw":\["10.88.0.0/24"\]' "$TMP/neto.log"; }
wait_for 10 wd88 || fail "neto did not see 10.88.0.0/24 withdrawn"

# GoBGP resets the session: neto reports the Cease and comes back
G neighbor 10.77.0.1 reset || fail "gobgp neighbor reset failed"
ceased() { grep -q '"event":"notification","peer":"gobgp","direction":"received","code":6' "$TMP/neto.log"; }
wait_for 10 ceased || fail "neto did not report GoBGP's Cease NOTIFICATION"
again() { [ "$(grep -c '"to":"Established"' "$TMP/neto.log")" -ge 2 ]; }
wait_for 40 again || fail "the session did not come back after the reset"
wait_for 10 ls_count || fail "BGP-LS routes not announced again after the reset"

# neto stops: Cease to GoBGP
kill -TERM $NETO_PID
wait $NETO_PID
NETO_RC=$?
[ $NETO_RC = 0 ] || fail "neto exited with $NETO_RC"
sleep 1
grep -q '"event":"stopped"' "$TMP/neto.log" || fail "neto did not stop cleanly"

# tshark over the capture: nothing malformed, and its view agrees
kill -INT "${LAB_PIDS[0]}" 2>/dev/null
sleep 1
tshark -r "$TMP/bgp.pcap" -T fields -e tcp.stream -e tcp.srcport -e tcp.seq -e tcp.payload \
	2>/dev/null | python3 "$SRC/tests/lab/test_bgp_split.py" > "$TMP/msgs.hex" || fail "no messages captured"
text2pcap -q -T 179,179 "$TMP/msgs.hex" "$TMP/msgs.pcap" || fail "text2pcap failed"
[ -n "${NB_CAPTURE_DIR:-}" ] && cp "$TMP/bgp.pcap" "$TMP/msgs.hex" "$NB_CAPTURE_DIR/"	# for seed corpora
tshark -r "$TMP/msgs.pcap" -V > "$TMP/tshark.txt" 2>&1 || fail "tshark failed"
[ "$(grep -c 'Border Gateway Protocol' "$TMP/tshark.txt")" -ge 20 ] || fail "tshark dissected too few messages"
grep -qi 'malformed' "$TMP/tshark.txt" && fail "tshark reports a malformed field: $(grep -i -m3 malformed "$TMP/tshark.txt")"
for name in PAR LON AMS; do
	grep -q "Node name: $name" "$TMP/tshark.txt" || fail "tshark did not decode node name $name"
done
grep -q 'Maximum link bandwidth: 100000.00 Mbps' "$TMP/tshark.txt" || fail "tshark: no 100000 Mbps link"
grep -q 'Maximum link bandwidth: 40000.00 Mbps' "$TMP/tshark.txt" || fail "tshark: no 40000 Mbps link"
grep -q 'Delay: 3500' "$TMP/tshark.txt" || fail "tshark: no link delay of 3500 us"
grep -q 'Minor error Code (Cease): Administratively Reset' "$TMP/tshark.txt" || fail "tshark saw no Cease/reset from GoBGP"
grep -q 'Minor error Code (Cease): Administratively Shutdown' "$TMP/tshark.txt" || fail "tshark saw no Cease/shutdown from neto"
# the OPENs: neto's carries AS 65001 and both families
tshark -r "$TMP/bgp.pcap" -d tcp.port==179,bgp -Y 'bgp.type == 1 && ip.src == 10.77.0.1' \
	-T fields -e bgp.open.myas -e bgp.cap.mp.afi > "$TMP/open.txt" 2>/dev/null
grep -q '^65001' "$TMP/open.txt" || fail "tshark: neto's OPEN does not say AS 65001: $(cat "$TMP/open.txt")"
grep -q '16388' "$TMP/open.txt" || fail "tshark: neto's OPEN lacks the BGP-LS family"
# neto's decoder and tshark agree on what GoBGP sent: its OPEN (AS, hold
# time) and its UPDATE of 10.88.0.0/24 (next hop, AS path)
est=$(grep -m1 '"to":"Established"' "$TMP/neto.log")
read -r t_as t_hold < <(tshark -r "$TMP/bgp.pcap" -d tcp.port==179,bgp -Y 'bgp.type == 1 && ip.src == 10.77.0.2' \
	-T fields -e bgp.open.myas -e bgp.open.holdtime 2>/dev/null | head -1)
[ "$t_as" = "$(jq .peer_as <<<"$est")" ] || fail "peer AS: tshark $t_as, neto $(jq .peer_as <<<"$est")"
[ "$t_hold" = "$(jq .hold_time <<<"$est")" ] || fail "hold time: tshark $t_hold, neto $(jq .hold_time <<<"$est")"
upd=$(grep -m1 '"announce":\["10.88.0.0/24"\]' "$TMP/neto.log")
read -r t_nh t_path < <(tshark -r "$TMP/msgs.pcap" -Y 'bgp.nlri_prefix == 10.88.0.0' \
	-T fields -e bgp.update.path_attribute.next_hop -e bgp.update.path_attribute.as_path_segment.as4 2>/dev/null | head -1)
[ "$t_nh" = "$(jq -r .next_hop <<<"$upd")" ] || fail "next hop: tshark $t_nh, neto $(jq -r .next_hop <<<"$upd")"
[ "$t_path" = "$(jq -r '.as_path | join(",")' <<<"$upd")" ] || fail "AS path: tshark $t_path, neto $(jq -c .as_path <<<"$upd")"
echo "ok: GoBGP peered with neto (ls, ipv4-unicast), BGP-LS topology and prefixes exchanged, reset handled, tshark clean"
exit 0
