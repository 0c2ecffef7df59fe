#!/bin/bash
# test_peer_e2e.sh - peering engineering end to end on the ISP lab: `neto
# lab up --neto --isps` (the square, border routers a and b with FRR bgpd
# and BMP, three BIRD ISPs, neto's controller and scheduler on the lab's
# store), plus neto's peering role (BMP station in the management
# namespace) and an updating agent with the egress driver (iBGP to both
# border routers). With traffic toward prefixes of every ISP and the ISPs'
# latencies as the static table, the role's choices reach the routers:
# for each prefix it moves off BGP's choice, both border routers' best path
# becomes neto's announcement (LOCAL_PREF 200) with the chosen ISP's
# address as next hop. The role is then killed and a second instance takes
# over: the same prefixes stay announced and installed. SIGTERM at the end.
# Usage: bash test_peer_e2e.sh NETO_BINARY SOURCE_DIR BUILD_DIR
NETO=$(realpath "$1")
SRC=$(realpath "$2")
. "$SRC/tests/lab/lib.sh"
lab_need_root
lab_need ip tc vtysh bird birdc sqlite3 jq
lab_need_frr bgpd isisd
[ -f /usr/lib/frr/modules/bgpd_bmp.so ] || ls /usr/lib/*/frr/modules/bgpd_bmp.so >/dev/null 2>&1 ||
	{ echo "skip: FRR bgpd BMP module missing"; exit 77; }

P=npe$$-
lab_tmpdir npe
DIR=$TMP
DB="$DIR/neto.db"
lab_on_exit "[ -f '$DIR/lab.state' ] && '$NETO' lab down --dir '$DIR' --quiet"
fail() {
	echo "FAIL: $*"
	echo "--- peering role"; tail -5 "$DIR/pe.out" 2>/dev/null
	echo "--- egress agent"; tail -10 "$DIR/eg.out" 2>/dev/null
	echo "--- controller"; grep -i "peering\|egress\|refused" "$DIR"/neto-controller.log 2>/dev/null | tail -10
	exit 1
}
doc() { sqlite3 "$DB" "select body from kv where ns = 'peering' and name = 'desired'" 2>/dev/null; }

"$NETO" lab up --topology "$SRC/tests/data/lab/square.json" --dir "$DIR" --prefix "$P" \
	--isps "$SRC/tests/data/lab/isps_square.txt" --neto --period 3s --quiet || fail "lab up"
A=${P}1 B=${P}2 M=${P}m

cat > "$DIR/static.txt" <<EOF
0.0.0.0/0 transit1-a 20
0.0.0.0/0 transit2-a 35
0.0.0.0/0 transit2-b 35
0.0.0.0/0 peer3-b 10
EOF
for i in 1 2 3; do
	ip -n "${P}i$i" -4 route show table local type local dev lo | awk '{print $2}' |
		grep -v '^127\.' | sort | head -10
done | sort -u | awk '{print $1, 0, "20k"}' > "$DIR/traffic.txt"

# the egress driver's agent: iBGP from the management namespace to both
# border routers' passive neighbour 10.254.N.2 (docs/lab.md)
lab_egress_ini "$DB" > "$DIR/egress.ini"
ip netns exec "$M" "$NETO" agent update egress1 --config "$DIR/egress.ini" > "$DIR/eg.out" 2>&1 &
EG_PID=$!
LAB_PIDS+=($EG_PID)
ip netns exec "$M" "$NETO" agent peering pe1 --store "sqlite:$DB" --peering "$DIR/peering.txt" \
	--static-latency "$DIR/static.txt" --traffic "$DIR/traffic.txt" --interval 2 \
	> "$DIR/pe.out" 2>&1 &
PE_PID=$!
LAB_PIDS+=($PE_PID)

# the role's announced prefixes (egress not BGP's): "PREFIX EGRESS"
announced() {
	doc | jq -r '.prefixes[] | select(.egress != .bgp) | "\(.prefix) \(.egress)"' 2>/dev/null
}
some() { [ -n "$(announced)" ]; }
wait_for 90 some || fail "the role announces nothing"
sleep 4	# a few more cycles: the BMP tables complete
announced > "$DIR/ann"
n=$(wc -l < "$DIR/ann")
echo "ok: the role moves $n prefixes off BGP's choice"

# both border routers: best path = neto's announcement, next hop = the ISP
installed() {	# namespace, prefix, next hop
	vtysh -N "$1" -c "show ip bgp $2 json" |
		jq -e --arg nh "$3" '.paths[] | select(.bestpath.overall == true) |
			select(.locPrf == 200 and .nexthops[0].ip == $nh)' >/dev/null 2>&1
}
all_installed() {
	local p e nh
	announced > "$DIR/ann"
	[ -s "$DIR/ann" ] || return 1
	while read -r p e; do
		nh=$(awk -v e="$e" '$1 == "egress" && $2 == e {print $4}' "$DIR/peering.txt")
		installed "$A" "$p" "$nh" && installed "$B" "$p" "$nh" || return 1
	done < "$DIR/ann"
}
wait_for 90 all_installed || {
	while read -r p e; do
		echo "$p $e: a: $(vtysh -N "$A" -c "show ip bgp $p json" | jq -c '[.paths[] | select(.bestpath.overall == true) | {locPrf, nh: .nexthops[0].ip}]')"
	done < "$DIR/ann" | head -5
	fail "the border routers do not use neto's choices"
}
echo "ok: both border routers' best paths for the $(wc -l < "$DIR/ann") announced prefixes are neto's, via the chosen ISP"

sort "$DIR/ann" > "$DIR/ann1"

# the role dies (SIGKILL: the lease stays until it expires); a second
# instance takes over with the first one's choices: the same prefixes stay
# announced and installed
kill -KILL "$PE_PID"; wait "$PE_PID" 2>/dev/null
ip netns exec "$M" "$NETO" agent peering pe2 --store "sqlite:$DB" --peering "$DIR/peering.txt" \
	--static-latency "$DIR/static.txt" --traffic "$DIR/traffic.txt" --interval 2 \
	> "$DIR/pe.out" 2>&1 &
PE_PID=$!
LAB_PIDS+=($PE_PID)
wait_for 40 grep -q "took the lease: kept the previous leader's choices" "$DIR/pe.out" ||
	fail "pe2 did not take over"
sleep 3
announced | sort > "$DIR/ann2"
cmp -s "$DIR/ann1" "$DIR/ann2" || fail "the announced prefixes changed at the takeover: $(diff "$DIR/ann1" "$DIR/ann2")"
all_installed || fail "the border routers lost neto's choices at the takeover"
[ "$(sqlite3 "$DB" "select holder from lease where name = 'peering'")" = pe2 ] || fail "lease holder"
echo "ok: a second instance took over, the $(wc -l < "$DIR/ann2") announcements stay"

kill -TERM "$PE_PID"; wait "$PE_PID"; rc=$?
[ "$rc" = 0 ] || fail "the peering role exited $rc on SIGTERM"
echo "PASS"
