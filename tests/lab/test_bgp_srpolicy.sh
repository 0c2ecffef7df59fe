#!/bin/bash
# test_bgp_srpolicy.sh - SR policies from neto's BGP driver (driver_bgp.c) to
# GoBGP (gobgpd 3.10) over ipv4-srpolicy (RFC 9830), in two namespaces.
#
# neto installs one task (tests/data/bgp/sr-task.json: two SRv6 segment lists
# with weights 3:1) on router "gobgp". The driver must report it done once
# announced; GoBGP must hold the policy and decode the NLRI (color,
# endpoint) and the tunnel encapsulation (preference, segment lists,
# weights). When GoBGP resets the session the policy must go back to
# pending and be announced again on the new session. tshark must decode
# the tunnel encapsulation with the same values.
#
# usage: bash test_bgp_srpolicy.sh NETO_BINARY SOURCE_DIR BUILD_DIR
set -u
NETO=$1
SRC=$2
. "$SRC/tests/lab/lib.sh"
lab_need_root
lab_need gobgpd gobgp tshark tcpdump text2pcap python3 jq ip
NS1=nb-srp-neto-$$
NS2=nb-srp-peer-$$
lab_tmpdir nb-srp
fail() {
	echo "FAIL: $*"
	if [ -n "${KEEP:-}" ]; then rm -rf /tmp/nb-keep; cp -r "$TMP" /tmp/nb-keep; fi
	echo "--- neto log"; cat "$TMP/neto.log"
	echo "--- gobgpd log"; grep -v '"level":"debug"' "$TMP/gobgpd.log" | tail -10
	exit 1
}
lab_netns $NS1 $NS2
lab_veth $NS1 nbs-a $NS2 nbs-b 10.76.0.1/24 10.76.0.2/24

cat > "$TMP/gobgpd.toml" <<EOF2
[global.config]
  as = 65002
  router-id = "10.76.0.2"
  local-address-list = ["10.76.0.2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.76.0.1"
    peer-as = 65001
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
    connect-retry = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-srpolicy"
EOF2
cat > "$TMP/neto.ini" <<EOF2
[bgp]
local-as = 65001
router-id = 10.76.0.1
listen = 10.76.0.1
[peer gobgp]
address = 10.76.0.2
remote-as = 65002
families = ipv4-srpolicy
EOF2
ip netns exec $NS1 tcpdump -i nbs-a -s 0 -U -w "$TMP/bgp.pcap" tcp port 179 2>/dev/null &
TCPDUMP=$!
LAB_PIDS+=($TCPDUMP)
ip netns exec $NS2 gobgpd -l debug -f "$TMP/gobgpd.toml" --api-hosts 127.0.0.1:50051 >"$TMP/gobgpd.log" 2>&1 &
LAB_PIDS+=($!)
sleep 1
ip netns exec $NS1 "$NETO" bgp --config "$TMP/neto.ini" --endpoint AMS=192.0.2.3 \
	--sr-policy "gobgp,AMS/gold,$SRC/tests/data/bgp/sr-task.json" >"$TMP/neto.log" 2>&1 &
NETO_PID=$!
LAB_PIDS+=($NETO_PID)
G() { ip netns exec $NS2 gobgp -u 127.0.0.1 -p 50051 "$@"; }

done1() { grep -q '"event":"sr-policy","router":"gobgp","policy":"AMS/gold","status":"done"' "$TMP/neto.log"; }
wait_for 30 done1 || fail "the policy never became done"
grep '"to":"Established"' "$TMP/neto.log" | head -1 | jq -e '.families == ["ipv4-srpolicy"]' >/dev/null ||
	fail "ipv4-srpolicy not negotiated"
# GoBGP's decoding (from its debug log of the received UPDATE)
got() { grep '"msg":"received update"' "$TMP/gobgpd.log" | grep -q '"type":23'; }
wait_for 10 got || fail "gobgp logged no UPDATE with a tunnel encapsulation"
grep '"msg":"received update"' "$TMP/gobgpd.log" | grep '"type":23' | head -1 > "$TMP/upd.json"
jq -c '.attributes[] | select(.type == 23)' "$TMP/upd.json" > "$TMP/encap.json"
jq -c '.attributes[] | select(.type == 14)' "$TMP/upd.json" > "$TMP/reach.json"
jq -e '.safi == 73 and .afi == 1' "$TMP/reach.json" >/dev/null || fail "not SAFI 73: $(cat "$TMP/reach.json")"
# GoBGP prints the endpoint as raw octets in a JSON string (0xc0 becomes
# U+FFFD); the color and distinguisher are FNV-1a of "gold" and "AMS/gold"
# (driver_bgp.h)
fnv() { python3 -c 'import sys
h = 2166136261
for b in sys.argv[1].encode(): h = ((h ^ b) * 16777619) & 0xffffffff
print(h)' "$1"; }
want_color=$(( 1 + ($(fnv gold) & 0x7fffffff) ))
want_dist=$(fnv AMS/gold)
jq -e '.value[0].endpoint | explode == [65533, 0, 2, 3]' "$TMP/reach.json" >/dev/null ||
	fail "endpoint 192.0.2.3 not in gobgp's NLRI: $(cat "$TMP/reach.json")"
jq -e --argjson c $want_color --argjson d $want_dist '.value[0].color == $c and .value[0].distinguisher == $d and .value[0].length == 12' \
	"$TMP/reach.json" >/dev/null || fail "color/distinguisher: gobgp $(jq -c .value "$TMP/reach.json"), expected $want_color/$want_dist"
for want in '"preference":100' 'fc00:0:2::' 'fc00:0:3::' '"weight":750' '"weight":250'; do
	grep -q "$want" "$TMP/encap.json" || fail "gobgp's tunnel encapsulation lacks $want: $(cat "$TMP/encap.json")"
done
G global rib -a ipv4-srpolicy -j > "$TMP/rib.json" 2>&1
[ "$(jq 'length' "$TMP/rib.json" 2>/dev/null)" = 1 ] || fail "gobgp's ipv4-srpolicy RIB: $(head -c 300 "$TMP/rib.json")"

# GoBGP resets: pending, then announced again on the new session
G neighbor 10.76.0.1 reset || fail "reset failed"
pend() { grep -q '"status":"pending"' "$TMP/neto.log"; }
wait_for 10 pend || fail "the policy did not go pending when the session dropped"
done2() { [ "$(grep -c '"status":"done"' "$TMP/neto.log")" -ge 2 ]; }
wait_for 40 done2 || fail "the policy was not announced again"
kill -TERM $NETO_PID
wait $NETO_PID
rc=$?
[ $rc = 0 ] || fail "neto exited with $rc"
sleep 1
kill -INT $TCPDUMP
sleep 1

# tshark: its tunnel encapsulation decoding agrees. tshark 4.0 knows no SAFI
# 73 next hop ("Unknown SAFI (73) for AFI 1", "Unknown Next Hop length") and
# no type B segment; those expert notes are the only errors allowed.
tshark -r "$TMP/bgp.pcap" -T fields -e tcp.stream -e tcp.srcport -e tcp.seq -e tcp.payload \
	2>/dev/null | python3 "$SRC/tests/lab/test_bgp_split.py" > "$TMP/msgs.hex" || fail "no messages"
text2pcap -q -T 179,179 "$TMP/msgs.hex" "$TMP/msgs.pcap" || fail "text2pcap failed"
tshark -r "$TMP/msgs.pcap" -V > "$TMP/tshark.txt" 2>&1 || fail "tshark failed"
grep -E 'Malformed Packet|Error/Malformed' "$TMP/tshark.txt" | grep -v 'Unknown Next Hop length (4 bytes)' | grep -q . &&
	fail "tshark reports a malformed field: $(grep -m3 Malformed "$TMP/tshark.txt")"
grep -q 'Preference: 00000064' "$TMP/tshark.txt" || fail "tshark: no preference 100"
grep -q 'Data: 0000000002ee' "$TMP/tshark.txt" || fail "tshark: no weight 750"
grep -q 'Data: 0000000000fa' "$TMP/tshark.txt" || fail "tshark: no weight 250"
grep -q 'Endpoint: 192.0.2.3' "$TMP/tshark.txt" || fail "tshark: endpoint is not 192.0.2.3"
[ "$(grep -c 'Type code: Segment List (128)' "$TMP/tshark.txt")" -ge 4 ] || fail "tshark: segment lists missing"
echo "ok: GoBGP accepted neto's SR policy (ipv4-srpolicy), done/pending/done across a reset, tshark agrees"
exit 0
