#!/bin/bash
# test_bmp_frr.sh - `neto bmp` as the monitoring station of FRR 8.4 bgpd
# (`-M bmp`) acting as a border router (AS 65000) with one eBGP ISP peer (a
# second bgpd, AS 64501) announcing a few hundred generated prefixes. Checks
# that neto's table (the --routes dump) holds every prefix with the ISP's AS
# path and next hop, that prefixes the ISP withdraws leave it, and that the
# ISP session going down (BMP Peer Down) removes that peer's routes.
# Usage: bash test_bmp_frr.sh NETO_BINARY SOURCE_DIR BUILD_DIR
NETO=$(realpath "$1")
SRC=$2
. "$SRC/tests/lab/lib.sh"
lab_need_root
lab_need ip vtysh
lab_need_frr zebra bgpd
[ -f /usr/lib/frr/modules/bgpd_bmp.so ] || ls /usr/lib/*/frr/modules/bgpd_bmp.so >/dev/null 2>&1 ||
	{ echo "skip: FRR bgpd BMP module missing"; exit 77; }

NSB=npb-br-$$
NSI=npb-isp-$$
FB=npb-br-$$
FI=npb-isp-$$
N=300
lab_tmpdir npb
fail() {
	echo "FAIL: $*"
	echo "--- neto log"; tail -20 "$TMP/neto.log"
	echo "--- neto summary"; tail -5 "$TMP/neto.out"
	echo "--- border bgpd log"; tail -20 "$TMP/br.log" 2>/dev/null
	exit 1
}
pfx() { echo "10.$((100 + $1 / 256)).$(($1 % 256)).0/24"; }
lines() { [ -f "$TMP/routes.txt" ] && [ "$(wc -l < "$TMP/routes.txt")" = "$1" ]; }

lab_netns $NSB $NSI
lab_veth $NSB npb-a $NSI npb-b 10.79.0.1/24 10.79.0.2/24

frr_prepare $FB
frr_prepare $FI
cat > /etc/frr/$FB/frr.conf <<EOF
frr defaults traditional
hostname npb-br
log file $TMP/br.log
!
router bgp 65000
 bgp router-id 10.79.0.1
 no bgp ebgp-requires-policy
 timers bgp 3 9
 neighbor 10.79.0.2 remote-as 64501
 address-family ipv4 unicast
  neighbor 10.79.0.2 soft-reconfiguration inbound
 exit-address-family
 bmp targets neto
  bmp connect 127.0.0.1 port 11019 min-retry 100 max-retry 1000
  bmp monitor ipv4 unicast pre-policy
 exit
!
EOF
{
	echo "frr defaults traditional"
	echo "hostname npb-isp"
	echo "log file $TMP/isp.log"
	echo "router bgp 64501"
	echo " bgp router-id 10.79.0.2"
	echo " no bgp ebgp-requires-policy"
	echo " no bgp network import-check"
	echo " timers bgp 3 9"
	echo " neighbor 10.79.0.1 remote-as 65000"
	echo " address-family ipv4 unicast"
	for i in $(seq 0 $((N - 1))); do echo "  network $(pfx "$i")"; done
	echo " exit-address-family"
} > /etc/frr/$FI/frr.conf
chown frr:frr "$TMP"

# the collector first, in the border router's namespace; FRR connects to it
ip netns exec $NSB "$NETO" bmp --listen 127.0.0.1 --port 11019 --interval 1 \
	--routes "$TMP/routes.txt" > "$TMP/neto.out" 2> "$TMP/neto.log" &
NETO_PID=$!
LAB_PIDS+=($NETO_PID)
frr_start $FB $NSB zebra bgpd -- -M bmp || fail "the border router's FRR did not start"
frr_start $FI $NSI zebra bgpd || fail "the ISP's FRR did not start"

wait_for 60 lines $N || fail "neto's table does not hold the $N prefixes ($(wc -l < "$TMP/routes.txt" 2>/dev/null))"
# every prefix once, from the ISP peer, its path the ISP's (FRR 8.4 puts
# its own AS first in pre-policy paths: docs/peering.md), next hop the ISP
for i in $(seq 0 $((N - 1))); do echo "$(pfx "$i")"; done | sort > "$TMP/want"
cut -d' ' -f1 "$TMP/routes.txt" | sort > "$TMP/got"
cmp -s "$TMP/want" "$TMP/got" || fail "the prefixes differ from what the ISP announced"
bad=$(awk '$3 != "10.79.0.2" || $4 != 64501 || ($5 != "64501" && $5 != "65000,64501") ||
	   $6 != "10.79.0.2"' "$TMP/routes.txt" | head -3)
# the router is named by its Initiation sysName (FRR sends the host's name)
[ "$(cut -d' ' -f2 "$TMP/routes.txt" | sort -u | wc -l)" = 1 ] || fail "several router names"
[ -z "$bad" ] || fail "wrong peer, AS path or next hop: $bad"
grep -Eq "^peer [^ ]+ 10.79.0.2 as 64501 up routes $N$" "$TMP/neto.out" ||
	fail "the summary does not show the ISP peer up with $N routes"
echo "ok: $N prefixes with the ISP's path and next hop"

# the ISP withdraws 50 prefixes
W=50
args=(-c 'configure terminal' -c 'router bgp 64501' -c 'address-family ipv4 unicast')
for i in $(seq 0 $((W - 1))); do args+=(-c "no network $(pfx "$i")"); done
vtysh -N $FI "${args[@]}" >/dev/null || fail "vtysh could not withdraw"
wait_for 30 lines $((N - W)) || fail "withdrawn prefixes stay ($(wc -l < "$TMP/routes.txt"))"
for i in $(seq 0 $((W - 1))); do
	grep -q "^$(pfx "$i") " "$TMP/routes.txt" && fail "withdrawn $(pfx "$i") stays"
done
grep -q "^$(pfx $W) " "$TMP/routes.txt" || fail "$(pfx $W) went with the withdrawn ones"
echo "ok: $W withdrawn prefixes left the table"

# the ISP session goes down: BMP Peer Down removes the peer's routes
vtysh -N $FI -c 'configure terminal' -c 'router bgp 64501' -c 'neighbor 10.79.0.1 shutdown' >/dev/null
wait_for 30 lines 0 || fail "routes stay after Peer Down ($(wc -l < "$TMP/routes.txt"))"
wait_for 5 grep -Eq "^peer [^ ]+ 10.79.0.2 as 64501 down routes 0$" "$TMP/neto.out" ||
	fail "the summary does not show the ISP peer down"
echo "ok: Peer Down removed the ISP's routes"

# SIGTERM: a last summary and a clean exit
kill -TERM $NETO_PID
wait $NETO_PID
rc=$?
NETO_PID=
[ $rc = 0 ] || fail "neto bmp exited $rc on SIGTERM"
grep -q "messages" "$TMP/neto.out" || fail "no summary"
echo "PASS"
