#!/bin/bash
# test_egress_frr.sh - the egress driver (`driver = egress`) against a real
# border router: FRR 8.4 bgpd in a network namespace, with two eBGP ISPs
# (FRR bgpd, each in its own namespace) and neto's updating agent as an iBGP
# peer (`neto agent update egress1` with a store and hand-made tasks).
#
#   isp1 (AS 64501) 10.79.0.2 ---- 10.79.0.1  border1 (AS 65000) 10.79.1.2 ---- 10.79.1.1 neto
#   isp2 (AS 64502) 10.79.0.6 ---- 10.79.0.5
#
# Both ISPs offer 198.51.100.0/24 (isp2 with a longer AS path), isp1 also
# 2001:db8:64::/48: BGP's own choice is isp1. A task announces both prefixes
# through neto with next hop isp2 and LOCAL_PREF 200: border1's best path
# must become neto's (locPrf 200, next hop isp2, iBGP) and the kernel route
# must go to isp2. A route with a next hop border1 cannot resolve is held
# as inaccessible while isp1's stays best. A remove task brings isp1's
# paths back. Applied again,
# then neto is killed (SIGKILL): the session drops, border1 falls back to
# isp1 (no stale route, the kernel route via isp1: no black hole). A new
# agent process then finds the store still claiming the announcements and
# deletes those rows (installed state follows the sessions).
#
# usage: bash test_egress_frr.sh NETO_BINARY SOURCE_DIR BUILD_DIR
set -u
NETO=$1
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in jq ip vtysh sqlite3; do
	command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done
[ -x /usr/lib/frr/bgpd ] && [ -x /usr/lib/frr/zebra ] || { echo "skip: FRR missing"; exit 77; }

ID=$$
NSN=ne-neto-$ID
NSB=ne-b1-$ID
NS1=ne-i1-$ID
NS2=ne-i2-$ID
FB=ne-b1-$ID
F1=ne-i1-$ID
F2=ne-i2-$ID
TMP=$(mktemp -d /tmp/ne-egress.XXXXXX)
chmod 755 "$TMP"
NETO_PID=
cleanup() {
	[ -n "$NETO_PID" ] && kill -9 "$NETO_PID" 2>/dev/null
	for f in $FB $F1 $F2; do
		for d in bgpd zebra; do
			[ -f /var/run/frr/$f/$d.pid ] && kill "$(cat /var/run/frr/$f/$d.pid)" 2>/dev/null
		done
	done
	sleep 0.5
	for f in $FB $F1 $F2; do
		for d in bgpd zebra; do
			[ -f /var/run/frr/$f/$d.pid ] && kill -9 "$(cat /var/run/frr/$f/$d.pid)" 2>/dev/null
		done
		rm -rf /etc/frr/$f /var/run/frr/$f
	done
	for n in $NSN $NSB $NS1 $NS2; do ip netns del $n 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- neto log"; tail -40 "$TMP/neto.log" 2>/dev/null
	echo "--- border1 bgpd log"; tail -20 "$TMP/$FB.log" 2>/dev/null
	exit 1
}
wait_for() {	# seconds, command...
	local n=$1; shift
	for _ in $(seq $((n * 4))); do "$@" && return 0; sleep 0.25; done
	return 1
}
wait_fine() {	# seconds, command...: polls every 50 ms (for the figures)
	local n=$1; shift
	for _ in $(seq $((n * 20))); do "$@" && return 0; sleep 0.05; done
	return 1
}
t_ms() { date +%s%3N; }
VB() { vtysh -N $FB -c "$*"; }
Q() { sqlite3 -cmd '.timeout 5000' "$TMP/store.db" "$@"; }

for n in $NSN $NSB $NS1 $NS2; do ip netns add $n || exit 1; ip -n $n link set lo up; done
ip link add ne-b-i1 netns $NSB type veth peer name ne-i1 netns $NS1 || exit 1
ip link add ne-b-i2 netns $NSB type veth peer name ne-i2 netns $NS2 || exit 1
ip link add ne-b-n netns $NSB type veth peer name ne-n netns $NSN || exit 1
ip -n $NSB addr add 10.79.0.1/30 dev ne-b-i1
ip -n $NS1 addr add 10.79.0.2/30 dev ne-i1
ip -n $NSB addr add 10.79.0.5/30 dev ne-b-i2
ip -n $NS2 addr add 10.79.0.6/30 dev ne-i2
ip -n $NSB addr add 10.79.1.2/30 dev ne-b-n
ip -n $NSN addr add 10.79.1.1/30 dev ne-n
ip -n $NSB addr add fc00:79::1/64 dev ne-b-i1 nodad
ip -n $NS1 addr add fc00:79::2/64 dev ne-i1 nodad
ip -n $NSB addr add fc00:79:1::1/64 dev ne-b-i2 nodad
ip -n $NS2 addr add fc00:79:1::2/64 dev ne-i2 nodad
ip -n $NSB link set ne-b-i1 up; ip -n $NSB link set ne-b-i2 up; ip -n $NSB link set ne-b-n up
ip -n $NS1 link set ne-i1 up; ip -n $NS2 link set ne-i2 up; ip -n $NSN link set ne-n up
ip netns exec $NSB sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

frr_conf() {	# name, body
	mkdir -p /etc/frr/$1 /var/run/frr/$1
	{ echo "frr defaults traditional"; echo "hostname $1"; echo "log file $TMP/$1.log"; echo "!"; cat; } \
		> /etc/frr/$1/frr.conf
	touch /etc/frr/$1/vtysh.conf
	chown -R frr:frr /etc/frr/$1 /var/run/frr/$1
}
frr_start() {	# name, namespace
	ip netns exec $2 /usr/lib/frr/zebra -N $1 -d -u frr -g frr -i /var/run/frr/$1/zebra.pid ||
		fail "zebra $1 did not start"
	ip netns exec $2 /usr/lib/frr/bgpd -N $1 -d -u frr -g frr -i /var/run/frr/$1/bgpd.pid ||
		fail "bgpd $1 did not start"
}

frr_conf $FB <<EOF
router bgp 65000
 bgp router-id 10.79.1.2
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor 10.79.0.2 remote-as 64501
 neighbor fc00:79::2 remote-as 64501
 neighbor 10.79.0.6 remote-as 64502
 neighbor 10.79.1.1 remote-as 65000
 address-family ipv4 unicast
  neighbor 10.79.0.2 activate
  neighbor 10.79.0.6 activate
  neighbor 10.79.1.1 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor fc00:79::2 activate
  neighbor 10.79.1.1 activate
 exit-address-family
!
EOF
frr_conf $F1 <<EOF
router bgp 64501
 bgp router-id 10.79.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor 10.79.0.1 remote-as 65000
 neighbor fc00:79::1 remote-as 65000
 address-family ipv4 unicast
  network 198.51.100.0/24
  neighbor 10.79.0.1 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:64::/48
  neighbor fc00:79::1 activate
 exit-address-family
!
EOF
frr_conf $F2 <<EOF
route-map LONGER permit 10
 set as-path prepend 64502 64502
!
router bgp 64502
 bgp router-id 10.79.0.6
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor 10.79.0.5 remote-as 65000
 address-family ipv4 unicast
  network 198.51.100.0/24
  neighbor 10.79.0.5 activate
  neighbor 10.79.0.5 route-map LONGER out
 exit-address-family
!
EOF
chown frr:frr "$TMP"
frr_start $FB $NSB
frr_start $F1 $NS1
frr_start $F2 $NS2
sleep 1
for f in $FB $F1 $F2; do vtysh -N $f -b >/dev/null || fail "vtysh could not load $f's configuration"; done

# BGP's own choice: isp1 (the shorter AS path)
best4() {	# nexthop, then the best path of 198.51.100.0/24 must have it
	VB show bgp ipv4 unicast 198.51.100.0/24 json > "$TMP/b4.json"
	jq -e --arg nh "$1" '[.paths[] | select(.bestpath.overall == true)][0].nexthops[0].ip == $nh' \
		"$TMP/b4.json" >/dev/null
}
best6() {
	VB show bgp ipv6 unicast 2001:db8:64::/48 json > "$TMP/b6.json"
	jq -e --arg nh "$1" '[.paths[] | select(.bestpath.overall == true)][0].nexthops[0].ip == $nh' \
		"$TMP/b6.json" >/dev/null
}
two_offers() { VB show bgp ipv4 unicast 198.51.100.0/24 json | jq -e '.paths | length == 2' >/dev/null; }
wait_for 40 two_offers || fail "border1 did not learn 198.51.100.0/24 from both ISPs"
best4 10.79.0.2 || fail "BGP's own best path is not isp1's: $(jq -c . "$TMP/b4.json")"
wait_for 30 best6 fc00:79::2 || fail "border1 did not learn 2001:db8:64::/48 from isp1"

# neto: the store, one updating agent with driver egress, border1 its iBGP peer
cat > "$TMP/neto.ini" <<EOF
[store]
uri = sqlite:$TMP/store.db
[agent egress1]
role = update
driver = egress
routers = border1
[bgp]
local-as = 65000
router-id = 10.79.1.1
hold-time = 9
connect-retry = 2
[peer border1]
address = 10.79.1.2
remote-as = 65000
families = ipv4-unicast, ipv6-unicast
EOF
"$NETO" check --config "$TMP/neto.ini" --quiet >/dev/null 2>&1	# creates the store
Q "SELECT count(*) FROM plan" >/dev/null || fail "no store"
start_neto() {
	ip netns exec $NSN "$NETO" agent update egress1 --config "$TMP/neto.ini" >>"$TMP/neto.log" 2>&1 &
	NETO_PID=$!
}
D4='{"prefix":"198.51.100.0/24","egress":"e2","nexthop":"10.79.0.6","local_pref":200,"communities":["65000:100"]}'
D6='{"prefix":"2001:db8:64::/48","egress":"e2","nexthop":"fc00:79:1::2","local_pref":200}'
plan() {	# id, then tasks as "policy|action|desired": one running plan, tasks assigned
	local id=$1; shift
	local sql="UPDATE plan SET state = 'done' WHERE state = 'running';
INSERT INTO plan (id, created, updated, epoch, kind, state, priority, nsteps, step,
 topology_version, demand_id, intent_serial) VALUES ($id, 0, 0, 1, 'peering', 'running', 0, 1, 0, 0, 0, 0);"
	for t in "$@"; do
		IFS='|' read -r pol act des <<<"$t"
		[ -n "$des" ] && des="'$des'" || des=NULL
		sql+="INSERT INTO task (plan_id, step, priority, router, policy, action, desired, state, agent,
 attempts, not_before, deadline, updated) VALUES ($id, 0, 0, 'border1', '$pol', '$act', $des,
 'assigned', 'egress1', 1, 0, 9999999999999, 0);"
	done
	Q "$sql" || fail "could not write plan $id"
}
tasks_done() { [ "$(Q "SELECT count(*) FROM task WHERE plan_id = $1 AND state <> 'done'")" = 0 ]; }

start_neto
back() { VB show bgp neighbors 10.79.1.1 json | jq -e '.["10.79.1.1"].bgpState == "Established"' >/dev/null; }
wait_for 30 back || fail "the agent's session did not come up"
t0=$(t_ms)
plan 1 "egress/198.51.100.0/24|apply|$D4" "egress/2001:db8:64::/48|apply|$D6"
wait_fine 40 best4 10.79.0.6 || fail "neto's route is not border1's best: $(jq -c . "$TMP/b4.json")"
apply_ms=$(( $(t_ms) - t0 ))
wait_for 40 tasks_done 1 || fail "plan 1 not done: $(Q 'SELECT state, error FROM task WHERE plan_id = 1')"
jq -e '[.paths[] | select(.bestpath.overall == true)][0] |
	.locPrf == 200 and .peer.peerId == "10.79.1.1" and .peer.type == "internal" and
	.aspath.string == "Local" and .origin == "IGP" and .community.string == "65000:100"' \
	"$TMP/b4.json" >/dev/null || fail "border1's best path is not neto's announcement: $(jq -c . "$TMP/b4.json")"
wait_for 10 best6 fc00:79:1::2 || fail "neto's IPv6 route is not border1's best: $(jq -c . "$TMP/b6.json")"
jq -e '[.paths[] | select(.bestpath.overall == true)][0] | .locPrf == 200 and .peer.peerId == "10.79.1.1"' \
	"$TMP/b6.json" >/dev/null || fail "border1's IPv6 best path: $(jq -c . "$TMP/b6.json")"
fib4() { ip -n $NSB route get 198.51.100.1 | grep -q "via $1 "; }
wait_for 10 fib4 10.79.0.6 || fail "border1's kernel does not forward to isp2: $(ip -n $NSB route get 198.51.100.1)"
[ "$(Q "SELECT body FROM installed WHERE router = 'border1' AND policy = 'egress/198.51.100.0/24'")" = "$D4" ] ||
	fail "installed row: $(Q 'SELECT * FROM installed')"

# a refused document: the task fails with the reason
plan 2 'egress/203.0.113.0/24|apply|{"prefix":"203.0.113.0/24","egress":"e2","nexthop":"fc00:79:1::2","local_pref":200}'
failed() { [ "$(Q "SELECT state FROM task WHERE plan_id = 2")" = failed ]; }
wait_for 20 failed || fail "a bad document was not refused: $(Q 'SELECT state, error FROM task WHERE plan_id = 2')"
Q "SELECT error FROM task WHERE plan_id = 2" | grep -q "not an IPv4 address" ||
	fail "refusal without its reason: $(Q 'SELECT error FROM task WHERE plan_id = 2')"

# a next hop border1 cannot resolve: the task is done (BGP acknowledges
# nothing), border1 keeps neto's route as inaccessible and forwards by its
# ISP route: no black hole
DX='{"prefix":"198.51.100.0/24","egress":"e9","nexthop":"192.0.2.77","local_pref":200}'
plan 3 "egress/198.51.100.0/24|apply|$DX"
wait_for 40 tasks_done 3 || fail "plan 3 not done: $(Q 'SELECT state, error FROM task WHERE plan_id = 3')"
inaccessible() { VB show bgp ipv4 unicast 198.51.100.0/24 json > "$TMP/bx.json"
	jq -e '[.paths[] | select(.peer.peerId == "10.79.1.1")][0].nexthops[0] | .ip == "192.0.2.77" and .accessible != true' 		"$TMP/bx.json" >/dev/null; }
wait_for 10 inaccessible || fail "border1 does not hold neto's route with the unresolvable next hop: $(cat "$TMP/bx.json")"
best4 10.79.0.2 || fail "an unresolvable next hop is best: $(jq -c . "$TMP/b4.json")"
wait_for 10 fib4 10.79.0.2 || fail "black hole with an unresolvable next hop: $(ip -n $NSB route get 198.51.100.1)"

# remove: BGP's own choice again
no_neto4() { VB show bgp ipv4 unicast 198.51.100.0/24 json |
	jq -e '[.paths[] | select(.peer.peerId == "10.79.1.1")] | length == 0' >/dev/null; }
t0=$(t_ms)
plan 4 "egress/198.51.100.0/24|remove|" "egress/2001:db8:64::/48|remove|"
wait_fine 40 no_neto4 || fail "neto's route is still at border1 after the withdrawal"
remove_ms=$(( $(t_ms) - t0 ))
best4 10.79.0.2 || fail "isp1's path is not back after the withdrawal: $(jq -c . "$TMP/b4.json")"
wait_for 40 tasks_done 4 || fail "plan 4 not done: $(Q 'SELECT state, error FROM task WHERE plan_id = 4')"
wait_for 10 best6 fc00:79::2 || fail "isp1's IPv6 path is not back: $(jq -c . "$TMP/b6.json")"
wait_for 10 fib4 10.79.0.2 || fail "border1's kernel does not forward to isp1 again"
[ "$(Q "SELECT count(*) FROM installed WHERE policy LIKE 'egress/%'")" = 0 ] || fail "installed rows after remove"

# applied again, then neto dies: the session drops, border1 is on plain BGP
plan 5 "egress/198.51.100.0/24|apply|$D4"
wait_for 40 tasks_done 5 || fail "plan 5 not done"
wait_for 10 best4 10.79.0.6 || fail "neto's route is not best again"
t0=$(t_ms)
kill -9 $NETO_PID
wait $NETO_PID 2>/dev/null
NETO_PID=
wait_fine 15 best4 10.79.0.2 || fail "border1 did not fall back to isp1 after neto died: $(jq -c . "$TMP/b4.json")"
kill_ms=$(( $(t_ms) - t0 ))
no_neto4 || fail "a stale route of neto at border1"
wait_for 10 fib4 10.79.0.2 || fail "black hole: border1's kernel route is $(ip -n $NSB route get 198.51.100.1)"
VB show bgp neighbors 10.79.1.1 json | jq -e '.["10.79.1.1"].bgpState != "Established"' >/dev/null ||
	fail "border1 still has a session with neto"

# a new agent process: the store still claims the announcement; the driver
# announces nothing (its task is done), so the row goes
[ "$(Q "SELECT count(*) FROM installed WHERE policy = 'egress/198.51.100.0/24'")" = 1 ] ||
	fail "the row of plan 5 is missing before the restart"
start_neto
gone() { [ "$(Q "SELECT count(*) FROM installed WHERE policy LIKE 'egress/%'")" = 0 ]; }
wait_for 20 gone || fail "after a restart the store still claims $(Q 'SELECT policy FROM installed')"
wait_for 30 back || fail "the new agent's session did not come up"
best4 10.79.0.2 || fail "the new agent announced something: $(jq -c . "$TMP/b4.json")"
kill -TERM $NETO_PID
wait $NETO_PID
rc=$?
NETO_PID=
[ $rc = 0 ] || fail "neto agent update exited with $rc"
t0=$(t_ms); best4 10.79.0.2; poll_ms=$(( $(t_ms) - t0 ))
echo "figures: one vtysh poll ${poll_ms} ms; task written -> neto's route best at border1 ${apply_ms} ms, remove task -> neto's route gone ${remove_ms} ms, SIGKILL -> isp1's best ${kill_ms} ms"
echo "ok: neto's iBGP announcement became border1's best path (LOCAL_PREF 200, isp2's next hop, IPv4 and IPv6), withdrawal and neto's death gave BGP's choice back, installed rows followed"
exit 0
