#!/bin/bash
# test_peer_bgp_feed.sh - `neto agent peering` learning the ISPs' routes over
# its own iBGP session with ADD-PATH receive (RFC 7911, [peering] bgp_feeds)
# instead of BMP. FRR 8.4 bgpd is the border router (AS 65000) with two eBGP
# ISPs (two more bgpd, AS 64501 and AS 64502, the second prepending its AS
# twice so that BGP prefers the first), each announcing the same prefixes,
# and an iBGP neighbour for neto with `addpath-tx-all-paths`.
#   - every prefix is listed with BGP's choice isp1: the paths came over the
#     session, each mapped to its ISP by its NEXT_HOP;
#   - measured latency that makes isp2 faster for a few prefixes moves
#     exactly those: the role knows isp2's paths, which without ADD-PATH
#     the router would never have sent (they are not its best);
#   - isp2's session going down withdraws its paths over ADD-PATH: the
#     moved prefixes return to isp1 ("withdrawn" in the audit log);
#   - the iBGP session going down removes the router's routes at once.
# Usage: bash test_peer_bgp_feed.sh NETO_BINARY SOURCE_DIR BUILD_DIR
NETO=$(realpath "$1")
SRC=$2
. "$SRC/tests/lab/lib.sh"
lab_need_root
lab_need ip vtysh sqlite3
lab_need_frr zebra bgpd

P=npf$(($$ % 100000))
NSB=$P-br
NS1=$P-i1
NS2=$P-i2
NSN=$P-neto
N=20
FAST=5		# prefixes 0..FAST-1 are faster through the second ISP
lab_tmpdir npf
DB="$TMP/store.db"
fail() {
	echo "FAIL: $*"
	echo "--- neto"; tail -20 "$TMP/neto.out"
	echo "--- border bgpd log"; tail -20 "$TMP/br.log" 2>/dev/null
	exit 1
}
pfx() { echo "10.$((100 + $1 / 256)).$(($1 % 256)).0/24"; }
q() { sqlite3 "$DB" "$1"; }
doc() { pe_doc "$DB"; }
is() { pe_is "$DB" "$@"; }

lab_netns $NSB $NS1 $NS2 $NSN
lab_veth $NSB $P-a $NS1 $P-b 10.79.0.1/24 10.79.0.2/24
lab_veth $NSB $P-c $NS2 $P-d 10.79.1.1/24 10.79.1.2/24
lab_veth $NSB $P-e $NSN $P-f 10.79.2.1/24 10.79.2.2/24

frr_prepare $P-fb
frr_prepare $P-f1
frr_prepare $P-f2
cat > /etc/frr/$P-fb/frr.conf <<EOF
frr defaults traditional
hostname border1
log file $TMP/br.log
!
router bgp 65000
 bgp router-id 10.79.2.1
 no bgp ebgp-requires-policy
 timers bgp 3 9
 neighbor 10.79.0.2 remote-as 64501
 neighbor 10.79.1.2 remote-as 64502
 neighbor 10.79.2.2 remote-as 65000
 neighbor 10.79.2.2 description neto
 neighbor 10.79.2.2 passive
 address-family ipv4 unicast
  neighbor 10.79.2.2 addpath-tx-all-paths
 exit-address-family
!
EOF
PFXS=$(for i in $(seq 0 $((N - 1))); do pfx "$i"; done)
# shellcheck disable=SC2086
frr_isp_conf "$TMP/isp1.log" 64501 10.79.0.2 10.79.0.1 no $PFXS > /etc/frr/$P-f1/frr.conf
# shellcheck disable=SC2086
frr_isp_conf "$TMP/isp2.log" 64502 10.79.1.2 10.79.1.1 yes $PFXS > /etc/frr/$P-f2/frr.conf
chown -R frr:frr "$TMP"

cat > "$TMP/peering.txt" <<EOF
link l1 10G
link l2 10G
egress isp1 border1 10.79.0.2 l1
egress isp2 border1 10.79.1.2 l2
EOF
for i in $(seq 0 $((N - 1))); do echo "$(pfx "$i") 0 1M"; done > "$TMP/traffic.txt"
cat > "$TMP/neto.ini" <<EOF
[store]
uri = sqlite:$DB
[peering]
enabled = yes
peering_file = $TMP/peering.txt
interval = 1
hold_s = 300
bgp_feeds = border1
[bgp]
local-as = 65000
router-id = 10.79.2.2
hold-time = 9
connect-retry = 1
[peer border1]
address = 10.79.2.1
remote-as = 65000
families = ipv4-unicast
add-path-receive = yes
EOF

frr_start $P-f1 $NS1 zebra bgpd || fail "ISP 1's FRR did not start"
frr_start $P-f2 $NS2 zebra bgpd || fail "ISP 2's FRR did not start"
frr_start $P-fb $NSB zebra bgpd || fail "the border router's FRR did not start"
ip netns exec $NSN "$NETO" agent peering lab1 --config "$TMP/neto.ini" --no-listen \
	--traffic "$TMP/traffic.txt" > "$TMP/neto.out" 2>&1 &
NETO_PID=$!
LAB_PIDS+=($NETO_PID)

wait_for 60 is isp1 isp1 $N || fail "the document does not list the $N prefixes on isp1: $(doc | head -c 400)"
grep -q "peering: BGP border1: End-of-RIB (IPv4) after" "$TMP/neto.out" || fail "no End-of-RIB"
grep -q "without ADD-PATH" "$TMP/neto.out" && fail "ADD-PATH was not negotiated"
echo "ok: $N prefixes listed over iBGP, BGP's choice isp1"

# measured latency: isp2 faster for the first FAST prefixes
for i in $(seq 0 $((N - 1))); do
	l2=80
	[ "$i" -lt $FAST ] && l2=20
	pe_latency_put "$DB" "$(pfx "$i")" border1 10.79.0.2 50
	pe_latency_put "$DB" "$(pfx "$i")" border1 10.79.1.2 $l2
done
wait_for 15 is isp2 isp1 $FAST || fail "the $FAST faster prefixes did not move to isp2: $(doc | head -c 600)"
is isp1 isp1 $((N - FAST)) || fail "other prefixes moved: $(doc | head -c 600)"
echo "ok: $FAST prefixes moved to isp2, whose paths came over ADD-PATH only"

# isp2's session goes down: the border router withdraws those paths
vtysh -N $P-f2 -c 'configure terminal' -c 'router bgp 64502' -c 'neighbor 10.79.1.1 shutdown' >/dev/null
wait_for 30 is isp1 isp1 $N || fail "the prefixes did not return to isp1: $(doc | head -c 600)"
[ "$(q "select count(*) from audit where action = 'egress-move' and detail like '%\"from\":\"isp2\",\"to\":\"isp1\",\"reason\":\"withdrawn\"%'")" = $FAST ] ||
	fail "withdrawn audit rows: $(q 'select detail from audit')"
echo "ok: isp2's paths withdrawn over ADD-PATH, the $FAST prefixes back on isp1"

# the iBGP session goes down: the router's routes leave the table at once
vtysh -N $P-fb -c 'configure terminal' -c 'router bgp 65000' -c 'neighbor 10.79.2.2 shutdown' >/dev/null
wait_for 15 grep -q "peering: BGP border1 (10.79.2.1): session down (.*), $N routes removed" "$TMP/neto.out" ||
	fail "no session-down line with $N routes removed"
echo "ok: the session's end removed its $N routes"

kill -TERM $NETO_PID
wait $NETO_PID
rc=$?
[ $rc = 0 ] || fail "neto agent peering exited $rc on SIGTERM"
echo "PASS"
