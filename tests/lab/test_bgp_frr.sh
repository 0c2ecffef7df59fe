#!/bin/bash
# test_bgp_frr.sh - neto's BGP speaker against FRR bgpd (Debian frr 8.4) as a
# plain IPv4 and IPv6 unicast peer, in two network namespaces.
#
# Two sessions (over IPv4 and over IPv6) come up; neto announces a prefix of
# each family, which FRR's `show bgp ... json` must show with neto's address
# as next hop and AS 65001 as path; FRR announces one of each, which neto
# must receive. FRR then resets the IPv4 session (`clear bgp`, NOTIFICATION
# Cease/administrative reset) and later shuts the neighbor down (Cease/
# administrative shutdown): neto must report both and, after the reset, come
# back up. tshark dissects every captured message: nothing may be malformed,
# and its reading of FRR's OPEN and UPDATE must match neto's decoder.
#
# usage: bash test_bgp_frr.sh NETO_BINARY SOURCE_DIR BUILD_DIR
set -u
NETO=$1
SRC=$2
. "$SRC/tests/lab/lib.sh"
lab_need_root
lab_need tshark tcpdump text2pcap python3 jq ip vtysh
lab_need_frr zebra bgpd

NS1=nb-frr-neto-$$
NS2=nb-frr-peer-$$
FRRNAME=nb-frr-$$
lab_tmpdir nb-frr
fail() {
	echo "FAIL: $*"
	if [ -n "${KEEP:-}" ]; then rm -rf /tmp/nb-keep; cp -r "$TMP" /tmp/nb-keep; fi
	echo "--- neto log"; cat "$TMP/neto.log"
	echo "--- bgpd log"; tail -20 "$TMP/bgpd.log" 2>/dev/null
	exit 1
}
V() { vtysh -N $FRRNAME -c "$*"; }

lab_netns $NS1 $NS2
lab_veth $NS1 nbf-a $NS2 nbf-b 10.78.0.1/24 10.78.0.2/24 fc00:78::1/64 fc00:78::2/64

frr_prepare $FRRNAME
cat > /etc/frr/$FRRNAME/frr.conf <<EOF
frr defaults traditional
hostname nbfrr
log file $TMP/bgpd.log
!
router bgp 65003
 bgp router-id 10.78.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 3 9
 neighbor 10.78.0.1 remote-as 65001
 neighbor fc00:78::1 remote-as 65001
 address-family ipv4 unicast
  network 10.66.0.0/24
  no neighbor fc00:78::1 activate
 exit-address-family
 address-family ipv6 unicast
  network fc00:66::/48
  neighbor fc00:78::1 activate
 exit-address-family
!
EOF
chown frr:frr "$TMP"
frr_start $FRRNAME $NS2 zebra bgpd || fail "FRR did not start with its configuration"

cat > "$TMP/neto.ini" <<EOF
[bgp]
local-as = 65001
router-id = 10.78.0.1
hold-time = 30
connect-retry = 2
[peer frr]
address = 10.78.0.2
remote-as = 65003
families = ipv4-unicast
[peer frr6]
address = fc00:78::2
remote-as = 65003
families = ipv6-unicast
EOF
ip netns exec $NS1 tcpdump -i nbf-a -s 0 -U -w "$TMP/bgp.pcap" tcp port 179 2>/dev/null &
LAB_PIDS+=($!)
sleep 0.5
ip netns exec $NS1 "$NETO" bgp --config "$TMP/neto.ini" --announce 10.99.0.0/24 \
	--announce fc00:99::/48 >"$TMP/neto.log" 2>&1 &
NETO_PID=$!
LAB_PIDS+=($NETO_PID)

up() { [ "$(grep -c '"to":"Established"' "$TMP/neto.log")" -ge 2 ]; }
wait_for 40 up || fail "the two sessions did not come up"
grep '"peer":"frr","from":"OpenConfirm"' "$TMP/neto.log" | jq -e '.families == ["ipv4-unicast"]' >/dev/null ||
	fail "frr: ipv4-unicast not negotiated"
grep '"peer":"frr6","from":"OpenConfirm"' "$TMP/neto.log" | jq -e '.families == ["ipv6-unicast"]' >/dev/null ||
	fail "frr6: ipv6-unicast not negotiated"

# neto's prefixes at FRR
frr4() { V show bgp ipv4 unicast 10.99.0.0/24 json > "$TMP/f4.json"; jq -e '.paths | length > 0' "$TMP/f4.json" >/dev/null; }
wait_for 15 frr4 || fail "FRR does not have 10.99.0.0/24: $(cat "$TMP/f4.json")"
jq -e '.paths[0].aspath.string == "65001" and .paths[0].nexthops[0].ip == "10.78.0.1"' "$TMP/f4.json" >/dev/null ||
	fail "FRR's view of 10.99.0.0/24 is wrong: $(jq -c '.paths[0] | {aspath, nexthops}' "$TMP/f4.json")"
frr6() { V show bgp ipv6 unicast fc00:99::/48 json > "$TMP/f6.json"; jq -e '.paths | length > 0' "$TMP/f6.json" >/dev/null; }
wait_for 15 frr6 || fail "FRR does not have fc00:99::/48: $(cat "$TMP/f6.json")"
jq -e '.paths[0].aspath.string == "65001" and .paths[0].nexthops[0].ip == "fc00:78::1"' "$TMP/f6.json" >/dev/null ||
	fail "FRR's view of fc00:99::/48 is wrong: $(jq -c '.paths[0] | {aspath, nexthops}' "$TMP/f6.json")"

# FRR's prefixes at neto
got4() { grep -q '"peer":"frr","announce":\["10.66.0.0/24"\]' "$TMP/neto.log"; }
wait_for 15 got4 || fail "neto did not receive 10.66.0.0/24"
got6() { grep -q '"peer":"frr6","announce":\["fc00:66::/48"\]' "$TMP/neto.log"; }
wait_for 15 got6 || fail "neto did not receive fc00:66::/48"
grep -m1 '"announce":\["10.66.0.0/24"\]' "$TMP/neto.log" | jq -e '.as_path == [65003] and .next_hop == "10.78.0.2"' >/dev/null ||
	fail "neto decoded 10.66.0.0/24 wrongly"

# clear bgp soft in: FRR asks for the routes again (ROUTE-REFRESH, RFC
# 2918), neto announces them once more
V clear bgp ipv4 unicast 10.78.0.1 soft in >/dev/null
refreshed() { grep -q '"event":"route-refresh","peer":"frr","afi":1,"safi":1' "$TMP/neto.log" &&
	[ "$(grep -c '"event":"announced","peer":"frr"' "$TMP/neto.log")" -ge 2 ]; }
wait_for 10 refreshed || fail "neto did not answer FRR's ROUTE-REFRESH"
grep -q '"peer":"frr","from":"Established"' "$TMP/neto.log" && fail "the session dropped on a ROUTE-REFRESH"

# clear bgp: Cease/administrative reset, then the session comes back
V clear bgp 10.78.0.1 >/dev/null
reset_seen() { grep -q '"peer":"frr","direction":"received","code":6,"subcode":4' "$TMP/neto.log"; }
wait_for 15 reset_seen || fail "neto did not report FRR's Cease/administrative reset"
back() { [ "$(grep -c '"peer":"frr","from":"OpenConfirm","to":"Established"' "$TMP/neto.log")" -ge 2 ]; }
wait_for 45 back || fail "the IPv4 session did not come back after clear bgp"

# neighbor shutdown: Cease/administrative shutdown, and it stays down
vtysh -N $FRRNAME -c 'configure terminal' -c 'router bgp 65003' -c 'neighbor 10.78.0.1 shutdown' >/dev/null
shut_seen() { grep -q '"peer":"frr","direction":"received","code":6,"subcode":2' "$TMP/neto.log"; }
wait_for 15 shut_seen || fail "neto did not report FRR's Cease/administrative shutdown"
sleep 2
grep -q '"peer":"frr6","from":"Established"' "$TMP/neto.log" && fail "the IPv6 session went down too"
# FRR sends neto's own prefixes back (AS path 65003 65001): neto must drop
# them (RFC 4271 section 9.1.2, AS path loop)
grep '"announce":\["10.99.0.0/24"\]' "$TMP/neto.log" && fail "neto accepted its own prefix back"
grep -q '"event":"loop","peer":"frr","prefixes":1' "$TMP/neto.log" || fail "neto did not report the AS path loop"
kill -TERM $NETO_PID
wait $NETO_PID
NETO_RC=$?
[ $NETO_RC = 0 ] || fail "neto exited with $NETO_RC"
grep -q '"event":"stopped"' "$TMP/neto.log" || fail "neto did not stop cleanly"
sleep 1
kill -INT "${LAB_PIDS[0]}" 2>/dev/null
sleep 1

# tshark, message by message (see test_bgp_split.py)
tshark -r "$TMP/bgp.pcap" -T fields -e tcp.stream -e tcp.srcport -e tcp.seq -e tcp.payload \
	2>/dev/null | python3 "$SRC/tests/lab/test_bgp_split.py" > "$TMP/msgs.hex" || fail "no messages captured"
text2pcap -q -T 179,179 "$TMP/msgs.hex" "$TMP/msgs.pcap" || fail "text2pcap failed"
[ -n "${NB_CAPTURE_DIR:-}" ] && cp "$TMP/bgp.pcap" "$TMP/msgs.hex" "$NB_CAPTURE_DIR/"	# for seed corpora
tshark -r "$TMP/msgs.pcap" -V > "$TMP/tshark.txt" 2>&1 || fail "tshark failed"
[ "$(grep -c 'Border Gateway Protocol' "$TMP/tshark.txt")" -ge 12 ] || fail "tshark dissected too few messages"
grep -qi 'malformed' "$TMP/tshark.txt" && fail "tshark reports a malformed field: $(grep -i -m3 malformed "$TMP/tshark.txt")"
grep -q 'Minor error Code (Cease): Administratively Reset' "$TMP/tshark.txt" || fail "tshark saw no Cease/reset"
grep -q 'Type: ROUTE-REFRESH Message (5)' "$TMP/tshark.txt" || fail "tshark saw no ROUTE-REFRESH"
grep -q 'Minor error Code (Cease): Administratively Shutdown' "$TMP/tshark.txt" || fail "tshark saw no Cease/shutdown"
# FRR's OPEN as tshark and neto read it
est=$(grep -m1 '"peer":"frr","from":"OpenConfirm"' "$TMP/neto.log")
read -r t_as t_hold < <(tshark -r "$TMP/bgp.pcap" -d tcp.port==179,bgp -Y 'bgp.type == 1 && ip.src == 10.78.0.2' \
	-T fields -e bgp.open.myas -e bgp.open.holdtime 2>/dev/null | head -1)
[ "$t_as" = "$(jq .peer_as <<<"$est")" ] || fail "peer AS: tshark $t_as, neto $(jq .peer_as <<<"$est")"
[ "$t_hold" = 9 ] && [ "$(jq .hold_time <<<"$est")" = 9 ] || fail "hold time: tshark $t_hold, neto $(jq .hold_time <<<"$est")"
# FRR's UPDATE of 10.66.0.0/24
upd=$(grep -m1 '"announce":\["10.66.0.0/24"\]' "$TMP/neto.log")
read -r t_nh t_path < <(tshark -r "$TMP/msgs.pcap" -Y 'bgp.nlri_prefix == 10.66.0.0' \
	-T fields -e bgp.update.path_attribute.next_hop -e bgp.update.path_attribute.as_path_segment.as4 2>/dev/null | head -1)
[ "$t_nh" = "$(jq -r .next_hop <<<"$upd")" ] || fail "next hop: tshark $t_nh, neto $(jq -r .next_hop <<<"$upd")"
[ "$t_path" = "$(jq -r '.as_path | join(",")' <<<"$upd")" ] || fail "AS path: tshark $t_path, neto $(jq -c .as_path <<<"$upd")"
echo "ok: FRR peered with neto over IPv4 and IPv6, prefixes both ways, reset and shutdown handled, tshark clean"
exit 0
