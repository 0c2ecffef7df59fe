#!/bin/bash
# test_peer_agent_lab.sh - the peering role on the ISP lab (`neto lab up
# --isps`, docs/lab.md): the square with border sites a and b, three ISPs
# of 2000 generated prefixes (BIRD 2), FRR bgpd with BMP at both borders.
# `neto agent peering` in the management namespace takes both routers' BMP
# sessions (named by sysName, as the lab's peering file names them); with
# traffic toward prefixes of every ISP and the ISPs' latencies as the
# static table, every prefix's choice in the document is the lowest-latency
# ISP that offers it (from the ISPs' own tables), BGP's choice is listed
# for each, and every announced prefix has its audit row.
# Usage: bash test_peer_agent_lab.sh NETO_BINARY SOURCE_DIR BUILD_DIR
NETO=$(realpath "$1")
SRC=$(realpath "$2")
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in ip tc vtysh bird birdc sqlite3; do
	command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done
[ -x /usr/lib/frr/bgpd ] && [ -x /usr/lib/frr/isisd ] || { echo "skip: FRR missing"; exit 77; }
[ -f /usr/lib/frr/modules/bgpd_bmp.so ] || ls /usr/lib/*/frr/modules/bgpd_bmp.so >/dev/null 2>&1 ||
	{ echo "skip: FRR bgpd BMP module missing"; exit 77; }

P=npl$$-
DIR=$(mktemp -d /tmp/npl.XXXXXX)
DB="$DIR/store.db"
PE_PID=
cleanup() {
	[ -n "$PE_PID" ] && kill "$PE_PID" 2>/dev/null && wait "$PE_PID" 2>/dev/null
	[ -f "$DIR/lab.state" ] && "$NETO" lab down --dir "$DIR" --quiet
	for ns in $(ip netns list | awk '{print $1}' | grep "^$P"); do ip netns del "$ns"; done
	rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- peering role"; tail -8 "$DIR/pe.out" 2>/dev/null
	exit 1
}
wait_for() {	# seconds, command...
	local n=$1; shift
	for _ in $(seq $((n * 4))); do "$@" && return 0; sleep 0.25; done
	return 1
}
doc() { sqlite3 "$DB" "select body from kv where ns = 'peering' and name = 'desired'" 2>/dev/null; }

"$NETO" lab up --topology "$SRC/tests/data/lab/square.json" --dir "$DIR" --prefix "$P" \
	--isps "$SRC/tests/data/lab/isps_square.txt" --quiet || fail "lab up"
M=${P}m

# ISP latencies (tests/data/lab/isps_square.txt) as the static table
cat > "$DIR/static.txt" <<EOF
0.0.0.0/0 transit1-a 20
0.0.0.0/0 transit2-a 35
0.0.0.0/0 transit2-b 35
0.0.0.0/0 peer3-b 10
EOF
# what each ISP offers: its kernel's local routes; traffic toward the first
# 25 prefixes of each, 20 kbit/s each (far below every link's headroom)
for i in 1 2 3; do
	ip -n "${P}i$i" -4 route show table local type local dev lo | awk '{print $2}' |
		grep -v '^127\.' | sort > "$DIR/isp$i"
	[ -s "$DIR/isp$i" ] || fail "ISP $i absorbs nothing"
done
for i in 1 2 3; do head -25 "$DIR/isp$i"; done | sort -u > "$DIR/pfx"
awk '{print $1, 0, "20k"}' "$DIR/pfx" > "$DIR/traffic.txt"
T=$(wc -l < "$DIR/pfx")

ip netns exec "$M" "$NETO" agent peering lab1 --store "sqlite:$DB" --peering "$DIR/peering.txt" \
	--static-latency "$DIR/static.txt" --traffic "$DIR/traffic.txt" --interval 2 \
	> "$DIR/pe.out" 2>&1 &
PE_PID=$!

# the lowest-latency ISP offering each prefix (transit2's two egresses tie)
want() {
	if grep -qx "$1" "$DIR/isp3"; then echo peer3-b
	elif grep -qx "$1" "$DIR/isp1"; then echo transit1-a
	else echo "transit2-[ab]"; fi
}
settled() {
	local d n
	d=$(doc)
	[ -n "$d" ] || return 1
	n=$(echo "$d" | grep -o '"prefix":"' | wc -l)
	[ "$n" = "$T" ] || return 1
	while read -r p; do
		echo "$d" | grep -Eq "\"prefix\":\"$p\",\"class\":0,\"rate\":20000.0,\"egress\":\"$(want "$p")\",\"bgp\":\"[a-z0-9-]+\"" || return 1
	done < "$DIR/pfx"
}
wait_for 90 settled || {
	d=$(doc)
	while read -r p; do
		echo "$d" | grep -o "\"prefix\":\"$p\"[^}]*" || echo "$p: not listed"
	done < "$DIR/pfx" | head -5
	fail "the document does not settle on the lowest-latency ISP of each of the $T prefixes"
}
grep -q "BMP 10.254.1.1: connected" "$DIR/pe.out" && grep -q "BMP 10.254.2.1: connected" "$DIR/pe.out" ||
	fail "not both border routers connected"
echo "ok: $T prefixes, each on the lowest-latency ISP offering it"

# each prefix not on BGP's choice was moved with an audit row
d=$(doc)
moved=0
while read -r p; do
	eg=$(echo "$d" | grep -o "\"prefix\":\"$p\",[^}]*" | sed 's/.*"egress":"\([^"]*\)","bgp":"\([^"]*\)".*/\1 \2/')
	set -- $eg
	[ "$1" = "$2" ] && continue
	moved=$((moved + 1))
	[ "$(sqlite3 "$DB" "select count(*) from audit where action = 'egress-move' and detail like '{\"prefix\":\"$p\",%\"to\":\"$1\"%'")" -ge 1 ] ||
		fail "no audit row for $p to $1"
done < "$DIR/pfx"
[ "$moved" -gt 0 ] || fail "BGP already chose the lowest latency for all $T prefixes: nothing tested"
echo "ok: $moved prefixes off BGP's choice, each with its audit row"

kill -TERM "$PE_PID"
wait "$PE_PID"
rc=$?
PE_PID=
[ "$rc" = 0 ] || fail "the role exited $rc on SIGTERM"
echo "PASS"
