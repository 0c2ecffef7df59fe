#!/bin/bash
# test_peer_agent_frr.sh - `neto agent peering` as the BMP station of FRR
# 8.4 bgpd (`-M bmp`) acting as a border router (AS 65000) with two eBGP
# ISPs (two more bgpd, AS 64501 and AS 64502, the second prepending its AS
# twice so that BGP prefers the first), each announcing the same prefixes.
# With traffic on every prefix and measured latency rows that make the
# second ISP faster for a few of them, the role's document moves exactly
# those to the second ISP (BGP's choice stays the first); when the second
# ISP's session goes down (BMP Peer Down) they go back, as "withdrawn"
# moves in the audit log; SIGTERM exits 0 and gives the lease up.
# The border router's BMP session dropping and coming back within the grace
# period ([peering] bmp_grace, 30 s) moves nothing.
# Usage: bash test_peer_agent_frr.sh NETO_BINARY SOURCE_DIR BUILD_DIR
NETO=$(realpath "$1")
SRC=$2
. "$SRC/tests/lab/lib.sh"
lab_need_root
lab_need ip vtysh sqlite3
lab_need_frr zebra bgpd
[ -f /usr/lib/frr/modules/bgpd_bmp.so ] || ls /usr/lib/*/frr/modules/bgpd_bmp.so >/dev/null 2>&1 ||
	{ echo "skip: FRR bgpd BMP module missing"; exit 77; }

NSB=npa-br-$$
NS1=npa-i1-$$
NS2=npa-i2-$$
FB=npa-br-$$
F1=npa-i1-$$
F2=npa-i2-$$
N=20
FAST=5		# prefixes 0..FAST-1 are faster through the second ISP
lab_tmpdir npa
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

lab_netns $NSB $NS1 $NS2
lab_veth $NSB npa-a $NS1 npa-b 10.79.0.1/24 10.79.0.2/24
lab_veth $NSB npa-c $NS2 npa-d 10.79.1.1/24 10.79.1.2/24

for d in $FB $F1 $F2; do frr_prepare $d; done
cat > /etc/frr/$FB/frr.conf <<EOF
frr defaults traditional
hostname npa-br
log file $TMP/br.log
!
router bgp 65000
 bgp router-id 10.79.0.1
 no bgp ebgp-requires-policy
 timers bgp 3 9
 neighbor 10.79.0.2 remote-as 64501
 neighbor 10.79.1.2 remote-as 64502
 address-family ipv4 unicast
  neighbor 10.79.0.2 soft-reconfiguration inbound
  neighbor 10.79.1.2 soft-reconfiguration inbound
 exit-address-family
 bmp targets neto
  bmp connect 127.0.0.1 port 11019 min-retry 100 max-retry 1000
  bmp monitor ipv4 unicast pre-policy
 exit
!
EOF
PFXS=$(for i in $(seq 0 $((N - 1))); do pfx "$i"; done)
# shellcheck disable=SC2086
frr_isp_conf "$TMP/isp-64501.log" 64501 10.79.0.2 10.79.0.1 no $PFXS > /etc/frr/$F1/frr.conf
# shellcheck disable=SC2086
frr_isp_conf "$TMP/isp-64502.log" 64502 10.79.1.2 10.79.1.1 yes $PFXS > /etc/frr/$F2/frr.conf
chown -R frr:frr "$TMP"

# FRR's BMP Initiation carries the system's host name as sysName
BR=$(hostname)
cat > "$TMP/peering.txt" <<EOF
link l1 10G
link l2 10G
egress isp1 $BR 10.79.0.2 l1
egress isp2 $BR 10.79.1.2 l2
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
bmp_listen = 127.0.0.1
bmp_port = 11019
EOF

# the role first, in the border router's namespace; FRR connects to it
ip netns exec $NSB "$NETO" agent peering lab1 --config "$TMP/neto.ini" \
	--traffic "$TMP/traffic.txt" > "$TMP/neto.out" 2>&1 &
NETO_PID=$!
LAB_PIDS+=($NETO_PID)
frr_start $FB $NSB zebra bgpd -- -M bmp || fail "the border router's FRR did not start"
frr_start $F1 $NS1 zebra bgpd || fail "ISP 1's FRR did not start"
frr_start $F2 $NS2 zebra bgpd || fail "ISP 2's FRR did not start"

# every prefix routed through both ISPs, BGP's choice the shorter path
wait_for 60 is isp1 isp1 $N || fail "the document does not list the $N prefixes on isp1: $(doc | head -c 400)"
echo "ok: $N prefixes listed, BGP's choice isp1"

# measured latency: isp2 faster for the first FAST prefixes
for i in $(seq 0 $((N - 1))); do
	l2=80
	[ "$i" -lt $FAST ] && l2=20
	pe_latency_put "$DB" "$(pfx "$i")" "$BR" 10.79.0.2 50
	pe_latency_put "$DB" "$(pfx "$i")" "$BR" 10.79.1.2 $l2
done
wait_for 15 is isp2 isp1 $FAST || fail "the $FAST faster prefixes did not move to isp2: $(doc | head -c 600)"
is isp1 isp1 $((N - FAST)) || fail "other prefixes moved: $(doc | head -c 600)"
for i in $(seq 0 $((FAST - 1))); do
	doc | grep -q "\"prefix\":\"$(pfx "$i")\",\"class\":0,\"rate\":1000000.0,\"egress\":\"isp2\",\"bgp\":\"isp1\"" ||
		fail "$(pfx "$i") not on isp2"
done
[ "$(q "select count(*) from audit where actor = 'peering' and action = 'egress-move' and detail like '%\"reason\":\"latency\"%'")" = $FAST ] ||
	fail "latency audit rows: $(q 'select detail from audit')"
echo "ok: $FAST prefixes moved to the faster isp2, one audit row each"

# the BMP session drops (the target removed, then configured again): for
# the grace period the role keeps the router's routes, so nothing moves;
# once the new session has sent its table, the old one's routes go
vtysh -N $FB -c 'configure terminal' -c 'router bgp 65000' -c 'no bmp targets neto' >/dev/null
wait_for 10 grep -q "session closed (.*), its routes kept for up to 30 s" "$TMP/neto.out" ||
	fail "no grace period line"
sleep 3
is isp2 isp1 $FAST || fail "prefixes moved while the BMP session was down: $(doc | head -c 600)"
is isp1 isp1 $((N - FAST)) || fail "prefixes moved while the BMP session was down: $(doc | head -c 600)"
[ "$(q "select count(*) from audit where action = 'egress-move' and detail like '%withdrawn%'")" = 0 ] ||
	fail "withdrawn moves during the BMP outage: $(q 'select detail from audit')"
vtysh -N $FB -c 'configure terminal' -c 'router bgp 65000' -c 'bmp targets neto' \
	-c 'bmp connect 127.0.0.1 port 11019 min-retry 100 max-retry 1000' \
	-c 'bmp monitor ipv4 unicast pre-policy' >/dev/null
wait_for 20 grep -q "closed session's $((2 * N)) routes removed" "$TMP/neto.out" ||
	fail "the closed session's routes were not replaced by the new session's"
is isp2 isp1 $FAST || fail "prefixes moved after the BMP session came back: $(doc | head -c 600)"
echo "ok: a BMP outage within the grace period moved nothing"

# the second ISP's session goes down: its routes leave (BMP Peer Down), the
# moved prefixes return to isp1 although they are held down
vtysh -N $F2 -c 'configure terminal' -c 'router bgp 64502' -c 'neighbor 10.79.1.1 shutdown' >/dev/null
wait_for 30 is isp1 isp1 $N || fail "the prefixes did not return to isp1: $(doc | head -c 600)"
[ "$(q "select count(*) from audit where action = 'egress-move' and detail like '%\"from\":\"isp2\",\"to\":\"isp1\",\"reason\":\"withdrawn\"%'")" = $FAST ] ||
	fail "withdrawn audit rows: $(q 'select detail from audit')"
echo "ok: Peer Down sent the $FAST prefixes back to isp1 (withdrawn)"

# SIGTERM: a clean exit, the lease given up
kill -TERM $NETO_PID
wait $NETO_PID
rc=$?
[ $rc = 0 ] || fail "neto agent peering exited $rc on SIGTERM"
grep -q "^peering: lab1: stopped" "$TMP/neto.out" || fail "no stop line"
[ "$(q "select expires <= $((($(date +%s) + 1) * 1000)) from lease where name = 'peering'")" = 1 ] ||
	fail "lease not given up"
echo "PASS"
