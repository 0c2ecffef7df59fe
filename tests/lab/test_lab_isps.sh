#!/bin/bash
# test_lab_isps.sh - `neto lab up --isps`: the square lab (tests/data/lab/
# square.json) with border sites a and b and three ISPs of 2000 generated
# prefixes each (tests/data/lab/isps_square.txt), BIRD 2 in the ISPs, FRR
# bgpd with BMP at the borders. Checks that every ISP session is
# Established, that the border routers hold every prefix the ISPs' kernels
# absorb, that `neto bmp` in the management namespace receives every ISP's
# pre-policy routes from both border routers, that traffic toward prefixes
# leaves through the peering link BGP chose (veth counters), that the
# peering file names the egresses as BMP names the routers, and that `lab
# down` leaves no namespace or process behind.
# Usage: bash test_lab_isps.sh NETO_BINARY SOURCE_DIR BUILD_DIR
NETO=$(realpath "$1")
SRC=$(realpath "$2")
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in ip tc vtysh bird birdc jq; do
	command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done
[ -x /usr/lib/frr/bgpd ] && [ -x /usr/lib/frr/isisd ] || { echo "skip: FRR missing"; exit 77; }
[ -f /usr/lib/frr/modules/bgpd_bmp.so ] || ls /usr/lib/*/frr/modules/bgpd_bmp.so >/dev/null 2>&1 ||
	{ echo "skip: FRR bgpd BMP module missing"; exit 77; }

P=nli$$-
DIR=$(mktemp -d /tmp/nli.XXXXXX)
ISPS="$SRC/tests/data/lab/isps_square.txt"
N=2000
BMP_PID=
GOBGP_PID=
cleanup() {
	[ -n "$BMP_PID" ] && kill "$BMP_PID" 2>/dev/null
	[ -n "$GOBGP_PID" ] && kill "$GOBGP_PID" 2>/dev/null
	[ -f "$DIR/lab.state" ] && "$NETO" lab down --dir "$DIR" --quiet
	for ns in $(ip netns list | awk '{print $1}' | grep "^$P"); do ip netns del "$ns"; done
	rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	"$NETO" lab status --dir "$DIR" 2>&1 | tail -8
	echo "--- bmp"; tail -12 "$DIR/bmp.out" 2>/dev/null
	exit 1
}
wait_for() {	# seconds, command...
	local n=$1; shift
	for _ in $(seq $((n * 4))); do "$@" && return 0; sleep 0.25; done
	return 1
}

start=$(date +%s)
"$NETO" lab up --topology "$SRC/tests/data/lab/square.json" --dir "$DIR" --prefix "$P" \
	--isps "$ISPS" --quiet || fail "lab up"
A=${P}1 B=${P}2 M=${P}m

# the collector in the management namespace; the border routers connect to it
ip netns exec "$M" "$NETO" bmp --listen 0.0.0.0 --interval 1 --routes "$DIR/routes.txt" \
	> "$DIR/bmp.out" 2> "$DIR/bmp.err" &
BMP_PID=$!

# ISP peer address -> (ISP, border namespace, expected AS), from the file
PEERS="10.250.1.2:$A:64501 10.250.2.2:$A:64502 10.250.3.2:$B:64502 10.250.4.2:$B:64503"
established() {
	local p addr ns as st
	for p in $PEERS; do
		IFS=: read -r addr ns as <<< "$p"
		st=$(vtysh -N "$ns" -c 'show bgp ipv4 unicast summary json' |
		     jq -r --arg a "$addr" '.peers[$a] | "\(.state) \(.pfxRcd) \(.remoteAs)"')
		[ "$st" = "Established $N $as" ] || return 1
	done
}
wait_for 60 established || fail "not every ISP session is Established with $N prefixes"
echo "ok: 4 ISP sessions Established, $N prefixes received on each"

# what the ISPs absorb: their kernels' local routes, independent of BGP
: > "$DIR/all"
for i in 1 2 3; do
	ip -n "${P}i$i" -4 route show table local type local dev lo | awk '{print $2}' |
		grep -v '^127\.' | sort > "$DIR/isp$i"
	[ "$(wc -l < "$DIR/isp$i")" = $N ] || fail "ISP $i absorbs $(wc -l < "$DIR/isp$i") prefixes"
	cat "$DIR/isp$i" >> "$DIR/all"
done
sort -u "$DIR/all" > "$DIR/union"
U=$(wc -l < "$DIR/union")
multi=$(sort "$DIR/all" | uniq -d | wc -l)
[ "$multi" -gt $((U / 2)) ] || fail "only $multi of $U prefixes offered by several ISPs"
for ns in "$A" "$B"; do
	vtysh -N "$ns" -c 'show ip bgp json' | jq -r '.routes | keys[]' | sort > "$DIR/bgp-$ns"
	cmp -s "$DIR/union" "$DIR/bgp-$ns" ||
		fail "$ns's BGP table ($(wc -l < "$DIR/bgp-$ns")) differs from the ISPs' $U prefixes"
done
echo "ok: both border routers hold the $U prefixes ($multi through several ISPs)"

# BMP: every ISP's pre-policy routes from both routers, named by sysName
bmp_complete() {
	[ -f "$DIR/routes.txt" ] || return 1
	local p addr ns as r
	for p in $PEERS; do
		IFS=: read -r addr ns as <<< "$p"
		r=$([ "$ns" = "$A" ] && echo a || echo b)
		[ "$(awk -v r=$r -v a=$addr -v as=$as '$2 == r && $3 == a && $4 == as && $6 == a' \
		     "$DIR/routes.txt" | wc -l)" = $N ] || return 1
	done
}
wait_for 60 bmp_complete || fail "neto bmp does not hold $N routes per ISP and router"
for p in $PEERS; do
	IFS=: read -r addr ns as <<< "$p"
	r=$([ "$ns" = "$A" ] && echo a || echo b)
	case $addr in 10.250.1.2) f=isp1;; 10.250.2.2|10.250.3.2) f=isp2;; *) f=isp3;; esac
	awk -v r=$r -v a=$addr '$2 == r && $3 == a {print $1}' "$DIR/routes.txt" | sort |
		cmp -s - "$DIR/$f" || fail "BMP routes of $r from $addr are not ISP $f's prefixes"
done
grep -Eq "^peer a 10.250.1.2 as 64501 up routes $N$" "$DIR/bmp.out" || fail "bmp summary"
echo "ok: neto bmp holds each ISP's $N pre-policy routes from a and b"

# the peering file names routers as BMP does and egresses by peer address
grep -q "^egress transit1-a a 10.250.1.2 transit1-a$" "$DIR/peering.txt" &&
	grep -q "^egress peer3-b b 10.250.4.2 peer3-b$" "$DIR/peering.txt" &&
	[ "$(grep -c '^link ' "$DIR/peering.txt")" = 4 ] || fail "peering file: $(cat "$DIR/peering.txt")"
"$NETO" lab status --dir "$DIR" > "$DIR/status" || fail "lab status exits $?"
[ "$(grep -c ' Established ' "$DIR/status")" = 4 ] || fail "status: $(cat "$DIR/status")"
# a probe responder per ISP when this neto has the command, else a note
if "$NETO" probe-responder --help > /dev/null 2>&1; then
	[ "$(grep -Ec '^responder-[a-z0-9]+ +[0-9]+ +running$' "$DIR/status")" = 3 ] ||
		fail "responders: $(grep responder "$DIR/status")"
	echo "ok: a probe responder runs in each ISP"
else
	grep -q "^note: probe responders not started" "$DIR/status" || fail "no note on responders"
fi

# traffic from a border site toward prefixes whose best path there is a
# given link's ISP (from a when BGP uses it there, across the WAN to b's
# links too; else from b): that link carries it, the others do not
for r in a b; do
	ns=$([ $r = a ] && echo "$A" || echo "$B")
	vtysh -N "$ns" -c 'show ip bgp json' |
		jq -r '.routes | to_entries[] | .key as $p | .value[] | select(.bestpath == true) |
		       "\($p) \(.nexthops[0].ip)"' > "$DIR/best-$r"
done
for p in $PEERS; do
	IFS=: read -r addr ns as <<< "$p"
	link=$(awk -v a=$addr '$1 == "egress" && $4 == a {print $5}' "$DIR/peering.txt")
	for from in a b; do
		mapfile -t pf < <(awk -v a=$addr '$2 == a {print $1}' "$DIR/best-$from" | head -10)
		[ ${#pf[@]} -ge 3 ] && break
	done
	[ ${#pf[@]} -ge 3 ] || fail "BGP chose $addr for only ${#pf[@]} prefixes at a and at b"
	args=(); for x in "${pf[@]}"; do args+=(--to "$x"); done
	"$NETO" lab isp-traffic --dir "$DIR" --from $from "${args[@]}" --rate 2M --seconds 1.5 \
		> "$DIR/traffic" || fail "isp-traffic: $(cat "$DIR/traffic")"
	sent=$(awk '/^sent/ {print $4}' "$DIR/traffic")
	[ "$sent" -gt 300000 ] || fail "sent only $sent octets"
	while read -r _ name _ octets _; do
		if [ "$name" = "$link" ]; then
			[ "$octets" -ge "$sent" ] || fail "$name carried $octets of $sent octets"
		else
			[ "$octets" -lt $((sent / 20)) ] || fail "$name carried $octets octets meant for $link"
		fi
	done < <(grep '^link ' "$DIR/traffic")
	echo "ok: traffic from $from to ${#pf[@]} prefixes via $addr left through $link ($sent octets)"
done

# a site without BGP (d, whose IS-IS default route leads to its nearest
# border router a): its traffic takes a's BGP choice, also across a-b
for addr in 10.250.1.2 10.250.4.2; do
	link=$(awk -v a=$addr '$1 == "egress" && $4 == a {print $5}' "$DIR/peering.txt")
	mapfile -t pf < <(awk -v a=$addr '$2 == a {print $1}' "$DIR/best-a" | tail -10)
	args=(); for x in "${pf[@]}"; do args+=(--to "$x"); done
	"$NETO" lab isp-traffic --dir "$DIR" --from d "${args[@]}" --rate 2M --seconds 1.5 \
		> "$DIR/traffic" || fail "isp-traffic from d: $(cat "$DIR/traffic")"
	sent=$(awk '/^sent/ {print $4}' "$DIR/traffic")
	while read -r _ name _ octets _; do
		if [ "$name" = "$link" ]; then
			[ "$octets" -ge "$sent" ] || fail "from d: $name carried $octets of $sent octets"
		else
			[ "$octets" -lt $((sent / 20)) ] || fail "from d: $name carried $octets octets meant for $link"
		fi
	done < <(grep '^link ' "$DIR/traffic")
	echo "ok: traffic from d to ${#pf[@]} prefixes a sends via $addr left through $link"
done

# neto's injector (here GoBGP, as neto's iBGP speaker would) in the
# management namespace connects to a's passive neighbour and moves one
# prefix from transit1-a to peer3-b with LOCAL_PREF 200: a's traffic follows
if command -v gobgpd >/dev/null && command -v gobgp >/dev/null; then
	X=$(awk '$2 == "10.250.1.2" {print $1}' "$DIR/best-a" | grep -Fxf "$DIR/isp3" | head -1)
	[ -n "$X" ] || fail "no prefix both transit1-a (best) and peer3 offer"
	cat > "$DIR/gobgpd.toml" <<EOF2
[global.config]
  as = 65000
  router-id = "10.254.1.2"
  port = -1
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.254.1.1"
    peer-as = 65000
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF2
	ip netns exec "$M" gobgpd -f "$DIR/gobgpd.toml" --api-hosts 127.0.0.1:50071 \
		> "$DIR/gobgpd.log" 2>&1 &
	GOBGP_PID=$!
	G() { ip netns exec "$M" gobgp -u 127.0.0.1 -p 50071 "$@"; }
	wait_for 20 G global > /dev/null 2>&1 || fail "gobgpd API"
	G global rib add -a ipv4 "$X" nexthop 10.250.4.2 local-pref 200 || fail "gobgp rib add"
	best_x() {
		vtysh -N "$A" -c "show ip bgp $X json" |
			jq -e --arg n "$1" '.paths[] | select(.bestpath.overall == true) |
			   select(.nexthops[0].ip == $n)' > /dev/null
	}
	wait_for 30 best_x 10.250.4.2 || fail "a did not take neto's route for $X"
	"$NETO" lab isp-traffic --dir "$DIR" --from a --to "$X" --rate 2M --seconds 1.5 \
		> "$DIR/traffic" || fail "isp-traffic"
	sent=$(awk '/^sent/ {print $4}' "$DIR/traffic")
	got=$(awk '$2 == "peer3-b" {print $4}' "$DIR/traffic")
	old=$(awk '$2 == "transit1-a" {print $4}' "$DIR/traffic")
	[ "$got" -ge "$sent" ] && [ "$old" -lt $((sent / 20)) ] ||
		fail "injected $X: peer3-b $got, transit1-a $old of $sent octets"
	G global rib del -a ipv4 "$X" || fail "gobgp rib del"
	wait_for 30 best_x 10.250.1.2 || fail "a did not return to BGP's choice for $X"
	echo "ok: an iBGP announcement from the management namespace moved $X to peer3-b and back"
	kill "$GOBGP_PID"; wait "$GOBGP_PID" 2>/dev/null; GOBGP_PID=
else
	echo "note: gobgpd missing, the iBGP injection was not tried"
fi

# down: no namespace, no process of the lab stays
pids=$(awk '$1 == "pid" || $1 == "proc" {print $2}' "$DIR/lab.state")
kill "$BMP_PID"; wait "$BMP_PID" 2>/dev/null; BMP_PID=
"$NETO" lab down --dir "$DIR" --quiet || fail "lab down"
left=$(ip netns list | awk '{print $1}' | grep -c "^$P")
[ "$left" = 0 ] || fail "$left namespaces left"
for pid in $pids; do
	[ -d /proc/"$pid" ] && [ "$(cut -d' ' -f3 /proc/"$pid"/stat)" != Z ] && fail "process $pid left"
done
[ ! -e "$DIR/lab.state" ] && [ ! -e "$DIR/peering.txt" ] || fail "state or peering file left"
echo "ok: lab down removed everything ($(( $(date +%s) - start )) s)"
echo "PASS"
